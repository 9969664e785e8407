"""What an Idempotency-Key promises: the log, not a side store, knows which request a fact answers; keys are
per caller; signing in is never kept."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Flask
from flask.testing import FlaskClient

from domain import Actor, Peiban
from tests.builders import message, visit
from tests.web.api.conftest import ago, log_position, signed_in
from tests.web.api.scenes import assign, cohort, family, volunteer


def _family_with_a_lead(client: FlaskClient) -> tuple[str, dict[str, Any]]:
    lead = volunteer(client, cohort(client), "王义工")
    wang = family(client, "王家")
    assign(client, wang, lead)
    return wang, {**visit(), "occurred_at": ago(days=1), "volunteer_ids": [lead]}


def _forget_kept_answers(api_app: Flask) -> None:
    """What a crash between saving and keeping the answer leaves: the request claimed, its answer not kept."""
    with api_app.extensions["peiban.idempotency"].db.write() as tx:
        tx.execute("UPDATE request_answer SET status = 0, body = '', location = ''")


def test_a_retry_whose_first_answer_was_never_kept_gets_the_same_fact_and_records_nothing(
    api_app: Flask, client: FlaskClient
) -> None:
    wang, body = _family_with_a_lead(client)
    key = {"Idempotency-Key": "phone-visit-9"}
    first = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    assert first.status_code == 201
    _forget_kept_answers(api_app)
    position = log_position(client)

    retry = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)

    assert retry.status_code == 201 and retry.get_json() == first.get_json()
    assert log_position(client) == position


def test_a_creation_whose_first_answer_was_never_kept_creates_nothing_more(api_app: Flask, client: FlaskClient) -> None:
    body = {"name": "2026级", "starts_on": "2025-09-01", "ends_on": "2027-06-30"}
    first = client.post("/api/v1/cohorts", json=body, headers={"Idempotency-Key": "cohort-1"})
    assert first.status_code == 201
    _forget_kept_answers(api_app)
    position = log_position(client)
    retry = client.post("/api/v1/cohorts", json=body, headers={"Idempotency-Key": "cohort-1"})
    assert retry.status_code == 201 and retry.get_json()["id"] == first.get_json()["id"]
    assert log_position(client) == position


def test_one_callers_key_never_replays_another_callers_answer(api_app: Flask, client: FlaskClient) -> None:
    wang, body = _family_with_a_lead(client)
    key = {"Idempotency-Key": "same-key"}
    mine = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key).get_json()
    other = signed_in(api_app, "social_worker")
    theirs = other.post(f"/api/v1/families/{wang}/visits", json={**body, "summary": "社工探访"}, headers=key)
    assert theirs.status_code == 201 and theirs.get_json()["event_id"] != mine["event_id"]


def test_signing_in_is_never_kept_as_an_idempotent_request(api_app: Flask) -> None:
    signed_in(api_app, "coordinator")  # opens the account test-coordinator
    client = api_app.test_client()
    key = {"Idempotency-Key": "sign-in-1"}
    wrong = client.post("/api/v1/session", json={"user_name": "test-coordinator", "password": "not-it"}, headers=key)
    right = client.post(
        "/api/v1/session", json={"user_name": "test-coordinator", "password": "test-password-123"}, headers=key
    )
    assert (wrong.status_code, right.status_code) == (401, 200)
    assert "Idempotent-Replayed" not in right.headers
    with api_app.extensions["peiban.idempotency"].db.read() as tx:
        assert tx.one("SELECT COUNT(*) FROM request_answer", []) == (0,)


def test_a_request_that_lost_a_race_is_handled_afresh_when_sent_again_with_its_key(
    api_app: Flask, client: FlaskClient
) -> None:
    # given someone else writes to the family between our request loading it and saving, and no retry inside
    wang, body = _family_with_a_lead(client)
    peiban: Peiban = api_app.extensions["peiban"]
    peiban.retries = 0
    clock = peiban.clock
    racing = {"once": True}

    def racing_clock() -> datetime:
        if racing.pop("once", False):
            peiban.log_message(
                UUID(wang), volunteer_id=UUID(body["volunteer_ids"][0]), recorded_by=Actor("other"), **message()
            )
        return clock()

    peiban.clock = racing_clock
    key = {"Idempotency-Key": "phone-visit-race"}
    # when the request is answered 409 (a conflict: "please retry") and the client sends it again with its key
    lost = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    assert lost.status_code == 409 and lost.get_json()["error"] == "conflict"
    position = log_position(client)
    other = client.post(f"/api/v1/families/{wang}/visits", json={**body, "summary": "另一次探访"}, headers=key)
    assert (other.status_code, other.get_json()["error"]) == (422, "idempotency_key_in_use")  # still this request's
    again = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    # then the retry is not given the kept conflict: it is handled afresh and records the visit, once
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert log_position(client) == position + 1
    replayed = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    assert replayed.get_json() == again.get_json() and replayed.headers["Idempotent-Replayed"] == "true"
    assert log_position(client) == position + 1


def test_a_key_whose_request_failed_after_saving_still_refuses_another_request(
    api_app: Flask, client: FlaskClient
) -> None:
    # given a visit saved, then the server failing before it answered (a 500, not a crash: the process lives on)
    wang, body = _family_with_a_lead(client)
    peiban: Peiban = api_app.extensions["peiban"]
    api_app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production: 500, after-request hooks run
    saving = peiban.save

    def save_then_fail(*objs: Any, **kwargs: Any) -> Any:
        saving(*objs, **kwargs)
        raise OSError("no space left on device")

    peiban.save = save_then_fail  # type: ignore[method-assign]
    key = {"Idempotency-Key": "phone-visit-500"}
    failed = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    del peiban.save
    assert failed.status_code == 500
    position = log_position(client)
    # when the same key is sent with another request, then it is refused, and nothing is recorded
    other = client.post(f"/api/v1/families/{wang}/visits", json={**body, "summary": "另一次探访"}, headers=key)
    assert (other.status_code, other.get_json().get("error")) == (422, "idempotency_key_in_use"), other.get_json()
    assert log_position(client) == position
    # and the same request again is answered with the visit saved before the failure, recorded once
    again = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert log_position(client) == position
    (saved,) = [f for f in peiban.family_facts(UUID(wang)) if type(f).__name__ == "VisitLogged"]
    assert again.get_json()["event_id"] == str(saved.event_id) and saved.summary == body["summary"]


def test_a_retry_that_spells_the_same_request_otherwise_is_the_same_request(client: FlaskClient) -> None:
    """The family's id in capitals and the body's fields in another order, with other spacing: the same request,
    answered with the same fact (not refused as another request), and nothing more recorded."""
    wang, body = _family_with_a_lead(client)
    key = {"Idempotency-Key": "spelled-otherwise"}
    first = client.post(f"/api/v1/families/{wang}/visits", json=body, headers=key)
    assert first.status_code == 201
    position = log_position(client)

    again = client.post(
        f"/api/v1/families/{wang.upper()}/visits",
        data=json.dumps(dict(reversed(body.items())), indent=2),
        content_type="application/json",
        headers=key,
    )

    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert log_position(client) == position
