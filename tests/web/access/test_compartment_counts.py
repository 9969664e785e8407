"""Counts reveal nothing of the compartments: every figure a reader not cleared for them is shown stays the same,
to the byte, when a social worker records compartment facts of every kind.

A programme with three handovers (one warm, one still open, one completed without a joint
visit) is read by a coordinator, by a volunteer and by a social worker, through the API and
the pages: the cohort report (JSON, CSV, page, its CSV file), the dashboard, the families,
each family's page and timeline, and every volunteer's caseload and page. Then the social
worker records, all in the compartments, a visit by the newcomer (the gap at handover would
shrink), a message, an alumni's message (alumni in touch would grow), a late joint visit of the
handover that had none, a joint visit of the open handover, a concern with its follow-up,
referral, completion and resolution, an amendment and a retraction. The clock is frozen, so
anything that changes was changed by those facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import family_profile, visit
from tests.web.access.conftest import app_on, browser, open_account, peiban
from tests.web.access.scenes import BY
from tests.web.api.conftest import signed_in
from web.app import shutdown

API = "/api/v1"
NOW = datetime(2025, 6, 15, 4, tzinfo=UTC)


def at(month: int, day: int) -> datetime:
    return datetime(2025, month, day, 2, tzinfo=UTC)


@dataclass
class Programme:
    """The families (``warm``, ``open``, ``cold`` handovers) and volunteers (outgoing a*, incoming b*, co c1)."""

    app: Flask
    families: dict[str, str]
    people: dict[str, str]


def volunteers(app: Flask) -> dict[str, str]:
    d = peiban(app)
    leaving = d.open_cohort(
        name="2024级", intake_on=date(2024, 9, 1), expected_end_on=date(2025, 7, 31), recorded_by=BY
    )
    coming = d.open_cohort(name="2025级", intake_on=date(2025, 3, 1), expected_end_on=date(2026, 7, 31), recorded_by=BY)
    people = {}
    for name in ("a1", "a2", "a3", "b1", "b2", "b3", "c1"):
        cohort = coming if name.startswith("b") else leaving
        vid = d.register_volunteer(cohort_id=cohort, name=name, contact="微信", recorded_by=BY, occurred_at=at(1, 2))
        d.activate_volunteer(vid, recorded_by=BY, occurred_at=at(1, 3))
        people[name] = str(vid)
    d.set_alumni_contact(UUID(people["a1"]), opted_in=True, recorded_by=BY, occurred_at=at(1, 4))
    return people


def programme(app: Flask) -> Programme:
    d, p = peiban(app), volunteers(app)
    families = {}
    for name, (out, newcomer) in {"warm": ("a1", "b1"), "open": ("a2", "b2"), "cold": ("a3", "b3")}.items():
        fid = d.enrol_family(recorded_by=BY, occurred_at=at(2, 21), **family_profile(display_name=name))
        d.assign_volunteer(fid, volunteer_id=UUID(p[out]), role="lead", recorded_by=BY, occurred_at=at(2, 22))
        d.log_visit(fid, volunteer_ids=[UUID(p[out])], recorded_by=BY, occurred_at=at(3, 3), **visit())
        handover_at = at(6, 1) if name == "open" else at(4, 10) if name == "cold" else at(5, 1)
        planned = d.plan_handover(
            fid, outgoing_volunteer_id=UUID(p[out]), incoming_volunteer_id=UUID(p[newcomer]),
            planned_on=date(2025, 5, 20), letter="", recorded_by=BY, occurred_at=handover_at,
        )  # fmt: skip
        families[name] = str(fid)
        if name == "warm":
            d.assign_volunteer(fid, volunteer_id=UUID(p["c1"]), role="co", recorded_by=BY, occurred_at=at(5, 2))
            d.log_visit(
                fid, volunteer_ids=[UUID(p[out]), UUID(p[newcomer])], recorded_by=BY, occurred_at=at(5, 10), **visit()
            )
            d.complete_handover(fid, handover_id=planned, keep_in_touch=True, recorded_by=BY, occurred_at=at(5, 20))
            d.log_visit(fid, volunteer_ids=[UUID(p[newcomer])], recorded_by=BY, occurred_at=at(5, 25), **visit())
            d.record_departure(UUID(p[out]), reason="graduated", recorded_by=BY, occurred_at=at(5, 31))
        elif name == "cold":
            d.complete_handover(
                fid, handover_id=planned, keep_in_touch=False, no_joint_visit_reason="孩子住院",
                recorded_by=BY, occurred_at=at(4, 20),
            )  # fmt: skip
            d.log_visit(fid, volunteer_ids=[UUID(p[newcomer])], recorded_by=BY, occurred_at=at(4, 28), **visit())
    return Programme(app, families, p)


def post(client: FlaskClient, path: str, body: dict[str, Any]) -> str:
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return str(response.get_json()["event_id"])


def contact(when: datetime, line: str, summary: str, **fields: Any) -> dict[str, Any]:
    return {"occurred_at": when.isoformat(), "summary": summary, "service_line": line, **fields}


def record_the_compartments(p: Programme) -> None:
    """Compartment facts of every kind, as a social worker records them."""
    worker, people = signed_in(p.app, "social_worker"), p.people
    warm, open_, cold = (f"/families/{p.families[n]}" for n in ("warm", "open", "cold"))
    shelter = {"place": "other", "duration_minutes": 120}
    talk = {"direction": "from_family", "channel": "phone"}
    seen = post(
        worker, f"{warm}/visits", contact(at(5, 22), "shelter", "庇护所", volunteer_ids=[people["b1"]], **shelter)
    )
    said = post(
        worker,
        f"{warm}/messages",
        contact(at(6, 2), "anti_domestic_violence", "不安全", volunteer_id=people["b1"], **talk),
    )
    post(worker, f"{warm}/messages", contact(at(6, 10), "shelter", "校友来电", volunteer_id=people["a1"], **talk))
    post(
        worker,
        f"{cold}/visits",
        contact(at(4, 15), "shelter", "补记", volunteer_ids=[people["a3"], people["b3"]], **shelter),
    )
    post(
        worker,
        f"{open_}/visits",
        contact(at(6, 5), "shelter", "共同", volunteer_ids=[people["a2"], people["b2"]], **shelter),
    )
    concern = post(
        worker,
        f"{open_}/concerns",
        contact(at(6, 6), "anti_domestic_violence", "动手", category="safety", level="high"),
    )
    follow_up = post(
        worker, f"{open_}/follow-ups", {"action": "安全计划", "due_on": "2025-06-20", "concern_id": concern}
    )
    post(worker, f"{open_}/referrals", {"service_line": "shelter", "reason": "暂住", "concern_id": concern})
    post(worker, f"{open_}/follow-ups/{follow_up}/done", {"note": "定了"})
    post(worker, f"{open_}/concerns/{concern}/resolution", {"resolution": "保护令"})
    post(worker, f"{warm}/concerns", contact(at(6, 12), "shelter", "续住", category="safety", level="urgent"))
    amend = {"target_event_id": seen, "action": "amend", "reason": "补正", "changes": {"duration_minutes": 200}}
    post(worker, f"{warm}/corrections", amend)
    post(worker, f"{warm}/corrections", {"target_event_id": said, "action": "retract", "reason": "记错"})  # fmt: skip


#: The volunteers who watch their own screens: the co of the warm handover's family, on no compartment visit; and
#: the warm family's newcomer, who was on its shelter visit (whose length a social worker then amended).
WATCHERS = {"volunteer": "c1", "volunteer who was there": "b1"}


def reader(p: Programme, role: str) -> FlaskClient:
    """A browser signed in with the role (a volunteer: one of the watchers)."""
    watcher = WATCHERS.get(role)
    kind = "volunteer" if watcher else role
    user = open_account(
        p.app, f"counts-{role.replace(' ', '-')}", kind, volunteer_id=p.people[watcher] if watcher else None
    )
    return browser(p.app, user)[0]


def views(p: Programme, role: str, client: FlaskClient) -> dict[str, tuple[int, bytes]]:
    """Everything the role is shown of the programme, through the API and the pages."""
    watcher = WATCHERS.get(role)
    mine = [p.families["warm"]] if watcher else list(p.families.values())
    people = [p.people[watcher]] if watcher else list(p.people.values())
    addresses = ["/", "/families", f"{API}/families"]
    if not watcher:
        addresses += ["/reports/cohorts", "/reports/cohorts.csv", f"{API}/reports/cohorts"]
        addresses += [f"{API}/reports/cohorts?format=csv", f"{API}/dashboard/continuity"]
        lists = ("cliff", "uncovered", "quiet", "in_progress", "without_joint_visit")
        addresses += [f"{API}/dashboard/continuity/{name}" for name in ("families", *lists)]
        addresses += [f"/continuity/{name}" for name in lists]
    for fid in mine:
        addresses += [f"/families/{fid}?seen=1", f"{API}/families/{fid}", f"{API}/families/{fid}/timeline"]
        addresses += [f"/families/{fid}/briefing", f"{API}/families/{fid}/briefing"] if watcher else []
    for vid in people:
        addresses += [f"/volunteers/{vid}", f"{API}/volunteers/{vid}/caseload"]
    answers = {address: client.get(address) for address in addresses}
    assert {a: r.status_code for a, r in answers.items() if r.status_code != 200} == {}
    return {address: (r.status_code, r.get_data()) for address, r in answers.items()}


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def before_and_after(frozen: None, tmp_path: Path) -> Iterator[dict[str, tuple[dict[str, Any], dict[str, Any]]]]:
    app = app_on(tmp_path / "data")
    try:
        p = programme(app)
        clients = {role: reader(p, role) for role in ("coordinator", *WATCHERS, "social_worker")}
        before = {role: views(p, role, client) for role, client in clients.items()}
        record_the_compartments(p)
        yield {role: (before[role], views(p, role, client)) for role, client in clients.items()}
    finally:
        shutdown(app)


def changed(seen: tuple[dict[str, Any], dict[str, Any]]) -> set[str]:
    before, after = seen
    return {address for address in before if before[address] != after[address]}


def test_no_figure_shown_to_readers_not_cleared_changes_with_the_compartments(
    before_and_after: dict[str, tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    assert len(before_and_after["coordinator"][0]) >= 25 and len(before_and_after["volunteer"][0]) >= 9
    assert changed(before_and_after["coordinator"]) == set()
    assert changed(before_and_after["volunteer"]) == set()
    # not even for the volunteer who was on the shelter visit: a compartment never reaches a volunteer's screen
    assert changed(before_and_after["volunteer who was there"]) == set()


def test_cleared_readers_see_the_compartments_in_the_same_figures(
    before_and_after: dict[str, tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    # the comparison above can fail: a social worker's report, dashboard and caseloads did change
    differing = changed(before_and_after["social_worker"])
    expected = {"/reports/cohorts", "/reports/cohorts.csv", f"{API}/reports/cohorts", f"{API}/dashboard/continuity"}
    expected |= {f"{API}/dashboard/continuity/without_joint_visit", "/continuity/without_joint_visit"}
    assert differing >= expected
    assert any(a.endswith("/caseload") for a in differing) and any(a.startswith("/volunteers/") for a in differing)


def test_a_joint_visit_of_a_compartment_is_not_one_to_readers_not_cleared(frozen: None, tmp_path: Path) -> None:
    # given the open handover, whose only joint visit is in the shelter compartment
    app = app_on(tmp_path / "data")
    try:
        p = programme(app)
        record_the_compartments(p)
        family = p.families["open"]
        bridges = signed_in(app, "social_worker").get(f"{API}/families/{family}/timeline").get_json()["bridges"]
        (handover,) = [b["handover_id"] for b in bridges if b["state"] == "planned" and b["joint_visits"] == 1]
        path = f"/families/{family}/handovers/{handover}/complete"
        coordinator = reader(p, "coordinator")

        # when the coordinator completes it without saying why there was no joint visit
        form = coordinator.get(path).get_data(as_text=True)
        refused = signed_in(app, "coordinator").post(f"{API}{path}", json={"keep_in_touch": False})

        # then, to them, there was none: the form asks why, and the completion is refused as without one
        assert 'name="no_joint_visit_reason"' in form
        assert (refused.status_code, refused.get_json()["error"]) == (409, "handover_needs_joint_visit")
        # (for the programme's own tools, cleared for every compartment, the joint visit counts)
        assert peiban(app).complete_handover(
            UUID(family), handover_id=UUID(handover), keep_in_touch=False, recorded_by=BY
        )
    finally:
        shutdown(app)
