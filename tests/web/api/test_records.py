"""Visits, messages, concerns, referrals and follow-ups through the API, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, log_position, post
from tests.web.api.scenes import (
    NAIVE,
    Rejected,
    Scene,
    ahead,
    assert_rejected,
    assign,
    broken,
    day,
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


def _accompanied(client: FlaskClient) -> tuple[str, str]:
    family_id, lead = family(client), volunteer(client, cohort(client), "陈晓")
    assign(client, family_id, lead)
    return family_id, lead


def test_a_visit_written_up_days_later_is_logged_with_every_detail(client: FlaskClient) -> None:
    family_id, lead = _accompanied(client)
    body = {
        "occurred_at": ago(days=3),
        "volunteer_ids": [lead],
        "duration_minutes": 120,
        "summary": "陪小明去图书馆",
        "place": "other",
        "wellbeing": "good",
        "activities": ["阅读", "借书"],
        "follow_ups_promised": ["下次带画册"],
        "social_worker": "刘社工",
        "service_line": "children_activity_room",
    }
    logged = post(client, f"/families/{family_id}/visits", body)
    assert (logged["family_id"], logged["joint_visit_of"]) == (family_id, None) and logged["event_id"]


def test_a_retried_visit_with_the_same_idempotency_key_is_logged_once(client: FlaskClient) -> None:
    family_id, lead = _accompanied(client)
    body = {
        "occurred_at": ago(hours=2),
        "volunteer_ids": [lead],
        "duration_minutes": 60,
        "summary": "家访",
        "place": "home",
    }
    key = {"Idempotency-Key": "phone-visit-1"}
    first = client.post(f"/api/v1/families/{family_id}/visits", json=body, headers=key)
    position = log_position(client)
    retry = client.post(f"/api/v1/families/{family_id}/visits", json=body, headers=key)
    assert (first.status_code, retry.status_code) == (201, 201) and retry.get_json() == first.get_json()
    assert log_position(client) == position


def test_a_message_is_logged(client: FlaskClient) -> None:
    family_id, lead = _accompanied(client)
    body = {"occurred_at": ago(hours=1), "volunteer_id": lead, "direction": "to_family", "channel": "sms"}
    logged = post(
        client, f"/families/{family_id}/messages", {**body, "summary": "提醒周六活动", "family_member": "妈妈"}
    )
    assert logged["family_id"] == family_id and logged["event_id"]


def test_a_concern_is_raised_referred_followed_up_and_resolved(client: FlaskClient) -> None:
    family_id, lead = _accompanied(client)
    concern = post(
        client, f"/families/{family_id}/concerns", {"category": "safety", "level": "high", "summary": "担心"}
    )
    assert concern["id"] == concern["event_id"] and concern["family_id"] == family_id
    referral = {"service_line": "womens_home", "reason": "需要妇女之家支持", "concern_id": concern["id"]}
    assert post(client, f"/families/{family_id}/referrals", referral)["id"]
    follow_up = {"action": "三天内回访", "due_on": day(3), "volunteer_id": lead, "concern_id": concern["id"]}
    follow_up_id = post(client, f"/families/{family_id}/follow-ups", follow_up)["id"]
    done = post(client, f"/families/{family_id}/follow-ups/{follow_up_id}/done", {"note": "已回访"}, status=200)
    assert done["follow_up_id"] == follow_up_id and done["event_id"]
    resolved = post(client, f"/families/{family_id}/concerns/{concern['id']}/resolution", {"resolution": "已安置"}, 200)
    assert resolved["concern_id"] == concern["id"] and resolved["event_id"]


def _visit(**changes: Any) -> dict[str, Any]:
    body = {
        "occurred_at": ago(days=1),
        "volunteer_ids": ["{lead}"],
        "duration_minutes": 60,
        "summary": "家访",
        "place": "home",
    }
    return {**body, **changes}


def _message(**changes: Any) -> dict[str, Any]:
    body = {"occurred_at": ago(days=1), "volunteer_id": "{lead}", "direction": "to_family", "channel": "wechat"}
    return {**body, "summary": "问候", **changes}


VISITS, MESSAGES = "/families/{family}/visits", "/families/{family}/messages"
CONCERNS, FOLLOW_UPS = "/families/{family}/concerns", "/families/{family}/follow-ups"
REJECTED = {
    "visit without a time": invalid(VISITS, {k: v for k, v in _visit().items() if k != "occurred_at"}, "occurred_at"),
    "visit at a naive time": invalid(VISITS, _visit(occurred_at=NAIVE), "occurred_at"),
    "visit at no time": invalid(VISITS, _visit(occurred_at="上周三"), "occurred_at"),
    "visit in the future": refused(VISITS, _visit(occurred_at=ahead(days=1)), "occurred_at"),
    "visit before enrolment": refused(VISITS, _visit(occurred_at=ago(days=200)), "occurred_at"),
    "visit by nobody": invalid(VISITS, _visit(volunteer_ids=[]), "volunteer_ids"),
    "visit by a malformed id": invalid(VISITS, _visit(volunteer_ids=["abc"]), "volunteer_ids.0"),
    "visit of no length": invalid(VISITS, _visit(duration_minutes=0), "duration_minutes"),
    "visit of a day": invalid(VISITS, _visit(duration_minutes=721), "duration_minutes"),
    "visit length as text": invalid(VISITS, _visit(duration_minutes="90"), "duration_minutes"),
    "visit without summary": invalid(VISITS, _visit(summary=""), "summary"),
    "visit summary oversized": invalid(VISITS, _visit(summary="长" * 4001), "summary"),
    "visit to no known place": invalid(VISITS, _visit(place="moon", wellbeing="ecstatic"), "place", "wellbeing"),
    "visit activity oversized": invalid(VISITS, _visit(activities=["长" * 201]), "activities.0"),
    "visit with too many activities": invalid(VISITS, _visit(activities=["画画"] * 21), "activities"),
    "visit with unknown field": invalid(VISITS, _visit(weather="晴"), "weather"),
    "visit by someone not on the family": broken(
        VISITS, _visit(volunteer_ids=["{other_lead}"]), "volunteer_not_on_family"
    ),
    "visit before being assigned": broken(VISITS, _visit(occurred_at=ago(days=85)), "volunteer_not_on_family"),
    "visit to a closed family": broken("/families/{closed_family}/visits", _visit(), "family_closed"),
    "visit by an unknown volunteer": broken(VISITS, _visit(volunteer_ids=["{missing}"]), "volunteer_not_found", 404),
    "visit to an unknown family": broken("/families/{missing}/visits", _visit(), "family_not_found", 404),
    "message in no known direction": invalid(
        MESSAGES, _message(direction="sideways", channel="pigeon"), "direction", "channel"
    ),
    "message from nobody": invalid(
        MESSAGES, {k: v for k, v in _message().items() if k != "volunteer_id"}, "volunteer_id"
    ),
    "message in the future": refused(MESSAGES, _message(occurred_at=ahead(hours=1)), "occurred_at"),
    "message from a stranger": broken(MESSAGES, _message(volunteer_id="{other_lead}"), "not_an_alumni_contact"),
    "concern of no known level": invalid(CONCERNS, {"level": "apocalyptic", "summary": "x"}, "level", "category"),
    "concern oversized": invalid(CONCERNS, {"category": "health", "level": "low", "summary": "长" * 4001}, "summary"),
    "concern on no known line": invalid(
        CONCERNS, {"category": "health", "level": "low", "summary": "x", "service_line": "police"}, "service_line"
    ),
    "concern in the future": refused(
        CONCERNS, {"category": "health", "level": "low", "summary": "x", "occurred_at": ahead(days=2)}, "occurred_at"
    ),
    "resolve twice": broken(
        "/families/{family}/concerns/{resolved_concern}/resolution", {"resolution": "x"}, "concern_already_resolved"
    ),
    "resolve unknown concern": broken(
        "/families/{family}/concerns/{missing}/resolution", {"resolution": "x"}, "fact_not_found", 404
    ),
    "resolve a follow-up as a concern": broken(
        "/families/{family}/concerns/{done_follow_up}/resolution", {"resolution": "x"}, "fact_not_found", 404
    ),
    "resolve without saying how": invalid("/families/{family}/concerns/{open_concern}/resolution", {}, "resolution"),
    "refer to nowhere": invalid("/families/{family}/referrals", {}, "service_line", "reason"),
    "refer for a malformed concern": invalid(
        "/families/{family}/referrals",
        {"service_line": "youth_centre", "reason": "x", "concern_id": "abc"},
        "concern_id",
    ),
    "refer for unknown concern": broken(
        "/families/{family}/referrals",
        {"service_line": "youth_centre", "reason": "x", "concern_id": "{missing}"},
        "fact_not_found",
        404,
    ),
    "follow up on no day": invalid(FOLLOW_UPS, {"action": "x", "due_on": "下周"}, "due_on"),
    "follow up on nothing": invalid(FOLLOW_UPS, {"due_on": day(3)}, "action"),
    "follow up by a stranger": broken(
        FOLLOW_UPS, {"action": "x", "due_on": day(3), "volunteer_id": "{registered}"}, "not_assigned"
    ),
    "follow up done twice": broken("/families/{family}/follow-ups/{done_follow_up}/done", {}, "follow_up_already_done"),
    "follow up unknown done": broken("/families/{family}/follow-ups/{missing}/done", {}, "fact_not_found", 404),
    "follow up done with oversized note": invalid(
        "/families/{family}/follow-ups/{done_follow_up}/done", {"note": "长" * 4001}, "note"
    ),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_refused_requests_say_why_and_record_nothing(scene: Scene, case: Rejected) -> None:
    assert_rejected(scene, case)
