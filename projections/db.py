"""A view's own database: a SQLite file, or a PostgreSQL schema, with one small SQL dialect.

Views write their SQL once, with ``?`` placeholders and portable types (TEXT,
BIGINT, INTEGER, DOUBLE PRECISION); this module runs it on either store. Each view
has its own file or schema, holding its tables and its own ``tracking`` table, so
that views never share a tracking position and can be rebuilt one at a time.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
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
        """An empty database beside this one, to rebuild into."""

    @abstractmethod
    def replace_with(self, rebuilt: ViewDatabase) -> None:
        """Atomically make ``rebuilt`` this view's database."""

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


class SQLiteViewDatabase(ViewDatabase):
    """A view in its own SQLite file; a rebuild is a new file moved into place."""

    def __init__(self, view_name: str, path: Path, *, disposable: bool = False) -> None:
        super().__init__(view_name)
        self.path = path
        #: a rebuild's file, thrown away if the rebuild fails: no need to wait for the disk
        self.disposable = disposable
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        inode = getattr(self._local, "inode", None)
        if conn is not None and inode != self._inode():
            conn.close()  # the file was replaced by a rebuild: reopen the new one
            conn = None
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.create_collation(collation.NAME, collation.compare)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF" if self.disposable else "PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            self._local.inode = self._inode()
            self._all().append(conn)
        return conn

    def _all(self) -> list[sqlite3.Connection]:
        if not hasattr(self, "_conns"):
            self._conns: list[sqlite3.Connection] = []
        return self._conns

    def _inode(self) -> int | None:
        try:
            return os.stat(self.path).st_ino
        except FileNotFoundError:
            return None

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
        path = self.path.with_name(self.path.name + ".rebuild")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return SQLiteViewDatabase(self.view_name, path, disposable=True)

    def replace_with(self, rebuilt: ViewDatabase) -> None:
        assert isinstance(rebuilt, SQLiteViewDatabase)
        conn = rebuilt._conn()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        fd = os.open(rebuilt.path, os.O_RDONLY)  # written without syncs: make it durable before the switch
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        rebuilt.close()
        os.replace(rebuilt.path, self.path)
        for suffix in ("-wal", "-shm"):
            Path(f"{rebuilt.path}{suffix}").unlink(missing_ok=True)

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
        sql = sql.replace(f"COLLATE {collation.NAME}", self.collate)
        return sql.replace("%", "%%").replace("?", "%s")

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(self._sql(sql), params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)

    def _query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return list(self.conn.execute(self._sql(sql), params).fetchall())


class PostgresViewDatabase(ViewDatabase):
    """A view in its own PostgreSQL schema; a rebuild is a new schema renamed into place."""

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
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    self._conninfo(),
                    min_size=1,
                    max_size=self.settings.postgres.pool_size,
                    kwargs={"options": f"-c search_path={self.schema}", "prepare_threshold": None},
                    open=True,
                )
                with self._pool.connection() as conn:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                    icu = conn.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [collation.POSTGRES_ICU])
                    # Without ICU the server orders names by code point, as before.
                    self._collate = f'COLLATE "{collation.POSTGRES_ICU}"' if icu.fetchone() else 'COLLATE "C"'
            return self._pool

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self._pool_open().connection() as conn, conn.transaction():
            # One writer per view at a time, across processes: held until commit.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.schema])
            tx = PostgresTx(conn, self._collate)
            yield tx
            tx.flush()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._pool_open().connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresTx(conn, self._collate)

    def fresh(self) -> PostgresViewDatabase:
        rebuilt = PostgresViewDatabase(self.view_name, self.settings, f"{self.schema}__rebuild")
        with rebuilt._pool_open().connection() as conn:
            conn.execute(f'DROP SCHEMA "{rebuilt.schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{rebuilt.schema}"')
        return rebuilt

    def replace_with(self, rebuilt: ViewDatabase) -> None:
        assert isinstance(rebuilt, PostgresViewDatabase)
        rebuilt.close()
        old = f"{self.schema}__old"
        with self._pool_open().connection() as conn, conn.transaction():
            conn.execute(f'DROP SCHEMA IF EXISTS "{old}" CASCADE')
            conn.execute(f'ALTER SCHEMA "{self.schema}" RENAME TO "{old}"')
            conn.execute(f'ALTER SCHEMA "{rebuilt.schema}" RENAME TO "{self.schema}"')
            conn.execute(f'DROP SCHEMA "{old}" CASCADE')

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


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
        import tempfile

        self._dir = tempfile.TemporaryDirectory(prefix=f"peiban-view-{view_name}-")
        super().__init__(view_name, Path(self._dir.name) / f"view_{view_name}.sqlite3")

    def fresh(self) -> SQLiteViewDatabase:
        return SQLiteViewDatabase(self.view_name, Path(self._dir.name) / f"view_{self.view_name}.rebuild.sqlite3")

    def close(self) -> None:
        super().close()
        self._dir.cleanup()
