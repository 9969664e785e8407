"""Compartments: facts of the anti-domestic-violence and shelter service lines never reach a volunteer.

A family the volunteer leads has a concern of the anti-domestic-violence line (with a follow-up, a
resolution, an amendment and referrals), an open shelter concern, a shelter visit and a sensitive
message, all recorded by a social worker. Every answer the volunteer can get is searched field by
field (timeline cursors decoded) for the sensitive texts, the sensitive facts' ids and the names of
the two service lines. Social workers and auditors are cleared and see them; coordinators are not.
"""

from __future__ import annotations

import json
from base64 import urlsafe_b64decode
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import family_profile, visit
from tests.web.access.conftest import app_on, peiban, shown
from tests.web.access.scenes import BY, ago, day
from tests.web.api.conftest import signed_in
from web.app import shutdown

API = "/api/v1"
LINES = ("anti_domestic_violence", "shelter")


@dataclass
class Compartment:
    """A family with a sensitive compartment, the volunteer who leads it, and what must stay hidden from them."""

    app: Flask
    family: str
    other_family: str
    volunteer: str
    co: str
    stranger: str  # leads the other family
    own_visit_at: str
    texts: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # amended away: only the raw facts still hold them
    ids: list[str] = field(default_factory=list)
    open_concern: str = ""
    resolved_concern: str = ""
    done_follow_up: str = ""

    @property
    def needles(self) -> list[str]:
        return [*self.texts, *self.ids, *LINES]

    def as_(self, role: str) -> FlaskClient:
        return signed_in(self.app, role, self.volunteer if role == "volunteer" else None)


def post(client: FlaskClient, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == status, response.get_json()
    answer = response.get_json()
    assert isinstance(answer, dict)
    return answer


def record_the_compartment(c: Compartment) -> None:
    """What the social worker records: every kind of fact a compartment can hold."""
    worker = c.as_("social_worker")
    on = f"/families/{c.family}"

    def secret(text: str) -> str:
        c.texts.append(text)
        return text

    concern = {
        "category": "safety", "level": "high", "service_line": "anti_domestic_violence",
        "summary": secret("母亲说父亲酒后动手"), "occurred_at": ago(days=10).isoformat(),
    }  # fmt: skip
    c.resolved_concern = post(worker, f"{on}/concerns", concern)["id"]
    c.superseded.append(concern["summary"])
    follow_up = {
        "action": secret("陪母亲去反家暴站做安全计划"),
        "due_on": str(day(-5)),
        "concern_id": c.resolved_concern,
    }
    c.done_follow_up = post(worker, f"{on}/follow-ups", follow_up)["id"]
    done = post(worker, f"{on}/follow-ups/{c.done_follow_up}/done", {"note": secret("安全计划已定")}, 200)
    referral = {"service_line": "shelter", "reason": secret("暂住隐蔽庇护所"), "concern_id": c.resolved_concern}
    to_shelter = post(worker, f"{on}/referrals", referral)
    linked = {"service_line": "womens_home", "reason": secret("妇女之家陪同母亲"), "concern_id": c.resolved_concern}
    to_womens_home = post(worker, f"{on}/referrals", linked)
    amendment = {
        "target_event_id": c.resolved_concern, "action": "amend", "reason": secret("补充施暴细节"),
        "changes": {"summary": secret("父亲多次酒后动手，孩子目睹")},
    }  # fmt: skip
    amended = post(worker, f"{on}/corrections", amendment)
    resolved = post(
        worker, f"{on}/concerns/{c.resolved_concern}/resolution", {"resolution": secret("已申请人身安全保护令")}, 200
    )
    shelter_visit = {
        "occurred_at": ago(days=2).isoformat(), "volunteer_ids": [c.co], "duration_minutes": 120,
        "summary": secret("在庇护所见到母子"), "place": "other", "service_line": "shelter",
        "social_worker": "张社工", "activities": [secret("庇护所安置")],
        "follow_ups_promised": [secret("送冬衣去庇护所")],
    }  # fmt: skip
    visited = post(worker, f"{on}/visits", shelter_visit)
    message = {
        "occurred_at": ago(days=1).isoformat(), "volunteer_id": c.co, "direction": "from_family", "channel": "phone",
        "summary": secret("妈妈说今晚家里不安全"), "service_line": "anti_domestic_violence",
    }  # fmt: skip
    messaged = post(worker, f"{on}/messages", message)
    open_concern = {"category": "safety", "level": "urgent", "service_line": "shelter", "summary": secret("需要续住")}
    c.open_concern = post(worker, f"{on}/concerns", open_concern)["id"]
    recorded = (done, to_shelter, to_womens_home, amended, resolved, visited, messaged)
    c.ids += [c.resolved_concern, c.done_follow_up, c.open_concern, *(r["event_id"] for r in recorded)]


def build(app: Flask) -> Compartment:
    """A family led by the volunteer (with a co), its everyday record, and its compartment."""
    domain = peiban(app)
    cohort = domain.open_cohort(name="2025级", intake_on=day(-400), expected_end_on=day(140), recorded_by=BY)
    people = []
    for name in ("小王", "小李", "小赵"):
        vid = domain.register_volunteer(
            cohort_id=cohort, name=name, contact="微信", recorded_by=BY, occurred_at=ago(days=100)
        )
        domain.activate_volunteer(vid, recorded_by=BY, occurred_at=ago(days=99))
        people.append(vid)
    volunteer, co, other = people
    families = []
    for name, lead in (("周家", volunteer), ("吴家", other)):
        fid = domain.enrol_family(recorded_by=BY, occurred_at=ago(days=90), **family_profile(display_name=name))
        domain.assign_volunteer(fid, volunteer_id=lead, role="lead", recorded_by=BY, occurred_at=ago(days=80))
        families.append(fid)
    family = families[0]
    domain.assign_volunteer(family, volunteer_id=co, role="co", recorded_by=BY, occurred_at=ago(days=79))
    own_visit = ago(days=20)
    domain.log_visit(
        family, volunteer_ids=[volunteer], occurred_at=own_visit, recorded_by=BY,
        **visit(summary="一起画画", activities=["画画"], wellbeing="good"),
    )  # fmt: skip
    domain.raise_concern(
        family, category="education", level="low", summary="数学跟不上", recorded_by=BY, occurred_at=ago(days=15)
    )
    domain.schedule_follow_up(family, action="联系班主任", due_on=day(7), recorded_by=BY, occurred_at=ago(days=15))
    c = Compartment(app, str(family), str(families[1]), str(volunteer), str(co), str(other), own_visit.isoformat())
    record_the_compartment(c)
    return c


@pytest.fixture(scope="module")
def compartment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compartment]:
    app = app_on(Path(tmp_path_factory.mktemp("compartment")) / "data")
    yield build(app)
    shutdown(app)


