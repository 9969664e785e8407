"""Scopes beyond the static matrix: they follow the roster at once, and no cursor reopens the as-of replay."""

from __future__ import annotations

import json
from base64 import urlsafe_b64encode
from datetime import UTC, datetime
from uuid import UUID

import pytest
from flask import Flask

from domain import Actor
from tests.web.access.conftest import peiban, shown
from tests.web.access.scenes import Where, day, neighbourhood
from tests.web.api.conftest import signed_in

API = "/api/v1"


def forged_cursor(snapshot: datetime, *, replay: bool) -> str:
    """A timeline cursor as the API encodes them, pointing before the first entry, at ``snapshot``."""
    text = json.dumps(["", "", snapshot.isoformat(), replay])
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "social_worker"])
def test_a_forged_timeline_cursor_does_not_replay_the_record_for_a_role_without_raw_facts(
    role: str, web: Flask
) -> None:
    # given a visit whose summary was amended after it was recorded, and a role that may not replay the record
    n = neighbourhood(peiban(web))
    timeline = f"{API}/families/{n.families[Where.OWN]}/timeline"
    before_amendment = datetime.now(tz=UTC)
    peiban(web).amend_fact(
        UUID(n.families[Where.OWN]), target_event_id=UUID(n.visits[Where.OWN]), changes={"summary": "改正后的摘要"},
        reason="笔误", recorded_by=Actor("督导"),
    )  # fmt: skip
    client = signed_in(web, role, n.volunteer if role == "volunteer" else None)
    assert client.get(timeline, query_string={"as_of": before_amendment.isoformat()}).status_code == 403
    assert "改正后的摘要" in shown(client.get(timeline))
    # when the caller forges a cursor whose snapshot is a moment before the amendment
    replayed = client.get(timeline, query_string={"after": forged_cursor(before_amendment, replay=False)})
    # then the record as it stood then (the original summary) is not shown
    assert "一起做作业，聊了学校的事" not in shown(replayed)


def test_a_volunteers_scope_follows_the_roster_at_once(web: Flask) -> None:
    # given the volunteer reads the family they lead, and not a family someone else leads
    n = neighbourhood(peiban(web))
    volunteer = signed_in(web, "volunteer", n.volunteer)
    own, other = n.families[Where.OWN], n.families[Where.OTHER]
    assert volunteer.get(f"{API}/families/{own}").status_code == 200
    assert volunteer.get(f"{API}/families/{other}").status_code == 404
    # when their assignment ends, and a handover of the other family to them is planned
    peiban(web).unassign_volunteer(
        UUID(own), volunteer_id=UUID(n.volunteer), reason="换组", recorded_by=Actor("协调员")
    )
    peiban(web).plan_handover(
        UUID(other), outgoing_volunteer_id=UUID(n.other), incoming_volunteer_id=UUID(n.volunteer),
        planned_on=day(7), letter="",
        recorded_by=Actor("协调员"),
    )  # fmt: skip
    # then the very next requests answer by the new roster
    assert volunteer.get(f"{API}/families/{own}").status_code == 404
    assert volunteer.get(f"{API}/families/{other}/briefing").status_code == 200
    listed = {f["id"] for f in volunteer.get(f"{API}/families").get_json()["items"]}
    assert listed == {other, n.families[Where.HANDOVER]}
