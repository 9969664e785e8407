"""Every fact says who recorded it, when it was recorded, and when it happened (aware, in UTC, not future)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from domain import Actor, InvalidInput, Peiban
from domain.actor import DEPARTURE_POLICY
from tests.builders import Scene, message, visit
from tests.domain.story import facts, fields_in_error, joint_visit, last_fact, plan_handover

SHANGHAI = timezone(timedelta(hours=8))


def log_visit_at(s: Scene, occurred_at: Any) -> UUID:
    return s.app.log_visit(s.fid, volunteer_ids=[s.lead], occurred_at=occurred_at, recorded_by=Actor("v1"), **visit())


@pytest.mark.parametrize("ahead", [timedelta(minutes=4), timedelta(minutes=5)], ids=["4 min", "5 min"])
def test_a_phone_clock_a_few_minutes_fast_is_tolerated(world: Scene, ahead: timedelta) -> None:
    log_visit_at(world, world.clock.now + ahead)
    assert last_fact(world.app, world.fid).occurred_at == world.clock.now + ahead


def test_a_visit_in_the_future_is_refused(world: Scene) -> None:
    position = world.app.log_position()
    with pytest.raises(InvalidInput) as refused:
        log_visit_at(world, world.clock.now + timedelta(minutes=6))
    assert fields_in_error(refused.value) == {"occurred_at": ["future"]}
    assert world.app.log_position() == position


@pytest.mark.parametrize(
    "occurred_at", [datetime(2025, 3, 2, 8, 0), "2025-03-02T08:00:00+08:00", date(2025, 3, 2)], ids=repr
)
def test_a_time_without_a_time_zone_is_refused(world: Scene, occurred_at: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        log_visit_at(world, occurred_at)
    assert fields_in_error(refused.value) == {"occurred_at": ["aware"]}


def test_a_time_given_in_shanghai_is_stored_in_utc(world: Scene) -> None:
    # given a visit at 16:00 Shanghai time, i.e. 08:00 UTC, earlier today (the scene's clock says 11:00 UTC)
    local = datetime(2025, 3, 2, 16, 0, tzinfo=SHANGHAI)
    # when it is logged
    log_visit_at(world, local)
    # then the stored fact says 08:00 UTC, the same instant
    stored = last_fact(world.app, world.fid).occurred_at
    assert stored == local
    assert stored.tzinfo is UTC
    assert (stored.hour, stored.minute) == (8, 0)


def test_nothing_happens_to_a_family_before_it_was_enrolled(world: Scene) -> None:
    enrolled_at = world.app.get_family(world.fid).enrolled_at
    with pytest.raises(InvalidInput) as refused:
        log_visit_at(world, enrolled_at - timedelta(minutes=1))
    assert fields_in_error(refused.value) == {"occurred_at": ["too_early"]}


def test_an_omitted_occurred_at_means_now(world: Scene) -> None:
    world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    logged = last_fact(world.app, world.fid)
    assert logged.occurred_at == logged.recorded_at == world.clock.now


def test_every_command_needs_to_know_who_records_it(world: Scene) -> None:
    position = world.app.log_position()
    # an actor without a name is refused where it is made, at the edge
    with pytest.raises(InvalidInput) as refused:
        Actor(" ")
    assert fields_in_error(refused.value) == {"recorded_by": ["blank"]}
    with pytest.raises(InvalidInput) as refused:
        Actor("x" * 101)
    assert fields_in_error(refused.value) == {"recorded_by": ["too_long"]}
    # and a command given no actor at all records nothing
    with pytest.raises(InvalidInput) as refused:
        world.app.announce_departure(world.lead, expected_on=date(2025, 7, 1), recorded_by=None)  # type: ignore[arg-type]
    assert fields_in_error(refused.value) == {"recorded_by": ["required"]}
    assert world.app.log_position() == position


def test_the_actor_is_stored_as_the_same_text_as_before_it_was_typed(world: Scene) -> None:
    # when a fact is recorded by an actor (its name trimmed where it is made)
    world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor(" 王义工 "), **visit())
    # then the stored fact holds the name as plain text, exactly as facts stored before held it
    stored = world.app.recorder.select_notifications(world.app.log_position(), 1)[0]
    state = json.loads(stored.state)
    assert state["recorded_by"] == "王义工"
    # and a fact read back gives that text, and a system actor's name is kept as it always was
    assert last_fact(world.app, world.fid).recorded_by == "王义工"
    assert str(DEPARTURE_POLICY) == DEPARTURE_POLICY.name == "system:departure"


def story(s: Scene) -> list[tuple[str, Callable[[], object]]]:
    """One command of each kind about the scene's family, each written up a day after it happened."""
    app, fid, lead, newcomer = s.app, s.fid, s.lead, s.volunteers[1]

    def yesterday() -> datetime:
        return s.clock.now - timedelta(days=1)

    handover: list[UUID] = []
    concern: list[UUID] = []
    follow_up: list[UUID] = []

    def keep(ids: list[UUID], fact_id: UUID) -> UUID:
        ids.append(fact_id)
        return fact_id

    return [
        (
            "ProfileUpdated",
            lambda: app.update_family_profile(fid, changes={"community": "城西"}, recorded_by=Actor("u1")),
        ),
        (
            "ConsentRecorded",
            lambda: app.record_consent(
                fid,
                consent={"guardian_relation": "grandmother", "scopes": ["photos"], "given_on": date(2025, 3, 1)},
                recorded_by=Actor("u2"),
            ),
        ),
        ("ConsentWithdrawn", lambda: app.withdraw_consent(fid, scopes=["photos"], reason="r", recorded_by=Actor("u3"))),
        ("VisitLogged", lambda: log_visit_at(s, yesterday())),
        ("MessageLogged", lambda: app.log_message(fid, volunteer_id=lead, recorded_by=Actor("u5"), **message())),
        ("HandoverPlanned", lambda: keep(handover, plan_handover(s))),
        ("HandoverAgreed", lambda: app.record_family_agreement(fid, handover_id=handover[0], recorded_by=Actor("u7"))),
        ("VisitLogged", lambda: joint_visit(s)),
        (
            "HandoverCompleted",
            lambda: app.complete_handover(fid, handover_id=handover[0], keep_in_touch=True, recorded_by=Actor("u9")),
        ),
        (
            "ConcernRaised",
            lambda: keep(
                concern, app.raise_concern(fid, category="health", level="low", summary="s", recorded_by=Actor("u10"))
            ),
        ),
        (
            "ReferralMade",
            lambda: app.make_referral(
                fid, concern_id=concern[0], service_line="youth_centre", reason="r", recorded_by=Actor("u11")
            ),
        ),
        (
            "ConcernResolved",
            lambda: app.resolve_concern(fid, concern_id=concern[0], resolution="r", recorded_by=Actor("u12")),
        ),
        (
            "FollowUpScheduled",
            lambda: keep(
                follow_up,
                app.schedule_follow_up(
                    fid, action="a", due_on=date(2025, 4, 1), volunteer_id=newcomer, recorded_by=Actor("u13")
                ),
            ),
        ),
        ("FollowUpDone", lambda: app.complete_follow_up(fid, follow_up_id=follow_up[0], recorded_by=Actor("u14"))),
        (
            "FactAmended",
            lambda: app.amend_fact(
                fid, target_event_id=follow_up[0], changes={"action": "b"}, reason="r", recorded_by=Actor("u15")
            ),
        ),
        (
            "FactRetracted",
            lambda: app.retract_fact(fid, target_event_id=follow_up[0], reason="r", recorded_by=Actor("u16")),
        ),
        (
            "VolunteerUnassigned",
            lambda: app.unassign_volunteer(fid, volunteer_id=newcomer, reason="r", recorded_by=Actor("u17")),
        ),
        (
            "VolunteerAssigned",
            lambda: app.assign_volunteer(fid, volunteer_id=newcomer, role="lead", recorded_by=Actor("u18")),
        ),
        ("Closed", lambda: app.close_family(fid, reason="r", recorded_by=Actor("u19"))),
        ("Reopened", lambda: app.reopen_family(fid, reason="r", recorded_by=Actor("u20"))),
    ]


