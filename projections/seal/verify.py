"""Verification: recompute the chain from the log as stored, and compare it with the stored chain and
with signed checkpoints (the server's own, and those an auditor kept off the server).

It reports the first position where the log and its seal part ways: a fact edited, swapped,
reordered or inserted (its recomputed head differs, or the seal never saw it), a fact deleted
or the tail cut off (the seal reaches a position the log no longer has), or a checkpoint that
is not signed by the seal key or does not match the log up to its position.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.seal.chain import GENESIS, link
from projections.seal.checkpoints import Checkpoint
from projections.seal.store import Progress, SealedLog, SealStore
from projections.seal.verdict import Verdict


@dataclass(frozen=True)
class SignedBy:
    """Checkpoints to check, the key that must have signed them, and where they come from (for messages)."""

    checkpoints: Sequence[Checkpoint]
    key: Ed25519PublicKey | None  # None: only their heads can be compared
    source: str


@dataclass
class _Scan:
    head: str = GENESIS
    verified: int = 0
    last: int = 0
    log_end: int = 0
    broken_at: int | None = None
    reason: str = ""

    def broken(self, position: int, reason: str) -> None:
        self.broken_at, self.reason = position, reason


def _stored(seal: SealStore, upto: int) -> Iterator[tuple[int, str]]:
    after = 0
    while rows := seal.chain(after, upto):
        yield from rows
        after = rows[-1][0]


def _scan(app: SealedLog, seal: SealStore, wanted: set[int], progress: Progress | None) -> tuple[_Scan, dict[int, str]]:
    """Walk the log and the stored chain side by side, up to the first place they part."""
    sealed_upto, log_end = seal.sealed_position(), app.log_position()
    stored, scan, heads = _stored(seal, sealed_upto), _Scan(log_end=log_end), {}
    expected = next(stored, None)
    while scan.broken_at is None:
        facts = app.recorder.select_notifications(scan.last, seal.batch_size, stop=log_end, inclusive_of_start=False)
        if not facts:
            break
        for fact in facts:
            scan.head, scan.last = link(scan.head, fact), fact.id
            if fact.id in wanted:
                heads[fact.id] = scan.head
            if expected is None:
                continue  # recorded after the last sealed fact: nothing to compare yet
            if expected[0] < fact.id:
                scan.broken(
                    expected[0], f"位置 {expected[0]} 的事实已不在日志中 / the sealed fact is missing from the log"
                )
            elif expected[0] > fact.id:
                scan.broken(fact.id, f"位置 {fact.id} 的事实从未被封存 / this fact was never sealed")
            elif expected[1] != scan.head:
                scan.broken(fact.id, f"位置 {fact.id} 的事实与封存时不同 / the fact differs from the one sealed")
            if scan.broken_at is not None:
                break
            scan.verified, expected = fact.id, next(stored, None)
        if progress is not None:
            progress(scan.last, max(log_end, scan.last))
    if scan.broken_at is None and expected is not None:
        scan.broken(expected[0], f"日志止于 {scan.last}，封存到 {sealed_upto} / the log ends before the sealed facts")
    return scan, heads


def _check_checkpoint(signed: SignedBy, checkpoint: Checkpoint, scan: _Scan, heads: dict[int, str]) -> str:
    """Why the checkpoint fails, or "" when it holds."""
    where = f"{signed.source} 检查点 {checkpoint.position} / {signed.source} checkpoint"
    if signed.key is not None and not checkpoint.signed_by(signed.key):
        return f"{where}: 签名无效 / not signed by the seal key"
    if checkpoint.position > scan.last:
        return f"{where}: 日志止于 {scan.last} / the log ends before it"
    if heads.get(checkpoint.position) != checkpoint.head:
        return f"{where} ({checkpoint.signed_at}): 日志与检查点不符 / the log up to here differs from it"
    return ""


def verify(
    app: SealedLog, seal: SealStore, checks: Sequence[SignedBy], *, now: datetime, progress: Progress | None = None
) -> Verdict:
    """Check the whole log against the stored chain and every checkpoint given; the first break wins."""
    wanted = {c.position for signed in checks for c in signed.checkpoints}
    scan, heads = _scan(app, seal, wanted, progress)
    breaks = [] if scan.broken_at is None else [(scan.broken_at, scan.reason)]
    verified, checked = scan.verified, 0
    for signed in checks:
        for checkpoint in signed.checkpoints:
            if scan.broken_at is not None and checkpoint.position >= scan.broken_at:
                continue  # the log already parted from its seal before this checkpoint
            problem = _check_checkpoint(signed, checkpoint, scan, heads)
            checked += 1
            if problem:
                breaks.append((checkpoint.position, problem))
            else:
                verified = max(verified, checkpoint.position)
    if not breaks:
        return Verdict(now.isoformat(), scan.log_end, verified, checkpoints=checked)
    broken_at, reason = min(breaks)
    verified = min(verified, broken_at - 1)
    return Verdict(now.isoformat(), scan.log_end, verified, broken_at, reason, checked)
