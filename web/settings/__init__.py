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
    #: the seal's private signing key (default: ``seal-signing-key.pem`` in the data directory)
    seal_key_file: Path | None = None
    #: sign a checkpoint of the seal every so many facts
    seal_checkpoint_every: int = 1000

    #: the master key file (default: ``master.key`` in the data directory; better kept elsewhere)
    master_key_file: Path | None = None
    #: the master key itself, base64 (``PEIBAN_MASTER_KEY``): wins over the file
    master_key: str = ""

    def master_key_path(self) -> Path:
        """Where the master key that wraps every data key is read from (and created, for a new store)."""
        return self.master_key_file or self.store.data_dir / "master.key"

    def seal_key_path(self) -> Path:
        """Where the seal's private signing key is kept: never in the event store."""
        return self.seal_key_file or self.store.data_dir / "seal-signing-key.pem"

    #: The largest request body taken (larger ones answer 413): a handover letter at its limit fits many times.
    max_body_bytes: int = 1024 * 1024
    #: How many reverse proxies (terminating TLS) stand in front and set ``X-Forwarded-*`` (0: trust no such header).
    trust_proxy: int = 0
    #: A fault for tests only: the process exits right after saving a fact, before answering (a crash).
    exit_after_save: bool = False
    #: A closed family becomes a candidate for erasure this many days after its closure (the retention list).
    retention_days: int = 3 * 365
    #: The most families a volunteer leads: the transition planner proposes no successor beyond it.
    max_caseload: int = 3
    #: With fewer days than this left to a cohort's end, a family without a planned handover, or whose handover
    #: has had no joint visit yet, is at risk (the transition planner lists it).
    transition_risk_days: int = 30


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
        pool_size=whole("PEIBAN_POSTGRES_POOL_SIZE", env.get("PEIBAN_POSTGRES_POOL_SIZE", "5"), 1, 100),
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
        seal_key_file=Path(env["PEIBAN_SEAL_KEY_FILE"]) if env.get("PEIBAN_SEAL_KEY_FILE") else None,
        master_key_file=Path(env["PEIBAN_MASTER_KEY_FILE"]) if env.get("PEIBAN_MASTER_KEY_FILE") else None,
        master_key=env.get("PEIBAN_MASTER_KEY", ""),
        seal_checkpoint_every=int(env.get("PEIBAN_SEAL_CHECKPOINT_EVERY", "1000")),
        trust_proxy=proxies(given.get("trust_proxy", env.get("PEIBAN_TRUST_PROXY", "0"))),
        exit_after_save=env.get("PEIBAN_TEST_EXIT_AFTER_SAVE", "") == "1",
        retention_days=retention_days(env.get("PEIBAN_RETENTION_DAYS", str(3 * 365))),
        max_caseload=whole("PEIBAN_MAX_CASELOAD", env.get("PEIBAN_MAX_CASELOAD", "3"), 1, 50),
        transition_risk_days=whole("PEIBAN_TRANSITION_RISK_DAYS", env.get("PEIBAN_TRANSITION_RISK_DAYS", "30"), 1, 365),
    )


def retention_days(value: str) -> int:
    """The retention period in days: a whole number from 1 to 36,500."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 36_500):
        raise ValueError(f"PEIBAN_RETENTION_DAYS must be a number of days from 1 to 36500 (got {value!r})")
    return int(text)


def whole(name: str, value: str, least: int, most: int) -> int:
    """A setting that is a whole number from ``least`` to ``most`` (ASCII digits only)."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and least <= int(text) <= most):
        raise ValueError(f"{name} must be a whole number from {least} to {most} (got {value!r})")
    return int(text)


def proxies(value: object) -> int:
    """The number of trusted proxies: ASCII digits only, 0 to 5."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and int(text) <= 5):
        raise ValueError(f"PEIBAN_TRUST_PROXY must be a number of proxies from 0 to 5 (got {value!r})")
    return int(text)