def test_every_fact_records_who_when_recorded_and_when_it_happened(world: Scene) -> None:
    # given one command of each kind, each run on its own day
    before = len(facts(world.app, world.fid))
    expected: list[tuple[str, datetime]] = []
    returned: list[object] = []
    for kind, command in story(world):
        world.later(days=1)
        returned.append(command())
        expected.append((kind, world.clock.now))
    # then each fact is of the expected kind, stamped with the clock when it was recorded
    recorded = facts(world.app, world.fid)[before:]
    assert [(type(f).__name__, f.recorded_at) for f in recorded] == expected
    assert all(f.timestamp == f.recorded_at for f in recorded)
    # and names who recorded it and when it happened, an aware UTC moment no later than its recording
    assert all(f.recorded_by for f in recorded)
    assert all(f.occurred_at.tzinfo is UTC and f.occurred_at <= f.recorded_at for f in recorded)
    assert recorded[3].occurred_at == recorded[3].recorded_at - timedelta(days=1)
    # and every command returned the id of the fact it recorded
    assert returned == [f.event_id for f in recorded]


def test_people_facts_record_who_and_when_too(app: Peiban) -> None:
    clock = app.clock
    cohort = app.open_cohort(
        name="2025级", intake_on=date(2025, 9, 1), expected_end_on=date(2027, 1, 31), recorded_by=Actor("coord")
    )
    vid = app.register_volunteer(cohort_id=cohort, name="小李", contact="x", recorded_by=Actor("coord"))
    app.activate_volunteer(vid, recorded_by=Actor("coord"))
    for fact in [*app.events.get(cohort), *app.events.get(vid)]:
        assert (fact.recorded_by, fact.recorded_at, fact.occurred_at) == ("coord", clock(), clock())
