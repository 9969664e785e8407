"""A server killed between saving a fact and answering: the retry with the same Idempotency-Key and body,
sent to the restarted server, gets the fact saved before the crash, and records nothing new.

The server is the real one (``peiban serve``, waitress) in a process of its own; the crash is the
test-only fault PEIBAN_TEST_EXIT_AFTER_SAVE=1, which ends the process right after a fact is saved.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.aggregate import PeibanAggregate
from tests.builders import family_profile, visit
from tests.web.api.conftest import token_for
from tests.web.api.live_server import post_json
from tests.web.stores import encrypted_peiban
from web.app import create_app, shutdown
from web.infra.stores import EXIT_AFTER_SAVE
from web.settings import Settings

STARTS_WITHIN = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(data_dir: Path, *, exit_after_save: bool = False) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``peiban serve`` on the store in ``data_dir``, in its own process, once it answers."""
    port = _free_port()
    env = {**os.environ, "PEIBAN_DATA_DIR": str(data_dir), "PEIBAN_STORE": "sqlite"}
    env["PEIBAN_TEST_EXIT_AFTER_SAVE"] = "1" if exit_after_save else ""
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_until_it_answers(server, port)
        yield server, port
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()


def _wait_until_it_answers(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + STARTS_WITHIN
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"server exited: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.1)  # polling for readiness, not timing anything
    pytest.fail("server did not start")


def _facts_named(data_dir: Path, kind: str, *, of: bool = False) -> list[str]:
    """The ids of the facts of ``kind`` (a class name) in the log (``of``: the ids of whom they are about)."""
    app = encrypted_peiban(data_dir)
    try:
        notifications = app.recorder.select_notifications(0, 100_000)
        facts = [app.mapper.to_domain_event(n) for n in notifications]
        named = [f for f in facts if isinstance(f, PeibanAggregate.Event) and type(f).__name__ == kind]
        return [str(f.originator_id if of else f.event_id) for f in named]
    finally:
        app.close()


@pytest.fixture
def store(tmp_path: Path) -> dict[str, Any]:
    """A store with a family and its lead, and API tokens of two callers."""
    data_dir = tmp_path / "data"
    web = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data_dir)), {"TESTING": True})
    app: Peiban = web.extensions["peiban"]
    started = datetime.now(tz=UTC) - timedelta(days=10)
    cohort = app.open_cohort(
        name="2025级",
        intake_on=started.date(),
        expected_end_on=started.date() + timedelta(days=400),
        recorded_by=Actor("c"),
    )
    lead = app.register_volunteer(
        cohort_id=cohort, name="王义工", contact="x", recorded_by=Actor("c"), occurred_at=started
    )
    app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=started)
    family = app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
    app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
    callers = {role: f"Bearer {token_for(web, role)}" for role in ("coordinator", "social_worker")}
    shutdown(web)
    body = {**visit(), "occurred_at": (started + timedelta(days=1)).isoformat(), "volunteer_ids": [str(lead)]}
    return {"data_dir": data_dir, "family": str(family), "callers": callers, "visit": body}


def _crash_while_answering(data_dir: Path, path: str, body: dict[str, Any], **headers: str) -> None:
    with serving(data_dir, exit_after_save=True) as (server, port):
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            post_json(port, path, body, **headers)
        assert server.wait(timeout=30) == EXIT_AFTER_SAVE


@pytest.mark.real_clock
def test_a_visit_saved_but_not_answered_is_answered_on_retry_with_the_fact_saved_and_logged_once(
    store: dict[str, Any],
) -> None:
    data_dir, path = store["data_dir"], f"/api/v1/families/{store['family']}/visits"
    coordinator = {"Authorization": store["callers"]["coordinator"], "Idempotency-Key": "phone-visit-1"}

    _crash_while_answering(data_dir, path, store["visit"], **coordinator)
    (saved,) = _facts_named(data_dir, "VisitLogged")  # saved before the crash, never answered

    with serving(data_dir) as (_, port):
        status, answer = post_json(port, path, store["visit"], **coordinator)
        assert (status, answer["event_id"]) == (201, saved)
        assert _facts_named(data_dir, "VisitLogged") == [saved]

        status, refused = post_json(port, path, {**store["visit"], "summary": "另一次探访"}, **coordinator)
        assert (status, refused["error"]) == (422, "idempotency_key_in_use")
        assert _facts_named(data_dir, "VisitLogged") == [saved]

        # another caller's same key is their own request
        other = {"Authorization": store["callers"]["social_worker"], "Idempotency-Key": "phone-visit-1"}
        status, theirs = post_json(port, path, store["visit"], **other)
        assert status == 201 and theirs["event_id"] != saved
        assert _facts_named(data_dir, "VisitLogged") == [saved, theirs["event_id"]]


def test_a_family_enrolled_but_not_answered_is_enrolled_once(store: dict[str, Any]) -> None:
    data_dir = store["data_dir"]
    profile = {
        **family_profile(display_name="陈家"),
        "consent": {**family_profile()["consent"], "given_on": "2025-02-20"},
    }
    coordinator = {"Authorization": store["callers"]["coordinator"], "Idempotency-Key": "enrol-chen"}
    before = _facts_named(data_dir, "Enrolled")

    _crash_while_answering(data_dir, "/api/v1/families", profile, **coordinator)
    enrolled = _facts_named(data_dir, "Enrolled")
    assert len(enrolled) == len(before) + 1

    with serving(data_dir) as (_, port):
        status, answer = post_json(port, "/api/v1/families", profile, **coordinator)
        assert status == 201 and answer["display_name"] == "陈家"
        assert _facts_named(data_dir, "Enrolled") == enrolled
        assert answer["id"] == _facts_named(data_dir, "Enrolled", of=True)[-1]


def _get(port: int, path: str, **headers: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_server_with_the_crash_fault_reads_the_views_where_the_store_left_them(store: dict[str, Any]) -> None:
    # given a store whose views a server has brought up to date
    coordinator = {"Authorization": store["callers"]["coordinator"]}
    with serving(store["data_dir"]) as (_, port):
        assert _get(port, "/api/v1/dashboard/continuity", **coordinator) == 200
    # when the server with the crash fault reads them (a crash is only worth testing on a store in use)
    with serving(store["data_dir"], exit_after_save=True) as (_, port):
        # then it is the same application to the views: they carry on, and are not folded again from the start
        assert _get(port, "/api/v1/dashboard/continuity", **coordinator) == 200
