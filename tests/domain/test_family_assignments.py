"""Who accompanies a family: one lead at a time, co and shadow volunteers, only active volunteers."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain import Actor, InvalidInput
from domain.errors import VolunteerNotFound
from domain.family import Family
from domain.rules import AlreadyAssigned, LeadAlreadyAssigned, NotAssigned, VolunteerNotActive
from domain.values import Role
from tests.builders import Scene
from tests.domain.story import fields_in_error, last_fact, volunteer_with_status


def test_assigning_records_the_volunteer_and_the_role(world: Scene) -> None:
    # given the scene's family, whose lead was assigned by the coordinator
    family = world.app.get_family(world.fid)
    lead = family.roster.lead()
    assert lead is not None and lead.volunteer_id == world.lead
    # when a second volunteer is assigned as co
    world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="co", recorded_by=Actor("coord"))
    # then the fact names the volunteer and the role
    assigned = last_fact(world.app, world.fid)
    assert isinstance(assigned, Family.VolunteerAssigned)
    assert (assigned.volunteer_id, assigned.role, assigned.recorded_by) == (world.volunteers[1], Role.CO, "coord")
    current = world.app.get_family(world.fid).roster.current()
    assert [(a.volunteer_id, a.role) for a in current] == [(world.lead, Role.LEAD), (world.volunteers[1], Role.CO)]


def test_a_family_has_at_most_one_lead(world: Scene) -> None:
    position = world.app.log_position()
    with pytest.raises(LeadAlreadyAssigned) as refused:
        world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="lead", recorded_by=Actor("coord"))
    assert refused.value.params == {"lead": world.lead}
    assert world.app.log_position() == position


def test_a_lead_can_be_joined_by_a_co_and_a_shadow(world: Scene) -> None:
    shadow = world.volunteer("见习义工")
    world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="co", recorded_by=Actor("coord"))
    world.app.assign_volunteer(world.fid, volunteer_id=shadow, role=Role.SHADOW, recorded_by=Actor("coord"))
    roles = [a.role for a in world.app.get_family(world.fid).roster.current()]
    assert roles == [Role.LEAD, Role.CO, Role.SHADOW]


def test_a_volunteer_cannot_be_assigned_twice(world: Scene) -> None:
    with pytest.raises(AlreadyAssigned):
        world.app.assign_volunteer(world.fid, volunteer_id=world.lead, role="co", recorded_by=Actor("coord"))


@pytest.mark.parametrize("status", ["registered", "departing", "departed"])
def test_only_an_active_volunteer_can_be_assigned(world: Scene, status: str) -> None:
    # given a volunteer who is not active
    vid = volunteer_with_status(world, status)
    position = world.app.log_position()
    # when a coordinator assigns them, then it is refused with their status, and nothing is recorded
    with pytest.raises(VolunteerNotActive) as refused:
        world.app.assign_volunteer(world.fid, volunteer_id=vid, role="co", recorded_by=Actor("coord"))
    assert refused.value.params["status"] is world.app.get_volunteer(vid).status
    assert world.app.log_position() == position


def test_an_unknown_role_or_volunteer_is_refused(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="boss", recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"role": ["choice"]}
    with pytest.raises(VolunteerNotFound):
        world.app.assign_volunteer(world.fid, volunteer_id=uuid4(), role="co", recorded_by=Actor("coord"))


def test_unassigning_ends_the_assignment_with_a_reason(world: Scene) -> None:
    world.app.unassign_volunteer(world.fid, volunteer_id=world.lead, reason="课业太忙", recorded_by=Actor("coord"))
    unassigned = last_fact(world.app, world.fid)
    assert isinstance(unassigned, Family.VolunteerUnassigned)
    assert (unassigned.volunteer_id, unassigned.reason) == (world.lead, "课业太忙")
    family = world.app.get_family(world.fid)
    assert family.roster.lead() is None
    assert family.roster.assignments[0].ended_at == world.clock.now


def test_only_an_assigned_volunteer_can_be_unassigned(world: Scene) -> None:
    with pytest.raises(NotAssigned):
        world.app.unassign_volunteer(
            world.fid, volunteer_id=world.volunteers[1], reason="?", recorded_by=Actor("coord")
        )


def test_after_the_lead_leaves_another_volunteer_can_lead(world: Scene) -> None:
    world.app.unassign_volunteer(world.fid, volunteer_id=world.lead, reason="课业太忙", recorded_by=Actor("coord"))
    world.later(days=1)
    world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="lead", recorded_by=Actor("coord"))
    lead = world.app.get_family(world.fid).roster.lead()
    assert lead is not None and lead.volunteer_id == world.volunteers[1]


def test_a_new_lead_cannot_start_before_the_last_lead_ended(world: Scene) -> None:
    # given the lead left today
    world.app.unassign_volunteer(world.fid, volunteer_id=world.lead, reason="课业太忙", recorded_by=Actor("coord"))
    world.later(days=1)
    # when a new lead is entered as having started before that, then the overlap is refused
    with pytest.raises(InvalidInput) as refused:
        world.app.assign_volunteer(
            world.fid,
            volunteer_id=world.volunteers[1],
            role="lead",
            occurred_at=world.clock.now - timedelta(days=2),
            recorded_by=Actor("coord"),
        )
    assert fields_in_error(refused.value) == {"occurred_at": ["too_early"]}


def test_an_unassignment_cannot_predate_the_assignment(world: Scene) -> None:
    started = world.app.get_family(world.fid).roster.assignments[0].started_at
    with pytest.raises(InvalidInput) as refused:
        world.app.unassign_volunteer(
            world.fid,
            volunteer_id=world.lead,
            reason="记错了",
            occurred_at=started - timedelta(minutes=1),
            recorded_by=Actor("coord"),
        )
    assert fields_in_error(refused.value) == {"occurred_at": ["too_early"]}


def test_an_assignment_cannot_start_before_the_volunteer_was_active(world: Scene) -> None:
    # given a volunteer registered and activated a month after the family's enrolment
    world.later(days=30)
    newcomer = world.volunteer("后来的义工")
    enrolled_at = world.app.get_family(world.fid).enrolled_at
    # when their assignment is entered as having started in the family's first week, then it is refused
    with pytest.raises(InvalidInput) as refused:
        world.app.assign_volunteer(
            world.fid,
            volunteer_id=newcomer,
            role="co",
            occurred_at=enrolled_at + timedelta(days=7),
            recorded_by=Actor("coord"),
        )
    assert fields_in_error(refused.value) == {"occurred_at": ["too_early"]}
