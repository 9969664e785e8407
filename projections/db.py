"""A view's own database: a SQLite file, or a PostgreSQL schema, with one small SQL dialect.

Views write their SQL once, with ``?`` placeholders and portable types (TEXT,
BIGINT, INTEGER, DOUBLE PRECISION); this module runs it on either store (``COLLATE pinyin``
orders names as a Chinese reader expects; ``COLLATE BINARY`` orders text by code point on both). Each view
has its own file or schema, holding its tables and its own ``tracking`` table, so
that views never share a tracking position and can be rebuilt one at a time.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
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

    def __init__(self, memo: dict[Any, Any] | None = None) -> None:
        self._pending: dict[str, list[Sequence[Any]]] = {}
        #: what a view's handlers leave for its ``settle`` step, at the end of this transaction's batch of facts
        self.notes: dict[str, Any] = {}
        #: what a fold remembers between facts to spare itself queries (a family's latest chapter): for this
        #: transaction only, as other processes may write the view between two; a rebuild's database, which
        #: nobody else writes, keeps it from one transaction to the next
        self.memo: dict[Any, Any] = {} if memo is None else memo

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


#: The page cache of a rebuild's file (KiB): its indexes are written in no particular order.
REBUILD_CACHE_KIB = 64 * 1024
#: How many things a rebuild's fold may remember (a few hundred bytes each) before it starts afresh.
MEMO_LIMIT = 100_000


class ViewDatabase(ABC):
    """Where one view keeps its rows and its tracking position."""

    def __init__(self, view_name: str, *, rebuilding: bool = False) -> None:
        self.view_name = view_name
        #: a rebuild's database: written by one process alone until it is switched over or thrown away, so
        #: it needs no durability, its fold may remember across transactions, and the indexes only readers
        #: use are made once, when its fold is done
        self.rebuilding = rebuilding
        self._memo: dict[Any, Any] = {}

    def _memo_for_write(self) -> dict[Any, Any] | None:
        """The memo of a new write transaction: the rebuild's own (bounded), else none kept."""
        if not self.rebuilding:
            return None
        if len(self._memo) > MEMO_LIMIT:
            self._memo.clear()
        return self._memo

    def forget(self) -> None:
        """Drop what the fold remembered (a transaction rolled back: it may remember rows that are not there)."""
        self._memo.clear()

    @abstractmethod
    def write(self) -> AbstractContextManager[Tx]:
        """A transaction that holds the view's write lock until it commits."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction with a consistent snapshot."""

    def lookup(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows of one query on its own: one statement reads one consistent snapshot, so it needs no
        transaction around it (on PostgreSQL, one round trip instead of five). Name the tables with ``table``."""
        with self.read() as tx:
            return tx.query(sql, params)

    def table(self, name: str) -> str:
        """``name`` qualified as this database's own table, for ``lookup``."""
        return name

    @abstractmethod
    def fresh(self) -> ViewDatabase:
        """An empty database beside this one, of its own name, to rebuild into."""

    @abstractmethod
    def reopened(self) -> ViewDatabase:
        """The same database, with no connection yet: for another process (a rebuild's worker) to write."""

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
    def __init__(self, conn: sqlite3.Connection, memo: dict[Any, Any] | None = None) -> None:
        super().__init__(memo)
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

    def __init__(self, view_name: str, path: Path, *, rebuilding: bool = False, durable: bool = False) -> None:
        super().__init__(view_name, rebuilding=rebuilding)
        self.path = path
        #: every commit on disk before it returns (the key store: a key lost after its fact was kept loses the fact)
        self.durable = durable
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.create_collation(collation.NAME, collation.compare)
            if self.rebuilding:
                # A rebuild's file is read by nobody until its rows are copied into the view, in the view's own
                # transaction, and is deleted if the rebuild fails or the machine stops: no journal, no waiting
                # for the disk, and a cache that keeps its indexes' hot pages.
                conn.execute("PRAGMA journal_mode=OFF")
                conn.execute("PRAGMA synchronous=OFF")
            else:
                _write_ahead(conn)
                conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
            if self.durable:  # the key store: a destroyed key is overwritten with zeros, not just unlinked
                conn.execute("PRAGMA secure_delete=ON")
            # Up to 8 MiB of pages kept per connection (SQLite keeps 2 MiB): a read that walks a few indexes of a large
            # view, as the dashboard does at 100,000 families, then finds its pages here rather than asking the disk.
            # A rebuild's connection keeps its larger cache (set above; this line used to shrink it again).
            conn.execute(f"PRAGMA cache_size={-(REBUILD_CACHE_KIB if self.rebuilding else CACHE_KIB)}")
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
        tx = SQLiteTx(conn, self._memo_for_write())
        try:
            yield tx
            tx.flush()
        except BaseException:
            self.forget()
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

    def lookup(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._conn().execute(sql, params).fetchall()

    def fresh(self) -> SQLiteViewDatabase:
        # A name of its own, so that two rebuilds at once never share a file; with the process's id, so that the
        # next rebuild can tell the file of a rebuild that was killed (its process gone) and delete it.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_orphans(self.path)
        prefix = f"{self.path.stem}.rebuild-{os.getpid()}-"
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".sqlite3", dir=self.path.parent)
        os.close(fd)
        return SQLiteViewDatabase(self.view_name, Path(name), rebuilding=True)

    def reopened(self) -> SQLiteViewDatabase:
        return _sqlite_database(self.view_name, self.path, self.rebuilding, self.durable)

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to another process: the same file, with no connection."""
        return (_sqlite_database, (self.view_name, self.path, self.rebuilding, self.durable))

    @contextmanager
    def switching(self, rebuilt: ViewDatabase, tables: Mapping[str, str]) -> Iterator[Tx]:
        # The rows are copied into the live file inside one of its own write transactions: SQLite's
        # locks and its WAL then keep every reader and writer, in any process, consistent. Moving a
        # new file over a live one (as before) left other processes' -wal and -shm pointing at the
        # wrong file, and the view corrupt for good. The table is made with the same indexes as the rebuilt
        # one, so SQLite copies its rows and index entries as they are stored, without sorting anything.
        assert isinstance(rebuilt, SQLiteViewDatabase)
        rebuilt.close()
        conn = self._conn()
        conn.execute("ATTACH DATABASE ? AS rebuilt", [str(rebuilt.path)])
        # The old rows' pages are freed without being overwritten with zeros first (SQLite built with
        # SECURE_DELETE, as Debian's is, would write the whole view once more): the rebuilt rows hold all
        # they held, being the same log folded again; an erased family's rows went, and were overwritten
        # where that is the default, when its erasure was folded.
        secure = conn.execute("PRAGMA main.secure_delete").fetchone()[0]
        conn.execute("PRAGMA main.secure_delete=OFF")
        try:
            with self.write() as tx:
                for table, ddl in tables.items():
                    tx.execute(f"DROP TABLE IF EXISTS main.{table}")
                    for statement in statements(ddl):  # unqualified: into main, the view's own file
                        tx.execute(statement)
                    tx.execute(f"INSERT INTO main.{table} SELECT * FROM rebuilt.{table}")
                tx.flush()
                yield tx
        finally:
            conn.execute(f"PRAGMA main.secure_delete={int(secure)}")
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
    def __init__(self, conn: Any, collate: str, memo: dict[Any, Any] | None = None, *, unlogged: bool = False) -> None:
        super().__init__(memo)
        self.conn = conn
        self.collate = collate
        self.unlogged = unlogged

    def _sql(self, sql: str) -> str:
        sql = sql.replace(f"COLLATE {collation.NAME}", self.collate).replace("COLLATE BINARY", 'COLLATE "C"')
        if sql.startswith("CREATE TABLE"):
            sql = sql.removesuffix(" WITHOUT ROWID")  # SQLite's alone: a PostgreSQL table has no row ids
            if self.unlogged:
                sql = "CREATE UNLOGGED TABLE" + sql.removeprefix("CREATE TABLE")
        return sql.replace("%", "%%").replace("?", "%s")

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(self._sql(sql), params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        copying = _copied(sql) if self.unlogged and len(rows) >= COPY_FROM else None
        with self.conn.cursor() as cursor:
            if copying is None:
                cursor.executemany(self._sql(sql), rows)
                return
            table, columns = copying
            with cursor.copy(f"COPY {table} ({', '.join(c for c, _ in columns)}) FROM STDIN") as copy:
                for row in rows:
                    given = iter(row)
                    copy.write_row([next(given) if value is _GIVEN else value for _, value in columns])

    def _query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return list(self.conn.execute(self._sql(sql), params).fetchall())


#: From how many rows of one INSERT a rebuild's schema takes them by COPY (a row an insert costs a rebuild on
#: PostgreSQL some 40 µs a row, sent in a pipeline; COPY, a few).
COPY_FROM = 50
_GIVEN: Any = object()
_LITERALS: dict[str, Any] = {"NULL": None, "0": 0, "1": 1, "''": ""}


@lru_cache(maxsize=256)
def _copied(sql: str) -> tuple[str, tuple[tuple[str, Any], ...]] | None:
    """A plain ``INSERT INTO t (columns) VALUES (...)`` as the table and each column's value (``_GIVEN``: a
    parameter, else the literal it sets), for sending its rows by COPY; None for any other statement."""
    match = re.fullmatch(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \(([^()]*)\)", sql)
    if match is None:
        return None
    columns, values = match[2].split(", "), match[3].split(", ")
    if len(columns) != len(values):
        return None
    parsed: list[tuple[str, Any]] = []
    for column, value in zip(columns, values, strict=True):
        if value == "?":
            parsed.append((column, _GIVEN))
        elif value in _LITERALS:
            parsed.append((column, _LITERALS[value]))
        elif re.fullmatch(r"'\w*'", value):
            parsed.append((column, value[1:-1]))
        else:
            return None
    return match[1], tuple(parsed)


class PostgresViewDatabase(ViewDatabase):
    """A view in its own PostgreSQL schema; a rebuild is built in a schema beside it, then copied in.

    Every view database of a process borrows connections from one pool per server (see ``_shared_pool``),
    each transaction setting its own schema: a process opens ten and more of them (views, seal, keys,
    sessions), and with a pool each, a few web workers used up the server's connections.
    """

    def __init__(self, view_name: str, settings: StoreSettings, schema: str, *, rebuilding: bool = False) -> None:
        super().__init__(view_name, rebuilding=rebuilding)
        self.settings = settings
        self.schema = schema
        self._pool: Any = None
        self._lock = threading.Lock()
        self._collate = 'COLLATE "C"'
        self._claim: Any = None  # a rebuild's: the connection whose session lock claims its schema

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
        from psycopg import sql

        template = "BEGIN; SET LOCAL search_path TO {}; SELECT pg_advisory_xact_lock(hashtext({}))"
        if self.rebuilding:  # a rebuild's schema is dropped if the server stops: no wait for its log
            template += "; SET LOCAL synchronous_commit = off"
        begin = sql.SQL(template)
        with self._pool_open().connection() as conn, _autocommit(conn):
            try:
                with _ended(conn, "COMMIT"):
                    # Begun, given the view's schema, and one writer per view at a time across processes (the
                    # lock held until commit), in one message: one round trip, where psycopg's BEGIN and a SELECT
                    # took two.
                    conn.execute(begin.format(sql.Identifier(self.schema), sql.Literal(self.schema)))
                    tx = PostgresTx(conn, self._collate, self._memo_for_write(), unlogged=self.rebuilding)
                    yield tx
                    tx.flush()
            except BaseException:
                self.forget()
                raise

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._pool_open().connection() as conn, _autocommit(conn), _ended(conn, "ROLLBACK"):
            # Begun, made read-only and given the view's schema in one message: one round trip, where psycopg's
            # BEGIN, a SET TRANSACTION and a SELECT took three.
            conn.execute(
                f"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL search_path TO {_quoted(self.schema)}"
            )
            yield PostgresTx(conn, self._collate)

    def lookup(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._pool_open().connection() as conn, _autocommit(conn):
            return list(conn.execute(PostgresTx(conn, self._collate)._sql(sql), params).fetchall())

    def table(self, name: str) -> str:
        return f"{_quoted(self.schema)}.{name}"

    def fresh(self) -> PostgresViewDatabase:
        # The rebuild's schema is claimed by a session lock on a connection of its own, held until it is discarded:
        # a schema nobody claims was left by a rebuild that was killed (its connection, and so its lock, gone), and
        # is dropped by the next rebuild of the view.
        self._sweep_orphans()
        rebuilt = PostgresViewDatabase(
            self.view_name, self.settings, f"{self.schema}__rb_{secrets.token_hex(3)}", rebuilding=True
        )
        rebuilt._claim = _claimed(self._conninfo(), rebuilt.schema)
        with rebuilt._pool_open().connection() as conn:
            conn.execute(f'DROP SCHEMA "{rebuilt.schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{rebuilt.schema}"')
        return rebuilt

    def _sweep_orphans(self) -> None:
        """Drop the schemas of this view's rebuilds whose process is gone (no session claims them)."""
        pattern = self.schema.replace("_", "\\_") + "\\_\\_rb\\_%"
        with self._pool_open().connection() as conn, _autocommit(conn):
            rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [pattern]).fetchall()
            for (schema,) in rows:
                if conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [CLAIMS, schema]).fetchone()[0]:
                    try:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    finally:
                        conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [CLAIMS, schema])

    def reopened(self) -> PostgresViewDatabase:
        return _postgres_database(self.view_name, self.settings, self.schema, self.rebuilding)

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to another process: the same schema, with no pool."""
        return (_postgres_database, (self.view_name, self.settings, self.schema, self.rebuilding))

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
                create, *indexes = statements(ddl)
                tx.execute(create)  # unqualified: into the view's schema, first on the search path
                tx.execute(f'INSERT INTO "{self.schema}".{table} SELECT * FROM "{rebuilt.schema}".{table}')
                for index in indexes:  # a table made anew has its rows before its indexes
                    tx.execute(index)
            tx.flush()
            yield tx

    def discard(self) -> None:
        with self._pool_open().connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.close()
        if self._claim is not None:  # the schema is gone: let go of it
            self._claim.close()
            self._claim = None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                _release_pool(self._pool)
                self._pool = None


def _sweep_orphans(path: Path) -> None:
    """Delete the files of the view at ``path`` left by rebuilds whose process is gone (killed, or the machine
    stopped): they hold nothing the log does not, and a rebuild of a large log leaves hundreds of megabytes."""
    for side in path.parent.glob(f"{path.stem}.rebuild-*.sqlite3"):
        if not _alive(side.name.removeprefix(f"{path.stem}.rebuild-").split("-", 1)[0]):
            for leftover in (side, Path(f"{side}-wal"), Path(f"{side}-shm")):
                leftover.unlink(missing_ok=True)


def _alive(pid: str) -> bool:
    """Whether the process ``pid`` (as written in a rebuild's file name; none in an older release's) still runs."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that id: alive
        return True
    return True


