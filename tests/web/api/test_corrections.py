"""Corrections through the API: amendments and retractions point at the original, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, post
from tests.web.api.scenes import (
    Rejected,
    Scene,
    assert_rejected,
    assign,
    broken,
    day,
    family,
    invalid,
    refused,
    scene_on_a_fresh_store,
    visit,
    volunteer,
)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with scene_on_a_fresh_store(tmp_path_factory) as built:
        yield built


def test_a_visit_is_amended_then_retracted(client: FlaskClient) -> None:
    family_id, lead = family(client), volunteer(client, cohort(client), "陈晓")
    assign(client, family_id, lead)
    visit_id = visit(client, family_id, lead, days_ago=2)["event_id"]
    changes = {"summary": "陪小明写作业（更正）", "duration_minutes": 45, "wellbeing": None}
    amendment = {"target_event_id": visit_id, "action": "amend", "reason": "时长记错", "changes": changes}
    amended = post(client, f"/families/{family_id}/corrections", amendment)
    assert (amended["target_event_id"], amended["action"], amended["family_id"]) == (visit_id, "amend", family_id)
    retraction = {"target_event_id": visit_id, "action": "retract", "reason": "其实是另一家"}
    retracted = post(client, f"/families/{family_id}/corrections", retraction)
    assert retracted["action"] == "retract" and retracted["event_id"] != amended["event_id"]
    again = client.post(f"/api/v1/families/{family_id}/corrections", json=retraction).get_json()
    assert again["error"] == "fact_already_retracted"


def test_a_follow_up_due_date_is_amended(client: FlaskClient) -> None:
    family_id = family(client)
    follow_up = post(client, f"/families/{family_id}/follow-ups", {"action": "回访", "due_on": day(3)})["id"]
    amendment = {"target_event_id": follow_up, "action": "amend", "reason": "延期", "changes": {"due_on": day(10)}}
    assert post(client, f"/families/{family_id}/corrections", amendment)["target_event_id"] == follow_up


def _amend(target: str = "{visit}", **changes: Any) -> dict[str, Any]:
    return {"target_event_id": target, "action": "amend", "reason": "更正", "changes": changes}


def _retract(target: str = "{visit}", **more: Any) -> dict[str, Any]:
    return {"target_event_id": target, "action": "retract", "reason": "撤回", **more}


CORRECTIONS = "/families/{family}/corrections"
REJECTED = {
    "amend without changes": invalid(CORRECTIONS, {k: v for k, v in _amend().items() if k != "changes"}, "changes"),
    "retract with changes": invalid(CORRECTIONS, _retract(changes={"summary": "x"}), "changes"),
    "unknown action": invalid(CORRECTIONS, _retract(action="delete"), "action"),
    "no reason": invalid(CORRECTIONS, _retract(reason=""), "reason"),
    "malformed target": invalid(CORRECTIONS, _retract("abc"), "target_event_id"),
    "unknown field in changes": invalid(CORRECTIONS, _amend(mood="好"), "changes.mood"),
    "bad value in changes": invalid(
        CORRECTIONS, _amend(duration_minutes=0, place="moon"), "changes.duration_minutes", "changes.place"
    ),
    "empty changes": refused(CORRECTIONS, _amend(), "changes"),
    "emptied summary": refused(CORRECTIONS, _amend(summary=" "), "changes.summary"),
    "a field the target does not have": refused(CORRECTIONS, _amend(due_on=day(3)), "changes.due_on"),
    "unknown target": broken(CORRECTIONS, _retract("{missing}"), "fact_not_found", 404),
    "another family's fact": broken("/families/{family2}/corrections", _retract(), "fact_not_found", 404),
    "amend a retracted fact": broken(CORRECTIONS, _amend("{retracted_visit}", summary="x"), "fact_already_retracted"),
    "retract a retracted fact": broken(CORRECTIONS, _retract("{retracted_visit}"), "fact_already_retracted"),
    "retract the enrolment": broken(CORRECTIONS, _retract("{enrolment}"), "fact_not_correctable"),
    "retract a handover plan": broken(CORRECTIONS, _retract("{handover}"), "fact_not_correctable"),
    "dated by the client": invalid(CORRECTIONS, _retract(occurred_at=ago(days=1)), "occurred_at"),
    "unknown family": broken("/families/{missing}/corrections", _retract(), "family_not_found", 404),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_refused_requests_say_why_and_record_nothing(scene: Scene, case: Rejected) -> None:
    assert_rejected(scene, case)
