"""Volunteers: registered in a cohort, activated, departing, departed, and alumni if they wish."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain import Actor, InvalidInput, Peiban
from domain.aggregate import Entry
from domain.errors import VolunteerNotFound
from domain.rules import AlumniChoiceUnchanged, VolunteerStatusRule
from domain.values import DepartureReason, VolunteerStatus
from domain.volunteer import Volunteer, VolunteerAction
from tests.builders import START, Scene, StepClock
from tests.domain.story import fields_in_error, last_fact, volunteer_with_status


@pytest.fixture
def cohort(app: Peiban) -> UUID:
    return app.open_cohort(
        name="2024级", intake_on=date(2024, 9, 1), expected_end_on=date(2026, 1, 31), recorded_by=Actor("coord")
    )


def register(app: Peiban, cohort: UUID) -> UUID:
    return app.register_volunteer(
        cohort_id=cohort,
        name="小张",
        contact="wechat:zhang",
        school="师范大学",
        major="社会工作",
        recorded_by=Actor("coord"),
    )


def test_registering_records_who_the_volunteer_is(app: Peiban, clock: StepClock, cohort: UUID) -> None:
    # when a coordinator registers a recruit
    vid = register(app, cohort)
    # then the fact holds the profile and the cohort, and who recorded it when
    registered = last_fact(app, vid)
    assert isinstance(registered, Volunteer.Registered)
    assert (registered.name, registered.contact, registered.school, registered.major) == (
        "小张",
        "wechat:zhang",
        "师范大学",
        "社会工作",
    )
    assert registered.cohort_id == cohort
    assert (registered.recorded_by, registered.recorded_at, registered.occurred_at) == ("coord", clock.now, clock.now)
    # and the recruit is registered, not yet active
    assert app.get_volunteer(vid).status is VolunteerStatus.REGISTERED


def test_a_volunteer_needs_a_name_and_a_contact(app: Peiban, cohort: UUID) -> None:
    position = app.log_position()
    with pytest.raises(InvalidInput) as refused:
        app.register_volunteer(cohort_id=cohort, name="", contact=None, school="x" * 101, recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"name": ["blank"], "contact": ["blank"], "school": ["too_long"]}
    assert app.log_position() == position


def test_activating_puts_a_registered_volunteer_on_duty(app: Peiban, clock: StepClock, cohort: UUID) -> None:
    vid = register(app, cohort)
    clock.advance(days=3)
    app.activate_volunteer(vid, recorded_by=Actor("coord"))
    activated = last_fact(app, vid)
    assert isinstance(activated, Volunteer.Activated)
    assert (activated.recorded_by, activated.recorded_at) == ("coord", clock.now)
    assert app.get_volunteer(vid).status is VolunteerStatus.ACTIVE


def test_a_volunteer_cannot_be_activated_twice(app: Peiban, cohort: UUID) -> None:
    vid = register(app, cohort)
    app.activate_volunteer(vid, recorded_by=Actor("coord"))
    with pytest.raises(VolunteerStatusRule) as refused:
        app.activate_volunteer(vid, recorded_by=Actor("coord"))
    assert refused.value.params == {"status": VolunteerStatus.ACTIVE, "action": VolunteerAction.ACTIVATE}


def test_announcing_a_departure_makes_the_volunteer_departing(world: Scene) -> None:
    world.app.announce_departure(world.lead, expected_on=date(2025, 7, 1), recorded_by=Actor("coord"))
    announced = last_fact(world.app, world.lead)
    assert isinstance(announced, Volunteer.DepartureAnnounced)
    assert announced.expected_on == date(2025, 7, 1)
    volunteer = world.app.get_volunteer(world.lead)
    assert (volunteer.status, volunteer.expected_departure_on) == (VolunteerStatus.DEPARTING, date(2025, 7, 1))


@pytest.mark.parametrize("status", ["registered", "departing", "departed"])
def test_only_an_active_volunteer_can_announce_a_departure(world: Scene, status: str) -> None:
    vid = volunteer_with_status(world, status)
    with pytest.raises(VolunteerStatusRule):
        world.app.announce_departure(vid, expected_on=date(2025, 7, 1), recorded_by=Actor("coord"))


def test_a_departure_needs_an_expected_date(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.announce_departure(world.lead, expected_on="2025-07-01", recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"expected_on": ["date"]}


@pytest.mark.parametrize("status", ["registered", "active", "departing"])
def test_a_volunteer_can_depart_from_any_status_but_departed(world: Scene, status: str) -> None:
    # given a volunteer who is registered, active or departing
    vid = volunteer_with_status(world, status)
    left_at = world.later(days=1)
    world.later(days=2)
    # when their departure is recorded (written up a little later)
    world.app.record_departure(vid, reason="withdrew", occurred_at=left_at, recorded_by=Actor("coord"))
    # then the fact holds the reason and the volunteer has left at that moment
    departed = last_fact(world.app, vid)
    assert isinstance(departed, Volunteer.Departed)
    assert departed.reason is DepartureReason.WITHDREW
    volunteer = world.app.get_volunteer(vid)
    assert (volunteer.status, volunteer.departed_at, volunteer.departure_reason) == (
        VolunteerStatus.DEPARTED,
        left_at,
        DepartureReason.WITHDREW,
    )


def test_a_departed_volunteer_cannot_depart_again_nor_be_activated(world: Scene) -> None:
    vid = volunteer_with_status(world, "departed")
    position = world.app.log_position()
    with pytest.raises(VolunteerStatusRule):
        world.app.record_departure(vid, reason="graduated", recorded_by=Actor("coord"))
    with pytest.raises(VolunteerStatusRule):
        world.app.activate_volunteer(vid, recorded_by=Actor("coord"))
    assert world.app.log_position() == position


def test_a_departure_reason_must_be_a_known_one(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.record_departure(world.lead, reason="bored", recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"reason": ["choice"]}


def test_a_volunteer_change_cannot_predate_their_registration(app: Peiban, clock: StepClock, cohort: UUID) -> None:
    vid = register(app, cohort)
    with pytest.raises(InvalidInput) as refused:
        app.activate_volunteer(vid, occurred_at=START - timedelta(days=1), recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"occurred_at": ["too_early"]}


def test_opting_in_and_out_of_alumni_contact_is_recorded(world: Scene) -> None:
    app = world.app
    app.set_alumni_contact(world.lead, opted_in=True, recorded_by=Actor("v1"))
    assert isinstance(last_fact(app, world.lead), Volunteer.AlumniContactOptedIn)
    assert app.get_volunteer(world.lead).alumni_opted_in
    app.set_alumni_contact(world.lead, opted_in=False, recorded_by=Actor("v1"))
    assert isinstance(last_fact(app, world.lead), Volunteer.AlumniContactOptedOut)
    assert not app.get_volunteer(world.lead).alumni_opted_in


@pytest.mark.parametrize("opted_in", [True, False], ids=["in twice", "out without in"])
def test_making_the_same_alumni_choice_again_is_refused(world: Scene, opted_in: bool) -> None:
    if opted_in:
        world.app.set_alumni_contact(world.lead, opted_in=True, recorded_by=Actor("v1"))
    position = world.app.log_position()
    with pytest.raises(AlumniChoiceUnchanged):
        world.app.set_alumni_contact(world.lead, opted_in=opted_in, recorded_by=Actor("v1"))
    assert world.app.log_position() == position


def test_a_departed_volunteer_can_still_opt_in_as_alumni(world: Scene) -> None:
    vid = volunteer_with_status(world, "departed")
    world.app.set_alumni_contact(vid, opted_in=True, recorded_by=Actor("coord"))
    assert world.app.get_volunteer(vid).alumni_opted_in


def test_an_unknown_volunteer_is_not_found(world: Scene) -> None:
    with pytest.raises(VolunteerNotFound):
        world.app.activate_volunteer(uuid4(), recorded_by=Actor("coord"))
    with pytest.raises(VolunteerNotFound):
        world.app.activate_volunteer(world.fid, recorded_by=Actor("coord"))  # a family is not a volunteer


def test_a_volunteers_life_as_aggregate_commands(clock: StepClock) -> None:
    # given a volunteer registered directly on the aggregate
    volunteer = Volunteer.register(Entry(Actor("coord"), START, START), name="小王", cohort_id=uuid4(), contact="sms:1")
    # when they are activated, announce their departure and leave, each a day apart
    volunteer.activate(Entry(Actor("coord"), START, clock.advance(days=1)))
    volunteer.announce_departure(Entry(Actor("coord"), clock.now, clock.advance(days=1)), expected_on=date(2025, 6, 30))
    volunteer.depart(Entry(Actor("coord"), clock.now, clock.advance(days=1)), reason="graduated")
    # then the facts are in order, stamped with the moment each was recorded
    pending = volunteer.collect_events()
    assert [type(e).__name__ for e in pending] == ["Registered", "Activated", "DepartureAnnounced", "Departed"]
    assert [e.recorded_at for e in pending] == [START + timedelta(days=d) for d in range(4)]
    assert volunteer.standing.status is VolunteerStatus.DEPARTED
    assert volunteer.standing.departed_at == START + timedelta(days=2)
