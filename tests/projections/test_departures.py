"""A volunteer's departure ends every assignment they still hold: the departure policy, following the log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.actor import DEPARTURE_POLICY
from domain.aggregate import Entry
from domain.errors import FamilyErased
from domain.family import Family
from domain.rules import VolunteerNotActive, VolunteerNotOnFamily
from domain.values import Role, VolunteerStatus
from domain.volunteer import Departure, Volunteer
from projections.db import MemoryViewDatabase
from projections.departures import departure_policy
from projections.engine import Projection
from projections.keystore import KeyStore
from tests.builders import Scene, StepClock, family_profile, memory_app, message, scene, visit
from tests.domain.story import complete_handover, facts, joint_visit, last_fact, plan_handover


@pytest.fixture
def policy(world: Scene) -> Iterator[Projection]:
    """The departure policy on the scene's log (its own store in a temporary file)."""
    follower = departure_policy(world.app, StoreSettings(backend="memory"))
    yield follower
    follower.db.close()


def depart(s: Scene, volunteer_id: UUID, occurred_at: datetime | None = None) -> Volunteer.Departed:
    """The volunteer graduates (at ``occurred_at``, default now); returns the departure fact."""
    s.app.record_departure(volunteer_id, reason="graduated", recorded_by=Actor("coord"), occurred_at=occurred_at)
    departed = last_fact(s.app, volunteer_id)
    assert isinstance(departed, Volunteer.Departed)
    return departed


def ended(app: Peiban, family_id: UUID) -> list[Family.AssignmentEnded]:
    return facts(app, family_id, "AssignmentEnded")


def another_family(s: Scene, name: str) -> UUID:
    return s.app.enrol_family(recorded_by=Actor("coord"), **family_profile(display_name=name))


def test_a_departed_volunteer_is_no_longer_on_any_familys_roster(world: Scene, policy: Projection) -> None:
    # given the family's lead
    # when the lead departs, and the policy follows the log
    world.app.record_departure(world.lead, reason="graduated", recorded_by=Actor("coord"))
    policy.catch_up()
    # then no current assignment of the family belongs to a departed volunteer: the family has no lead
    family = world.app.get_family(world.fid)
    statuses = {world.app.get_volunteer(a.volunteer_id).status for a in family.roster.current()}
    assert VolunteerStatus.DEPARTED not in statuses
    assert family.roster.lead() is None


def test_a_departure_ends_lead_co_and_shadow_assignments_with_the_departure_as_cause(
    world: Scene, policy: Projection
) -> None:
    # given a volunteer who leads one family, is co on another and shadow on a third, and was on a fourth once
    leaving, staying = world.lead, world.volunteers[1]
    co_family, shadow_family, former = (another_family(world, n) for n in ("张家", "王家", "刘家"))
    world.later(hours=1)
    world.app.assign_volunteer(co_family, volunteer_id=staying, role="lead", recorded_by=Actor("coord"))
    world.app.assign_volunteer(co_family, volunteer_id=leaving, role="co", recorded_by=Actor("coord"))
    world.app.assign_volunteer(shadow_family, volunteer_id=leaving, role="shadow", recorded_by=Actor("coord"))
    world.app.assign_volunteer(former, volunteer_id=leaving, role="co", recorded_by=Actor("coord"))
    world.later(hours=1)
    world.app.unassign_volunteer(former, volunteer_id=leaving, reason="换组", recorded_by=Actor("coord"))
    world.later(days=3)
    # when the volunteer departs and the policy runs
    departed = depart(world, leaving)
    policy.catch_up()
    # then each assignment they held ended once, by the system, at the departure, naming it as the cause
    for family_id in (world.fid, co_family, shadow_family):
        (end,) = ended(world.app, family_id)
        assert (end.volunteer_id, end.caused_by, end.recorded_by) == (leaving, departed.event_id, DEPARTURE_POLICY.name)
        assert end.occurred_at == departed.occurred_at
        assert world.app.get_family(family_id).roster.current_of(leaving) is None
    # and the family they had already left, and the volunteer who stays, are untouched
    assert ended(world.app, former) == []
    lead = world.app.get_family(co_family).roster.lead()
    assert lead is not None and lead.volunteer_id == staying


def test_running_the_policy_again_or_afresh_records_nothing_more(world: Scene, policy: Projection) -> None:
    # given a departure the policy has already followed
    depart(world, world.lead)
    policy.catch_up()
    position = world.app.log_position()
    # when it runs again, and when a policy with an empty store (position 0) follows the whole log again
    policy.catch_up()
    afresh = departure_policy(world.app, StoreSettings(backend="memory"))
    afresh.catch_up()
    afresh.db.close()
    # then nothing more is recorded: the command for that departure and family was answered once
    assert world.app.log_position() == position
    assert len(ended(world.app, world.fid)) == 1


def test_a_departure_of_a_volunteer_on_no_family_records_nothing(world: Scene, policy: Projection) -> None:
    loner = world.volunteer("没有家庭的义工")
    depart(world, loner)
    position = world.app.log_position()
    policy.catch_up()
    assert world.app.log_position() == position
    # and so does sending a family the command for a volunteer who was never on it
    assert world.app.end_assignment_on_departure(world.fid, Departure.of(last_fact(world.app, loner))) is None
    assert world.app.log_position() == position


