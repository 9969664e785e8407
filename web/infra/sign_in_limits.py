"""Sign-in limits that hold under concurrency and that no outsider can turn into a lock-out.

The policy (failed sign-ins within a 15-minute window; an IPv6 address counts as its /64 network,
which one subscriber usually holds whole):

- A browser holding a device cookie of the account (given at each successful sign-in, kept 90
  days) is counted on its own: after 5 failures that browser waits. Nothing anyone does elsewhere
  (even at the same shared address: a centre's one NAT) stops it.
- Any other client is counted per (account, address): after 5, that address may not sign in to
  that account, not even with the right password — this stops one guesser;
- and per address: after 20, over any accounts, that address may not sign in at all — this stops
  one guesser trying many names;
- and per account: after 30 from anywhere (more than one address can reach alone: it takes a
  guesser at least six), only an address this account signed in from within 90 days may still try;
  other strangers wait. So a spread-out guess at one account gets ~30 tries per window, and still
  does not stop the user at their own address or in their own browser.

Each try is *reserved* before the password is checked: the counts are read, compared and raised in
one write transaction (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock: across threads and
processes), and a success hands its reservation back. So 40 parallel guesses at one account from one
address get 5 password checks, not 11.

Why not Flask-Limiter (and its ``limits`` storage): its stores are memory (one process), Redis,
Memcached or MongoDB — none of which Peiban runs; SQLite and PostgreSQL it does not support. Its
"count only failures" (``deduct_when``) tests the limit before the request and deducts after the
answer, which is the very race fixed here. And it has no notion of a known client passing an
account-wide limit. The rows below are few and live beside the sessions.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from projections.db import Tx, ViewDatabase

ATTEMPT_WINDOW = timedelta(minutes=15)
#: Failed sign-ins allowed within the window: per (account, address), per address, per account for strangers.
PER_PAIR, PER_ADDRESS, PER_ACCOUNT = 5, 20, 30
#: How long a successful sign-in makes its address and its browser known to the account.
KNOWN_FOR = timedelta(days=90)

TABLES = (
    "CREATE TABLE IF NOT EXISTS access_attempt ("
    " attempt_key TEXT PRIMARY KEY, window_start TEXT NOT NULL, failures INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_known ("
    " account_id TEXT NOT NULL, marker TEXT NOT NULL, seen_at TEXT NOT NULL, PRIMARY KEY (account_id, marker))",
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_address(address: str) -> str:
    """The address a client is counted by: IPv4 as it is, IPv6 by its /64 network."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Attempt:
    """One sign-in try: the account the name resolves to, the caller's address, its device cookie."""

    account_id: str
    address: str
    device: str = ""

    @property
    def counted_as(self) -> str:
        return client_address(self.address)

    @property
    def device_key(self) -> str:
        return f"device:{self.account_id}|{_digest(self.device)}"

    @property
    def stranger_keys(self) -> tuple[str, str, str]:
        """The counters a client without a device cookie counts towards: (account, address), address, account."""
        address = self.counted_as
        return f"pair:{self.account_id}|{address}", f"address:{address}", f"account:{self.account_id}"


class SignInLimits:
    """Failed sign-in counters and the clients each account knows, in the sessions' database."""

    def __init__(self, db: ViewDatabase) -> None:
        self.db = db
        with db.write() as tx:
            for statement in TABLES:
                tx.execute(statement)

    def reserve(self, attempt: Attempt, now: datetime) -> tuple[str, ...] | None:
        """Count the try as a failure if the limits allow it (atomically): the counters raised; None: throttled."""
        with self.db.write() as tx:
            if attempt.device and _known(tx, attempt.account_id, f"device:{_digest(attempt.device)}", now):
                keys: tuple[str, ...] = (attempt.device_key,)
                allowed = _count(tx, attempt.device_key, now) < PER_PAIR
            else:
                keys = pair, address, account = attempt.stranger_keys
                allowed = _count(tx, pair, now) < PER_PAIR and _count(tx, address, now) < PER_ADDRESS
                if allowed and _count(tx, account, now) >= PER_ACCOUNT:
                    allowed = _known(tx, attempt.account_id, f"address:{attempt.counted_as}", now)
            if not allowed:
                return None
            for key in keys:
                _add(tx, key, now, 1)
        return keys

    def succeeded(self, attempt: Attempt, reserved: tuple[str, ...], now: datetime) -> str:
        """Give the reservation back (clearing the client's own count) and remember the client; a new device token."""
        device = secrets.token_urlsafe(32)
        with self.db.write() as tx:
            tx.execute("DELETE FROM access_attempt WHERE attempt_key = ?", [reserved[0]])
            for key in reserved[1:]:
                _add(tx, key, now, -1)
            tx.execute("DELETE FROM access_known WHERE account_id = ? AND seen_at < ?", [attempt.account_id, _old(now)])
            for marker in (f"address:{attempt.counted_as}", f"device:{_digest(device)}"):
                tx.execute(
                    "INSERT INTO access_known VALUES (?, ?, ?)"
                    " ON CONFLICT (account_id, marker) DO UPDATE SET seen_at = excluded.seen_at",
                    [attempt.account_id, marker, now.isoformat()],
                )
        return device


def _old(now: datetime) -> str:
    return (now - KNOWN_FOR).isoformat()


def _count(tx: Tx, key: str, now: datetime) -> int:
    row = tx.one("SELECT window_start, failures FROM access_attempt WHERE attempt_key = ?", [key])
    return int(row[1]) if row and now - datetime.fromisoformat(row[0]) < ATTEMPT_WINDOW else 0


def _add(tx: Tx, key: str, now: datetime, step: int) -> None:
    """Add ``step`` to a counter, starting a new window when the old one has passed (never below 0)."""
    row = tx.one("SELECT window_start FROM access_attempt WHERE attempt_key = ?", [key])
    if row is None or now - datetime.fromisoformat(row[0]) >= ATTEMPT_WINDOW:
        tx.execute(
            "INSERT INTO access_attempt VALUES (?, ?, ?) ON CONFLICT (attempt_key)"
            " DO UPDATE SET window_start = excluded.window_start, failures = excluded.failures",
            [key, now.isoformat(), max(step, 0)],
        )
    else:
        tx.execute(
            "UPDATE access_attempt SET failures = CASE WHEN failures + ? < 0 THEN 0 ELSE failures + ? END"
            " WHERE attempt_key = ?",
            [step, step, key],
        )


def _known(tx: Tx, account_id: str, marker: str, now: datetime) -> bool:
    row = tx.one(
        "SELECT 1 FROM access_known WHERE account_id = ? AND marker = ? AND seen_at >= ?",
        [account_id, marker, _old(now)],
    )
    return row is not None