def _sqlite_database(view_name: str, path: Path, rebuilding: bool, durable: bool) -> SQLiteViewDatabase:
    return SQLiteViewDatabase(view_name, path, rebuilding=rebuilding, durable=durable)


def _postgres_database(view_name: str, settings: StoreSettings, schema: str, rebuilding: bool) -> PostgresViewDatabase:
    return PostgresViewDatabase(view_name, settings, schema, rebuilding=rebuilding)


def _quoted(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'


@contextmanager
def _ended(conn: Any, done: str) -> Iterator[None]:
    """End the transaction begun in the block with ``done`` (COMMIT, ROLLBACK), or roll it back if the block fails."""
    from psycopg.pq import TransactionStatus

    try:
        yield
    except BaseException:
        if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
        raise
    conn.execute(done)


@contextmanager
def _autocommit(conn: Any) -> Iterator[None]:
    """The pool's connection in autocommit mode while the block runs: a statement sent alone is its own
    transaction, and a ``BEGIN`` sent by us is not preceded by psycopg's own."""
    from psycopg.pq import TransactionStatus

    conn.autocommit = True
    try:
        yield
    finally:
        if not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE:
            conn.autocommit = False


#: (process id, connection string) -> [pool, how many open view databases use it]. The process id keeps a
#: forked child (a web worker) from ever borrowing its parent's connections.
_POOLS: dict[tuple[int, str], list[Any]] = {}
_POOLS_LOCK = threading.Lock()


#: The first key of the session locks that claim rebuilds' schemas (the second: the schema's name hashed); views'
#: write locks take one key, another space of locks.
CLAIMS = 0x5EB1


def _claimed(conninfo: str, schema: str) -> Any:
    """A connection of its own holding the session lock that claims ``schema`` for as long as it is open."""
    import psycopg

    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [CLAIMS, schema])
    return conn


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


def index_name(statement: str) -> str | None:
    """The index a CREATE INDEX statement makes (None for any other statement)."""
    words = statement.split()
    if words[:1] == ["CREATE"] and words[1:2] == ["UNIQUE"]:
        words = ["CREATE", *words[2:]]
    if words[:2] != ["CREATE", "INDEX"]:
        return None
    return words[5] if words[2:5] == ["IF", "NOT", "EXISTS"] else words[2]


def statements(ddl: str) -> list[str]:
    """A table's DDL as statements: its CREATE TABLE, then any CREATE INDEX (after a ';')."""
    return [statement.strip() for statement in ddl.split(";") if statement.strip()]


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