def cursor_text(cursor: str) -> str:
    """What a cursor carries: base64 JSON, then (when the API signs its cursors) a dot and the signature."""
    carried = cursor.rpartition(".")[0] or cursor
    return urlsafe_b64decode(carried + "=" * (-len(carried) % 4)).decode()


def fields(value: Any, at: str = "") -> Iterator[tuple[str, str]]:
    """Every key and text of a JSON answer, with where it stands; cursors are decoded, for they carry ids."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield f"{at}.{key}", str(key)
            if key == "next" and isinstance(inner, str):
                yield f"{at}.next(decoded)", cursor_text(inner)
            yield from fields(inner, f"{at}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from fields(inner, f"{at}[{index}]")
    elif value is not None:
        yield at, str(value)


def found(c: Compartment, answers: dict[str, TestResponse]) -> list[str]:
    """Where any answer carries anything of the compartment."""
    return [
        f"{label}{where}: {text!r} holds {needle!r}"
        for label, response in answers.items()
        for where, text in fields(response.get_json())
        for needle in c.needles
        if needle.casefold() in text.casefold()
    ]


def timeline_pages(client: FlaskClient, family: str, limit: int = 2) -> dict[str, TestResponse]:
    pages: dict[str, TestResponse] = {}
    query = {"limit": str(limit)}
    while True:
        response = client.get(f"{API}/families/{family}/timeline", query_string=query)
        assert response.status_code == 200, response.get_json()
        pages[f"timeline page {len(pages) + 1}"] = response
        following = response.get_json()["next"]
        if following is None:
            return pages
        query = {"limit": str(limit), "after": following}


def everything_read(c: Compartment, client: FlaskClient, volunteer: str) -> dict[str, TestResponse]:
    """A reader's walk through the family: profile, every timeline page, briefing, the families list, a caseload."""
    reads = {
        "profile": client.get(f"{API}/families/{c.family}"),
        **timeline_pages(client, c.family),
        "briefing": client.get(f"{API}/families/{c.family}/briefing"),
        "families": client.get(f"{API}/families"),
        "families found by name": client.get(f"{API}/families", query_string={"q": "周"}),
        "caseload": client.get(f"{API}/volunteers/{volunteer}/caseload"),
    }
    assert {label: r.status_code for label, r in reads.items() if r.status_code != 200} == {}
    return reads


