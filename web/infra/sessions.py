"""Server-side sessions, and the last one-time-code step each account used, kept in a store of their own.

A session id lives only in the user's cookie; the store keeps its SHA-256, so a
copy of the store opens no session. Signing out or disabling an account deletes
its rows, so a cookie copied before that no longer works.

Hand-written rather than Flask-Session (or Flask's signed-cookie session): an account's
sessions must all end at once when it is disabled or its password reset, which needs
them findable by account on the server, in the store Peiban already runs.

The time step of the last one-time code accepted for each account lives here too, not as
a fact in the accounts log: it changes at every sign-in and must be checked and raised
in one transaction across processes (a conditional write here does that), while the
accounts log records grants and changes people read later — a fact per sign-in would
also make every sign-in race administrators' changes for the account's next version.
It survives restarts like the sessions do (a file, or a PostgreSQL schema).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from projections.db import ViewDatabase

SESSION_LIFETIME = timedelta(hours=12)
IDLE_LIFETIME = timedelta(hours=2)

TABLES = (
    "CREATE TABLE IF NOT EXISTS access_session ("
    " session_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, csrf_token TEXT NOT NULL,"
    " created_at TEXT NOT NULL, seen_at TEXT NOT NULL, address TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS access_session_account ON access_session (account_id)",
    "CREATE TABLE IF NOT EXISTS access_second_factor (account_id TEXT PRIMARY KEY, last_step BIGINT NOT NULL)",
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

    def claim_step(self, account_id: str, step: int) -> bool:
        """Accept a one-time code's time step once: True if it is later than the last step accepted (atomically)."""
        with self.db.write() as tx:
            row = tx.one("SELECT last_step FROM access_second_factor WHERE account_id = ?", [account_id])
            if row is not None and int(row[0]) >= step:
                return False
            tx.execute(
                "INSERT INTO access_second_factor VALUES (?, ?)"
                " ON CONFLICT (account_id) DO UPDATE SET last_step = excluded.last_step",
                [account_id, step],
            )
        return True
