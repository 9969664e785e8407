"""The follower: folds the application's log into a view, from its last tracked position.

Each batch of facts and the new tracking position are written in one transaction,
so a crash loses nothing and applies nothing twice: the next run resumes from the
position that committed with the rows. Readers call ``catch_up()`` before reading
(read-your-writes); a separate ``peiban project`` process can do the same in a loop.
"""

from __future__ import annotations

import gc
import hashlib
import time
from abc import ABC
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from domain.aggregate import PeibanAggregate
from domain.encryption import to_domain_events
from projections.db import Tx, ViewDatabase, index_name, statements

Progress = Callable[[int, int], None]


class FollowedLog(Protocol):
    """What a projection needs of an application: its name, its log and how to read it."""

    name: str
    recorder: ApplicationRecorder
    mapper: Mapper[Any]

    def log_position(self) -> int: ...


Handler = Callable[[Tx, Any], None]
#: In a rebuild's memo while everything its database holds was folded by this process and remembered (the memo not
#: emptied since the database was empty): a view may then take what its memo does not hold to have no rows.
FROM_EMPTY = "folded from empty"
#: Facts folded in one transaction of a rebuild's database.
REBUILD_TRANSACTION = 50_000


def _facts(app: FollowedLog, notifications: Sequence[Notification]) -> list[tuple[int, Any]]:
    """(position, fact) of a page of the log, deserialised together (an encrypted log's keys fetched at once)."""
    facts = to_domain_events(app.mapper, notifications)
    return [(n.id, fact) for n, fact in zip(notifications, facts, strict=True)]


@contextmanager
def uncollected(pausing: bool = True) -> Iterator[None]:
    """Python's cycle collector paused while a rebuild folds (if ``pausing``): the fold keeps many objects alive
    (remembered stories, ids' text, rows waiting to be sent), and each full collection walked them all again, a
    fifth of a rebuild's processor time; folding makes no cycles to collect."""
    paused = pausing and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


TRACKING = "CREATE TABLE IF NOT EXISTS tracking (application_name TEXT PRIMARY KEY, notification_id BIGINT NOT NULL)"
#: The version of the view's tables a database holds (none: version 1, from before versions were kept).
VERSIONS = "CREATE TABLE IF NOT EXISTS view_version (view_name TEXT PRIMARY KEY, version INTEGER NOT NULL)"


class View(ABC):
    """A fold of facts into tables. Subclasses name their tables and map fact classes to handlers."""

    name: ClassVar[str]
    #: table name -> CREATE TABLE statement (and any CREATE INDEX after a ';')
    tables: ClassVar[Mapping[str, str]]
    #: raised when the tables or what their rows mean change: a database of another version is folded afresh
    version: ClassVar[int] = 1
    #: indexes that only readers use (the fold never looks rows up by them): a rebuild makes them once its
    #: fold is done, instead of keeping them up to date row by row
    reading_indexes: ClassVar[frozenset[str]] = frozenset()

    def handlers(self) -> Mapping[type[PeibanAggregate.Event], Handler]:
        """Which method folds which kind of fact; facts not listed leave the view unchanged."""
        return {}

    def settle(self, tx: Tx) -> None:  # noqa: B027 (most views have nothing to settle)
        """Finish a batch of facts folded in ``tx`` (figures derived from many rows, worked out once a batch)."""

    def create(self, tx: Tx, *, rebuilding: bool = False) -> None:
        """Create the tables and their indexes (a rebuild's database: only the indexes its fold uses)."""
        for ddl in self.tables.values():
            for statement in statements(ddl):
                if not (rebuilding and index_name(statement) in self.reading_indexes):
                    tx.execute(statement)

    def index(self, tx: Tx) -> None:
        """Create the indexes only readers use (a rebuild's database, once folded)."""
        for ddl in self.tables.values():
            for statement in statements(ddl):
                if index_name(statement) in self.reading_indexes:
                    tx.execute(statement)

    def upgrade(self, tx: Tx, *, rebuilding: bool = False) -> None:
        """Make the database hold this version of the view: one of another version (a store written by an
        older Peiban) loses its rows and its position, and is folded again from the start of the log."""
        tx.execute(VERSIONS)
        row = tx.one("SELECT version FROM view_version WHERE view_name = ?", [self.name])
        if (int(row[0]) if row else 1) != self.version:
            for table in self.tables:
                tx.execute(f"DROP TABLE IF EXISTS {table}")
            tx.execute("DELETE FROM tracking")
        self.create(tx, rebuilding=rebuilding)
        tx.execute(
            "INSERT INTO view_version (view_name, version) VALUES (?, ?)"
            " ON CONFLICT (view_name) DO UPDATE SET version = excluded.version",
            [self.name, self.version],
        )


