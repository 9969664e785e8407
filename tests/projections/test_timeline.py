"""The family timeline, briefing and as-of replay, fed by commands through the application."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.errors import FamilyNotFound
from projections.read_models import ReadModels
from tests.builders import Scene, StepClock, message, scene, visit


@pytest.fixture
def models(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Scene, ReadModels]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    models = ReadModels(app, store_settings)
    yield scene(app, clock), models
    models.close()
    app.close()


def handover(s: Scene, outgoing: UUID, incoming: UUID, *, joint_visits: int = 1) -> UUID:
    """Plan a handover, hold joint visits, complete it; returns the handover id."""
    hid = s.app.plan_handover(
        s.fid,
        outgoing_volunteer_id=outgoing,
        incoming_volunteer_id=incoming,
        planned_on=(s.clock.now + timedelta(days=30)).date(),
        letter=f"给接手义工的信 {incoming}",
        recorded_by=Actor("coord"),
    )
    for _ in range(joint_visits):
        s.later(days=7)
        s.app.log_visit(s.fid, volunteer_ids=[outgoing, incoming], recorded_by=Actor("v"), **visit(summary="共同探访"))
    s.later(days=3)
    s.app.complete_handover(
        s.fid,
        handover_id=hid,
        keep_in_touch=True,
        recorded_by=Actor("coord"),
        no_joint_visit_reason="" if joint_visits else "毕业前来不及安排",
    )
    return hid


def test_chapters_follow_lead_tenures_across_three_cohorts(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    app = s.app
    # given three cohorts' volunteers leading the family in turn
    later_cohorts = [
        app.open_cohort(
            name=name, intake_on=start, expected_end_on=start + timedelta(days=540), recorded_by=Actor("coord")
        )
        for name, start in (("2025级", date(2025, 9, 1)), ("2026级", date(2026, 9, 1)))
    ]
    second = app.register_volunteer(cohort_id=later_cohorts[0], name="陈晓", contact="c", recorded_by=Actor("coord"))
    third = app.register_volunteer(cohort_id=later_cohorts[1], name="周宁", contact="z", recorded_by=Actor("coord"))
    for v in (second, third):
        app.activate_volunteer(v, recorded_by=Actor("coord"))
    app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit())
    s.later(days=60)
    first_bridge = handover(s, s.lead, second, joint_visits=2)
    s.later(days=4)
    app.log_visit(s.fid, volunteer_ids=[second], recorded_by=Actor("v"), **visit(summary="第一次独立家访"))
    s.later(days=200)
    handover(s, second, third, joint_visits=0)
    # when the timeline is read
    timeline = rm.timeline(s.fid)
    # then each lead has a chapter, in order, with their cohort, joined by bridges
    leads = [(c.lead_name, c.cohort_name) for c in timeline.chapters if c.lead_id]
    assert leads == [("义工1", "2024级"), ("陈晓", "2025级"), ("周宁", "2026级")]
    assert timeline.chapters[-1].ended_at is None
    first, second_bridge = timeline.bridges
    assert first.handover_id == str(first_bridge)
    assert (first.joint_visits, first.state, first.gap_days) == (2, "completed", 4 + 3)
    assert (second_bridge.joint_visits, second_bridge.no_joint_visit_reason) == (0, "毕业前来不及安排")
    # and every entry sits in the chapter of the lead at the time it happened
    solo = next(e for e in timeline.entries if e.data.get("summary") == "第一次独立家访")
    assert timeline.chapters[[c.index for c in timeline.chapters].index(solo.chapter)].lead_name == "陈晓"


def test_late_entries_take_their_place_by_occurred_at(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    monday = s.clock.now
    s.later(days=1)
    s.app.log_message(s.fid, volunteer_id=s.lead, recorded_by=Actor("v"), **message(summary="周二的消息"))
    s.later(days=2)
    s.app.log_visit(
        s.fid, volunteer_ids=[s.lead], occurred_at=monday, recorded_by=Actor("v"), **visit(summary="周一的家访")
    )
    kinds = [(e.kind, e.data.get("summary")) for e in rm.timeline(s.fid).entries][-2:]
    assert kinds == [("visit", "周一的家访"), ("message", "周二的消息")]


def test_as_of_replay_shows_the_record_as_it_stood_before_later_corrections(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    # given a visit, then (later) a late entry, an amendment and a retraction
    first = s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit(summary="原来的记录"))
    s.later(days=1)
    wrong = s.app.log_message(s.fid, volunteer_id=s.lead, recorded_by=Actor("v"), **message(summary="记错的消息"))
    s.later(days=1)
    before_corrections = s.clock.now
    s.later(days=1)
    s.app.log_visit(
        s.fid,
        volunteer_ids=[s.lead],
        occurred_at=before_corrections - timedelta(days=1, hours=12),
        recorded_by=Actor("v"),
        **visit(summary="补录"),
    )
    s.app.amend_fact(
        s.fid, target_event_id=first, changes={"summary": "更正后的记录"}, reason="写错了", recorded_by=Actor("sw")
    )
    s.app.retract_fact(s.fid, target_event_id=wrong, reason="记到别的家庭", recorded_by=Actor("sw"))
    # when an auditor replays as of the moment before the corrections
    then = rm.timeline(s.fid, as_of=before_corrections)
    now = rm.timeline(s.fid)
    # then the original entry stands, the late entry is absent, nothing is retracted
    summaries_then = [e.data.get("summary") for e in then.entries if e.kind in ("visit", "message")]
    assert summaries_then == ["原来的记录", "记错的消息"]
    assert not any(e.corrections or e.retracted for e in then.entries)
    # and today's view applies the amendment with its trace, keeps the retracted fact marked, shows the late entry
    amended = next(e for e in now.entries if e.event_id == str(first))
    assert amended.data["summary"] == "更正后的记录" and amended.original["summary"] == "原来的记录"
    (trace,) = amended.corrections
    assert (trace.action, trace.recorded_by, trace.reason) == ("amend", "sw", "写错了")
    retracted = next(e for e in now.entries if e.event_id == str(wrong))
    assert retracted.retracted and retracted.corrections[0].reason == "记到别的家庭"
    assert "补录" in [e.data.get("summary") for e in now.entries]


def test_as_of_before_enrolment_finds_no_family(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    with pytest.raises(FamilyNotFound):
        rm.timeline(s.fid, as_of=s.clock.now - timedelta(days=30))
    with pytest.raises(FamilyNotFound):
        rm.timeline(s.cohort)


def test_sensitive_compartments_are_left_out_of_restricted_timelines_and_briefings(
    models: tuple[Scene, ReadModels],
) -> None:
    s, rm = models
    # given an ordinary concern and one on the anti-domestic-violence line, with a follow-up and a resolution
    s.app.raise_concern(s.fid, recorded_by=Actor("v"), category="education", level="low", summary="数学跟不上")
    secret = s.app.raise_concern(
        s.fid,
        recorded_by=Actor("sw"),
        category="safety",
        level="urgent",
        service_line="anti_domestic_violence",
        summary="机密",
    )
    s.app.schedule_follow_up(
        s.fid, concern_id=secret, recorded_by=Actor("sw"), action="社工跟进", due_on=date(2025, 4, 1)
    )
    s.app.resolve_concern(s.fid, concern_id=secret, resolution="已转介", recorded_by=Actor("sw"))
    # when read without clearance
    restricted = rm.timeline(s.fid, include_sensitive=False)
    briefing = rm.briefing(s.fid, now=s.clock.now)
    # then none of the compartment's facts, nor anything that follows from them, appears
    assert [e.data.get("summary") for e in restricted.entries if e.kind == "concern_raised"] == ["数学跟不上"]
    assert not any(e.kind in ("concern_resolved", "follow_up_scheduled") for e in restricted.entries)
    assert "机密" not in repr(briefing) and "社工跟进" not in repr(briefing) and "已转介" not in repr(briefing)
    # while cleared staff see all of it, marked
    assert sum(e.sensitive for e in rm.timeline(s.fid).entries) == 3


def test_a_briefing_tells_a_newcomer_the_family_story(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    s.app.log_visit(
        s.fid,
        volunteer_ids=[s.lead],
        recorded_by=Actor("v"),
        **visit(
            summary="画画很开心", wellbeing="good", activities=["画画", "作业辅导"], follow_ups_promised=["带绘本"]
        ),
    )
    s.later(days=20)
    handover(s, s.lead, s.volunteers[1])
    s.later(days=2)
    briefing = rm.briefing(s.fid, now=s.clock.now)
    assert [t.name for t in briefing.predecessors] == ["义工1", "义工2"]
    assert briefing.letters[0].from_name == "义工1" and "给接手义工的信" in briefing.letters[0].text
    assert briefing.what_works[0] == ("作业辅导", 1) or ("画画", 1) in briefing.what_works
    assert briefing.household[0]["alias"] == "小林"
    assert briefing.days_since_last_contact == 5


def test_a_reader_sees_a_fact_on_the_very_next_read(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    assert len(rm.timeline(s.fid).contacts()) == 0
    s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit(summary="刚刚记录"))
    assert [e.data["summary"] for e in rm.timeline(s.fid).contacts()] == ["刚刚记录"]
