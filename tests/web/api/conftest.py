"""An API client on a real store, and helpers to set up scenes through the API itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import Actor, Peiban, StoreSettings
from domain.accounts import AccountNotFound
from tests.builders import local_today
from tests.web.passwords import password_hash
from web.access.tokens import new_token
from web.app import create_app, shutdown
from web.settings import Settings


@contextmanager
def app_in(folder: Path) -> Iterator[Flask]:
    """The web app on a fresh SQLite store in ``folder``, shut down afterwards."""
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=folder / "data")), {"TESTING": True})
    try:
        yield app
    finally:
        shutdown(app)


@pytest.fixture
def api_app(tmp_path: Path) -> Iterator[Flask]:
    with app_in(tmp_path) as app:
        yield app


def token_for(app: Flask, role: str = "coordinator", volunteer_id: str | None = None) -> str:
    """A bearer token of an account with ``role`` (opened on first use), for API clients in tests."""
    accounts = app.extensions["peiban.accounts"]
    user_name = f"test-{role}" + (f"-{volunteer_id[:8]}" if volunteer_id else "")
    try:
        account = accounts.get(user_name)
    except AccountNotFound:
        accounts.open_account(
            user_name=user_name,
            display_name=user_name,
            role=role,
            password_hash=password_hash("test-password-123"),
            volunteer_id=UUID(volunteer_id) if volunteer_id else None,
            recorded_by=Actor("tests"),
        )
        account = accounts.get(user_name)
    text, token_id, token_hash = new_token(account)
    accounts.issue_token(user_name, token_id=token_id, token_hash=token_hash, label="tests", recorded_by=Actor("tests"))
    return text


def signed_in(app: Flask, role: str = "coordinator", volunteer_id: str | None = None) -> FlaskClient:
    """A test client that calls the API as an account with ``role``."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, role, volunteer_id)}"
    return client


@pytest.fixture
def client(api_app: Flask) -> FlaskClient:
    """The API as a coordinator sees it (most endpoints; not raw facts nor sensitive compartments)."""
    return signed_in(api_app, "coordinator")


@pytest.fixture
def auditor(api_app: Flask) -> FlaskClient:
    """The API as an auditor sees it: every read, raw facts and compartments included; no writes."""
    return signed_in(api_app, "auditor")


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
    today = local_today()
    body = {"name": name, "starts_on": str(today - timedelta(days=400)), "ends_on": str(today + timedelta(days=140))}
    return str(post(client, "/cohorts", body)["id"])
