"""Configuration: the one place that reads the process environment.

Settings come from ``PEIBAN_*`` environment variables, overridden by whatever the
caller passes (CLI options, a test's config mapping).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from domain import PostgresSettings, StoreSettings
from domain.stores import Backend

BACKENDS = ("sqlite", "postgres", "memory")


@dataclass(frozen=True)
class Settings:
    """Everything Peiban needs to know to run."""

    store: StoreSettings = field(default_factory=StoreSettings)
    secret_key: str = ""
    timezone: str = "Asia/Shanghai"
    #: A fault for tests only: the process exits right after saving a fact, before answering (a crash).
    exit_after_save: bool = False


def from_environment(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from ``PEIBAN_*`` variables; explicit ``overrides`` (not None) win."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in overrides.items() if v is not None}
    backend = str(given.get("store", env.get("PEIBAN_STORE", "sqlite")))
    if backend not in BACKENDS:
        raise ValueError(f"PEIBAN_STORE must be one of {', '.join(BACKENDS)} (got {backend!r})")
    postgres = PostgresSettings(
        dbname=env.get("PEIBAN_POSTGRES_DBNAME", "peiban"),
        host=env.get("PEIBAN_POSTGRES_HOST", "127.0.0.1"),
        port=int(env.get("PEIBAN_POSTGRES_PORT", "5432")),
        user=env.get("PEIBAN_POSTGRES_USER", "postgres"),
        password=env.get("PEIBAN_POSTGRES_PASSWORD", ""),
        schema=env.get("PEIBAN_POSTGRES_SCHEMA", ""),
    )
    store = StoreSettings(
        backend=cast(Backend, backend),
        data_dir=Path(given.get("data_dir", env.get("PEIBAN_DATA_DIR", "peiban-data"))),
        postgres=postgres,
    )
    return Settings(
        store=store,
        secret_key=env.get("PEIBAN_SECRET_KEY", ""),
        timezone=env.get("PEIBAN_TIMEZONE", "Asia/Shanghai"),
        exit_after_save=env.get("PEIBAN_TEST_EXIT_AFTER_SAVE", "") == "1",
    )
