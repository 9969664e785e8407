"""The read endpoints: timeline (with as-of replay and pages), briefing, raw facts, dashboard, caseload, report."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from domain import Actor, Peiban
from projections.plain import local_day
from tests.builders import family_profile, visit
from tests.web.api.conftest import signed_in
from web.api.common import _signature

MISSING = "00000000-0000-0000-0000-000000000000"


@dataclass
class Story:
    """A cohort ending in 140 days, a lead on one family for fifty days, and a newcomer."""

    app: Peiban
    client: FlaskClient
    cohort: UUID
    lead: UUID
    newcomer: UUID
    family: UUID
    started: datetime

    def at(self, days: float) -> datetime:
        """``days`` after the family was enrolled."""
        return self.started + timedelta(days=days)

    def log_visit(self, days: float, **fields: Any) -> UUID:
        return self.app.log_visit(
            self.family,
            volunteer_ids=[self.lead],
            occurred_at=self.at(days),
            recorded_by=Actor("王义工"),
            **visit(**fields),
        )

    def get(self, path: str, status: int = 200, **query: Any) -> dict[str, Any]:
        response = self.client.get(f"/api/v1{path}", query_string=query)
        assert response.status_code == status, response.get_json()
        body = response.get_json()
        assert isinstance(body, dict)
        return body

    def timeline(self, **query: Any) -> dict[str, Any]:
        return self.get(f"/families/{self.family}/timeline", **query)


@pytest.fixture
def story(auditor: FlaskClient) -> Story:
    """A family with a lead, read through the API as an auditor (who sees everything, raw facts too)."""
    client = auditor
    app = client.application.extensions["peiban"]
    started = datetime.now(tz=UTC) - timedelta(days=50)
    today = local_day(started + timedelta(days=50))
    cohort = app.open_cohort(
        name="2025级",
        intake_on=today - timedelta(days=400),
        expected_end_on=today + timedelta(days=140),
        recorded_by=Actor("c"),
    )
    people = []
    for name in ("王义工", "李义工"):
        vid = app.register_volunteer(
            cohort_id=cohort, name=name, contact="wechat:x", recorded_by=Actor("c"), occurred_at=started
        )
        app.activate_volunteer(vid, recorded_by=Actor("c"), occurred_at=started)
        people.append(vid)
    family = app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
    app.assign_volunteer(family, volunteer_id=people[0], role="lead", recorded_by=Actor("c"), occurred_at=started)
    return Story(app, client, cohort, people[0], people[1], family, started)


def test_a_visit_posted_is_on_the_timeline_at_the_very_next_read(story: Story) -> None:
    body = {**visit(summary="第一次上门"), "occurred_at": story.at(1).isoformat(), "volunteer_ids": [str(story.lead)]}
    coordinator = signed_in(story.client.application)
    posted = coordinator.post(f"/api/v1/families/{story.family}/visits", json=body)
    assert posted.status_code == 201, posted.get_json()

    timeline = story.timeline()

    entry = timeline["entries"][-1]
    assert entry["event_id"] == posted.get_json()["event_id"]
    assert (entry["kind"], entry["data"]["summary"], entry["volunteer_ids"]) == (
        "visit",
        "第一次上门",
        [str(story.lead)],
    )
    assert entry["recorded_by"] == "test-coordinator" and entry["retracted"] is False and entry["corrections"] == []


def test_the_timeline_is_in_the_order_things_happened_in_chapters_of_leads(story: Story) -> None:
    story.log_visit(10, summary="第十天")
    story.log_visit(3, summary="第三天，迟了一周才写")

    timeline = story.timeline()

    assert timeline["display_name"] == "林家" and timeline["as_of"] is None and timeline["next"] is None
    kinds = [(e["kind"], e["data"].get("summary")) for e in timeline["entries"]]
    assert kinds[-2:] == [("visit", "第三天，迟了一周才写"), ("visit", "第十天")]
    lead_chapter = next(c for c in timeline["chapters"] if c["lead_id"] == str(story.lead))
    assert lead_chapter["lead_name"] == "王义工" and lead_chapter["cohort_name"] == "2025级"
    assert all(e["chapter"] == lead_chapter["index"] for e in timeline["entries"] if e["kind"] == "visit")


def test_as_of_a_moment_before_an_amendment_shows_the_original_and_now_shows_the_trace(story: Story) -> None:
    visit_id = story.log_visit(5, summary="写错了的记录")
    recorded_at = story.timeline()["entries"][-1]["recorded_at"]
    story.app.amend_fact(
        story.family,
        target_event_id=visit_id,
        changes={"summary": "改正后的记录"},
        reason="笔误",
        recorded_by=Actor("督导"),
    )
    retracted = story.log_visit(6, summary="记到了别的家庭")
    story.app.retract_fact(story.family, target_event_id=retracted, reason="记错家庭", recorded_by=Actor("督导"))

    now = {e["event_id"]: e for e in story.timeline()["entries"]}
    before = story.timeline(as_of=recorded_at)

    amended = now[str(visit_id)]
    assert amended["data"]["summary"] == "改正后的记录"
    assert [(c["action"], c["reason"], c["recorded_by"], c["changes"]) for c in amended["corrections"]] == [
        ("amend", "笔误", "督导", {"summary": "改正后的记录"})
    ]
    assert now[str(retracted)]["retracted"] is True, "a retracted fact stays visible, marked"
    original = next(e for e in before["entries"] if e["event_id"] == str(visit_id))
    assert original["data"]["summary"] == "写错了的记录" and original["corrections"] == []
    assert str(retracted) not in {e["event_id"] for e in before["entries"]}
    assert datetime.fromisoformat(before["as_of"]) == datetime.fromisoformat(recorded_at)


def test_pages_walk_every_entry_once_even_while_new_facts_arrive(story: Story) -> None:
    for day in range(12):
        story.log_visit(day + 1, summary=f"第{day + 1}次")
    everything = [e["event_id"] for e in story.timeline()["entries"]]

    walked, page = [], story.timeline(limit=5)
    walked += [e["event_id"] for e in page["entries"]]
    late = story.log_visit(0.5, summary="walk 开始后才补记的探访")
    while page["next"]:
        page = story.timeline(limit=5, after=page["next"])
        walked += [e["event_id"] for e in page["entries"]]

    assert walked == everything and len(set(walked)) == len(walked)
    assert str(late) in {e["event_id"] for e in story.timeline()["entries"]}


def test_the_briefing_leaves_out_the_sensitive_compartments_the_timeline_marks(story: Story) -> None:
    story.log_visit(2, summary="孩子喜欢画画", activities=["画画"], wellbeing="good")
    story.app.raise_concern(
        story.family, category="safety", level="high", service_line="anti_domestic_violence",
        summary="敏感：家暴线索", recorded_by=Actor("社工"), occurred_at=story.at(3),
    )  # fmt: skip
    story.app.raise_concern(
        story.family,
        category="education",
        level="low",
        summary="数学跟不上",
        recorded_by=Actor("社工"),
        occurred_at=story.at(4),
    )

    briefing = story.get(f"/families/{story.family}/briefing")
    timeline = story.timeline()

    assert [c["text"] for c in briefing["open_concerns"]] == ["数学跟不上"]
    assert "家暴" not in str(briefing)
    assert [e["sensitive"] for e in timeline["entries"] if e["kind"] == "concern_raised"] == [True, False]
    assert briefing["predecessors"][0]["name"] == "王义工"
    assert briefing["what_works"] == [{"activity": "画画", "visits": 1}]
    assert briefing["recent_visits"][0]["summary"] == "孩子喜欢画画"


def test_raw_facts_step_through_the_record_as_it_was_written(story: Story) -> None:
    story.log_visit(2)
    story.log_visit(1)

    first = story.get(f"/families/{story.family}/events", limit=2)
    rest = story.get(f"/families/{story.family}/events", after=first["next"])

    facts = first["items"] + rest["items"]
    assert [f["position"] for f in facts] == [1, 2, 3, 4] and rest["next"] is None
    assert [f["kind"] for f in facts] == [
        "Family.Enrolled", "Family.VolunteerAssigned", "Family.VisitLogged", "Family.VisitLogged",
    ]  # fmt: skip
    late = facts[3]
    assert late["recorded_by"] == "王义工" and late["fields"]["volunteer_ids"] == [str(story.lead)]
    assert late["occurred_at"] < facts[2]["occurred_at"] and late["recorded_at"] > facts[2]["recorded_at"]


def test_the_dashboard_shows_the_cliff_by_its_threshold_and_quiet_families(story: Story) -> None:
    story.log_visit(10)

    default = story.get("/dashboard/continuity")
    wider = story.get("/dashboard/continuity", cliff_days=200, quiet_days=60)

    (row,) = default["families"]
    assert (row["lead_name"], row["is_covered"], row["days_left"]) == ("王义工", True, 140)
    assert row["days_since_contact"] == 40 and [r["family_id"] for r in default["quiet"]] == [str(story.family)]
    assert default["cliff"] == [] and [r["family_id"] for r in wider["cliff"]] == [str(story.family)]
    assert wider["quiet"] == [] and (wider["cliff_days"], wider["quiet_days"]) == (200, 60)
    assert story.client.get("/api/v1/dashboard/continuity?cliff_days=-1").status_code == 422


def test_a_volunteers_caseload_counts_their_visits_this_term(story: Story) -> None:
    story.log_visit(1, duration_minutes=90)
    story.log_visit(2, duration_minutes=30)

    caseload = story.get(f"/volunteers/{story.lead}/caseload")

    assert caseload["name"] == "王义工" and caseload["status"] == "active"
    assert [(f["display_name"], f["role"]) for f in caseload["families"]] == [("林家", "lead")]
    assert (caseload["this_term"]["visits"], caseload["this_term"]["hours"]) == (2, 2.0)


def test_the_cohort_report_is_json_or_a_csv_file_with_bilingual_headers(story: Story) -> None:
    story.log_visit(1)
    handover = story.app.plan_handover(
        story.family, outgoing_volunteer_id=story.lead, incoming_volunteer_id=story.newcomer,
        planned_on=story.at(3).date(), letter="孩子喜欢画画", recorded_by=Actor("c"), occurred_at=story.at(2),
    )  # fmt: skip
    story.app.log_visit(
        story.family,
        volunteer_ids=[story.lead, story.newcomer],
        occurred_at=story.at(3),
        recorded_by=Actor("c"),
        **visit(),
    )
    story.app.complete_handover(
        story.family, handover_id=handover, keep_in_touch=True, recorded_by=Actor("c"), occurred_at=story.at(4)
    )

    report = story.get("/reports/cohorts")
    csv = story.client.get("/api/v1/reports/cohorts?format=csv")

    (transition,) = report["transitions"]
    assert (transition["cohort_name"], transition["handovers"], transition["with_joint_visit"]) == ("2025级", 1, 1)
    assert sum(p["visits"] for p in report["periods"]) == 2
    assert csv.status_code == 200 and csv.content_type == "text/csv; charset=utf-8"
    assert csv.headers["Content-Disposition"].startswith('attachment; filename="peiban-cohort-report-')
    lines = csv.get_data().decode("utf-8").splitlines()
    assert lines[1].startswith("期次 / Cohort,预计结束日期 / Expected end") and lines[2].startswith("2025级,")
    assert story.client.get("/api/v1/reports/cohorts?format=xlsx").status_code == 422


@pytest.mark.parametrize("path", ["timeline", "briefing", "events"])
def test_an_unknown_family_is_404_in_the_common_error_shape(auditor: FlaskClient, path: str) -> None:
    response = auditor.get(f"/api/v1/families/{MISSING}/{path}")
    body = response.get_json()
    assert response.status_code == 404
    assert (body["code"], body["error"]) == (404, "family_not_found") and "未找到" in body["message"]


def test_an_unknown_volunteer_has_no_caseload(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/volunteers/{MISSING}/caseload").get_json()
    assert (body["code"], body["error"]) == (404, "volunteer_not_found")


def test_a_replay_from_before_the_family_was_enrolled_finds_no_record(story: Story) -> None:
    story.get(f"/families/{story.family}/timeline", 404, as_of=story.at(-1).isoformat())


@pytest.mark.parametrize(
    "query",
    [
        {"as_of": "2025-03-01T09:00:00"},
        {"as_of": "0001-01-01T00:00:00+05:00"},
        {"after": "not-a-cursor"},
        {"after": "WzEsIDIsIDNd"},
        {"limit": "0"},
    ],
)
def test_bad_timeline_queries_are_422_on_the_parameter(story: Story, query: dict[str, str]) -> None:
    body = story.get(f"/families/{story.family}/timeline", 422, **query)
    assert set(body["errors"]) <= {f"query.{name}" for name in query} and body["errors"]


def test_a_raw_facts_cursor_pages_its_own_family_only(story: Story) -> None:
    # as a timeline's cursor names its family: another family's cursor (in any spelling of its id) is no position here
    other = story.app.enrol_family(recorded_by=Actor("c"), occurred_at=story.started, **family_profile())
    story.app.assign_volunteer(
        other, volunteer_id=story.newcomer, role="lead", recorded_by=Actor("c"), occurred_at=story.started
    )
    theirs = story.get(f"/families/{other}/events", limit=1)["next"]
    assert theirs is not None
    ours = story.get(f"/families/{story.family}/events", limit=1)["next"]
    before = story.app.log_position()
    for family in (str(story.family), str(story.family).upper()):
        body = story.get(f"/families/{family}/events", 422, after=theirs)
        assert body["errors"] == {"query.after": ["游标无效 / invalid cursor"]}
        assert [f["position"] for f in story.get(f"/families/{family}/events", after=ours)["items"]] == [2]
    assert story.app.log_position() == before


def test_a_signed_cursor_nested_past_pythons_depth_is_422_not_500(story: Story) -> None:
    # only a holder of the key could sign one; still, the answer is the cursor's error, not a crash
    text = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode().rstrip("=")
    with story.client.application.test_request_context():
        cursor = f"{text}.{_signature(f'facts:{story.family}', text)}"
    body = story.get(f"/families/{story.family}/events", 422, after=cursor)
    assert body["errors"] == {"query.after": ["游标无效 / invalid cursor"]}


@pytest.mark.parametrize("cursor", ["bm90LWpzb24", "LTE", "dHJ1ZQ", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_a_bad_raw_facts_cursor_is_422(story: Story, cursor: str) -> None:
    story.get(f"/families/{story.family}/events", 422, after=cursor)