@pytest.mark.parametrize("later_fact", ["roster_change", "contact"])
def test_a_departure_entered_late_ends_the_assignment_no_earlier_than_the_familys_later_facts(
    world: Scene, policy: Projection, later_fact: str
) -> None:
    # given the lead left on Monday, but before that was entered, a co was assigned on Wednesday (or the lead's
    # visit on Wednesday was written up)
    monday = world.clock.now
    wednesday = world.later(days=2)
    if later_fact == "roster_change":
        world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="co", recorded_by=Actor("coord"))
    else:
        world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    world.later(days=1)
    # when the departure is entered on Thursday, dated Monday
    depart(world, world.lead, occurred_at=monday)
    policy.catch_up()
    # then the assignment still ends, at Wednesday: the family's roster stays told in time order
    (end,) = ended(world.app, world.fid)
    assert end.occurred_at == wednesday
    assert world.app.get_family(world.fid).roster.lead() is None


def test_an_assignment_decided_just_before_the_departure_was_saved_ends_when_the_policy_sees_it(
    world: Scene, policy: Projection
) -> None:
    # given a coordinator assigning a volunteer (who was active when the command loaded them) while another
    # coordinator records their departure, which is saved first
    newcomer = world.volunteer("刚来的义工")
    standing = world.app.get_volunteer(newcomer).standing
    family = world.app.get_family(world.fid)
    world.later(hours=1)
    departed = depart(world, newcomer)
    policy.catch_up()
    family.assign(Entry(Actor("coord"), world.clock.now, world.clock()), volunteer=standing, role=Role.CO)
    world.app.save(family)
    # when the policy follows the log past that assignment
    policy.catch_up()
    # then it ends it, for that departure
    (end,) = ended(world.app, world.fid)
    assert (end.volunteer_id, end.caused_by) == (newcomer, departed.event_id)


def test_a_departed_volunteer_cannot_be_assigned_again_or_log_visits(world: Scene, policy: Projection) -> None:
    depart(world, world.lead)
    policy.catch_up()
    world.later(hours=1)
    position = world.app.log_position()
    with pytest.raises(VolunteerNotActive):
        world.app.assign_volunteer(world.fid, volunteer_id=world.lead, role="lead", recorded_by=Actor("coord"))
    with pytest.raises(VolunteerNotOnFamily):
        world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    assert world.app.log_position() == position


def test_the_outgoing_volunteer_may_leave_before_the_handover_completes(world: Scene, policy: Projection) -> None:
    # given a handover from the lead, a joint visit, then the lead graduates (opting in to alumni contact)
    outgoing, incoming = world.lead, world.volunteers[1]
    handover_id = plan_handover(world)
    world.later(days=7)
    joint_visit(world)
    world.later(days=7)
    world.app.set_alumni_contact(outgoing, opted_in=True, recorded_by=Actor("v1"))
    depart(world, outgoing)
    policy.catch_up()
    assert world.app.get_family(world.fid).roster.lead() is None
    # when the coordinator completes the handover, the family keeping in touch
    world.later(days=1)
    complete_handover(world, handover_id, keep_in_touch=True)
    # then the newcomer leads, and the graduate may still message the family as an alumni contact
    lead = world.app.get_family(world.fid).roster.lead()
    assert lead is not None and lead.volunteer_id == incoming
    world.later(days=30)
    world.app.log_message(world.fid, volunteer_id=outgoing, recorded_by=Actor("v1"), **message())
    assert ended(world.app, world.fid)[0].volunteer_id == outgoing


def test_a_handover_to_a_volunteer_who_left_stays_for_the_coordinator_to_cancel(
    world: Scene, policy: Projection
) -> None:
    # given a handover to a newcomer, who withdraws before it completes
    handover_id = plan_handover(world)
    world.later(days=1)
    depart(world, world.volunteers[1])
    policy.catch_up()
    # then the policy leaves the handover (and the lead) alone: choosing another successor is the coordinator's
    assert ended(world.app, world.fid) == []
    assert world.app.get_family(world.fid).handover(handover_id).is_open
    world.later(hours=1)
    world.app.cancel_handover(world.fid, handover_id=handover_id, reason="新义工退出", recorded_by=Actor("coord"))
    assert isinstance(last_fact(world.app, world.fid), Family.HandoverCancelled)


def test_an_assignment_never_ends_before_it_started(world: Scene, policy: Projection) -> None:
    # given a volunteer registered, then assigned two hours later, whose departure is entered dated in between
    newcomer = world.volunteer("见习义工")
    registered = world.clock.now
    started = world.later(hours=2)
    world.app.assign_volunteer(world.fid, volunteer_id=newcomer, role="shadow", recorded_by=Actor("coord"))
    world.later(hours=2)
    depart(world, newcomer, occurred_at=registered + timedelta(hours=1))
    # when the policy runs, then the assignment ends when it started, not before
    policy.catch_up()
    (end,) = ended(world.app, world.fid)
    assert end.occurred_at == started


def test_a_departure_after_one_of_the_volunteers_families_was_erased_ends_the_others() -> None:
    # given a lead on two families, on an encrypted store, and one of the families erased
    keys = KeyStore(MemoryViewDatabase("keys"), clock=StepClock())
    keys.unlock(os.urandom(32))
    world = scene(memory_app(keys=keys))
    world.app.also_close.append(keys.close)
    kept = another_family(world, "留下的家")
    world.app.assign_volunteer(kept, volunteer_id=world.lead, role="lead", recorded_by=Actor("coord"))
    follower = departure_policy(world.app, StoreSettings(backend="memory"))
    follower.catch_up()
    world.app.erase_family(world.fid, reason="监护人撤回同意", recorded_by=Actor("coord"))
    # when the lead departs, and the policy follows the log (again from the start, too: the erased family's
    # facts then read as tombstones)
    depart(world, world.lead)
    follower.catch_up()
    follower.rebuild()
    # then the assignment on the other family ended, and nothing was tried on the erased one
    assert [e.volunteer_id for e in ended(world.app, kept)] == [world.lead]
    with pytest.raises(FamilyErased):
        world.app.get_family(world.fid)
    follower.db.close()
    world.app.close()
