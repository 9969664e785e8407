"""A view's own database: a SQLite file, or a PostgreSQL schema, with one small SQL dialect.

Views write their SQL once, with ``?`` placeholders and portable types (TEXT,
BIGINT, INTEGER, DOUBLE PRECISION); this module runs it on either store (``COLLATE pinyin``
orders names as a Chinese reader expects; ``COLLATE BINARY`` orders text by code point on both). Each view
has its own file or schema, holding its tables and its own ``tracking`` table, so
that views never share a tracking position and can be rebuilt one at a time.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from domain import StoreSettings
from projections import collation

Row = tuple[Any, ...]


class Tx(ABC):
    """One open transaction on a view's database.

    Writes are sent in bulk with ``executemany`` (a large saving while catching up):
    plain ``INSERT``s wait in one queue per statement, since inserts into different
    tables commute; any other statement, and any query, first sends everything
    pending, so what a transaction reads or updates is always in order.
    """

    def __init__(self) -> None:
        self._pending: dict[str, list[Sequence[Any]]] = {}
        #: what a view's handlers leave for its ``settle`` step, at the end of this transaction's batch of facts
        self.notes: dict[str, Any] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if not (sql.startswith("INSERT INTO") and "ON CONFLICT" not in sql):
            if sql not in self._pending:
                self.flush()  # keep order: only runs of the same statement may wait together
            if len(self._pending) > 1 or (self._pending and sql not in self._pending):
                self.flush()
        self._pending.setdefault(sql, []).append(params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.flush()
        return self._query(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for sql, rows in pending.items():
            if len(rows) == 1:
                self._execute(sql, rows[0])
            else:
                self._executemany(sql, rows)

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any]) -> None: ...

    @abstractmethod
    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any]) -> list[Row]: ...


class ViewDatabase(ABC):
    """Where one view keeps its rows and its tracking position."""

    def __init__(self, view_name: str) -> None:
        self.view_name = view_name

    @abstractmethod
    def write(self) -> AbstractContextManager[Tx]:
        """A transaction that holds the view's write lock until it commits."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction with a consistent snapshot."""

    @abstractmethod
    def fresh(self) -> ViewDatabase:
        """An empty database beside this one, of its own name, to rebuild into."""

    @abstractmethod
    def switching(self, rebuilt: ViewDatabase, tables: Mapping[str, str]) -> AbstractContextManager[Tx]:
        """One write transaction that replaces ``tables`` (name -> DDL) with the rebuilt ones' rows.

        The caller may fold more facts into it before it commits; readers see the old rows or the new,
        never a mixture, and the view's files or schema are never replaced under them.
        """

    @abstractmethod
    def discard(self) -> None:
        """Close this database and delete it (a rebuild's, once switched over or failed)."""

    @abstractmethod
    def close(self) -> None: ...


class SQLiteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self.conn = conn

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(sql, params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()


def _write_ahead(conn: sqlite3.Connection, *, tries: int = 200) -> None:
    """Put the file in WAL mode. Switching needs a lock that SQLite does not wait for (no busy handler while
    another process recovers or checkpoints the log), so a busy answer is retried for up to about 20 s."""
    for attempt in range(tries):
        try:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == tries - 1:
                raise
            time.sleep(0.1)


#: How much of a view's file each connection keeps in memory, at most (KiB; grown as pages are read).
CACHE_KIB = 8192


class SQLiteViewDatabase(ViewDatabase):
    """A view in its own SQLite file; a rebuild is built in a file beside it, then copied in."""

    def __init__(self, view_name: str, path: Path, *, disposable: bool = False, durable: bool = False) -> None:
        super().__init__(view_name)
        self.path = path
        #: a rebuild's file, thrown away if the rebuild fails: no need to wait for the disk
        self.disposable = disposable
        #: every commit on disk before it returns (the key store: a key lost after its fact was kept loses the fact)
        self.durable = durable
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.create_collation(collation.NAME, collation.compare)
            _write_ahead(conn)
            sync = "OFF" if self.disposable else "FULL" if self.durable else "NORMAL"
            conn.execute(f"PRAGMA synchronous={sync}")
            if self.durable:  # the key store: a destroyed key is overwritten with zeros, not just unlinked
                conn.execute("PRAGMA secure_delete=ON")
            # Up to 8 MiB of pages kept per connection (SQLite keeps 2 MiB): a read that walks a few indexes of a large
            # view, as the dashboard does at 100,000 families, then finds its pages here rather than asking the disk.
            conn.execute(f"PRAGMA cache_size={-CACHE_KIB}")
            self._local.conn = conn
            self._all().append(conn)
        return conn

    def _all(self) -> list[sqlite3.Connection]:
        if not hasattr(self, "_conns"):
            self._conns: list[sqlite3.Connection] = []
        return self._conns

    @contextmanager
    def write(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        tx = SQLiteTx(conn)
        try:
            yield tx
            tx.flush()
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield SQLiteTx(conn)
        finally:
            conn.execute("ROLLBACK")

    def fresh(self) -> SQLiteViewDatabase:
        # A name of its own, so that two rebuilds at once never share a file.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{self.path.stem}.rebuild-", suffix=".sqlite3", dir=self.path.parent)
        os.close(fd)
        return SQLiteViewDatabase(self.view_name, Path(name), disposable=True)

    @contextmanager
    def switching(self, rebuilt: ViewDatabase, tables: Mapping[str, str]) -> Iterator[Tx]:
        # The rows are copied into the live file inside one of its own write transactions: SQLite's
        # locks and its WAL then keep every reader and writer, in any process, consistent. Moving a
        # new file over a live one (as before) left other processes' -wal and -shm pointing at the
        # wrong file, and the view corrupt for good.
        assert isinstance(rebuilt, SQLiteViewDatabase)
        rebuilt.close()
        conn = self._conn()
        conn.execute("ATTACH DATABASE ? AS rebuilt", [str(rebuilt.path)])
        try:
            with self.write() as tx:
                for table, ddl in tables.items():
                    tx.execute(f"DROP TABLE IF EXISTS main.{table}")
                    _create(tx, ddl)  # unqualified: into main, the view's own file
                    tx.execute(f"INSERT INTO main.{table} SELECT * FROM rebuilt.{table}")
                tx.flush()
                yield tx
        finally:
            conn.execute("DETACH DATABASE rebuilt")

    def discard(self) -> None:
        self.close()
        for leftover in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        for conn in self._all():
            conn.close()
        self._conns = []
        self._local = threading.local()


class PostgresTx(Tx):
    def __init__(self, conn: Any, collate: str) -> None:
        super().__init__()
        self.conn = conn
        self.collate = collate

    def _sql(self, sql: str) -> str:
        sql = sql.replace(f"COLLATE {collation.NAME}", self.collate).replace("COLLATE BINARY", 'COLLATE "C"')
        return sql.replace("%", "%%").replace("?", "%s")

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(self._sql(sql), params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)

    def _query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return list(self.conn.execute(self._sql(sql), params).fetchall())


class PostgresViewDatabase(ViewDatabase):
    """A view in its own PostgreSQL schema; a rebuild is built in a schema beside it, then copied in.

    Every view database of a process borrows connections from one pool per server (see ``_shared_pool``),
    each transaction setting its own schema: a process opens ten and more of them (views, seal, keys,
    sessions), and with a pool each, a few web workers used up the server's connections.
    """

    def __init__(self, view_name: str, settings: StoreSettings, schema: str) -> None:
        super().__init__(view_name)
        self.settings = settings
        self.schema = schema
        self._pool: Any = None
        self._lock = threading.Lock()
        self._collate = 'COLLATE "C"'

    def _conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        pg = self.settings.postgres
        return make_conninfo(dbname=pg.dbname, host=pg.host, port=pg.port, user=pg.user, password=pg.password or None)

    def _pool_open(self) -> Any:
        with self._lock:
            if self._pool is None:
                pool = _shared_pool(self._conninfo(), self.settings.postgres.pool_size)
                with pool.connection() as conn:
                    _create_schema(conn, self.schema)
                    icu = conn.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [collation.POSTGRES_ICU])
                    # Without ICU the server orders names by code point, as before.
                    self._collate = f'COLLATE "{collation.POSTGRES_ICU}"' if icu.fetchone() else 'COLLATE "C"'
                self._pool = pool
            return self._pool

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self._pool_open().connection() as conn, conn.transaction():
            # The view's schema for this transaction, and one writer per view at a time, across processes:
            # the lock is held until commit.
            conn.execute(
                "SELECT set_config('search_path', %s, true), pg_advisory_xact_lock(hashtext(%s))",
                [_quoted(self.schema), self.schema],
            )
            tx = PostgresTx(conn, self._collate)
            yield tx
            tx.flush()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._pool_open().connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute("SELECT set_config('search_path', %s, true)", [_quoted(self.schema)])
            yield PostgresTx(conn, self._collate)

    def fresh(self) -> PostgresViewDatabase:
        rebuilt = PostgresViewDatabase(self.view_name, self.settings, f"{self.schema}__rb_{secrets.token_hex(3)}")
        with rebuilt._pool_open().connection() as conn:
            conn.execute(f'DROP SCHEMA "{rebuilt.schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{rebuilt.schema}"')
        return rebuilt

    @contextmanager
    def switching(self, rebuilt: ViewDatabase, tables: Mapping[str, str]) -> Iterator[Tx]:
        # Rows are replaced in place (DELETE, then INSERT … SELECT) under the view's write lock: a
        # reader's snapshot sees all old rows or all new ones. Renaming schemas, or dropping tables,
        # would show a reader whose snapshot predates the switch empty tables. A table whose columns
        # changed (a new release's view) is dropped and created anew.
        assert isinstance(rebuilt, PostgresViewDatabase)
        rebuilt.close()
        with self.write() as tx:
            for table, ddl in tables.items():
                if _columns(tx, self.schema, table) == _columns(tx, rebuilt.schema, table):
                    tx.execute(f'DELETE FROM "{self.schema}".{table}')
                else:
                    tx.execute(f'DROP TABLE IF EXISTS "{self.schema}".{table}')
                _create(tx, ddl)  # unqualified: into the view's schema, first on the search path
                tx.execute(f'INSERT INTO "{self.schema}".{table} SELECT * FROM "{rebuilt.schema}".{table}')
            tx.flush()
            yield tx

    def discard(self) -> None:
        with self._pool_open().connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                _release_pool(self._pool)
                self._pool = None


def _quoted(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'


#: (process id, connection string) -> [pool, how many open view databases use it]. The process id keeps a
#: forked child (a web worker) from ever borrowing its parent's connections.
_POOLS: dict[tuple[int, str], list[Any]] = {}
_POOLS_LOCK = threading.Lock()


def _shared_pool(conninfo: str, pool_size: int) -> Any:
    """This process's pool of connections to the server at ``conninfo``, for every view database on it. It keeps
    one connection at rest and opens more, up to four times ``pool_size``, while transactions overlap."""
    key = (os.getpid(), conninfo)
    with _POOLS_LOCK:
        entry = _POOLS.get(key)
        if entry is None:
            from psycopg_pool import ConnectionPool

            pool = ConnectionPool(
                conninfo,
                min_size=1,
                max_size=4 * pool_size,
                max_idle=60,
                kwargs={"prepare_threshold": None},
                open=True,
            )
            entry = _POOLS[key] = [pool, 0]
        entry[1] += 1
        return entry[0]


def _release_pool(pool: Any) -> None:
    """One view database of this process no longer uses ``pool``: the last one closes it."""
    with _POOLS_LOCK:
        for key, entry in list(_POOLS.items()):
            if entry[0] is pool:
                entry[1] -= 1
                if entry[1] == 0:
                    del _POOLS[key]
                    pool.close()
                return


def _create_schema(conn: Any, schema: str) -> None:
    """Create the schema unless it exists. Two processes starting at once (workers, a follower) may both find it
    missing: PostgreSQL then refuses the second ``CREATE SCHEMA IF NOT EXISTS`` as a duplicate; it exists."""
    from psycopg import errors

    try:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    except (errors.UniqueViolation, errors.DuplicateSchema):
        conn.rollback()


def _create(tx: Tx, ddl: str) -> None:
    """Run a table's DDL: its CREATE TABLE and any CREATE INDEX after a ';'."""
    for statement in ddl.split(";"):
        if statement.strip():
            tx.execute(statement)


def _columns(tx: Tx, schema: str, table: str) -> list[Row]:
    """A PostgreSQL table's columns and their types, in order (none if it does not exist)."""
    return tx.query(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    )


def view_database(settings: StoreSettings, view_name: str) -> ViewDatabase:
    """The database of the view ``view_name`` on the configured store."""
    if settings.backend == "postgres":
        prefix = settings.postgres.schema or "peiban"
        return PostgresViewDatabase(view_name, settings, f"{prefix}_view_{view_name}")
    if settings.backend == "sqlite":
        return SQLiteViewDatabase(view_name, settings.sqlite_file(f"view_{view_name}"))
    return MemoryViewDatabase(view_name)


class MemoryViewDatabase(SQLiteViewDatabase):
    """For tests on the in-memory store: a private SQLite file that disappears with the process."""

    def __init__(self, view_name: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix=f"peiban-view-{view_name}-")
        super().__init__(view_name, Path(self._dir.name) / f"view_{view_name}.sqlite3")

    def close(self) -> None:
        super().close()
        self._dir.cleanup()
