"""Assignments through the API: volunteers start and end accompanying a family, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, post
from tests.web.api.scenes import (
    NAIVE,
    Rejected,
    Scene,
    ahead,
    assert_rejected,
    broken,
    family,
    invalid,
    refused,
    scene_on_a_fresh_store,
    volunteer,
)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with scene_on_a_fresh_store(tmp_path_factory) as built:
        yield built


def test_a_lead_is_assigned_and_the_assignment_ended(client: FlaskClient) -> None:
    family_id, lead = family(client), volunteer(client, cohort(client), "陈晓")
    body = {"volunteer_id": lead, "role": "lead", "occurred_at": ago(days=30)}
    started = post(client, f"/families/{family_id}/assignments", body)
    assert (started["family_id"], started["volunteer_id"], started["role"]) == (family_id, lead, "lead")
    assert started["event_id"] and client.get(f"/api/v1/families/{family_id}").get_json()["lead_id"] == lead
    ended = post(client, f"/families/{family_id}/assignments/{lead}/end", {"reason": "课业太忙"}, status=200)
    assert (ended["family_id"], ended["volunteer_id"]) == (family_id, lead) and ended["event_id"]
    assert client.get(f"/api/v1/families/{family_id}").get_json()["lead_id"] is None


def test_a_departure_ends_the_volunteers_assignments_before_the_next_read(client: FlaskClient) -> None:
    # given a volunteer leading one family and co on another
    cohort_id = cohort(client)
    lead, other = volunteer(client, cohort_id, "王芳"), volunteer(client, cohort_id, "李明")
    led, joined = family(client, "林家"), family(client, "张家")
    for family_id, volunteer_id, role in [(led, lead, "lead"), (joined, other, "lead"), (joined, lead, "co")]:
        body = {"volunteer_id": volunteer_id, "role": role, "occurred_at": ago(days=30)}
        post(client, f"/families/{family_id}/assignments", body)
    # when the volunteer graduates
    post(client, f"/volunteers/{lead}/departure", {"reason": "graduated"}, status=200)
    # then the very next reads show both assignments ended: the family they led is uncovered, the other keeps
    # its lead
    assert client.get(f"/api/v1/families/{led}").get_json()["lead_id"] is None
    assert client.get(f"/api/v1/families/{joined}").get_json()["lead_id"] == other
    continuity = client.get("/api/v1/dashboard/continuity").get_json()
    uncovered = {f["family_id"] for f in continuity["uncovered"]}
    assert led in uncovered and joined not in uncovered
    assert client.get(f"/api/v1/volunteers/{lead}/caseload").get_json()["families"] == []
    entries = client.get(f"/api/v1/families/{joined}/timeline").get_json()["entries"]
    assert [(e["kind"], e["recorded_by"]) for e in entries][-1] == ("unassigned", "system:departure")


def test_a_family_has_one_lead_but_may_have_co_and_shadow_volunteers(client: FlaskClient) -> None:
    family_id, cohort_id = family(client), cohort(client)
    for name, role in [("甲", "lead"), ("乙", "co"), ("丙", "shadow")]:
        post(
            client,
            f"/families/{family_id}/assignments",
            {"volunteer_id": volunteer(client, cohort_id, name), "role": role},
        )
    second = {"volunteer_id": volunteer(client, cohort_id, "丁"), "role": "lead"}
    refused_lead = client.post(f"/api/v1/families/{family_id}/assignments", json=second).get_json()
    assert refused_lead["error"] == "lead_already_assigned" and "主责" in refused_lead["message"]


def _assign(volunteer: str, role: str = "co", **more: str) -> dict[str, str]:
    return {"volunteer_id": volunteer, "role": role, **more}


REJECTED = {
    "unknown role": invalid("/families/{family2}/assignments", _assign("{newcomer}", "boss"), "role"),
    "no volunteer": invalid("/families/{family2}/assignments", {"role": "co"}, "volunteer_id"),
    "malformed volunteer id": invalid("/families/{family2}/assignments", _assign("abc"), "volunteer_id"),
    "unknown field": invalid("/families/{family2}/assignments", _assign("{newcomer}", since="2024"), "since"),
    "naive occurred_at": invalid(
        "/families/{family2}/assignments", _assign("{newcomer}", occurred_at=NAIVE), "occurred_at"
    ),
    "future occurred_at": refused(
        "/families/{family2}/assignments", _assign("{newcomer}", occurred_at=ahead(days=1)), "occurred_at"
    ),
    "before the family was enrolled": refused(
        "/families/{family2}/assignments", _assign("{newcomer}", occurred_at=ago(days=150)), "occurred_at"
    ),
    "volunteer not yet on duty": broken(
        "/families/{family2}/assignments", _assign("{registered}"), "volunteer_not_active"
    ),
    "volunteer departed": broken("/families/{family2}/assignments", _assign("{departed}"), "volunteer_not_active"),
    "a second lead": broken("/families/{family}/assignments", _assign("{newcomer}", "lead"), "lead_already_assigned"),
    "assigned twice": broken("/families/{family}/assignments", _assign("{co}"), "already_assigned"),
    "closed family": broken("/families/{closed_family}/assignments", _assign("{newcomer}"), "family_closed"),
    "unknown volunteer": broken("/families/{family2}/assignments", _assign("{missing}"), "volunteer_not_found", 404),
    "unknown family": broken("/families/{missing}/assignments", _assign("{newcomer}"), "family_not_found", 404),
    "end one never assigned": broken("/families/{family}/assignments/{newcomer}/end", {"reason": "x"}, "not_assigned"),
    "end without reason": invalid("/families/{family}/assignments/{co}/end", {}, "reason"),
    "end with empty reason": invalid("/families/{family}/assignments/{co}/end", {"reason": ""}, "reason"),
    "end before it began": refused(
        "/families/{family}/assignments/{co}/end", {"reason": "x", "occurred_at": ago(days=85)}, "occurred_at"
    ),
    "end on unknown family": broken(
        "/families/{missing}/assignments/{co}/end", {"reason": "x"}, "family_not_found", 404
    ),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_refused_requests_say_why_and_record_nothing(scene: Scene, case: Rejected) -> None:
    assert_rejected(scene, case)
