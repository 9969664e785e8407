"""Every request's authority is decided on current data, whichever process changed it: a server keeps the accounts
it has folded, and must learn at once of a revoked token, a lockout, a new role, an erasure, a sign-out or an
ended assignment recorded by another server on the same store (``elsewhere``) or by the `peiban` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import Actor
from domain.accounts import account_id
from tests.builders import visit
from tests.web.access.conftest import accounts, app_on, browser, csrf, open_account, peiban, session_cookie, with_cookie
from tests.web.access.scenes import Where, ago, neighbourhood
from web.app import shutdown

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[3]
COHORT = {"name": "2026级", "starts_on": "2026-09-01", "ends_on": "2028-06-30"}


@pytest.fixture
def elsewhere(data_dir: Path, web: Flask) -> Iterator[Flask]:
    """A second server on the same store as ``web``."""
    app = app_on(data_dir)
    yield app
    shutdown(app)


def peiban_process(data_dir: Path, *args: str) -> str:
    """`peiban --data-dir DATA_DIR ARGS…` in a process of its own; its output."""
    done = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "--data-dir", str(data_dir), *args],
        check=False,  # its output is shown when it fails
        cwd=ROOT,
        env={**os.environ, "PEIBAN_STORE": "sqlite"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def token_of(data_dir: Path, user_name: str) -> tuple[str, str]:
    """`peiban token create`, in a process of its own: (token id, the token)."""
    id_line, token = peiban_process(data_dir, "token", "create", user_name, "--label", "手机").strip().splitlines()[-2:]
    return id_line.rsplit(" ", 1)[-1], token


def bearer(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_a_token_revoked_by_another_process_is_refused_at_once(web: Flask, data_dir: Path) -> None:
    # given a token this server has accepted (and so has the account folded), and a second token
    open_account(web, "wang", "auditor")
    token_id, token = token_of(data_dir, "wang")
    for _ in range(3):
        assert bearer(web, token).get(f"{API}/families").status_code == 200
    # when the first is revoked by the `peiban` command, in a process of its own
    peiban_process(data_dir, "token", "revoke", "wang", token_id)
    # then this server refuses it on the next request, and a token issued since works at once
    assert bearer(web, token).get(f"{API}/families").status_code == 401
    _, issued = token_of(data_dir, "wang")
    assert bearer(web, issued).get(f"{API}/families").status_code == 200


def test_a_lockout_by_another_server_refuses_the_token_and_the_session_at_once(
    web: Flask, elsewhere: Flask, data_dir: Path
) -> None:
    open_account(web, "wang", "social_worker")
    client, _ = browser(web, "wang")
    _, token = token_of(data_dir, "wang")
    assert client.get(f"{API}/families").status_code == bearer(web, token).get(f"{API}/families").status_code == 200

    accounts(elsewhere).disable("wang", reason="离开项目", recorded_by=Actor("另一台服务器"))

    assert client.get(f"{API}/families").status_code == 401
    assert bearer(web, token).get(f"{API}/families").status_code == 401


def test_a_role_changed_by_another_server_applies_at_once(web: Flask, elsewhere: Flask, data_dir: Path) -> None:
    open_account(web, "wang", "coordinator")
    _, token = token_of(data_dir, "wang")
    assert bearer(web, token).post(f"{API}/cohorts", json=COHORT).status_code == 201

    accounts(elsewhere).grant_role("wang", role="auditor", recorded_by=Actor("另一台服务器"))

    assert bearer(web, token).post(f"{API}/cohorts", json=COHORT).status_code == 403
    assert bearer(web, token).get(f"{API}/session").get_json()["role"] == "auditor"


def test_an_account_erased_by_another_server_is_refused_at_once(web: Flask, elsewhere: Flask, data_dir: Path) -> None:
    open_account(web, "wang", "auditor")
    client, _ = browser(web, "wang")
    _, token = token_of(data_dir, "wang")
    assert bearer(web, token).get(f"{API}/families").status_code == 200

    accounts(elsewhere).erase(account_id("wang"), reason="本人要求删除")

    assert bearer(web, token).get(f"{API}/families").status_code == 401
    assert client.get(f"{API}/families").status_code == 401
    # and this server no longer holds the account's plaintext (its folded copy) once it learnt of the erasure
    assert account_id("wang") not in accounts(web)._folded


def test_a_sign_out_on_another_server_ends_the_session_here(web: Flask, elsewhere: Flask) -> None:
    open_account(web, "wang", "coordinator")
    client, csrf_token = browser(web, "wang")
    assert client.get(f"{API}/families").status_code == 200

    signed_out = with_cookie(elsewhere, session_cookie(client)).delete(f"{API}/session", headers=csrf(csrf_token))

    assert signed_out.status_code == 204
    assert client.get(f"{API}/families").status_code == 401


def test_an_assignment_ended_by_another_server_takes_the_family_out_of_scope_at_once(
    web: Flask, elsewhere: Flask, data_dir: Path
) -> None:
    # given a volunteer who reads and writes up the family they lead, through this server
    n = neighbourhood(peiban(web))
    own = n.families[Where.OWN]
    open_account(web, "xiaolin", "volunteer", volunteer_id=n.volunteer)
    _, token = token_of(data_dir, "xiaolin")
    written = {**visit(), "occurred_at": ago(days=2).isoformat(), "volunteer_ids": [n.volunteer]}
    assert bearer(web, token).get(f"{API}/families/{own}").status_code == 200
    assert bearer(web, token).post(f"{API}/families/{own}/visits", json=written).status_code == 201
    # when another server takes them off the family
    peiban(elsewhere).unassign_volunteer(
        UUID(own), volunteer_id=UUID(n.volunteer), reason="换组", recorded_by=Actor("另一台服务器")
    )
    # then this server answers as if the family did not exist, and records nothing
    before = len(peiban(web).family_facts(UUID(own)))
    written["occurred_at"] = ago(hours=1).isoformat()
    assert bearer(web, token).get(f"{API}/families/{own}").status_code == 404
    assert bearer(web, token).post(f"{API}/families/{own}/visits", json=written).status_code == 404
    assert len(peiban(web).family_facts(UUID(own))) == before


def test_a_visit_posted_to_one_server_is_in_the_next_timeline_read_on_either_and_the_read_is_recorded(
    web: Flask, elsewhere: Flask, data_dir: Path
) -> None:
    # given a volunteer's visit, answered by this server without folding any view first
    n = neighbourhood(peiban(web))
    own = n.families[Where.OWN]
    open_account(web, "xiaolin", "volunteer", volunteer_id=n.volunteer)
    _, token = token_of(data_dir, "xiaolin")
    written = {**visit(), "occurred_at": ago(hours=2).isoformat(), "volunteer_ids": [n.volunteer]}
    logged = bearer(web, token).post(f"{API}/families/{own}/visits", json=written).get_json()
    # when the volunteer reads the family's timeline, from either server
    shown = [bearer(app, token).get(f"{API}/families/{own}/timeline").get_json() for app in (web, elsewhere)]
    # then both show the visit, and both reads are in the access log
    assert all(logged["event_id"] in {e["event_id"] for e in page["entries"]} for page in shown)
    _, coordinator = token_of(data_dir, open_account(web, "wang", "coordinator"))
    readers = bearer(elsewhere, coordinator).get(f"{API}/families/{own}/readers").get_json()["items"]
    assert [r["reader"] for r in readers].count("xiaolin") == 2
