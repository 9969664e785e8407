"""Apps on real SQLite stores, accounts with passwords, sign-in, and the `peiban` command, for the access tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain import Actor, Peiban, StoreSettings
from domain.accounts import Accounts
from tests.web.passwords import password_hash
from web.access.guard import COOKIE, CSRF_HEADER
from web.app import create_app, shutdown
from web.cli import main
from web.settings import Settings

PASSWORD = "a-long-and-rare-passphrase-42"


def app_on(data_dir: Path) -> Flask:
    """The web app on a SQLite store in ``data_dir`` (the `peiban` command can open the same store)."""
    return create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data_dir)), {"TESTING": True})


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def web(data_dir: Path) -> Iterator[Flask]:
    """A fresh app for one test, on its own store."""
    app = app_on(data_dir)
    yield app
    shutdown(app)


def peiban(app: Flask) -> Peiban:
    application = app.extensions["peiban"]
    assert isinstance(application, Peiban)
    return application


def accounts(app: Flask) -> Accounts:
    store = app.extensions["peiban.accounts"]
    assert isinstance(store, Accounts)
    return store


def open_account(
    app: Flask, user_name: str, role: str, *, volunteer_id: str | UUID | None = None, password: str = PASSWORD
) -> str:
    """An account with a password, opened straight in the accounts store (as `peiban user add` does)."""
    accounts(app).open_account(
        user_name=user_name,
        display_name=user_name,
        role=role,
        password_hash=password_hash(password),
        volunteer_id=UUID(str(volunteer_id)) if volunteer_id else None,
        recorded_by=Actor("tests"),
    )
    return user_name


def sign_in(client: FlaskClient, user_name: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/api/v1/session", json={"user_name": user_name, "password": password})


def browser(app: Flask, user_name: str, password: str = PASSWORD, **environ: Any) -> tuple[FlaskClient, str]:
    """A client signed in with a session cookie, and the CSRF token its writes must carry."""
    client = app.test_client()
    client.environ_base.update(environ)
    response = sign_in(client, user_name, password)
    assert response.status_code == 200, response.get_json()
    return client, str(response.get_json()["csrf_token"])


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def with_cookie(app: Flask, session_id: str) -> FlaskClient:
    """A client that only has a copy of someone's session cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, session_id)
    return client


def csrf(token: str) -> dict[str, str]:
    return {CSRF_HEADER: token}


def peiban_command(data_dir: Path, *args: str, stdin: str | None = None) -> Result:
    """Run `peiban --data-dir DATA_DIR ARGS…` as an administrator would, on the same store as the app."""
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], input=stdin, env={"PEIBAN_STORE": "sqlite"})


def shown(response: TestResponse) -> str:
    """Everything a JSON answer says, as readable text (Flask escapes non-ASCII characters on the wire)."""
    return json.dumps(response.get_json(), ensure_ascii=False)
