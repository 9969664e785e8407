"""Re-basing the seal when a store is encrypted in place (``peiban encrypt``).

Encryption changes every stored byte, so the chain over the stored bytes changes too. The seal
does not simply forget the old chain: before the migration it is verified and a checkpoint is
signed (the head ``old_head`` at ``position``), and the re-base is recorded as pending. After it,
the chain is recomputed over the *decrypted* rows: the migration encrypted the stored bytes
exactly as they were, so this must give ``old_head`` again, or nothing is re-based. Only then are
the old chain and checkpoints set aside (kept, in ``checkpoints_before_rebase``), the chain is
rebuilt over the encrypted bytes, a checkpoint is signed after, and a signed statement
"``old_head`` at ``position`` became ``new_head``" links the two chains for auditors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from eventsourcing.persistence import Notification

from projections.seal.chain import GENESIS, link
from projections.seal.store import Progress, SealStore

TABLES = (
    "CREATE TABLE IF NOT EXISTS rebases (position BIGINT PRIMARY KEY, old_head TEXT NOT NULL, new_head TEXT,"
    " reason TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, signature TEXT)",
    "CREATE TABLE IF NOT EXISTS checkpoints_before_rebase (rebase_position BIGINT NOT NULL, position BIGINT NOT NULL,"
    " head TEXT NOT NULL, signed_at TEXT NOT NULL, signature TEXT NOT NULL)",
)
FORMAT = "peiban-seal-rebase/1"


class RebaseRefused(Exception):
    """The re-based log does not decrypt to the log that was sealed: the seal is left as it was."""


@dataclass(frozen=True)
class Rebase:
    """The chain's head at ``position`` before and after the store was encrypted, and the seal key's word on it."""

    position: int
    old_head: str
    new_head: str
    finished_at: str
    signature: str

    def message(self) -> bytes:
        """The bytes that are signed."""
        return f"{FORMAT}\n{self.position}\n{self.old_head}\n{self.new_head}\n{self.finished_at}".encode()


def pending(seal: SealStore) -> tuple[int, str] | None:
    """The re-base begun and not finished (a migration interrupted), if any."""
    with seal.writing() as tx:
        for ddl in TABLES:
            tx.execute(ddl)
        row = tx.one("SELECT position, old_head FROM rebases WHERE finished_at IS NULL")
    return None if row is None else (int(row[0]), str(row[1]))


def begin(seal: SealStore, reason: str, now: datetime) -> tuple[int, str]:
    """Seal every fact, sign a checkpoint at the head, and record the re-base as pending; returns (position, head)."""
    seal.checkpoint()
    with seal.writing() as tx:
        position, head = seal.head(tx)
        tx.execute(
            "INSERT INTO rebases (position, old_head, reason, started_at) VALUES (?, ?, ?, ?)",
            [position, head, reason, now.isoformat()],
        )
    return position, head


def finish(
    seal: SealStore, decrypt: Callable[[Notification], bytes], now: datetime, progress: Progress | None = None
) -> Rebase:
    """Check the encrypted log against the old chain, then rebuild the chain over it and sign the link."""
    found = pending(seal)
    assert found is not None, "no re-base was begun"
    position, old_head = found
    if _plaintext_head(seal, position, decrypt) != old_head:
        raise RebaseRefused(
            f"解密后的日志与加密前封存的不符（位置 {position}）/ the decrypted log differs from the log sealed"
            f" before encryption (position {position})"
        )
    with seal.writing() as tx:
        tx.execute(
            "INSERT INTO checkpoints_before_rebase (rebase_position, position, head, signed_at, signature)"
            " SELECT ?, position, head, signed_at, signature FROM checkpoints",
            [position],
        )
        tx.execute("DELETE FROM checkpoints")
        tx.execute("DELETE FROM chain")  # the seal's own table: the event store's rows are never deleted
    seal.catch_up(progress)
    seal.checkpoint()
    new_head = dict(seal.chain(position - 1, position)).get(position, GENESIS)
    with seal.writing() as tx:
        rebase = _signed(seal, Rebase(position, old_head, new_head, now.isoformat(), ""))
        tx.execute(
            "UPDATE rebases SET new_head = ?, finished_at = ?, signature = ? WHERE position = ?",
            [rebase.new_head, rebase.finished_at, rebase.signature, position],
        )
    return rebase


def _signed(seal: SealStore, rebase: Rebase) -> Rebase:
    if seal.key is None:
        return rebase
    return replace(rebase, signature=base64.b64encode(seal.key.sign(rebase.message())).decode())


def _plaintext_head(seal: SealStore, upto: int, decrypt: Callable[[Notification], bytes]) -> str:
    """The chain's head at ``upto`` computed over the decrypted rows (the bytes as they were stored before)."""
    head, after = GENESIS, 0
    while facts := seal.app.recorder.select_notifications(after, seal.batch_size, stop=upto, inclusive_of_start=False):
        for fact in facts:
            head = link(head, replace(fact, state=decrypt(fact)))
        after = facts[-1].id
        if after >= upto:
            break
    return head


def rebases(seal: SealStore) -> list[Rebase]:
    """Every finished re-base, oldest first."""
    pending(seal)
    with seal.reading() as tx:
        rows = tx.query(
            "SELECT position, old_head, new_head, finished_at, signature FROM rebases"
            " WHERE finished_at IS NOT NULL ORDER BY position"
        )
    return [Rebase(int(p), str(o), str(n), str(f), str(s or "")) for p, o, n, f, s in rows]
