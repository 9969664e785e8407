"""Every kind of rejected command raises its own error and leaves the log exactly as it was."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from domain import Actor, DomainError, InvalidInput, Peiban, rules
from domain.errors import (
    CohortNotFound,
    Conflict,
    FactNotFound,
    FamilyNotFound,
    HandoverNotFound,
    NotFound,
    NotYourEntry,
    PromiseNotFound,
    RuleBroken,
    VolunteerNotFound,
)
from domain.family_base import promise_ids
from tests.builders import Scene, StepClock, family_profile, memory_app, message, scene, visit
from tests.domain.story import complete_handover, joint_visit, plan_handover, volunteer_with_status

Command = Callable[[], object]


@dataclass(frozen=True)
class Rejection:
    """A scene prepared by ``given`` (recorded before we look at the log), then a command that must fail."""

    name: str
    error: type[DomainError]
    given: Callable[[Scene], Command]


def case(error: type[DomainError]) -> Callable[[Callable[[Scene], Command]], Rejection]:
    def register(given: Callable[[Scene], Command]) -> Rejection:
        return Rejection(given.__name__, error, given)

    return register


# ---- InvalidInput -------------------------------------------------------------------------------


@case(InvalidInput)
def a_visit_with_bad_fields(s: Scene) -> Command:
    return lambda: s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(duration_minutes=0))


@case(InvalidInput)
def a_visit_in_the_future(s: Scene) -> Command:
    return lambda: s.app.log_visit(
        s.fid,
        volunteer_ids=[s.lead],
        occurred_at=s.clock.now + timedelta(minutes=6),
        recorded_by=Actor("v1"),
        **visit(),
    )


@case(InvalidInput)
def an_enrolment_without_a_child(s: Scene) -> Command:
    return lambda: s.app.enrol_family(recorded_by=Actor("coord"), **family_profile(household=[]))


@case(InvalidInput)
def a_cohort_ending_before_its_intake(s: Scene) -> Command:
    return lambda: s.app.open_cohort(
        name="x", intake_on=date(2025, 9, 1), expected_end_on=date(2025, 1, 1), recorded_by=Actor("coord")
    )


@case(InvalidInput)
def a_malformed_family_id(s: Scene) -> Command:
    return lambda: s.app.close_family("42", reason="r", recorded_by=Actor("coord"))


@case(InvalidInput)
def an_amendment_of_who_was_there(s: Scene) -> Command:
    visit_id = s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit())
    return lambda: s.app.amend_fact(
        s.fid, target_event_id=visit_id, changes={"volunteer_ids": []}, reason="r", recorded_by=Actor("v1")
    )


# ---- NotFound -----------------------------------------------------------------------------------


@case(FamilyNotFound)
def an_unknown_family(s: Scene) -> Command:
    return lambda: s.app.log_visit(uuid4(), volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit())


@case(VolunteerNotFound)
def an_unknown_volunteer(s: Scene) -> Command:
    return lambda: s.app.assign_volunteer(s.fid, volunteer_id=uuid4(), role="co", recorded_by=Actor("coord"))


@case(CohortNotFound)
def an_unknown_cohort(s: Scene) -> Command:
    return lambda: s.app.register_volunteer(cohort_id=uuid4(), name="n", contact="c", recorded_by=Actor("coord"))


@case(HandoverNotFound)
def an_unknown_handover(s: Scene) -> Command:
    return lambda: s.app.cancel_handover(s.fid, handover_id=uuid4(), reason="r", recorded_by=Actor("coord"))


@case(FactNotFound)
def a_correction_of_an_unknown_fact(s: Scene) -> Command:
    return lambda: s.app.retract_fact(s.fid, target_event_id=uuid4(), reason="r", recorded_by=Actor("coord"))


@case(FactNotFound)
def a_correction_through_another_family(s: Scene) -> Command:
    visit_id = s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit())
    other = s.app.enrol_family(recorded_by=Actor("coord"), **family_profile())
    return lambda: s.app.retract_fact(other, target_event_id=visit_id, reason="r", recorded_by=Actor("coord"))


@case(FactNotFound)
def a_referral_for_an_unknown_concern(s: Scene) -> Command:
    return lambda: s.app.make_referral(
        s.fid, concern_id=uuid4(), service_line="shelter", reason="r", recorded_by=Actor("sw")
    )


# ---- RuleBroken: one case for every rule --------------------------------------------------------


@case(rules.LeadAlreadyAssigned)
def a_second_lead(s: Scene) -> Command:
    return lambda: s.app.assign_volunteer(s.fid, volunteer_id=s.volunteers[1], role="lead", recorded_by=Actor("coord"))


@case(rules.AlreadyAssigned)
def assigning_the_same_volunteer_twice(s: Scene) -> Command:
    return lambda: s.app.assign_volunteer(s.fid, volunteer_id=s.lead, role="co", recorded_by=Actor("coord"))


@case(rules.NotAssigned)
def unassigning_a_volunteer_not_on_the_family(s: Scene) -> Command:
    return lambda: s.app.unassign_volunteer(s.fid, volunteer_id=s.volunteers[1], reason="r", recorded_by=Actor("coord"))


@case(rules.NotAssigned)
def a_handover_from_a_volunteer_not_on_the_family(s: Scene) -> Command:
    third = s.volunteer("第三位")
    return lambda: plan_handover(s, outgoing=s.volunteers[1], incoming=third)


@case(rules.VolunteerNotActive)
def assigning_a_departed_volunteer(s: Scene) -> Command:
    departed = volunteer_with_status(s, "departed")
    return lambda: s.app.assign_volunteer(s.fid, volunteer_id=departed, role="co", recorded_by=Actor("coord"))


@case(rules.VolunteerNotActive)
def handing_over_to_a_registered_volunteer(s: Scene) -> Command:
    recruit = volunteer_with_status(s, "registered")
    return lambda: plan_handover(s, incoming=recruit)


@case(rules.VolunteerNotOnFamily)
def a_visit_by_a_volunteer_not_on_the_family(s: Scene) -> Command:
    return lambda: s.app.log_visit(s.fid, volunteer_ids=[s.volunteers[1]], recorded_by=Actor("v2"), **visit())


@case(rules.NotAnAlumniContact)
def a_message_from_a_stranger(s: Scene) -> Command:
    return lambda: s.app.log_message(s.fid, volunteer_id=s.volunteers[1], recorded_by=Actor("v2"), **message())


@case(rules.FamilyClosed)
def a_visit_to_a_closed_family(s: Scene) -> Command:
    s.app.close_family(s.fid, reason="r", recorded_by=Actor("coord"))
    return lambda: s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit())


@case(rules.FamilyAlreadyClosed)
def closing_a_closed_family(s: Scene) -> Command:
    s.app.close_family(s.fid, reason="r", recorded_by=Actor("coord"))
    return lambda: s.app.close_family(s.fid, reason="r", recorded_by=Actor("coord"))


@case(rules.FamilyNotClosed)
def reopening_an_open_family(s: Scene) -> Command:
    return lambda: s.app.reopen_family(s.fid, reason="r", recorded_by=Actor("coord"))


@case(rules.HandoverAlreadyOpen)
def a_second_open_handover(s: Scene) -> Command:
    plan_handover(s)
    third = s.volunteer("第三位")
    return lambda: plan_handover(s, incoming=third)


@case(rules.HandoverNotOpen)
def completing_a_cancelled_handover(s: Scene) -> Command:
    handover_id = plan_handover(s)
    s.app.cancel_handover(s.fid, handover_id=handover_id, reason="r", recorded_by=Actor("coord"))
    return lambda: complete_handover(s, handover_id, no_joint_visit_reason="r")


@case(rules.HandoverSameVolunteer)
def a_handover_to_oneself(s: Scene) -> Command:
    return lambda: plan_handover(s, outgoing=s.lead, incoming=s.lead)


@case(rules.HandoverNeedsJointVisit)
def a_handover_without_a_joint_visit(s: Scene) -> Command:
    handover_id = plan_handover(s)
    return lambda: complete_handover(s, handover_id)


@case(rules.FactAlreadyRetracted)
def amending_a_retracted_visit(s: Scene) -> Command:
    visit_id = joint_visit(s, s.lead)
    s.app.retract_fact(s.fid, target_event_id=visit_id, reason="r", recorded_by=Actor("coord"))
    return lambda: s.app.amend_fact(
        s.fid, target_event_id=visit_id, changes={"summary": "x"}, reason="r", recorded_by=Actor("coord")
    )


@case(rules.FactNotCorrectable)
def retracting_the_enrolment(s: Scene) -> Command:
    enrolment = s.app.family_facts(s.fid)[0].event_id
    return lambda: s.app.retract_fact(s.fid, target_event_id=enrolment, reason="r", recorded_by=Actor("coord"))


@case(rules.ConcernAlreadyResolved)
def resolving_a_concern_twice(s: Scene) -> Command:
    concern = s.app.raise_concern(s.fid, category="safety", level="high", summary="s", recorded_by=Actor("sw"))
    s.app.resolve_concern(s.fid, concern_id=concern, resolution="r", recorded_by=Actor("sw"))
    return lambda: s.app.resolve_concern(s.fid, concern_id=concern, resolution="r", recorded_by=Actor("sw"))


@case(rules.FollowUpAlreadyDone)
def completing_a_follow_up_twice(s: Scene) -> Command:
    follow_up = s.app.schedule_follow_up(s.fid, action="a", due_on=date(2025, 3, 9), recorded_by=Actor("sw"))
    s.app.complete_follow_up(s.fid, follow_up_id=follow_up, recorded_by=Actor("sw"))
    return lambda: s.app.complete_follow_up(s.fid, follow_up_id=follow_up, recorded_by=Actor("sw"))


def a_promise(s: Scene) -> tuple[object, object]:
    """A visit with one promise: the visit's id and the promise's."""
    visit_id = s.app.log_visit(
        s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(follow_ups_promised=["下次带绘本"])
    )
    return visit_id, promise_ids(visit_id, ["下次带绘本"])[0]


@case(rules.PromiseNotOpen)
def keeping_a_promise_already_let_go(s: Scene) -> Command:
    _visit, promise = a_promise(s)
    s.app.let_promise_go(s.fid, promise_id=promise, reason="孩子不再需要", recorded_by=Actor("v1"))
    return lambda: s.app.keep_promise(s.fid, promise_id=promise, recorded_by=Actor("v1"))


@case(rules.FactAlreadyRetracted)
def keeping_a_promise_of_a_retracted_visit(s: Scene) -> Command:
    visit_id, promise = a_promise(s)
    s.app.retract_fact(s.fid, target_event_id=visit_id, reason="记错了家庭", recorded_by=Actor("coord"))
    return lambda: s.app.keep_promise(s.fid, promise_id=promise, recorded_by=Actor("v1"))


@case(PromiseNotFound)
def keeping_a_promise_nobody_made(s: Scene) -> Command:
    a_promise(s)
    return lambda: s.app.keep_promise(s.fid, promise_id=uuid4(), recorded_by=Actor("v1"))


@case(InvalidInput)
def letting_a_promise_go_without_a_reason(s: Scene) -> Command:
    _visit, promise = a_promise(s)
    return lambda: s.app.let_promise_go(s.fid, promise_id=promise, reason=" ", recorded_by=Actor("v1"))


@case(InvalidInput)
def keeping_a_promise_before_it_was_made(s: Scene) -> Command:
    _visit, promise = a_promise(s)
    return lambda: s.app.keep_promise(
        s.fid, promise_id=promise, occurred_at=s.clock.now - timedelta(days=30), recorded_by=Actor("v1")
    )


@case(NotYourEntry)
def correcting_someone_elses_entry(s: Scene) -> Command:
    visit_id = s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("coord"), **visit())
    return lambda: s.app.retract_fact(s.fid, target_event_id=visit_id, reason="r", recorded_by=Actor("v1"), author="v1")


@case(rules.CohortClosed)
def registering_in_a_closed_cohort(s: Scene) -> Command:
    s.app.close_cohort(s.cohort, recorded_by=Actor("coord"))
    return lambda: s.app.register_volunteer(cohort_id=s.cohort, name="n", contact="c", recorded_by=Actor("coord"))


@case(rules.CohortAlreadyClosed)
def closing_a_closed_cohort(s: Scene) -> Command:
    s.app.close_cohort(s.cohort, recorded_by=Actor("coord"))
    return lambda: s.app.close_cohort(s.cohort, recorded_by=Actor("coord"))


@case(rules.VolunteerStatusRule)
def activating_an_active_volunteer(s: Scene) -> Command:
    return lambda: s.app.activate_volunteer(s.lead, recorded_by=Actor("coord"))


@case(rules.AlumniChoiceUnchanged)
def opting_out_without_opting_in(s: Scene) -> Command:
    return lambda: s.app.set_alumni_contact(s.lead, opted_in=False, recorded_by=Actor("v1"))


REJECTIONS = [value for value in list(globals().values()) if isinstance(value, Rejection)]


@pytest.mark.parametrize("rejection", REJECTIONS, ids=lambda r: r.name)
def test_a_rejected_command_raises_its_error_and_records_nothing(world: Scene, rejection: Rejection) -> None:
    # given the scene the case needs
    command = rejection.given(world)
    world.later(hours=1)
    position = world.app.log_position()
    # when the command is tried, then it raises exactly the expected kind of error
    with pytest.raises(rejection.error) as refused:
        command()
    assert type(refused.value) is rejection.error  # its wording in both languages: tests/web/test_messages.py
    # and the log has not moved
    assert world.app.log_position() == position
    # nor has any aggregate a command keeps in memory: each equals a fresh fold of the log
    assert_cache_is_the_log(world.app)


def assert_cache_is_the_log(app: Peiban) -> None:
    """Every aggregate in the app's cache (commands change it in place, ``domain.repository``) equals the same
    aggregate folded afresh from the stored facts."""
    cached_ids = list(app.repository.cache.cache) if app.repository.cache else []
    assert cached_ids, "the scene's aggregates are cached"
    for aggregate_id in cached_ids:
        cached, fresh = app.repository.get(aggregate_id), app.repository.get(aggregate_id, version=sys.maxsize)
        assert vars(cached) == vars(fresh), aggregate_id


def test_the_table_covers_every_rule_and_every_kind_of_not_found() -> None:
    defined_in_rules = {
        cls for _, cls in inspect.getmembers(rules, inspect.isclass) if cls.__module__ == rules.__name__
    }
    assert all(issubclass(cls, RuleBroken) for cls in defined_in_rules)
    covered = {r.error for r in REJECTIONS}
    assert defined_in_rules <= covered
    assert {
        FamilyNotFound,
        VolunteerNotFound,
        CohortNotFound,
        HandoverNotFound,
        FactNotFound,
        PromiseNotFound,
    } <= covered
    assert all(issubclass(e, (InvalidInput, NotFound, RuleBroken)) for e in covered)


class RacingClock(StepClock):
    """A clock that, the next time a command reads it, lets someone else write to the family first."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Command | None = None

    def __call__(self) -> datetime:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return self.now


