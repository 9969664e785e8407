"""Opening a store in a test as the web layer does: encrypted with the store's key store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain import Peiban, StoreSettings
from web.infra.keys import open_keys
from web.settings import Settings


def encrypted_peiban(store: Path | StoreSettings, *, master_key: str = "", **kwargs: Any) -> Peiban:
    """The Peiban application on ``store`` (a SQLite data directory, or any store), with its keys (made on
    first use; ``master_key``, base64, when given, else the data directory's ``master.key``)."""
    settings = Settings(
        store=store if isinstance(store, StoreSettings) else StoreSettings(backend="sqlite", data_dir=store),
        master_key=master_key,
    )
    keys = open_keys(settings)
    app = Peiban(settings.store.env(Peiban.name), keys=keys, **kwargs)
    app.also_close.append(keys.close)
    return app
