"""The follower: folds the application's log into a view, from its last tracked position.

Each batch of facts and the new tracking position are written in one transaction,
so a crash loses nothing and applies nothing twice: the next run resumes from the
position that committed with the rows. Readers call ``catch_up()`` before reading
(read-your-writes); a separate ``peiban project`` process can do the same in a loop.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from abc import ABC
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from eventsourcing.utils import resolve_topic

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


def _facts(
    app: FollowedLog, notifications: Sequence[Notification], wanted: Callable[[str], bool] | None = None
) -> list[tuple[int, Any]]:
    """(position, fact) of a page of the log, deserialised together (an encrypted log's keys fetched at once);
    with ``wanted``, only the facts whose topic it wants (the others are neither decrypted nor decoded)."""
    if wanted is not None:
        notifications = [n for n in notifications if wanted(n.topic)]
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
        self._topics: dict[str, bool] = {}  # whether the view folds the facts of a topic
        #: (a tracked position, a later one, the stored bytes of the fact there): the facts between the two positions
        #: are none the view folds (see ``is_current``)
        self._passed: tuple[int, int, bytes] = (0, 0, b"")
        self._passing = threading.Lock()
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
        """How far the view holds the log: the id of the last fact folded into it, or of the last fact passed over
        after that one (a fact it does not fold)."""
        with self.db.write() as tx:
            return self._held(self._prepare(tx))

    def _held(self, tracked: int, passed_over: tuple[int, int, bytes] | None = None) -> int:
        """Where the facts to fold may start, the view's position being ``tracked``: past the facts this process
        saw it need not fold (``passed_over``, else ``_passed``), unless the position went back (a view folded
        afresh)."""
        seen_from, passed, _ = passed_over or self._passed
        return max(tracked, passed) if tracked >= seen_from else tracked

    def is_current(self) -> bool:
        """Whether the view holds every fact it folds, as far as the log goes: nothing follows its tracked position,
        or only facts it does not fold (then nothing need be written: how far they go is noted in memory, and
        written with the next batch that folds something, or once a batch was passed over). Asked before every
        read and after every write: a query for the position and one for the facts after it (one round trip each).
        """
        try:
            rows = self.db.lookup(
                f"SELECT notification_id FROM {self.db.table('tracking')} WHERE application_name = ?", [self.app.name]
            )
        except Exception:  # tables not created yet: certainly not current
            return False
        if not rows:
            return False
        tracked, passed_over = int(rows[0][0]), self._passed
        start = self._held(tracked, passed_over)
        room = tracked + self.batch_size - start  # a batch passed over: fold it (and write the position down)
        if room <= 0:
            return False
        notifications = self._after(start, room, passed_over if start > tracked else None)
        if notifications is None or len(notifications) >= room or any(self._folds(n.topic) for n in notifications):
            return False
        if notifications:
            last = notifications[-1]
            with self._passing:
                if tracked >= self._passed[0] and last.id > self._passed[1]:
                    self._passed = (tracked, last.id, last.state)
        return True

    def _after(
        self, start: int, room: int, passed_over: tuple[int, int, bytes] | None
    ) -> Sequence[Notification] | None:
        """Up to ``room`` facts after ``start``; when ``start`` is the last fact ``passed_over``, None if the log no
        longer holds that fact there (a log put back from a backup, grown again since: its ids are given out anew;
        each stored fact's bytes are its own)."""
        if passed_over is None:
            return self.app.recorder.select_notifications(start, room, inclusive_of_start=False)
        found = self.app.recorder.select_notifications(start, room + 1)  # that fact too: in the same query
        if not found or (found[0].id, found[0].state) != passed_over[1:]:
            with self._passing:
                if self._passed == passed_over:
                    self._passed = (0, 0, b"")
            return None
        return found[1:]

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
                    self._fold(tx, _facts(self.app, notifications, self._folds), notifications[-1:])
                    folded += len(notifications)
                    in_transaction += len(notifications)
                    if progress is not None:
                        progress(folded, max(total, folded))
                    if len(notifications) < self.batch_size:
                        return folded
                    if in_transaction >= self.per_transaction:
                        break
                    start = notifications[-1].id

    def _folds(self, topic: str) -> bool:
        """Whether the view folds facts of ``topic`` (a new fact need not be decrypted for a view that skips it:
        a visit, for the departure policy)."""
        known = self._topics.get(topic)
        if known is None:
            known = self._topics[topic] = resolve_topic(topic) in self._handlers
        return known

    def _fold(self, tx: Tx, events: list[tuple[int, Any]], read: Sequence[Notification] = ()) -> None:
        """Fold a batch of (position, fact) and move the tracking position past it (or past the last of ``read``,
        the notifications the batch was chosen from), in ``tx``."""
        for _, event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(tx, event)
        self.view.settle(tx)
        last = [position for position, _ in events[-1:]] + [n.id for n in read[-1:]]
        if last:
            tx.execute("UPDATE tracking SET notification_id = ? WHERE application_name = ?", [max(last), self.app.name])

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
            self._fold(tx, _facts(self.app, notifications, self._folds), notifications[-1:])
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
