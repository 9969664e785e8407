"""Rebuilding views from the log: what a rebuild reports, and every view rebuilt in one pass here.

A rebuild folds the whole log into a fresh database beside the view (a file or schema nobody else
reads: no journal, no wait for the disk, many facts a transaction, and the indexes only readers use
made at the end), then switches the view over to it in one transaction of the view's own
(``Projection.switch_to``): readers see the old rows or the new, a crash before the switch leaves the
old view, and what a follower folded meanwhile is folded again before anyone reads. Views can also be
rebuilt each in a process of its own (``projections.rebuild_apart``).
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from projections.engine import Progress, Projection, _facts, uncollected


@dataclass(frozen=True)
class ViewRebuilt:
    """One view's rebuild: facts folded, the seconds its fold took (reading the log included, unless the log was
    read once for every view: see ``Rebuilt.reading_seconds``) and the seconds its switch-over took."""

    name: str
    facts: int
    fold_seconds: float
    switch_seconds: float

    @property
    def rate(self) -> float:
        """Facts a second, switch-over included."""
        return self.facts / max(self.fold_seconds + self.switch_seconds, 1e-9)


@dataclass(frozen=True)
class Rebuilt:
    """A rebuild of several views: each view's figures, and the facts and seconds of the whole."""

    views: tuple[ViewRebuilt, ...]
    facts: int
    seconds: float
    #: whether each view was rebuilt in a process of its own
    apart: bool
    #: in one pass, the seconds spent reading and deserialising the log, once for every view
    reading_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.facts / max(self.seconds, 1e-9)


def rebuild_one(live: Projection, fresh: Projection, progress: Progress | None = None) -> ViewRebuilt:
    """Fold the whole log into ``fresh`` (thrown away if that fails), then switch ``live`` over to it."""
    return ViewRebuilt(live.view.name, *live.rebuild_into(fresh, progress))


def rebuild_together(projections: list[Projection], progress: Progress | None = None) -> Rebuilt:
    """Rebuild several views of one log in a single pass here: the log is read and deserialised once."""
    started = time.perf_counter()
    app = projections[0].app
    batch_size = max(p.batch_size for p in projections)
    fresh = [Projection(app, p.view, p.db.fresh(), batch_size=batch_size) for p in projections]
    try:
        with uncollected():
            folded, folding, reading = _one_pass(fresh, progress)
    except BaseException:
        for projection in fresh:
            projection.db.discard()
        raise
    done: list[ViewRebuilt] = []
    pending = list(zip(projections, fresh, folding, strict=True))
    try:
        while pending:
            projection, rebuilt, fold_seconds = pending.pop(0)
            began = time.perf_counter()
            projection.switch_to(rebuilt)
            done.append(ViewRebuilt(projection.view.name, folded, fold_seconds, time.perf_counter() - began))
    finally:
        for _, left, _ in pending:
            left.db.discard()
    return Rebuilt(tuple(done), folded, time.perf_counter() - started, apart=False, reading_seconds=reading)


def _one_pass(fresh: list[Projection], progress: Progress | None) -> tuple[int, list[float], float]:
    """Fold the whole log into each of ``fresh``: the facts folded, the seconds each view's fold took, and the
    seconds reading the log took."""
    app, batch_size, per_transaction = fresh[0].app, fresh[0].batch_size, fresh[0].per_transaction
    folding = [0.0 for _ in fresh]
    total, position, folded, reading = app.log_position(), 0, 0, 0.0
    ended = False
    while not ended:  # a transaction of each view's for many batches
        transactions = [_Transaction(p) for p in fresh]
        try:
            in_transaction = 0
            while in_transaction < per_transaction:
                began = time.perf_counter()
                notifications = app.recorder.select_notifications(position, batch_size, inclusive_of_start=False)
                events = _facts(app, notifications)
                reading += time.perf_counter() - began
                for n, transaction in enumerate(transactions):
                    folding[n] += transaction.fold(events)
                folded += len(events)
                in_transaction += len(events)
                if progress is not None:
                    progress(folded, max(total, folded))
                if len(events) < batch_size:
                    ended = True
                    break
                position = events[-1][0]
        except BaseException as error:
            for transaction in transactions:
                transaction.end(error)
            raise
        for n, transaction in enumerate(transactions):
            folding[n] += transaction.end()
    return folded, folding, reading


class _Transaction:
    """A write transaction of a rebuild's database, held open over several batches of a pass over the log."""

    def __init__(self, projection: Projection) -> None:
        self.projection = projection
        self.stack = ExitStack()
        self.tx = self.stack.enter_context(projection.db.write())
        projection._prepare(self.tx)

    def fold(self, events: list[tuple[int, Any]]) -> float:
        """Fold a batch; the seconds it took."""
        began = time.perf_counter()
        self.projection._fold(self.tx, events)
        return time.perf_counter() - began

    def end(self, error: BaseException | None = None) -> float:
        """Commit (roll back, after ``error``); the seconds it took."""
        began = time.perf_counter()
        if error is None:
            self.stack.close()
        else:
            self.stack.__exit__(type(error), error, error.__traceback__)
        return time.perf_counter() - began
