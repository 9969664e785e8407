"""The PostgreSQL log as Peiban reads it: eventsourcing's PostgreSQL recorder, with its pages of notifications made
faster, as ``domain.sqlite_log`` does for SQLite.

eventsourcing 9.5 reads a page of notifications as dictionaries and makes each through the frozen dataclass's
``__init__``: some 6 µs of processor a fact, beside 4–5 for the query and its rows as tuples. This recorder runs
the library's statement (prepared, retried on the same errors) on a cursor of tuples and makes the very same
notifications (``tests/domain/test_log_readers.py``) without ``__init__``; the tables and every write stay the
library's.

Chosen by ``StoreSettings.env`` (``PERSISTENCE_MODULE``: this module's ``Factory``); a setting, not stored data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, Notification, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

_new = object.__new__
_set = object.__setattr__


class PostgresLog(PostgresApplicationRecorder):
    """The library's PostgreSQL application recorder; ``select_notifications`` as it answers, only quicker."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        conditions: list[Composed | SQL] = []
        params: list[Any] = []
        if start is not None:
            conditions.append(SQL("notification_id>=%s") if inclusive_of_start else SQL("notification_id>%s"))
            params.append(start)
        if stop is not None:
            conditions.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            if not isinstance(topics, (tuple, list)) or not all(isinstance(t, str) for t in topics):
                raise TypeError(f"topics must be a list or tuple of strings, not {topics!r}")  # as the library asserts
            conditions.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        params.append(limit)
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table}"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        if conditions:
            statement += SQL(" WHERE ") + SQL(" AND ").join(conditions)
        statement += SQL(" ORDER BY notification_id LIMIT %s")
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True)
            rows = curs.fetchall()
        made = []
        for notification_id, originator_id, originator_version, topic, state in rows:
            notification = _new(Notification)
            _set(
                notification,
                "__dict__",
                {
                    "originator_id": originator_id,
                    "originator_version": originator_version,
                    "topic": topic,
                    "state": bytes(state),
                    "id": notification_id,
                },
            )
            made.append(notification)
        return made


class Factory(PostgresFactory):
    """eventsourcing's PostgreSQL infrastructure, with Peiban's reading of the log."""

    application_recorder_class = PostgresLog
