"""Where facts are kept: an embedded SQLite file, PostgreSQL, or memory (tests).

This module only turns explicit settings into eventsourcing environments; the web
layer is the one place that reads configuration files and the process environment.
Each application and each view gets its own SQLite file (they would otherwise
share tables) or its own table prefix in PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Backend = Literal["sqlite", "postgres", "memory"]


@dataclass(frozen=True)
class PostgresSettings:
    dbname: str = "peiban"
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    schema: str = ""
    pool_size: int = 5


@dataclass(frozen=True)
class StoreSettings:
    """Which store to use and where it lives."""

    backend: Backend = "sqlite"
    data_dir: Path = Path("peiban-data")
    postgres: PostgresSettings = field(default_factory=PostgresSettings)

    def sqlite_file(self, store_name: str) -> Path:
        return self.data_dir / f"{store_name}.sqlite3"

    def env(self, store_name: str) -> dict[str, str]:
        """The eventsourcing environment for one application or view named ``store_name``."""
        if self.backend == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.backend == "sqlite":
            return {
                "PERSISTENCE_MODULE": "domain.sqlite_log:Factory",
                "SQLITE_DBNAME": str(self.sqlite_file(store_name)),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        pg = self.postgres
        env = {
            "PERSISTENCE_MODULE": "domain.postgres_log:Factory",
            "POSTGRES_DBNAME": pg.dbname,
            "POSTGRES_HOST": pg.host,
            "POSTGRES_PORT": str(pg.port),
            "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": pg.password,
            "POSTGRES_POOL_SIZE": str(pg.pool_size),
            # Kept off on purpose: with DB functions on, concurrent writers let a follower skip events.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }
        if pg.schema:
            env["POSTGRES_SCHEMA"] = pg.schema
        return env
