"""Real stores for tests: SQLite files in a temporary folder, and PostgreSQL where a server answers."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from domain import PostgresSettings, StoreSettings


def postgres_settings(schema: str = "") -> PostgresSettings:
    """The test server: PEIBAN_TEST_POSTGRES_* variables, else 127.0.0.1:5432, database `test`."""
    return PostgresSettings(
        dbname=os.environ.get("PEIBAN_TEST_POSTGRES_DBNAME", "test"),
        host=os.environ.get("PEIBAN_TEST_POSTGRES_HOST", "127.0.0.1"),
        port=int(os.environ.get("PEIBAN_TEST_POSTGRES_PORT", "5432")),
        user=os.environ.get("PEIBAN_TEST_POSTGRES_USER", "postgres"),
        password=os.environ.get("PEIBAN_TEST_POSTGRES_PASSWORD", ""),
        schema=schema,
    )


def _connect(settings: PostgresSettings):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        dbname=settings.dbname,
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password or None,
        connect_timeout=3,
        autocommit=True,
    )


def postgres_unreachable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when a server answers."""
    settings = postgres_settings()
    try:
        with _connect(settings):
            return None
    except Exception as error:  # any failure to connect means: no server for tests here
        return f"no PostgreSQL server answers at {settings.host}:{settings.port}/{settings.dbname}: {error}"


@contextmanager
def postgres_store() -> Iterator[StoreSettings]:
    """A fresh schema on the test server, dropped afterwards; skips (or fails in CI) when none answers."""
    reason = postgres_unreachable_reason()
    if reason:
        if os.environ.get("PEIBAN_TEST_POSTGRES_REQUIRED"):
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(reason)
    schema = f"peiban_test_{uuid.uuid4().hex[:12]}"
    settings = postgres_settings(schema)
    with _connect(settings) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    # The files a PostgreSQL deployment keeps beside its database (master key, seal key) go in a folder of the
    # test's own, never in the working directory.
    local_files = tempfile.TemporaryDirectory(prefix="peiban-pg-")
    try:
        yield StoreSettings(backend="postgres", postgres=settings, data_dir=Path(local_files.name) / "data")
    finally:
        local_files.cleanup()
        with _connect(settings) as conn:
            # the application's schema and every view schema named after it
            rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{schema}%"]).fetchall()
            for (name,) in rows:
                conn.execute(f'DROP SCHEMA "{name}" CASCADE')


@contextmanager
def store(kind: str, tmp_path: Path) -> Iterator[StoreSettings]:
    """A store of the given kind: memory, sqlite (a file under tmp_path) or postgres."""
    if kind == "postgres":
        with postgres_store() as settings:
            yield settings
    else:
        yield StoreSettings(backend="sqlite" if kind == "sqlite" else "memory", data_dir=tmp_path / "data")


def cli_environment(settings: StoreSettings) -> dict[str, str]:
    """The PEIBAN_* variables that point a `peiban` process at the same store."""
    if settings.backend != "postgres":
        return {"PEIBAN_STORE": settings.backend, "PEIBAN_DATA_DIR": str(settings.data_dir)}
    pg = settings.postgres
    return {
        "PEIBAN_STORE": "postgres",
        "PEIBAN_DATA_DIR": str(settings.data_dir),
        "PEIBAN_POSTGRES_HOST": pg.host,
        "PEIBAN_POSTGRES_PORT": str(pg.port),
        "PEIBAN_POSTGRES_DBNAME": pg.dbname,
        "PEIBAN_POSTGRES_USER": pg.user,
        "PEIBAN_POSTGRES_PASSWORD": pg.password,
        "PEIBAN_POSTGRES_SCHEMA": pg.schema,
    }
