"""An API client on a real store, and helpers to set up scenes through the API itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import Peiban, StoreSettings
from web.app import create_app, shutdown
from web.config import Settings


@pytest.fixture
def api_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data")), {"TESTING": True})
    yield app
    shutdown(app)


@pytest.fixture
def client(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


def log_position(client: FlaskClient) -> int:
    """How many facts the log holds: rejected requests must leave it unchanged."""
    app = client.application.extensions["peiban"]
    assert isinstance(app, Peiban)
    return app.log_position()


def ago(**delta: float) -> str:
    return (datetime.now(tz=UTC) - timedelta(**delta)).isoformat()


def post(client: FlaskClient, path: str, body: dict[str, Any], status: int = 201, **headers: str) -> dict[str, Any]:
    response = client.post(f"/api/v1{path}", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    result = response.get_json()
    assert isinstance(result, dict)
    return result


def cohort(client: FlaskClient, name: str = "2025级") -> str:
    today = date.today()
    body = {"name": name, "starts_on": str(today - timedelta(days=400)), "ends_on": str(today + timedelta(days=140))}
    return str(post(client, "/cohorts", body)["id"])
