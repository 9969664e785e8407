"""Parallel POSTs through a real WSGI server: each ends in 201 or 409, and only the 201s are recorded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from domain import Actor, Peiban
from tests.builders import family_profile, visit
from tests.web.api.conftest import token_for
from tests.web.api.live_server import post_json, serving

CLIENTS = 12


def _family_with_a_lead(app: Peiban) -> tuple[UUID, UUID, datetime]:
    started = datetime.now(tz=UTC) - timedelta(days=10)
    today = started.date() + timedelta(days=10)
    cohort = app.open_cohort(
        name="2025级",
        intake_on=today - timedelta(days=300),
        expected_end_on=today + timedelta(days=100),
        recorded_by=Actor("c"),
    )
    lead = app.register_volunteer(
        cohort_id=cohort, name="王义工", contact="wechat:x", recorded_by=Actor("c"), occurred_at=started
    )
    app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=started)
    family = app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
    app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
    return family, lead, started


def _visits(app: Peiban, family: UUID) -> set[str]:
    return {str(f.event_id) for f in app.family_facts(family) if type(f).__name__ == "VisitLogged"}


def _all_at_once(count: int, send: Callable[[int], tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    """Run ``send(i)`` for each i on its own client thread, all released at the same moment."""
    start = threading.Barrier(count)

    def released(i: int) -> tuple[int, dict[str, Any]]:
        start.wait()
        return send(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


@pytest.fixture
def peiban(api_app: Flask) -> Peiban:
    app = api_app.extensions["peiban"]
    assert isinstance(app, Peiban)
    return app


def test_parallel_visits_to_one_family_end_in_201_or_409_and_the_201s_are_what_is_recorded(
    api_app: Flask, peiban: Peiban
) -> None:
    family, lead, started = _family_with_a_lead(peiban)

    def send(i: int) -> tuple[int, dict[str, Any]]:
        body = {**visit(summary=f"并发探访 {i}"), "occurred_at": (started + timedelta(hours=i + 1)).isoformat()}
        return post_json(
            port, f"/api/v1/families/{family}/visits", {**body, "volunteer_ids": [str(lead)]}, Authorization=bearer
        )

    bearer = f"Bearer {token_for(api_app)}"
    with serving(api_app) as port:
        answers = _all_at_once(CLIENTS, send)

    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 409}, answers
    created = {body["event_id"] for status, body in answers if status == 201}
    assert created and _visits(peiban, family) == created
    assert all(body["error"] == "conflict" for status, body in answers if status == 409)


def test_the_same_idempotency_key_sent_twice_at_once_records_one_fact(api_app: Flask, peiban: Peiban) -> None:
    family, lead, started = _family_with_a_lead(peiban)
    body = {**visit(), "occurred_at": (started + timedelta(days=1)).isoformat(), "volunteer_ids": [str(lead)]}

    headers = {"Idempotency-Key": "phone-7", "Authorization": f"Bearer {token_for(api_app)}"}
    with serving(api_app) as port:
        answers = _all_at_once(2, lambda _: post_json(port, f"/api/v1/families/{family}/visits", body, **headers))

    # neither waits for the other: the second to save finds the command answered, and answers with that fact
    assert [status for status, _ in answers] == [201, 201], answers
    (recorded,) = _visits(peiban, family)
    assert all(answer["event_id"] == recorded for _, answer in answers)