def test_nothing_of_the_compartment_reaches_the_volunteer_in_anything_they_read(compartment: Compartment) -> None:
    volunteer = compartment.as_("volunteer")

    reads = everything_read(compartment, volunteer, compartment.volunteer)

    assert len([label for label in reads if label.startswith("timeline")]) >= 3, "the walk spans several pages"
    assert found(compartment, reads) == []


def test_the_volunteer_still_sees_the_familys_everyday_record(compartment: Compartment) -> None:
    volunteer = compartment.as_("volunteer")

    reads = everything_read(compartment, volunteer, compartment.volunteer)

    entries = [e for label, r in reads.items() if label.startswith("timeline") for e in r.get_json()["entries"]]
    assert [e["data"]["summary"] for e in entries if e["kind"] in ("visit", "concern_raised")] == [
        "一起画画",
        "数学跟不上",
    ]
    assert not any(e["sensitive"] for e in entries)
    briefing = reads["briefing"].get_json()
    assert [c["text"] for c in briefing["open_concerns"]] == ["数学跟不上"]
    assert [f["text"] for f in briefing["follow_ups"]] == ["联系班主任"]
    assert [v["summary"] for v in briefing["recent_visits"]] == ["一起画画"]
    assert briefing["what_works"] == [{"activity": "画画", "visits": 1}]
    (family,) = reads["caseload"].get_json()["families"]
    assert family["last_visit_at"] == compartment.own_visit_at, "the later shelter visit (by the co) is not shown"


def test_nothing_of_the_compartment_reaches_the_volunteer_in_any_error_they_can_cause(
    compartment: Compartment,
) -> None:
    c, volunteer = compartment, compartment.as_("volunteer")
    on = f"/families/{c.family}"
    visit = {"occurred_at": ago(hours=1).isoformat(), "volunteer_ids": [c.volunteer], "duration_minutes": 60}
    message = {"volunteer_id": c.volunteer, "direction": "to_family", "channel": "wechat", "summary": "明天见"}
    tries: list[tuple[str, int, str, str, dict[str, Any]]] = [
        ("as-of replay", 403, "GET", f"{on}/timeline", {"as_of": ago(days=3).isoformat()}),
        ("raw facts", 403, "GET", f"{on}/events", {}),
        ("who read the family", 403, "GET", f"{on}/readers", {}),
        # volunteers may correct their own entries: a fact of the compartment is, to them, not there
        ("retract the sensitive concern", 404, "POST", f"{on}/corrections",
         {"target_event_id": c.resolved_concern, "action": "retract", "reason": "看看会怎样"}),
        ("resolve the resolved sensitive concern", 404, "POST", f"{on}/concerns/{c.resolved_concern}/resolution",
         {"resolution": "看看"}),
        ("complete the done sensitive follow-up", 404, "POST", f"{on}/follow-ups/{c.done_follow_up}/done", {}),
        ("resolve a concern that does not exist", 404, "POST", f"{on}/concerns/{uuid4()}/resolution",
         {"resolution": "看看"}),
        ("a visit without a summary", 422, "POST", f"{on}/visits", {**visit, "place": "home"}),
        ("a visit with someone not on the family", 409, "POST", f"{on}/visits",
         {**visit, "volunteer_ids": [c.stranger], "summary": "x", "place": "home"}),
        ("a message from the future", 422, "POST", f"{on}/messages",
         {**message, "occurred_at": "2999-01-01T00:00:00+00:00"}),
        ("a bad timeline cursor", 422, "GET", f"{on}/timeline", {"after": "bm90LWpzb24"}),
        ("another family's timeline", 404, "GET", f"/families/{c.other_family}/timeline", {}),
        ("the co's caseload", 404, "GET", f"/volunteers/{c.co}/caseload", {}),
        ("the dashboard", 403, "GET", "/dashboard/continuity", {}),
        ("enrol a family", 403, "POST", "/families", {}),
    ]  # fmt: skip

    answers = {
        label: volunteer.get(API + path, query_string=given)
        if method == "GET"
        else volunteer.post(API + path, json=given)
        for label, _, method, path, given in tries
    }

    assert {label: r.status_code for label, r in answers.items()} == {label: status for label, status, *_ in tries}
    assert found(c, answers) == []


