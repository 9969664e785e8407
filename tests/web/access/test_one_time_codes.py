"""A one-time code (TOTP) signs in once: replayed, in parallel, or after a restart, it is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from flask import Flask

from domain import Actor
from tests.stores import store
from tests.web.access.conftest import PASSWORD, accounts, open_account
from tests.web.access.test_sign_in_limits import all_at_once, post_from
from tests.web.api.live_server import serving
from web.app import create_app, shutdown
from web.settings import Settings

pytestmark = pytest.mark.many_connections

ROOT = Path(__file__).resolve().parents[3]
#: Ten seconds into a 30-second step: the clock is frozen here (the code and the server read the same time).
AT = datetime(2026, 3, 2, 8, 0, 10, tzinfo=UTC)
SECRET = pyotp.random_base32()
CODE = pyotp.TOTP(SECRET).at(AT)

#: A fresh process that opens the same store, at the same frozen moment, and signs in once.
RESTARTED = """
import json, sys
from datetime import datetime
import time_machine
from web.app import create_app, shutdown
with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=False):
    app = create_app(None, {"TESTING": True})
    print(app.test_client().post("/api/v1/session", json=json.loads(sys.argv[2])).status_code)
    shutdown(app)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, str]]]:
    """An app with a coordinator "li" guarded by a second factor, and the environment that opens its store."""
    with store(request.param, tmp_path) as settings:
        app = create_app(Settings(store=settings), {"TESTING": True})
        open_account(app, "li", "coordinator")
        accounts(app).set_second_factor("li", totp_secret=SECRET, recorded_by=Actor("tests"))
        pg = settings.postgres
        environ = {
            "PEIBAN_STORE": settings.backend,
            "PEIBAN_DATA_DIR": str(settings.data_dir),
            **{f"PEIBAN_POSTGRES_{k.upper()}": str(getattr(pg, k)) for k in ("dbname", "host", "port", "user")},
            "PEIBAN_POSTGRES_PASSWORD": pg.password,
            "PEIBAN_POSTGRES_SCHEMA": pg.schema,
        }
        yield app, environ
        shutdown(app)


def with_code(code: str) -> dict[str, str]:
    return {"user_name": "li", "password": PASSWORD, "one_time_code": code}


def test_a_code_signs_in_once_and_a_code_before_it_never(site: tuple[Flask, dict[str, str]]) -> None:
    app, _ = site
    earlier = pyotp.TOTP(SECRET).at(AT - timedelta(seconds=30))  # still within the drift allowed

    with time_machine.travel(AT, tick=False):
        first = app.test_client().post("/api/v1/session", json=with_code(CODE))
        replayed = app.test_client().post("/api/v1/session", json=with_code(CODE))
        older = app.test_client().post("/api/v1/session", json=with_code(earlier))
    with time_machine.travel(AT + timedelta(seconds=30), tick=False):
        next_code = app.test_client().post("/api/v1/session", json=with_code(pyotp.TOTP(SECRET).now()))

    assert (first.status_code, replayed.status_code, older.status_code) == (200, 401, 401)
    assert next_code.status_code == 200


def test_a_code_used_before_a_restart_is_refused_after_it(site: tuple[Flask, dict[str, str]]) -> None:
    app, environ = site
    with time_machine.travel(AT, tick=False):
        assert app.test_client().post("/api/v1/session", json=with_code(CODE)).status_code == 200
    shutdown(app)  # the server stops (closing again at teardown is harmless)

    restarted = subprocess.run(
        [sys.executable, "-c", RESTARTED, AT.isoformat(), json.dumps(with_code(CODE))],
        env={**os.environ, **environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.split() == ["401"]


def test_one_code_sent_from_eight_addresses_at_once_opens_one_session(site: tuple[Flask, dict[str, str]]) -> None:
    app, _ = site

    with time_machine.travel(AT, tick=False), serving(app, threads=8) as port:
        statuses = all_at_once(8, lambda i: post_from(f"127.0.0.{i + 1}", port, with_code(CODE)))

    assert Counter(statuses) == {200: 1, 401: 7}
