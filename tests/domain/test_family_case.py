"""A family's case: enrolment with guardian consent, its profile, closure and reopening."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain import Actor, InvalidInput, Peiban
from domain.errors import FamilyNotFound
from domain.family import Family
from domain.rules import (
    FamilyAlreadyClosed,
    FamilyClosed,
    FamilyNotClosed,
    HandoverAlreadyOpen,
    VolunteerNotOnFamily,
)
from domain.values import (
    Circumstance,
    ConsentScope,
    FamilyStatus,
    GuardianConsent,
    HouseholdMember,
    Relation,
)
from tests.builders import Scene, StepClock, family_profile, visit
from tests.domain.story import facts, fields_in_error, last_fact, plan_handover


def test_enrolling_records_the_household_and_the_guardians_consent(app: Peiban, clock: StepClock) -> None:
    # when a coordinator enrols a family
    fid = app.enrol_family(recorded_by=Actor("coord"), **family_profile())
    # then the enrolment holds value objects, not raw mappings
    enrolled = last_fact(app, fid)
    assert isinstance(enrolled, Family.Enrolled)
    assert (enrolled.display_name, enrolled.community, enrolled.referral_source) == ("林家", "城东社区", "学校老师")
    assert enrolled.household == [
        HouseholdMember(Relation.CHILD, 2014, "小林"),
        HouseholdMember(Relation.GRANDMOTHER, 1956, "林奶奶"),
    ]
    assert enrolled.circumstances == [Circumstance.LEFT_BEHIND, Circumstance.GRANDPARENT_CARER]
    assert enrolled.consent == GuardianConsent(
        Relation.GRANDMOTHER, (ConsentScope.RECORDS, ConsentScope.HOME_VISITS), date(2025, 2, 20)
    )
    assert (enrolled.recorded_by, enrolled.recorded_at, enrolled.occurred_at) == ("coord", clock.now, clock.now)
    # and the family is open, with nobody yet accompanying it
    family = app.get_family(fid)
    assert family.status is FamilyStatus.OPEN
    assert family.roster.current() == []


def test_enrolment_needs_a_child_and_consent_to_keep_records(app: Peiban) -> None:
    profile = family_profile(
        household=[{"relation": "mother", "birth_year": 1990}],
        consent={"guardian_relation": "mother", "scopes": ["photos"], "given_on": date(2025, 2, 20)},
    )
    with pytest.raises(InvalidInput) as refused:
        app.enrol_family(recorded_by=Actor("coord"), **profile)
    assert fields_in_error(refused.value) == {"household": ["no_child"], "consent.scopes": ["records"]}
    assert app.log_position() == 0


def test_enrolment_names_every_bad_field_at_once(app: Peiban) -> None:
    profile = family_profile(
        display_name="",
        household=[{"relation": "child", "birth_year": 1800}, "小林"],
        circumstances=["poor"],
        consent={"guardian_relation": "neighbour", "scopes": ["records"], "given_on": date(2099, 1, 1)},
    )
    with pytest.raises(InvalidInput) as refused:
        app.enrol_family(recorded_by=Actor("coord"), **profile)
    assert fields_in_error(refused.value) == {
        "display_name": ["blank"],
        "household.0.birth_year": ["range"],
        "household.1": ["type"],
        "circumstances": ["choice"],
        "consent.guardian_relation": ["choice"],
        "consent.given_on": ["future"],
    }


def test_enrolment_without_consent_is_refused(app: Peiban) -> None:
    with pytest.raises(InvalidInput) as refused:
        app.enrol_family(recorded_by=Actor("coord"), **family_profile(consent=None))
    assert fields_in_error(refused.value) == {"consent": ["required"]}


def test_updating_the_profile_records_only_the_changes(world: Scene) -> None:
    world.app.update_family_profile(world.fid, changes={"community": "城西社区"}, recorded_by=Actor("coord"))
    updated = last_fact(world.app, world.fid)
    assert isinstance(updated, Family.ProfileUpdated)
    assert updated.changes == {"community": "城西社区"}
    assert world.app.get_family(world.fid).community == "城西社区"


def test_a_profile_update_names_unknown_fields(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.update_family_profile(world.fid, changes={"status": "closed"}, recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"status": ["unknown"]}
    with pytest.raises(InvalidInput) as empty:
        world.app.update_family_profile(world.fid, changes={}, recorded_by=Actor("coord"))
    assert fields_in_error(empty.value) == {"changes": ["required"]}


def test_consent_can_be_widened_and_withdrawn(world: Scene) -> None:
    app = world.app
    further = {"guardian_relation": "grandmother", "scopes": ["photos", "keep_in_touch"], "given_on": date(2025, 3, 1)}
    app.record_consent(world.fid, consent=further, recorded_by=Actor("coord"))
    assert isinstance(last_fact(app, world.fid), Family.ConsentRecorded)
    app.withdraw_consent(world.fid, scopes=["photos"], reason="奶奶不想上照片", recorded_by=Actor("coord"))
    withdrawn = last_fact(app, world.fid)
    assert isinstance(withdrawn, Family.ConsentWithdrawn)
    assert withdrawn.scopes == [ConsentScope.PHOTOS]
    assert app.get_family(world.fid).consent_scopes == [
        ConsentScope.HOME_VISITS,
        ConsentScope.KEEP_IN_TOUCH,
        ConsentScope.RECORDS,
    ]


def test_closing_a_family_ends_its_assignments(world: Scene) -> None:
    # given a family with a lead and a co volunteer
    app = world.app
    app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="co", recorded_by=Actor("coord"))
    world.later(days=3)
    # when the case is closed
    app.close_family(world.fid, reason="全家搬回老家", recorded_by=Actor("coord"))
    # then the fact has the reason, and nobody accompanies the family any more
    closed = last_fact(app, world.fid)
    assert isinstance(closed, Family.Closed)
    assert closed.reason == "全家搬回老家"
    family = app.get_family(world.fid)
    assert family.status is FamilyStatus.CLOSED
    assert family.roster.current() == []
    assert {a.ended_at for a in family.roster.assignments} == {world.clock.now}


def test_a_closed_family_takes_no_new_visits_until_it_is_reopened(world: Scene) -> None:
    # given a family closed today, its lead having visited yesterday
    app = world.app
    yesterday = world.clock.now - timedelta(days=1)
    app.close_family(world.fid, reason="搬家", recorded_by=Actor("coord"))
    closed_at = world.clock.now
    world.later(days=1)
    # then no visit after the closure can be logged
    with pytest.raises(FamilyClosed):
        app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    with pytest.raises(FamilyClosed):
        app.log_visit(world.fid, volunteer_ids=[world.lead], occurred_at=closed_at, recorded_by=Actor("v1"), **visit())
    # but yesterday's visit, written up late, is still welcome
    app.log_visit(world.fid, volunteer_ids=[world.lead], occurred_at=yesterday, recorded_by=Actor("v1"), **visit())
    # and nobody can be assigned to it
    with pytest.raises(FamilyClosed):
        app.assign_volunteer(world.fid, volunteer_id=world.lead, role="lead", recorded_by=Actor("coord"))
    # when it is reopened and a lead assigned again
    app.reopen_family(world.fid, reason="又搬回来了", recorded_by=Actor("coord"))
    assert isinstance(last_fact(app, world.fid), Family.Reopened)
    world.later(hours=1)
    app.assign_volunteer(world.fid, volunteer_id=world.lead, role="lead", recorded_by=Actor("coord"))
    world.later(hours=1)
    # then new visits are taken again, but not from while it was closed
    app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    with pytest.raises(VolunteerNotOnFamily):
        app.log_visit(
            world.fid,
            volunteer_ids=[world.lead],
            occurred_at=closed_at + timedelta(hours=1),
            recorded_by=Actor("v1"),
            **visit(),
        )
    assert len(facts(app, world.fid, "VisitLogged")) == 2


def test_a_family_cannot_be_closed_twice_nor_reopened_while_open(world: Scene) -> None:
    with pytest.raises(FamilyNotClosed):
        world.app.reopen_family(world.fid, reason="?", recorded_by=Actor("coord"))
    world.app.close_family(world.fid, reason="搬家", recorded_by=Actor("coord"))
    with pytest.raises(FamilyAlreadyClosed):
        world.app.close_family(world.fid, reason="搬家", recorded_by=Actor("coord"))


def test_a_family_in_the_middle_of_a_handover_cannot_be_closed(world: Scene) -> None:
    plan_handover(world)
    with pytest.raises(HandoverAlreadyOpen):
        world.app.close_family(world.fid, reason="搬家", recorded_by=Actor("coord"))


def test_closing_needs_a_reason(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.close_family(world.fid, reason=" ", recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"reason": ["blank"]}


def test_an_unknown_family_is_not_found(world: Scene) -> None:
    with pytest.raises(FamilyNotFound):
        world.app.close_family(uuid4(), reason="?", recorded_by=Actor("coord"))
    with pytest.raises(FamilyNotFound):
        world.app.get_family(world.lead)  # a volunteer is not a family
    with pytest.raises(FamilyNotFound):
        world.app.family_facts(world.cohort)
