"""Handovers through the API: planned, agreed, joint visits, completed or cancelled, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, post
from tests.web.api.scenes import (
    NAIVE,
    Rejected,
    Scene,
    assert_rejected,
    assign,
    broken,
    day,
    family,
    invalid,
    plan_handover,
    refused,
    scene_on_a_fresh_store,
    visit,
    volunteer,
)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with scene_on_a_fresh_store(tmp_path_factory) as built:
        yield built


def _handover_under_way(client: FlaskClient) -> tuple[str, str, str]:
    """A family whose lead is handing over to a newcomer: (family, outgoing, incoming)."""
    cohort_id = cohort(client)
    family_id, outgoing, incoming = (
        family(client),
        volunteer(client, cohort_id, "老陈"),
        volunteer(client, cohort_id, "小林"),
    )
    assign(client, family_id, outgoing)
    return family_id, outgoing, incoming


def test_a_handover_with_a_joint_visit_makes_the_newcomer_lead_and_keeps_the_old_lead_in_touch(
    client: FlaskClient,
) -> None:
    family_id, outgoing, incoming = _handover_under_way(client)
    body = {"outgoing_volunteer_id": outgoing, "incoming_volunteer_id": incoming, "planned_on": day(7), "letter": "信"}
    planned = post(client, f"/families/{family_id}/handovers", {**body, "occurred_at": ago(days=2)})
    handover = planned["id"]
    assert (planned["event_id"], planned["state"], planned["planned_on"]) == (handover, "planned", day(7))
    agreed = post(client, f"/families/{family_id}/handovers/{handover}/agreement", {"note": "妈妈同意"}, status=200)
    assert (agreed["handover_id"], agreed["state"]) == (handover, "planned") and agreed["event_id"]
    assert visit(client, family_id, outgoing, days_ago=1.5)["joint_visit_of"] is None
    assert visit(client, family_id, outgoing, incoming, days_ago=1)["joint_visit_of"] == handover
    done = post(client, f"/families/{family_id}/handovers/{handover}/complete", {"keep_in_touch": True}, status=200)
    assert (done["handover_id"], done["state"]) == (handover, "completed")
    assert client.get(f"/api/v1/families/{family_id}").get_json()["lead_id"] == incoming
    post(client, f"/volunteers/{outgoing}/alumni-contact", {"opted_in": True}, status=200)
    text = {"occurred_at": ago(minutes=1), "volunteer_id": outgoing, "direction": "from_family", "channel": "wechat"}
    post(client, f"/families/{family_id}/messages", {**text, "summary": "天冷了，注意身体"})


def test_a_coordinator_may_complete_a_handover_without_a_joint_visit_by_saying_why(client: FlaskClient) -> None:
    family_id, outgoing, incoming = _handover_under_way(client)
    handover = plan_handover(client, family_id, outgoing, incoming, days_ago=1)
    body = {"keep_in_touch": False, "no_joint_visit_reason": "老陈提前离校"}
    assert (
        post(client, f"/families/{family_id}/handovers/{handover}/complete", body, status=200)["state"] == "completed"
    )
    assert client.get(f"/api/v1/families/{family_id}").get_json()["lead_id"] == incoming


def test_a_cancelled_handover_leaves_the_lead_in_place(client: FlaskClient) -> None:
    family_id, outgoing, incoming = _handover_under_way(client)
    handover = plan_handover(client, family_id, outgoing, incoming, days_ago=1)
    cancelled = post(client, f"/families/{family_id}/handovers/{handover}/cancel", {"reason": "延期一学期"}, status=200)
    assert (cancelled["handover_id"], cancelled["state"]) == (handover, "cancelled")
    assert client.get(f"/api/v1/families/{family_id}").get_json()["lead_id"] == outgoing


def _plan(outgoing: str, incoming: str, **changes: str) -> dict[str, str]:
    body = {"outgoing_volunteer_id": outgoing, "incoming_volunteer_id": incoming, "planned_on": day(7), "letter": "信"}
    return {**body, **changes}


HANDOVER = "/families/{family}/handovers/{handover}"
CANCELLED = "/families/{family2}/handovers/{cancelled_handover}"
REJECTED = {
    "nothing given": invalid(
        "/families/{family2}/handovers",
        {},
        "outgoing_volunteer_id",
        "incoming_volunteer_id",
        "planned_on",
        "letter",
    ),
    "empty letter": invalid("/families/{family2}/handovers", _plan("{other_lead}", "{newcomer}", letter=""), "letter"),
    "oversized letter": invalid(
        "/families/{family2}/handovers", _plan("{other_lead}", "{newcomer}", letter="信" * 20001), "letter"
    ),
    "no such day": invalid(
        "/families/{family2}/handovers", _plan("{other_lead}", "{newcomer}", planned_on="2025-02-30"), "planned_on"
    ),
    "naive occurred_at": invalid(
        "/families/{family2}/handovers", _plan("{other_lead}", "{newcomer}", occurred_at=NAIVE), "occurred_at"
    ),
    "a second open handover": broken(
        "/families/{family}/handovers", _plan("{co}", "{newcomer}"), "handover_already_open"
    ),
    "to oneself": broken(
        "/families/{family2}/handovers", _plan("{other_lead}", "{other_lead}"), "handover_same_volunteer", 422
    ),
    "from someone not on the family": broken(
        "/families/{family2}/handovers", _plan("{lead}", "{newcomer}"), "not_assigned"
    ),
    "to someone not on duty": broken(
        "/families/{family2}/handovers", _plan("{other_lead}", "{registered}"), "volunteer_not_active"
    ),
    "on a closed family": broken("/families/{closed_family}/handovers", _plan("{lead}", "{newcomer}"), "family_closed"),
    "to an unknown volunteer": broken(
        "/families/{family2}/handovers", _plan("{other_lead}", "{missing}"), "volunteer_not_found", 404
    ),
    "agreement to unknown handover": broken(
        "/families/{family}/handovers/{missing}/agreement", {}, "handover_not_found", 404
    ),
    "agreement after cancelling": broken(CANCELLED + "/agreement", {}, "handover_not_open"),
    "agreement with oversized note": invalid(HANDOVER + "/agreement", {"note": "长" * 4001}, "note"),
    "agreement before planning": refused(HANDOVER + "/agreement", {"occurred_at": ago(days=30)}, "occurred_at"),
    "complete without a joint visit": broken(
        HANDOVER + "/complete", {"keep_in_touch": True}, "handover_needs_joint_visit"
    ),
    "complete without saying about keeping in touch": invalid(HANDOVER + "/complete", {}, "keep_in_touch"),
    "keep in touch not a boolean": invalid(HANDOVER + "/complete", {"keep_in_touch": "perhaps"}, "keep_in_touch"),
    "complete a cancelled one": broken(
        CANCELLED + "/complete", {"keep_in_touch": False, "no_joint_visit_reason": "x"}, "handover_not_open"
    ),
    "complete unknown": broken(
        "/families/{family}/handovers/{missing}/complete", {"keep_in_touch": True}, "handover_not_found", 404
    ),
    "cancel without reason": invalid(HANDOVER + "/cancel", {}, "reason"),
    "cancel twice": broken(CANCELLED + "/cancel", {"reason": "x"}, "handover_not_open"),
    "cancel on unknown family": broken(
        "/families/{missing}/handovers/{handover}/cancel", {"reason": "x"}, "family_not_found", 404
    ),
    "cancel at a naive time": invalid(HANDOVER + "/cancel", {"reason": "x", "occurred_at": NAIVE}, "occurred_at"),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_refused_requests_say_why_and_record_nothing(scene: Scene, case: Rejected) -> None:
    assert_rejected(scene, case)