def test_refusing_a_bad_service_line_names_the_vocabulary_and_nothing_of_the_family(compartment: Compartment) -> None:
    # the one error naming the sensitive service lines is the schema's list of allowed values: published in the
    # OpenAPI document to anyone, and about no family
    volunteer = compartment.as_("volunteer")
    body = {"category": "safety", "level": "low", "summary": "x", "service_line": "庇护"}

    response = volunteer.post(f"{API}/families/{compartment.family}/concerns", json=body)

    answer = response.get_json()
    assert (response.status_code, list(answer["errors"])) == (422, ["service_line"])
    (message,) = answer["errors"]["service_line"]
    assert message.startswith("应为以下之一：") and "anti_domestic_violence, shelter" in message
    assert [n for n in [*compartment.texts, *compartment.ids] if n in shown(response)] == []


@pytest.mark.parametrize("role", ["social_worker", "auditor"])
def test_cleared_staff_see_the_compartment(compartment: Compartment, role: str) -> None:
    client = compartment.as_(role)

    response = client.get(f"{API}/families/{compartment.family}/timeline")

    timeline = response.get_json()
    sensitive = [e for e in timeline["entries"] if e["sensitive"]]
    text = json.dumps(sensitive, ensure_ascii=False)
    assert {e["event_id"] for e in sensitive} >= {compartment.resolved_concern, compartment.open_concern}
    current = [t for t in compartment.texts if t not in compartment.superseded]
    assert all(t in text for t in current) and all(line in text for line in LINES)
    assert found(compartment, {"timeline": response}), "the search that finds nothing for a volunteer works"


def test_auditors_see_the_compartment_in_the_raw_facts(compartment: Compartment) -> None:
    auditor = compartment.as_("auditor")

    facts = auditor.get(f"{API}/families/{compartment.family}/events", query_string={"limit": "500"})

    text = shown(facts)
    assert all(t in text for t in compartment.texts) and all(line in text for line in LINES)


def test_coordinators_are_not_cleared_for_the_compartment(compartment: Compartment) -> None:
    coordinator = compartment.as_("coordinator")

    reads = {
        **everything_read(compartment, coordinator, compartment.co),
        "dashboard": coordinator.get(f"{API}/dashboard/continuity"),
        "cohort report": coordinator.get(f"{API}/reports/cohorts"),
    }

    assert found(compartment, reads) == []


def test_a_coordinators_case_file_leaves_the_compartment_out(compartment: Compartment) -> None:
    coordinator = compartment.as_("coordinator")

    exported = coordinator.get(f"{API}/families/{compartment.family}/case-file")
    page = coordinator.get(f"/families/{compartment.family}/case-file")

    assert (exported.status_code, page.status_code) == (200, 200)
    case_file = exported.get_json()
    assert case_file["compartments_included"] is False and case_file["facts"] is None
    html = page.get_data(as_text=True)
    assert "一起画画" in shown(exported) and "一起画画" in html, "the everyday record is in"
    assert found(compartment, {"case file": exported}) == []
    assert [n for n in compartment.needles if n.casefold() in html.casefold()] == []


@pytest.mark.parametrize("role", ["social_worker", "auditor"])
def test_a_cleared_readers_case_file_holds_the_compartment(compartment: Compartment, role: str) -> None:
    client = compartment.as_(role)

    exported = client.get(f"{API}/families/{compartment.family}/case-file")

    case_file = exported.get_json()
    current = [t for t in compartment.texts if t not in compartment.superseded]
    assert case_file["compartments_included"] is True
    assert all(t in shown(exported) for t in current)
    # the raw facts (amended-away texts too) only for auditors, who may read raw facts
    raw = json.dumps(case_file["facts"], ensure_ascii=False)
    assert all(t in raw for t in compartment.texts) if role == "auditor" else case_file["facts"] is None
