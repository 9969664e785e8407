"""Opening the application's store from settings."""

from __future__ import annotations

from domain import Peiban
from web.config import Settings


def open_application(settings: Settings) -> Peiban:
    """The Peiban application on the configured store (creating the data directory for SQLite)."""
    if settings.store.backend == "sqlite":
        settings.store.data_dir.mkdir(parents=True, exist_ok=True)
    return Peiban(settings.store.env(Peiban.name))
