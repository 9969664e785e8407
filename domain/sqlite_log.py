"""The SQLite log as Peiban reads it: eventsourcing's SQLite recorder, with its pages of notifications made faster.

Every view folds the log a page at a time, and every read first asks for the facts after a view's position
(``Projection.is_current``). eventsourcing 9.5 makes each notification of a page through the frozen dataclass's
``__init__``, from a ``sqlite3.Row`` read by column name, and parses a record's id again for each of its facts:
some 8 µs a fact, where the query itself costs 1.5. This recorder runs the library's statement and makes the very
same notifications (equal field by field: ``tests/domain/test_log_readers.py``) as the library makes its events,
without ``__init__``; the store's tables, and everything written, stay the library's.

Chosen by ``StoreSettings.env`` (``PERSISTENCE_MODULE``: this module's ``Factory``); a setting, not stored data.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteFactory

#: How many records' ids a process keeps parsed (a page holds the facts of a few hundred records at most).
PARSED_IDS = 4096

_new = object.__new__
_set = object.__setattr__


@lru_cache(maxsize=PARSED_IDS)
def _uuid(text: str) -> UUID:
    return UUID(text)


class SQLiteLog(SQLiteApplicationRecorder):
    """The library's SQLite application recorder; ``select_notifications`` as it answers, only quicker."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        conditions: list[str] = []
        params: list[int | str] = []
        if start is not None:
            conditions.append("rowid>=?" if inclusive_of_start else "rowid>?")
            params.append(start)
        if stop is not None:
            conditions.append("rowid<=?")
            params.append(stop)
        if topics:
            conditions.append(f"topic IN ({','.join('?' * len(topics))})")
            params.extend(topics)
        params.append(limit)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state"
            f" FROM {self.events_table_name} {where}ORDER BY rowid LIMIT ?"
        )
        parse = _uuid if self.datastore.originator_id_type == "uuid" else str
        with self.datastore.transaction(commit=False) as c:
            cursor = getattr(c, "sqlite_cursor", None)
            if cursor is not None:  # plain tuples: this cursor's rows are read by position, not by name
                cursor.row_factory = None
            c.execute(statement, params)
            rows: list[Any] = c.fetchall()
        made = []
        for row in rows:
            notification = _new(Notification)
            _set(
                notification,
                "__dict__",
                {
                    "originator_id": parse(row[1]),
                    "originator_version": row[2],
                    "topic": row[3],
                    "state": row[4],
                    "id": row[0],
                },
            )
            made.append(notification)
        return made


class Factory(SQLiteFactory):
    """eventsourcing's SQLite infrastructure, with Peiban's reading of the log."""

    application_recorder_class = SQLiteLog
