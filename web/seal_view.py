"""The seal as the API and the pages show it: its status (after sealing what is new) and its export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app

from projections.seal.store import SealStore

FILE_NAME = "peiban-seal-checkpoints.json"


def seal() -> SealStore:
    """This process's seal."""
    found = current_app.extensions["peiban.seal"]
    assert isinstance(found, SealStore)
    return found


def seal_status() -> dict[str, Any]:
    """The seal's status, every fact recorded so far sealed first."""
    store = seal()
    store.catch_up()
    status = store.status()
    verification = status.last_verification
    state = "unverified" if verification is None else "intact" if verification.intact else "broken"
    found = asdict(status)
    if verification is not None:
        found["last_verification"]["intact"] = verification.intact
    return {**found, "status": state, "signing_key": store.key is not None}


def seal_export() -> dict[str, Any]:
    """The checkpoint file: a fresh checkpoint at the head, every earlier one, and the public key."""
    return seal().export()


def download_headers() -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{FILE_NAME}"'}
