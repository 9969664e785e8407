"""Migrating a store written before encryption: every stored state encrypted in place.

Rows are updated where they are (``UPDATE … SET state``), never deleted and inserted again:
their ids, their order and the followers' positions stay as they were (SQLite would reuse a
deleted row's id). The plaintext that is encrypted is the stored bytes exactly as they were,
so decrypting a migrated row gives back the bytes the seal hashed before: the migration can be
checked against the old chain (see ``projections.seal.rebase``). Each store is migrated in one
transaction: a crash leaves it all as it was, or all encrypted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent

from domain.encryption import EncryptedApplication, EncryptingMapper, is_encrypted

Progress = Callable[[int, int], None]
BATCH = 1000


@dataclass(frozen=True)
class _Tables:
    """The recorder's tables, its id column and placeholder, for the store's SQL dialect."""

    events: str
    snapshots: str | None
    row_id: str
    mark: str


def _tables(app: EncryptedApplication) -> _Tables:
    recorder: Any = app.recorder
    snapshots: Any = app.snapshots.recorder if app.snapshots is not None else None
    datastore = recorder.datastore
    if hasattr(datastore, "schema"):  # PostgreSQL
        schema = datastore.schema
        return _Tables(
            f'"{schema}"."{recorder.events_table_name}"',
            None if snapshots is None else f'"{schema}"."{snapshots.events_table_name}"',
            "notification_id",
            "%s",
        )
    return _Tables(recorder.events_table_name, None if snapshots is None else snapshots.events_table_name, "rowid", "?")


@contextmanager
def _transaction(app: EncryptedApplication) -> Iterator[Any]:
    recorder: Any = app.recorder
    with recorder.datastore.transaction(commit=True) as cursor:
        yield cursor


def unencrypted_rows(app: EncryptedApplication) -> int:
    """How many stored facts and snapshots are still in plaintext."""
    t = _tables(app)
    count = 0
    with _transaction(app) as cursor:
        for table in (t.events, t.snapshots):
            if table is not None:
                cursor.execute(f"SELECT state FROM {table}")
                count += sum(1 for row in cursor.fetchall() if not is_encrypted(bytes(_state(row))))
    return count


def _state(row: Any) -> Any:
    return row["state"] if isinstance(row, dict) or hasattr(row, "keys") else row[0]


def encrypt_store(app: EncryptedApplication, progress: Progress | None = None) -> int:
    """Encrypt every plaintext state of ``app``'s store in place, in one transaction; returns how many."""
    mapper = app.mapper
    assert isinstance(mapper, EncryptingMapper), "the application must be opened with a key ring"
    t = _tables(app)
    total, done = app.recorder.max_notification_id() or 0, 0
    with _transaction(app) as cursor:
        if t.mark == "?":  # SQLite: overwrite the freed plaintext with zeros, in the file and in its -wal
            cursor.execute("PRAGMA secure_delete=ON")
        after = 0
        while True:
            cursor.execute(
                f"SELECT {t.row_id}, originator_id, originator_version, topic, state FROM {t.events}"
                f" WHERE {t.row_id} > {t.mark} ORDER BY {t.row_id} LIMIT {BATCH}",
                [after],
            )
            rows = [tuple(r.values()) if hasattr(r, "values") else tuple(r) for r in cursor.fetchall()]
            for row_id, originator, version, topic, state in rows:
                if not is_encrypted(bytes(state)):
                    sealed = mapper.encrypt(StoredEvent(originator, version, topic, bytes(state)), bytes(state))
                    cursor.execute(
                        f"UPDATE {t.events} SET state = {t.mark} WHERE {t.row_id} = {t.mark}", [sealed, row_id]
                    )
                    done += 1
            if progress is not None and rows:
                progress(rows[-1][0], max(total, rows[-1][0]))
            if len(rows) < BATCH:
                break
            after = rows[-1][0]
        done += _encrypt_snapshots(cursor, t, mapper)
    return done


def _encrypt_snapshots(cursor: Any, t: _Tables, mapper: EncryptingMapper) -> int:
    if t.snapshots is None:
        return 0
    cursor.execute(f"SELECT originator_id, originator_version, topic, state FROM {t.snapshots}")
    rows = [tuple(r.values()) if hasattr(r, "values") else tuple(r) for r in cursor.fetchall()]
    done = 0
    for originator, version, topic, state in rows:
        if not is_encrypted(bytes(state)):
            sealed = mapper.encrypt(StoredEvent(originator, version, topic, bytes(state)), bytes(state))
            cursor.execute(
                f"UPDATE {t.snapshots} SET state = {t.mark} WHERE originator_id = {t.mark}"
                f" AND originator_version = {t.mark}",
                [sealed, originator, version],
            )
            done += 1
    return done
