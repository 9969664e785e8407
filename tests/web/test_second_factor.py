"""An optional one-time-code (TOTP) second factor for coordinators and auditors."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner

from domain import Actor, StoreSettings
from domain.accounts import SecondFactorNotOffered
from web.app import create_app, shutdown
from web.cli import main
from web.settings import Settings

PASSWORD = "a-long-enough-secret-9"


def cli(data: Path, *args: str, stdin: str = "") -> str:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args], input=stdin, env={"PEIBAN_STORE": "sqlite"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_coordinator_with_a_second_factor_signs_in_only_with_the_current_code(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli(data, "init", "--coordinator", "li", "--password-stdin", stdin=PASSWORD + "\n")
    uri = cli(data, "user", "second-factor", "li").splitlines()[-1]
    totp = pyotp.parse_uri(uri)
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data)), {"TESTING": True})
    client = app.test_client()
    without = client.post("/api/v1/session", json={"user_name": "li", "password": PASSWORD})
    wrong = client.post("/api/v1/session", json={"user_name": "li", "password": PASSWORD, "one_time_code": "000000"})
    right = client.post("/api/v1/session", json={"user_name": "li", "password": PASSWORD, "one_time_code": totp.now()})
    assert (without.status_code, right.status_code) == (401, 200)
    assert wrong.status_code == 401 or totp.now() == "000000"
    shutdown(app)


def test_the_second_factor_is_offered_to_coordinators_and_auditors_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli(data, "init", "--coordinator", "li", "--password-stdin", stdin=PASSWORD + "\n")
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data)), {"TESTING": True})
    accounts = app.extensions["peiban.accounts"]
    accounts.open_account(
        user_name="wang", display_name="王社工", role="social_worker", password_hash="x", recorded_by=Actor("li")
    )
    with pytest.raises(SecondFactorNotOffered):
        accounts.set_second_factor("wang", totp_secret=pyotp.random_base32(), recorded_by=Actor("li"))
    shutdown(app)
