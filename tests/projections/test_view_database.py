"""A view's database on every store: reads, writes and single-query lookups, and what a failure leaves behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from domain import StoreSettings
from projections.db import ViewDatabase, view_database


@pytest.fixture
def db(store_settings: StoreSettings) -> Iterator[ViewDatabase]:
    database = view_database(store_settings, "probe")
    with database.write() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS probe (name TEXT PRIMARY KEY, n BIGINT NOT NULL)")
        tx.execute("INSERT INTO probe (name, n) VALUES (?, ?)", ["a", 1])
    yield database
    database.close()


def test_a_lookup_reads_the_view_s_own_table(db: ViewDatabase) -> None:
    # given a row written in a transaction; when looked up on its own; then it is found, and nothing else is
    assert db.lookup(f"SELECT n FROM {db.table('probe')} WHERE name = ?", ["a"]) == [(1,)]
    assert db.lookup(f"SELECT n FROM {db.table('probe')} WHERE name = ?", ["b"]) == []


def test_a_lookup_sees_what_was_committed_since(db: ViewDatabase) -> None:
    # given a lookup; when another transaction commits a change; then the next lookup sees it
    assert db.lookup(f"SELECT n FROM {db.table('probe')} WHERE name = ?", ["a"]) == [(1,)]
    with db.write() as tx:
        tx.execute("UPDATE probe SET n = ? WHERE name = ?", [2, "a"])
    assert db.lookup(f"SELECT n FROM {db.table('probe')} WHERE name = ?", ["a"]) == [(2,)]


def test_a_failed_write_leaves_nothing_and_the_database_usable(db: ViewDatabase) -> None:
    # given a write that fails half-way; then its first statement is rolled back, and reads, writes and lookups
    # still work (on PostgreSQL the pooled connection is handed back clean)
    with pytest.raises(RuntimeError), db.write() as tx:
        tx.execute("UPDATE probe SET n = ? WHERE name = ?", [5, "a"])
        tx.flush()
        raise RuntimeError("the fold failed")
    with db.read() as tx:
        assert tx.query("SELECT n FROM probe WHERE name = ?", ["a"]) == [(1,)]
    with db.write() as tx:
        tx.execute("INSERT INTO probe (name, n) VALUES (?, ?)", ["b", 2])
    assert db.lookup(f"SELECT name FROM {db.table('probe')} ORDER BY name") == [("a",), ("b",)]


def test_a_failed_statement_leaves_the_database_usable(db: ViewDatabase) -> None:
    # given statements the database refuses (a missing table: in a lookup, in a read, in a write)
    for failing in (
        lambda: db.lookup(f"SELECT n FROM {db.table('missing')}"),
        lambda: _read(db, "SELECT n FROM missing"),
        lambda: _write(db, "INSERT INTO probe (name, n) VALUES ('a', 9)"),  # a duplicate key
    ):
        with pytest.raises(Exception):  # noqa: B017 (each store raises its own driver's error)
            failing()
    # then the database answers as before, and the refused write left nothing
    assert db.lookup(f"SELECT n FROM {db.table('probe')} WHERE name = ?", ["a"]) == [(1,)]
    with db.read() as tx:
        assert tx.query("SELECT COUNT(*) FROM probe") == [(1,)]


def test_a_read_is_one_snapshot(db: ViewDatabase) -> None:
    # given a read that has begun; when another transaction commits meanwhile; then the read still sees its snapshot
    with db.read() as tx:
        assert tx.query("SELECT n FROM probe WHERE name = ?", ["a"]) == [(1,)]
        other = threading.Thread(target=_write, args=(db, "UPDATE probe SET n = 3 WHERE name = 'a'"))
        other.start()
        other.join()
        assert tx.query("SELECT n FROM probe WHERE name = ?", ["a"]) == [(1,)]
    assert db.lookup(f"SELECT n FROM {db.table('probe')} WHERE name = ?", ["a"]) == [(3,)]


def _read(db: ViewDatabase, sql: str) -> None:
    with db.read() as tx:
        tx.query(sql)


def _write(db: ViewDatabase, sql: str) -> None:
    with db.write() as tx:
        tx.execute(sql)
