"""Opening a SQLite store in a test as the web layer does: encrypted with the data directory's key store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain import Peiban, StoreSettings
from web.config import Settings
from web.keys import open_keys


def encrypted_peiban(data_dir: Path, **kwargs: Any) -> Peiban:
    """The Peiban application on the SQLite store in ``data_dir``, with its keys (made on first use)."""
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=data_dir))
    keys = open_keys(settings)
    app = Peiban(settings.store.env(Peiban.name), keys=keys, **kwargs)
    app.also_close.append(keys.close)
    return app