def a_scene_with_a_racing_clock(retries: int) -> tuple[Peiban, Scene, RacingClock]:
    clock = RacingClock()
    app = memory_app(clock, retries=retries)
    return app, scene(app, clock), clock


def test_a_command_that_loses_a_race_and_may_not_retry_is_a_conflict_and_records_nothing() -> None:
    # given someone else writes to the family between our command loading it and saving
    app, s, clock = a_scene_with_a_racing_clock(retries=0)
    moment = clock.now - timedelta(hours=1)
    position = app.log_position()
    clock.meanwhile = lambda: app.log_message(
        s.fid, volunteer_id=s.lead, occurred_at=moment, recorded_by=Actor("other"), **message()
    )
    # when our visit is logged with no retries allowed
    with pytest.raises(Conflict):
        app.log_visit(s.fid, volunteer_ids=[s.lead], occurred_at=moment, recorded_by=Actor("v1"), **visit())
    # then only the other writer's fact was recorded
    assert app.log_position() == position + 1
    assert [type(f).__name__ for f in app.family_facts(s.fid)][-1] == "MessageLogged"
    # and the family the command changed in memory before its save was refused is not kept
    assert_cache_is_the_log(app)
    app.close()


def test_a_command_that_loses_a_race_decides_again_on_fresh_state() -> None:
    app, s, clock = a_scene_with_a_racing_clock(retries=1)
    moment = clock.now - timedelta(hours=1)
    position = app.log_position()
    clock.meanwhile = lambda: app.log_message(
        s.fid, volunteer_id=s.lead, occurred_at=moment, recorded_by=Actor("other"), **message()
    )
    app.log_visit(s.fid, volunteer_ids=[s.lead], occurred_at=moment, recorded_by=Actor("v1"), **visit())
    assert app.log_position() == position + 2
    assert [type(f).__name__ for f in app.family_facts(s.fid)][-2:] == ["MessageLogged", "VisitLogged"]
    assert_cache_is_the_log(app)
    app.close()
