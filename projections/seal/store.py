"""The seal's follower: extends the hash chain over every new fact, in the seal's own database.

The chain lives apart from the event store and from the views (its own SQLite file or
PostgreSQL schema), is only ever appended to, and is never rebuilt: a stored head that
no longer matches the log is the evidence ``verify`` looks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import ApplicationRecorder

from domain import StoreSettings
from projections.db import MemoryViewDatabase, PostgresViewDatabase, SQLiteViewDatabase, Tx, ViewDatabase
from projections.seal.chain import GENESIS, link
from projections.seal.checkpoints import Checkpoint, document, sign
from projections.seal.verdict import Verdict

Progress = Callable[[int, int], None]
Clock = Callable[[], datetime]

TABLES = (
    "CREATE TABLE IF NOT EXISTS chain (position BIGINT PRIMARY KEY, head TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checkpoints (position BIGINT PRIMARY KEY, head TEXT NOT NULL,"
    " signed_at TEXT NOT NULL, signature TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS verifications (verified_at TEXT NOT NULL, log_position BIGINT NOT NULL,"
    " verified_position BIGINT NOT NULL, broken_at BIGINT, reason TEXT NOT NULL, checkpoints BIGINT NOT NULL)",
)


class SealedLog(Protocol):
    """What the seal needs of an application: its stored log, read as stored."""

    recorder: ApplicationRecorder

    def log_position(self) -> int: ...


def seal_database(settings: StoreSettings) -> ViewDatabase:
    """The seal's own database on the configured store: ``seal.sqlite3``, or the schema ``<prefix>_seal``."""
    if settings.backend == "postgres":
        return PostgresViewDatabase("seal", settings, f"{settings.postgres.schema or 'peiban'}_seal")
    if settings.backend == "sqlite":
        return SQLiteViewDatabase("seal", settings.sqlite_file("seal"))
    return MemoryViewDatabase("seal")


@dataclass(frozen=True)
class SealStatus:
    """What auditors see of the seal: how far it reaches, its latest checkpoint, the last verification."""

    log_position: int
    sealed_position: int
    head: str
    checkpoints: int
    latest_checkpoint: Checkpoint | None
    last_verification: Verdict | None


class SealStore:
    """The chain over one application's log, its signed checkpoints, and the verifications run."""

    def __init__(
        self,
        app: SealedLog,
        db: ViewDatabase,
        *,
        key: Ed25519PrivateKey | None,
        clock: Clock,
        checkpoint_every: int = 1000,
        batch_size: int = 2000,
    ) -> None:
        self.app = app
        self.db = db
        self.key = key
        self.clock = clock
        self.checkpoint_every = checkpoint_every
        self.batch_size = batch_size
        self._ready = False

    @contextmanager
    def writing(self) -> Iterator[Tx]:
        """A write transaction on the seal, its tables created if need be."""
        with self.db.write() as tx:
            if not self._ready:
                for ddl in TABLES:
                    tx.execute(ddl)
            yield tx
        self._ready = True

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A consistent read of the seal."""
        if not self._ready:
            with self.writing():
                pass
        with self.db.read() as tx:
            yield tx

    def head(self, tx: Tx) -> tuple[int, str]:
        """The last sealed position and the chain's head there (0 and the genesis head when empty)."""
        row = tx.one("SELECT position, head FROM chain ORDER BY position DESC LIMIT 1")
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    def catch_up(self, progress: Progress | None = None) -> int:
        """Chain every fact recorded since the last sealed one, signing a checkpoint every so many facts;
        returns how many were sealed."""
        sealed, total = 0, -1
        while True:
            with self.writing() as tx:
                position, head = self.head(tx)
                if progress is not None and total < 0:  # only a progress bar needs the head: a query less otherwise
                    total = max(self.app.log_position() - position, 0)
                facts = self.app.recorder.select_notifications(position, self.batch_size, inclusive_of_start=False)
                last_signed = self._last_checkpoint(tx)
                for fact in facts:
                    head = link(head, fact)
                    tx.execute("INSERT INTO chain (position, head) VALUES (?, ?)", [fact.id, head])
                    if self.key is not None and fact.id - last_signed >= self.checkpoint_every:
                        last_signed = self._sign(tx, fact.id, head)
            sealed += len(facts)
            if progress is not None:
                progress(sealed, max(total, sealed))
            if len(facts) < self.batch_size:
                return sealed

    def _last_checkpoint(self, tx: Tx) -> int:
        row = tx.one("SELECT MAX(position) FROM checkpoints")
        return int(row[0]) if row and row[0] is not None else 0

    def _sign(self, tx: Tx, position: int, head: str) -> int:
        assert self.key is not None
        signed = sign(self.key, position, head, self.clock())
        tx.execute(
            "INSERT INTO checkpoints (position, head, signed_at, signature) VALUES (?, ?, ?, ?)",
            [signed.position, signed.head, signed.signed_at, signed.signature],
        )
        return position

    def checkpoint(self) -> Checkpoint | None:
        """Seal every new fact and sign a checkpoint at the head (if it moved since the last one)."""
        self.catch_up()
        with self.writing() as tx:
            position, head = self.head(tx)
            if self.key is not None and position > self._last_checkpoint(tx):
                self._sign(tx, position, head)
        found = self.checkpoints()
        return found[-1] if found else None

    def export(self) -> dict[str, Any]:
        """Every checkpoint (a fresh one signed at the head first) and the public key, for auditors to keep."""
        self.checkpoint()
        return document(self.checkpoints(), None if self.key is None else self.key.public_key())

    def checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, oldest first."""
        with self.reading() as tx:
            rows = tx.query("SELECT position, head, signed_at, signature FROM checkpoints ORDER BY position")
        return [Checkpoint(int(p), str(h), str(at), str(s)) for p, h, at, s in rows]

    def chain(self, after: int, upto: int) -> list[tuple[int, str]]:
        """Stored heads after position ``after`` up to ``upto``, at most one batch, in order."""
        with self.reading() as tx:
            rows = tx.query(
                "SELECT position, head FROM chain WHERE position > ? AND position <= ? ORDER BY position LIMIT ?",
                [after, upto, self.batch_size],
            )
        return [(int(p), str(h)) for p, h in rows]

    def sealed_position(self) -> int:
        with self.reading() as tx:
            return self.head(tx)[0]

    def record(self, verdict: Verdict) -> None:
        """Keep a verification's outcome, for the auditors' pages."""
        with self.writing() as tx:
            v = verdict
            tx.execute(
                "INSERT INTO verifications (verified_at, log_position, verified_position, broken_at, reason,"
                " checkpoints) VALUES (?, ?, ?, ?, ?, ?)",
                [v.verified_at, v.log_position, v.verified_position, v.broken_at, v.reason, v.checkpoints],
            )

    def status(self) -> SealStatus:
        """How far the seal reaches, its latest checkpoint and the last verification."""
        with self.reading() as tx:
            position, head = self.head(tx)
            count = tx.one("SELECT COUNT(*) FROM checkpoints")
            last = tx.one(
                "SELECT verified_at, log_position, verified_position, broken_at, reason, checkpoints"
                " FROM verifications ORDER BY verified_at DESC LIMIT 1"
            )
        found = self.checkpoints()
        verdict = (
            None
            if last is None
            else Verdict(str(last[0]), int(last[1]), int(last[2]), last[3], str(last[4]), int(last[5]))
        )
        return SealStatus(
            self.app.log_position(),
            position,
            head,
            int(count[0]) if count else 0,
            found[-1] if found else None,
            verdict,
        )
