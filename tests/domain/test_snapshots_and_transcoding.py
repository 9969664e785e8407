"""What is stored comes back the same: snapshots of long families, value types, and stable topics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic, resolve_topic

from domain import Actor, Peiban, StoreSettings
from domain.aggregate import PeibanAggregate
from domain.cohort import Cohort
from domain.family import Family
from domain.values import (
    Circumstance,
    ConcernLevel,
    ConsentScope,
    DepartureReason,
    GuardianConsent,
    HandoverState,
    HouseholdMember,
    Place,
    Relation,
    Role,
    ServiceLine,
    Wellbeing,
)
from domain.volunteer import Volunteer
from tests.builders import Scene, StepClock, message, scene, visit
from tests.domain.story import complete_handover, joint_visit, plan_handover

VISITS = 110


def sqlite_app(data_dir: Path, clock: StepClock) -> Peiban:
    return Peiban(StoreSettings(backend="sqlite", data_dir=data_dir).env(Peiban.name), clock=clock)


@pytest.fixture
def sqlite_scene(tmp_path: Path, clock: StepClock) -> Iterator[Scene]:
    app = sqlite_app(tmp_path, clock)
    yield scene(app, clock)
    app.close()


def a_rich_history(s: Scene) -> None:
    """Every kind of state a family keeps: profile, consent, handover, alumni, concerns, corrections."""
    app = s.app
    app.update_family_profile(
        s.fid,
        changes={"household": [{"relation": "child", "birth_year": 2015, "alias": "小林"}]},
        recorded_by=Actor("c"),
    )
    app.record_consent(
        s.fid,
        consent={"guardian_relation": "grandmother", "scopes": ["keep_in_touch"], "given_on": date(2025, 3, 1)},
        recorded_by=Actor("c"),
    )
    handover = plan_handover(s)
    s.later(days=1)
    joint_visit(s, wellbeing="good", service_line="youth_centre")
    complete_handover(s, handover, keep_in_touch=True)
    s.later(days=1)
    concern = app.raise_concern(
        s.fid, category="safety", level="urgent", service_line="shelter", summary="s", recorded_by=Actor("sw")
    )
    app.schedule_follow_up(s.fid, action="回访", due_on=date(2025, 4, 1), concern_id=concern, recorded_by=Actor("sw"))
    wrong = app.log_message(s.fid, volunteer_id=s.volunteers[1], recorded_by=Actor("v2"), **message())
    app.amend_fact(s.fid, target_event_id=wrong, changes={"channel": "phone"}, reason="r", recorded_by=Actor("v2"))
    app.retract_fact(s.fid, target_event_id=wrong, reason="r", recorded_by=Actor("v2"))


def many_visits(s: Scene, count: int) -> None:
    for i in range(count):
        s.later(hours=1)
        s.app.log_visit(s.fid, volunteer_ids=[s.volunteers[1]], recorded_by=Actor("v2"), **visit(summary=f"第{i}次"))


def replayed(app: Peiban, family_id: UUID) -> Family:
    """The family folded from every one of its stored facts, ignoring snapshots."""
    family = project_aggregate(None, app.events.get(family_id))
    assert isinstance(family, Family)
    return family


def test_a_long_family_reloads_the_same_from_a_snapshot_as_from_every_fact(world: Scene) -> None:
    # given a family with a rich history and more than a hundred facts
    assert Peiban.snapshotting_intervals == {Family: 100}
    a_rich_history(world)
    many_visits(world, VISITS)
    family = world.app.get_family(world.fid)
    assert family.version > 100
    # then a snapshot was taken at the hundredth fact
    [snapshot] = list(world.app.snapshots.get(world.fid))  # type: ignore[union-attr]
    assert snapshot.originator_version == 100
    # and the family loaded through it (past the cache) equals the family replayed from every fact
    through_snapshot: Family = world.app.repository.get(world.fid, version=family.version)
    assert through_snapshot == family == replayed(world.app, world.fid)
    assert family.roster.alumni and family.open_concerns and family.open_follow_ups


def test_a_long_family_survives_a_sqlite_file_and_a_restart(sqlite_scene: Scene, tmp_path: Path) -> None:
    # given a long family stored in a SQLite file, and the application closed
    s = sqlite_scene
    a_rich_history(s)
    many_visits(s, VISITS)
    before = s.app.get_family(s.fid)
    s.app.close()
    # when a new application opens the file
    reopened = sqlite_app(tmp_path, s.clock)
    # then the family loaded through its snapshot equals both the one before and a full replay
    assert reopened.get_family(s.fid) == before == replayed(reopened, s.fid)
    handover = before.roster.handovers[0]
    assert (handover.state, type(handover.planned_on), handover.family_agreed) == (HandoverState.COMPLETED, date, False)
    reopened.close()


def test_dates_enums_and_value_objects_round_trip_through_a_sqlite_file(sqlite_scene: Scene, tmp_path: Path) -> None:
    # given facts holding every kind of value, stored in a SQLite file
    s = sqlite_scene
    app = s.app
    app.log_visit(
        s.fid,
        volunteer_ids=[s.lead],
        recorded_by=Actor("v1"),
        **visit(place="school", wellbeing="worrying", activities=["a"]),
    )
    app.raise_concern(
        s.fid,
        category="emotional",
        level="high",
        service_line="anti_domestic_violence",
        summary="s",
        recorded_by=Actor("sw"),
    )
    app.schedule_follow_up(s.fid, action="a", due_on=date(2025, 3, 10), recorded_by=Actor("sw"))
    app.record_departure(s.volunteers[1], reason="graduated", recorded_by=Actor("coord"))
    stored_before = [*app.family_facts(s.fid), *app.events.get(s.volunteers[1]), *app.events.get(s.cohort)]
    app.close()
    # when they are read back by a new application
    reopened = sqlite_app(tmp_path, s.clock)
    family_facts = reopened.family_facts(s.fid)
    enrolled, _, visited, concern, follow_up = family_facts
    # then every value comes back with its own type
    assert enrolled.household[0] == HouseholdMember(Relation.CHILD, 2014, "小林")
    assert enrolled.circumstances == [Circumstance.LEFT_BEHIND, Circumstance.GRANDPARENT_CARER]
    assert isinstance(enrolled.consent, GuardianConsent)
    assert enrolled.consent.scopes == (ConsentScope.RECORDS, ConsentScope.HOME_VISITS)
    assert type(enrolled.consent.given_on) is date
    assert (visited.place, visited.wellbeing, visited.volunteer_ids) == (Place.SCHOOL, Wellbeing.WORRYING, [s.lead])
    assert isinstance(visited.volunteer_ids[0], UUID)
    assert (concern.level, concern.service_line) == (ConcernLevel.HIGH, ServiceLine.ANTI_DOMESTIC_VIOLENCE)
    assert type(follow_up.due_on) is date and follow_up.due_on == date(2025, 3, 10)
    assert family_facts[1].role is Role.LEAD
    departed = list(reopened.events.get(s.volunteers[1]))[-1]
    assert departed.reason is DepartureReason.GRADUATED
    opened = next(iter(reopened.events.get(s.cohort)))
    assert (type(opened.intake_on), opened.expected_end_on) == (date, date(2026, 1, 31))
    # and moments are aware UTC, equal to what was stored
    for fact in family_facts:
        assert isinstance(fact.occurred_at, datetime) and fact.occurred_at.tzinfo == UTC
        assert fact.recorded_at.tzinfo == UTC
    stored_after = [*family_facts, *reopened.events.get(s.volunteers[1]), *reopened.events.get(s.cohort)]
    assert stored_after == stored_before
    reopened.close()


def test_stored_topics_are_the_explicit_stable_names(sqlite_scene: Scene) -> None:
    # given a story touching every aggregate, snapshotted
    s = sqlite_scene
    a_rich_history(s)
    s.app.take_snapshot(s.fid)
    s.app.close_cohort(s.cohort, recorded_by=Actor("coord"))
    # when we read the topics stored in the notification log
    topics = {n.topic for n in s.app.recorder.select_notifications(None, 100)}
    # then they are the explicit names, free of module paths
    assert {"peiban.Family.VisitLogged", "peiban.Family.HandoverCompleted", "peiban.Volunteer.Activated"} <= topics
    assert {"peiban.Cohort.Opened", "peiban.Cohort.Closed", "peiban.Family.FactRetracted"} <= topics
    for topic in topics:
        assert topic.startswith("peiban.")
        assert ":" not in topic and "domain" not in topic
    # and so is the snapshot's, and the aggregate topic inside it
    [stored_snapshot] = s.app.snapshots.recorder.select_events(s.fid)  # type: ignore[union-attr]
    assert stored_snapshot.topic == "peiban.Family.Snapshot"
    [snapshot] = list(s.app.snapshots.get(s.fid))  # type: ignore[union-attr]
    assert snapshot.topic == "peiban.Family"


def test_every_fact_class_has_an_explicit_topic_that_resolves_to_it() -> None:
    for aggregate in (Family, Volunteer, Cohort):
        assert get_topic(aggregate) == f"peiban.{aggregate.__name__}"
        classes = [
            value
            for name, value in vars(aggregate).items()
            if isinstance(value, type) and issubclass(value, (PeibanAggregate.Event, Snapshot)) and name != "Event"
        ]  # ``Event`` is only the base of the aggregate's facts: never triggered, never stored
        assert len(classes) >= 3
        for cls in classes:
            topic = get_topic(cls)
            assert topic == f"peiban.{aggregate.__name__}.{cls.__name__}"
            assert resolve_topic(topic) is cls


#: Every topic a Family wrote before its facts were split by subject into mixins (``domain.family_*``).
FAMILY_TOPICS_BEFORE_THE_SPLIT = [
    "Created",
    "Enrolled",
    "ProfileUpdated",
    "ConsentRecorded",
    "ConsentWithdrawn",
    "Closed",
    "Erased",
    "Reopened",
    "VolunteerAssigned",
    "VolunteerUnassigned",
    "AssignmentEnded",
    "VisitLogged",
    "MessageLogged",
    "HandoverPlanned",
    "HandoverAgreed",
    "HandoverCompleted",
    "HandoverCancelled",
    "ConcernRaised",
    "ConcernResolved",
    "ReferralMade",
    "FollowUpScheduled",
    "FollowUpDone",
    "FactAmended",
    "FactRetracted",
    "Snapshot",
]
#: Facts a Family learned to record since (each resolves as the older ones do).
FAMILY_TOPICS_ADDED_SINCE = ["PromiseKept", "PromiseLetGo"]


def test_every_family_topic_stored_before_the_split_resolves_to_the_familys_own_class() -> None:
    # given the topics a Family stored when all its facts were declared in one class
    for name in FAMILY_TOPICS_BEFORE_THE_SPLIT + FAMILY_TOPICS_ADDED_SINCE:
        # when each is resolved
        cls = resolve_topic(f"peiban.Family.{name}")
        # then it is the class the Family triggers (not the mixin's declaration it was built from)
        assert cls is getattr(Family, name)
        assert cls.__qualname__ == f"Family.{name}" and cls.__module__ == "domain.family"
        if name != "Snapshot":
            assert issubclass(cls, Family.Event)
    facts = [n for n, v in vars(Family).items() if isinstance(v, type) and issubclass(v, PeibanAggregate.Event)]
    assert set(facts) - {"Event"} == set(FAMILY_TOPICS_BEFORE_THE_SPLIT + FAMILY_TOPICS_ADDED_SINCE) - {"Snapshot"}


def test_a_moment_stored_from_another_time_zone_reads_back_in_utc(sqlite_scene: Scene, tmp_path: Path) -> None:
    s = sqlite_scene
    local = (s.clock.now - timedelta(hours=2)).astimezone(timezone(timedelta(hours=8)))
    s.app.log_visit(s.fid, volunteer_ids=[s.lead], occurred_at=local, recorded_by=Actor("v1"), **visit())
    s.app.close()
    reopened = sqlite_app(tmp_path, s.clock)
    stored = reopened.family_facts(s.fid)[-1].occurred_at
    assert stored == local and stored.utcoffset() == timedelta(0)
    reopened.close()
