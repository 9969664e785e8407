"""Server-side sessions and sign-in attempts, kept in a store of their own.

A session id lives only in the user's cookie; the store keeps its SHA-256, so a
copy of the store opens no session. Signing out or disabling an account deletes
its rows, so a cookie copied before that no longer works.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from projections.db import ViewDatabase

SESSION_LIFETIME = timedelta(hours=12)
IDLE_LIFETIME = timedelta(hours=2)
ATTEMPT_WINDOW = timedelta(minutes=15)

TABLES = (
    "CREATE TABLE IF NOT EXISTS access_session ("
    " session_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, csrf_token TEXT NOT NULL,"
    " created_at TEXT NOT NULL, seen_at TEXT NOT NULL, address TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS access_session_account ON access_session (account_id)",
    "CREATE TABLE IF NOT EXISTS access_attempt ("
    " attempt_key TEXT PRIMARY KEY, window_start TEXT NOT NULL, failures INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_secret (name TEXT PRIMARY KEY, secret TEXT NOT NULL)",
)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    account_id: str
    csrf_token: str


class SessionStore:
    def __init__(self, db: ViewDatabase) -> None:
        self.db = db
        with db.write() as tx:
            for statement in TABLES:
                tx.execute(statement)

    def secret(self, name: str) -> str:
        """A random secret kept in the store (the same for every process and after a restart)."""
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO access_secret (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                [name, secrets.token_hex(32)],
            )
            row = tx.one("SELECT secret FROM access_secret WHERE name = ?", [name])
        assert row is not None
        return str(row[0])

    def open(self, account_id: str, address: str, now: datetime) -> tuple[str, Session]:
        """A new session (a fresh id at every sign-in); returns the id for the cookie."""
        session_id = secrets.token_urlsafe(32)
        session = Session(account_id, secrets.token_urlsafe(24))
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO access_session VALUES (?, ?, ?, ?, ?, ?)",
                [digest(session_id), account_id, session.csrf_token, now.isoformat(), now.isoformat(), address[:100]],
            )
        return session_id, session

    def find(self, session_id: str, now: datetime) -> Session | None:
        """The live session with this id, touched; None if unknown, expired or idle too long."""
        key = digest(session_id)
        with self.db.write() as tx:
            row = tx.one(
                "SELECT account_id, csrf_token, created_at, seen_at FROM access_session WHERE session_hash = ?", [key]
            )
            if row is None:
                return None
            created, seen = datetime.fromisoformat(row[2]), datetime.fromisoformat(row[3])
            if now - created > SESSION_LIFETIME or now - seen > IDLE_LIFETIME:
                tx.execute("DELETE FROM access_session WHERE session_hash = ?", [key])
                return None
            if now - seen > timedelta(minutes=1):
                tx.execute("UPDATE access_session SET seen_at = ? WHERE session_hash = ?", [now.isoformat(), key])
        return Session(str(row[0]), str(row[1]))

    def close(self, session_id: str) -> None:
        with self.db.write() as tx:
            tx.execute("DELETE FROM access_session WHERE session_hash = ?", [digest(session_id)])

    def close_all(self, account_id: str) -> None:
        """End every session of an account (disabled, or its password reset)."""
        with self.db.write() as tx:
            tx.execute("DELETE FROM access_session WHERE account_id = ?", [account_id])

    def failures(self, keys: list[str], now: datetime) -> int:
        """The most failed sign-ins within the window among ``keys`` (an account, an address)."""
        worst = 0
        with self.db.read() as tx:
            for key in keys:
                row = tx.one("SELECT window_start, failures FROM access_attempt WHERE attempt_key = ?", [key])
                if row and now - datetime.fromisoformat(row[0]) < ATTEMPT_WINDOW:
                    worst = max(worst, int(row[1]))
        return worst

    def failed(self, keys: list[str], now: datetime) -> None:
        with self.db.write() as tx:
            for key in keys:
                row = tx.one("SELECT window_start, failures FROM access_attempt WHERE attempt_key = ?", [key])
                if row is None:
                    tx.execute("INSERT INTO access_attempt VALUES (?, ?, 1)", [key, now.isoformat()])
                elif now - datetime.fromisoformat(row[0]) >= ATTEMPT_WINDOW:
                    tx.execute(
                        "UPDATE access_attempt SET window_start = ?, failures = 1 WHERE attempt_key = ?",
                        [now.isoformat(), key],
                    )
                else:
                    tx.execute("UPDATE access_attempt SET failures = failures + 1 WHERE attempt_key = ?", [key])

    def succeeded(self, key: str) -> None:
        with self.db.write() as tx:
            tx.execute("DELETE FROM access_attempt WHERE attempt_key = ?", [key])
