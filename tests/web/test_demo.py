"""The demo story: loaded into a SQLite file, then read back through the application and its views like any
store. The story ends on the day it is loaded, so each load is pinned to a day of its own (the machine's clock
travels there): the day the suite once went red, a leap day, a year's end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine

from domain import Peiban, StoreSettings
from domain.aggregate import PeibanAggregate
from domain.cohort import Cohort
from domain.family import Family
from domain.values import HandoverState, ServiceLine, VolunteerStatus
from domain.volunteer import Volunteer
from projections.read_models import ReadModels
from web.demo.story import DemoStoreNotEmpty, DemoSummary, load_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The days the demo is loaded on, each at noon in Shanghai (the same calendar day in UTC).
PINNED_DAYS = (date(2026, 11, 30), date(2028, 2, 29), date(2030, 12, 31))
E = TypeVar("E", bound=PeibanAggregate.Event)


@dataclass
class Loaded:
    """A store holding the demo, an app reading it, and what the load reported along the way."""

    env: dict[str, str]
    settings: StoreSettings
    today: date
    now: datetime
    summary: DemoSummary
    progress: list[tuple[int, int]]
    app: Peiban
    log: list[tuple[str, PeibanAggregate.Event]]  # (topic, fact), in log order

    def facts(self, kind: type[E]) -> list[E]:
        return [fact for _, fact in self.log if isinstance(fact, kind)]

    def family(self, family_id: Any) -> list[PeibanAggregate.Event]:
        return self.app.family_facts(family_id)


def sqlite_settings(folder: Path) -> StoreSettings:
    return StoreSettings(backend="sqlite", data_dir=folder)


def sqlite_env(folder: Path) -> dict[str, str]:
    return sqlite_settings(folder).env(Peiban.name)


def read_log(env: dict[str, str]) -> list[tuple[str, PeibanAggregate.Event]]:
    app = Peiban(env)
    try:
        notifications = app.recorder.select_notifications(start=None, limit=100_000)
        log = [(n.topic, app.mapper.to_domain_event(n)) for n in notifications]
    finally:
        app.close()
    return [(topic, fact) for topic, fact in log if isinstance(fact, PeibanAggregate.Event)]


@pytest.fixture(scope="module", params=PINNED_DAYS, ids=date.isoformat)
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """The demo loaded on a pinned day, with the clock held at noon that day while its tests run."""
    today: date = request.param
    now = datetime.combine(today, time(12), SHANGHAI)
    with time_machine.travel(now, tick=False):
        settings = sqlite_settings(tmp_path_factory.mktemp("demo"))
        env, calls = settings.env(Peiban.name), []
        summary = load_demo(env, progress=lambda done, total: calls.append((done, total)))
        app = Peiban(env)
        yield Loaded(env, settings, today, now, summary, calls, app, read_log(env))
        app.close()


def test_the_demo_spans_three_years_of_cohorts_volunteers_and_families(loaded: Loaded) -> None:
    # given the demo loaded into an empty store
    # then it holds several cohorts, twenty-odd volunteers and a dozen families, over about three years
    assert loaded.summary.cohorts == len(loaded.facts(Cohort.Opened)) >= 3
    assert loaded.summary.volunteers == len(loaded.facts(Volunteer.Registered)) >= 20
    assert loaded.summary.families == len(loaded.facts(Family.Enrolled)) >= 12
    assert loaded.summary.facts == len(loaded.log)
    first = min(fact.occurred_at for _, fact in loaded.log)
    assert timedelta(days=3 * 365 - 60) < loaded.now - first < timedelta(days=4 * 365)
    # and the oldest cohort has left, graduating or withdrawing, and has been closed
    oldest = loaded.facts(Cohort.Opened)[0]
    assert not loaded.app.get_cohort(oldest.originator_id).is_open
    volunteers = [loaded.app.get_volunteer(v.originator_id) for v in loaded.facts(Volunteer.Registered)]
    assert {v.status for v in volunteers if v.cohort_id == oldest.originator_id} == {VolunteerStatus.DEPARTED}
    assert {v.departure_reason.value for v in volunteers if v.departure_reason} == {"graduated", "withdrew"}


def test_handovers_are_warm_one_went_without_a_joint_visit_and_one_was_cancelled(loaded: Loaded) -> None:
    # given every family's handovers
    families = [loaded.app.get_family(f.originator_id) for f in loaded.facts(Family.Enrolled)]
    handovers = [h for f in families for h in f.roster.handovers]
    completed = [h for h in handovers if h.state is HandoverState.COMPLETED]
    # then handovers completed after joint visits and the family's agreement
    assert sum(bool(h.joint_visit_ids) and h.family_agreed for h in completed) >= 5
    assert any(len(h.joint_visit_ids) >= 2 for h in completed)
    # and one completed without a joint visit, saying why
    assert any(not h.joint_visit_ids for h in completed)
    assert [c for c in loaded.facts(Family.HandoverCompleted) if c.no_joint_visit_reason]
    # and one was cancelled, and some are under way today
    assert any(h.state is HandoverState.CANCELLED for h in handovers)
    assert any(h.state is HandoverState.PLANNED for h in handovers)
    # and each comes with a letter signed by the outgoing volunteer
    for planned in loaded.facts(Family.HandoverPlanned):
        assert planned.letter.endswith(loaded.app.get_volunteer(planned.outgoing_volunteer_id).name)


def test_an_alumni_still_gets_messages_after_leaving(loaded: Loaded) -> None:
    # given the volunteer who kept in touch with a family after their cohort left
    alumni = loaded.app.get_volunteer(loaded.summary.alumni_volunteer_id)
    assert alumni.status is VolunteerStatus.DEPARTED and alumni.alumni_opted_in
    left = alumni.departed_at
    assert left is not None
    # then the child still writes to them after they left
    messages = [m for m in loaded.family(loaded.summary.alumni_family_id) if isinstance(m, Family.MessageLogged)]
    later = [m for m in messages if m.volunteer_id == alumni.id and m.occurred_at > left]
    said = [(m.direction.value, m.summary) for m in later]
    assert said[0] == ("from_family", "天冷了，注意身体")
    assert said[1][0] == "to_family"


def test_a_monday_visit_is_written_up_on_thursday(loaded: Loaded) -> None:
    # given the late entry the demo points at
    facts = loaded.family(loaded.summary.corrected_family_id)
    [late] = [f for f in facts if f.event_id == loaded.summary.late_entry_fact_id]
    # then it happened on a Monday and was recorded on the Thursday after
    assert isinstance(late, Family.VisitLogged)
    assert late.recorded_at - late.occurred_at >= timedelta(days=2)
    days = (late.occurred_at.astimezone(SHANGHAI), late.recorded_at.astimezone(SHANGHAI))
    assert [d.strftime("%A") for d in days] == ["Monday", "Thursday"]
    assert days[1] - days[0] < timedelta(days=4)


def test_mistakes_are_amended_and_retracted_never_edited(loaded: Loaded) -> None:
    # given the family whose record was corrected
    facts = loaded.family(loaded.summary.corrected_family_id)
    ids = {f.event_id for f in facts}
    # then the amendment and the retraction point at facts that are still there, each with a reason
    [amended] = [f for f in facts if isinstance(f, Family.FactAmended)]
    [retracted] = [f for f in facts if isinstance(f, Family.FactRetracted)]
    assert (amended.target_event_id, retracted.target_event_id) == (
        loaded.summary.amended_fact_id,
        loaded.summary.retracted_fact_id,
    )
    assert {amended.target_event_id, retracted.target_event_id} <= ids
    assert amended.reason and retracted.reason and amended.changes["duration_minutes"] == 120


def test_concerns_are_followed_up_and_referred_and_the_sensitive_one_stays_minimal(loaded: Loaded) -> None:
    # given the concerns, referrals and follow-ups in the demo
    concerns = loaded.facts(Family.ConcernRaised)
    referrals = loaded.facts(Family.ReferralMade)
    # then one was resolved, after a follow-up and a referral to the children's activity room
    [resolved] = loaded.facts(Family.ConcernResolved)
    assert resolved.concern_id in {c.event_id for c in concerns}
    assert ServiceLine.CHILDREN_ACTIVITY_ROOM in {r.service_line for r in referrals}
    assert len(loaded.facts(Family.FollowUpDone)) == len(loaded.facts(Family.FollowUpScheduled)) >= 2
    # and the one on the anti-domestic-violence line names no one and no place
    [sensitive] = [c for c in concerns if c.service_line is ServiceLine.ANTI_DOMESTIC_VIOLENCE]
    enrolled = next(f for f in loaded.facts(Family.Enrolled) if f.originator_id == sensitive.originator_id)
    identifying = [enrolled.display_name, enrolled.community, *(m.alias for m in enrolled.household)]
    assert not [word for word in identifying if word in sensitive.summary]
    assert len(sensitive.summary) <= 30


def test_facts_are_recorded_in_order_after_they_happened_and_before_now(loaded: Loaded) -> None:
    # given every fact in the log
    recorded = [fact.recorded_at for _, fact in loaded.log]
    # then they were recorded in time order, none before it happened, none in the future
    assert recorded == sorted(recorded)
    assert all(fact.recorded_at >= fact.occurred_at for _, fact in loaded.log)
    assert recorded[-1] < datetime.combine(loaded.today, time(), UTC) <= loaded.now
    # and most were written up the same day
    same_day = [f for _, f in loaded.log if f.recorded_at - f.occurred_at < timedelta(hours=12)]
    assert len(same_day) > 0.8 * len(loaded.log)


def test_continuity_risks_are_there_to_see(loaded: Loaded) -> None:
    # given the families as they stand at the end of the story
    uncovered = loaded.app.get_family(loaded.summary.uncovered_family_id)
    cliff = loaded.app.get_family(loaded.summary.cliff_family_id)
    closed = loaded.app.get_family(loaded.summary.closed_family_id)
    # then one open family has no lead, one's lead leaves soon with no handover planned, one closed
    assert not uncovered.is_closed and uncovered.roster.lead() is None
    lead = cliff.roster.lead()
    assert lead is not None and cliff.roster.open_handover() is None
    ends = loaded.app.get_cohort(loaded.app.get_volunteer(lead.volunteer_id).cohort_id).expected_end_on
    assert timedelta(0) < ends - loaded.today <= timedelta(days=60)
    # and the family closed within 90 days of its handover: lost at handover
    [closure] = [f for f in loaded.family(closed.id) if isinstance(f, Family.Closed)]
    handed_over = closed.roster.handovers[-1].closed_at
    assert handed_over is not None and timedelta(0) < closure.occurred_at - handed_over <= timedelta(days=90)
    # and no one who has left is still assigned anywhere
    families = [loaded.app.get_family(f.originator_id) for f in loaded.facts(Family.Enrolled)]
    on_duty = {a.volunteer_id for f in families for a in f.roster.current()}
    assert all(loaded.app.get_volunteer(v).status is not VolunteerStatus.DEPARTED for v in on_duty)


def test_progress_counts_each_step_up_to_the_total(loaded: Loaded) -> None:
    # given the progress reported during the load
    done = [d for d, _ in loaded.progress]
    totals = {t for _, t in loaded.progress}
    # then it counts up one step at a time to a total known from the start, one fact per step
    assert done == list(range(1, len(done) + 1))
    assert totals == {done[-1]} == {loaded.summary.facts}


def test_loading_into_a_store_that_has_facts_is_refused(loaded: Loaded) -> None:
    # given a store that already holds the demo
    before = loaded.app.log_position()
    # when the demo is loaded again
    with pytest.raises(DemoStoreNotEmpty) as refused:
        load_demo(loaded.env)
    # then it is refused in both languages, and nothing more was recorded
    assert str(refused.value).startswith(f"存储中已有 {before} 条事实")
    assert "The store already holds" in str(refused.value)
    assert loaded.app.log_position() == before


def test_the_demo_tells_the_same_story_every_time(loaded: Loaded, tmp_path: Path) -> None:
    # given a second load into a fresh store, for the same day
    env = sqlite_env(tmp_path)
    load_demo(env, today=loaded.today)
    # then the same kinds of facts happened at the same moments, in the same order
    again = read_log(env)
    assert [(t, f.occurred_at) for t, f in again] == [(t, f.occurred_at) for t, f in loaded.log]


@time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI), tick=False)
def test_the_demo_story_cannot_end_in_the_future(tmp_path: Path) -> None:
    # given an empty store, late on 30 November in Shanghai (still the 30th in UTC)
    env = sqlite_env(tmp_path)
    # when the demo is asked to end on a day that has not begun in UTC, then it refuses before recording anything
    with pytest.raises(ValueError, match="future"):
        load_demo(env, today=date(2026, 12, 1))
    assert read_log(env) == []


def test_the_coordinators_dashboard_shows_every_showcase_situation(loaded: Loaded) -> None:
    # given the views of the demo store, caught up
    models = ReadModels(loaded.app, loaded.settings)
    try:
        models.catch_up()
        # when the coordinator's dashboard is drawn on the day the story ends
        board = models.dashboard(now=loaded.now)
        corrected = models.timeline(loaded.summary.corrected_family_id)
        compartment = models.timeline(loaded.summary.compartment_family_id)
        uncleared = models.timeline(loaded.summary.compartment_family_id, include_sensitive=False)
    finally:
        models.close()
    demo = loaded.summary
    rows = {UUID(row.family_id): row for row in board.families}
    # then a family is on the cliff, one is uncovered, one is quiet
    assert demo.cliff_family_id in {UUID(r.family_id) for r in board.cliff}
    assert demo.uncovered_family_id in {UUID(r.family_id) for r in board.uncovered}
    assert demo.quiet_family_id in {UUID(r.family_id) for r in board.quiet}
    # and one handover is planned with no joint visit yet, another has had a joint visit and the family's word
    planned, under_way = rows[demo.planned_family_id].handover, rows[demo.joint_visits_family_id].handover
    assert planned is not None and planned.joint_visits == 0
    assert under_way is not None and under_way.joint_visits >= 1 and under_way.family_agreed
    # and a handover completed without a joint visit, saying why
    assert [h for h in board.without_joint_visit if h.reason]
    # and the corrected family's record shows an amendment and a retraction
    actions = {c.action for entry in corrected.entries for c in entry.corrections}
    assert {"amend", "retract"} <= actions
    # and the compartment record is there for the cleared, and not for the uncleared
    assert [e for e in compartment.entries if e.sensitive]
    assert not [e for e in uncleared.entries if e.sensitive]