class Projection:
    """One view kept current from one application's log."""

    def __init__(self, app: FollowedLog, view: View, db: ViewDatabase, *, batch_size: int = 1000) -> None:
        self.app = app
        self.view = view
        self.db = db
        self.batch_size = batch_size
        self._handlers: Mapping[type[Any], Handler] = view.handlers()
        self._ready = False
        #: facts folded in one transaction: a batch; in a rebuild's database, which nobody waits for, many (each
        #: commit writes every page the batch touched, and a new fact touches the same index pages as the last)
        self.per_transaction = max(batch_size, REBUILD_TRANSACTION) if db.rebuilding else batch_size

    def _prepare(self, tx: Tx) -> int:
        if not self._ready:
            tx.execute(TRACKING)
            self.view.upgrade(tx, rebuilding=self.db.rebuilding)
            self._ready = True
        row = tx.one("SELECT notification_id FROM tracking WHERE application_name = ?", [self.app.name])
        if row is None:
            tx.execute("INSERT INTO tracking (application_name, notification_id) VALUES (?, 0)", [self.app.name])
            if self.db.rebuilding and not tx.memo:
                tx.memo[FROM_EMPTY] = True
            return 0
        return int(row[0])

    def position(self) -> int:
        """The id of the last fact folded into the view."""
        with self.db.write() as tx:
            return self._prepare(tx)

    def is_current(self) -> bool:
        try:  # asked before every read and after every write: one query on its own (one round trip)
            rows = self.db.lookup(
                f"SELECT notification_id FROM {self.db.table('tracking')} WHERE application_name = ?", [self.app.name]
            )
        except Exception:  # tables not created yet: certainly not current
            return False
        return bool(rows) and int(rows[0][0]) >= self.app.log_position()

    def catch_up(self, progress: Progress | None = None) -> int:
        """Fold every fact recorded since the tracked position; returns how many were folded."""
        if self._ready and self.is_current():
            return 0
        with uncollected(self.db.rebuilding):
            return self._catch_up(progress)

    def _catch_up(self, progress: Progress | None) -> int:
        """``catch_up``'s folding: a batch a transaction, or in a rebuild's database many."""
        folded, total = 0, -1
        while True:
            with self.db.write() as tx:
                start = self._prepare(tx)
                if progress is not None and total < 0:  # only a progress bar needs the head: a query less otherwise
                    total = max(self.app.log_position() - start, 0)
                in_transaction = 0
                while True:  # a batch a transaction; a rebuild's database, many
                    notifications = self.app.recorder.select_notifications(
                        start, self.batch_size, inclusive_of_start=False
                    )
                    self._fold(tx, _facts(self.app, notifications))
                    folded += len(notifications)
                    in_transaction += len(notifications)
                    if progress is not None:
                        progress(folded, max(total, folded))
                    if len(notifications) < self.batch_size:
                        return folded
                    if in_transaction >= self.per_transaction:
                        break
                    start = notifications[-1].id

    def _fold(self, tx: Tx, events: list[tuple[int, Any]]) -> None:
        """Fold a batch of (position, fact) and move the tracking position past it, in ``tx``."""
        for _, event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(tx, event)
        self.view.settle(tx)
        if events:
            tx.execute(
                "UPDATE tracking SET notification_id = ? WHERE application_name = ?", [events[-1][0], self.app.name]
            )

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A consistent read of the view, after folding whatever was recorded before it."""
        self.catch_up()
        with self.db.read() as tx:
            yield tx

    def rebuild(self, progress: Progress | None = None) -> int:
        """Fold the whole log into a fresh database, then switch the view over to it."""
        fresh = Projection(self.app, self.view, self.db.fresh(), batch_size=self.batch_size)
        return self.rebuild_into(fresh, progress)[0]

    def rebuild_into(self, fresh: Projection, progress: Progress | None = None) -> tuple[int, float, float]:
        """Fold the whole log into ``fresh`` (thrown away if that fails), then switch over to it: the facts folded,
        and the seconds the fold and the switch-over took."""
        started = time.perf_counter()
        try:
            folded = fresh.catch_up(progress)
        except BaseException:
            fresh.db.discard()
            raise
        folded_at = time.perf_counter()
        self.switch_to(fresh)
        return folded, folded_at - started, time.perf_counter() - folded_at

    def switch_to(self, rebuilt: Projection) -> None:
        """Replace this view's rows with ``rebuilt``'s, and fold what the log gained meanwhile, in one transaction.

        The view never goes back: whatever a follower folded into it during the rebuild is folded
        again, after the rebuilt rows, before anyone can read them.
        """
        try:
            rebuilt.catch_up()  # most of what arrived during the rebuild, outside the view's write lock
            if rebuilt.db.rebuilding:  # then the indexes only readers use, each sorted once; still outside it
                with rebuilt.db.write() as tx:
                    self.view.index(tx)
            tables = {**self.view.tables, "tracking": TRACKING, "view_version": VERSIONS}
            with self.db.switching(rebuilt.db, tables) as tx:
                self._fold_to_head(tx)
        finally:
            rebuilt.db.discard()
        self._ready = False

    def _fold_to_head(self, tx: Tx) -> None:
        row = tx.one("SELECT notification_id FROM tracking WHERE application_name = ?", [self.app.name])
        position = int(row[0]) if row else 0
        while True:
            notifications = self.app.recorder.select_notifications(position, self.batch_size, inclusive_of_start=False)
            self._fold(tx, _facts(self.app, notifications))
            if len(notifications) < self.batch_size:
                return
            position = notifications[-1].id

    def digest(self) -> str:
        """A hash of every row of the view and its tracking position, for comparing two builds."""
        sha = hashlib.sha256()
        with self.db.read() as tx:
            for table in [*sorted(self.view.tables), "tracking"]:
                rows = tx.query(f"SELECT * FROM {table}")
                for row in sorted(repr(r) for r in rows):
                    sha.update(f"{table}:{row}\n".encode())
        return sha.hexdigest()
