"""Behind a TLS proxy (an option, off by default): client address, Secure cookies, HSTS; and /healthz says only ok."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.test import TestResponse

from domain import StoreSettings
from tests.builders import scene
from tests.web.access.conftest import PASSWORD, open_account
from tests.web.access.test_sign_in_limits import post_from
from tests.web.api.live_server import serving
from web.access.guard import COOKIE
from web.app import application, create_app, shutdown
from web.cli import main
from web.infra.sign_in_limits import PER_PAIR
from web.settings import Settings, from_environment

SESSION = "/api/v1/session"
WRONG = {"user_name": "wang", "password": "not-the-password"}
RIGHT = {"user_name": "wang", "password": PASSWORD}


def app_for(tmp_path: Path, trust_proxy: int) -> Iterator[Flask]:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"), trust_proxy=trust_proxy)
    app = create_app(settings, {"TESTING": True})
    open_account(app, "wang", "coordinator")
    yield app
    shutdown(app)


@pytest.fixture
def direct(tmp_path: Path) -> Iterator[Flask]:
    """Served straight to the network: the default."""
    yield from app_for(tmp_path, 0)


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Flask]:
    """Behind one TLS proxy (PEIBAN_TRUST_PROXY=1)."""
    yield from app_for(tmp_path, 1)


def via_proxy(app: Flask, client_address: str, body: dict[str, str], forged: str = "") -> TestResponse:
    """A sign-in as the proxy passes it on: from the proxy's address, with the client's address appended."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    headers = {"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"}
    return app.test_client().post(SESSION, json=body, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})


def cookie_flags(response: TestResponse, name: str) -> set[str]:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_by_default_a_forged_forwarded_for_does_not_change_the_address_that_is_limited(direct: Flask) -> None:
    with serving(direct) as port:
        guesses = [post_from("127.0.0.1", port, WRONG, **{"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(6)]
        right = post_from("127.0.0.1", port, RIGHT, **{"X-Forwarded-For": "198.51.100.1"})[0]

    assert guesses == [401] * PER_PAIR + [429]
    assert right == 429, "still the same address, whatever the header says"


def test_by_default_there_is_no_hsts_and_no_secure_cookie_over_plain_http(direct: Flask) -> None:
    response = direct.test_client().post(SESSION, json=RIGHT, headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert "secure" not in cookie_flags(response, COOKIE)


def test_behind_the_proxy_the_limits_count_the_client_address_the_proxy_appended(proxied: Flask) -> None:
    guesses = [via_proxy(proxied, "203.0.113.7", WRONG, forged=f"198.51.100.{i}").status_code for i in range(6)]
    neighbour = via_proxy(proxied, "203.0.113.8", RIGHT)

    assert guesses == [401] * PER_PAIR + [429], "a forged left-most address does not escape the limit"
    assert neighbour.status_code == 200


def test_behind_the_proxy_cookies_are_secure_and_every_answer_asks_for_https(proxied: Flask) -> None:
    signed_in = via_proxy(proxied, "203.0.113.7", RIGHT)
    page = proxied.test_client().get("/signin", headers={"X-Forwarded-Proto": "https"})
    health = proxied.test_client().get("/healthz")

    assert signed_in.status_code == 200 and {"secure", "httponly"} <= cookie_flags(signed_in, COOKIE)
    assert "secure" in cookie_flags(page, "peiban_signin")
    for response in (signed_in, page, health):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_option_is_read_from_the_environment_and_the_serve_command() -> None:
    assert from_environment({}).trust_proxy == 0
    assert from_environment({"PEIBAN_TRUST_PROXY": "1"}).trust_proxy == 1
    for wrong in ("yes", "-1", "１", "9"):
        with pytest.raises(ValueError, match="PEIBAN_TRUST_PROXY"):
            from_environment({"PEIBAN_TRUST_PROXY": wrong})
    assert "--trust-proxy" in CliRunner().invoke(main, ["serve", "--help"]).output


def test_health_tells_an_anonymous_caller_that_all_is_well_and_nothing_else(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data)), {"TESTING": True})
    with app.app_context():
        scene(application())

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert str(data) not in response.get_data(as_text=True)
    shutdown(app)
