"""Late entries are normal; the rules are judged at the moment a fact happened, not when it was written up.

The tests at the end show backdated roster facts (unassign, close, handover) that would contradict
facts already recorded, and that the domain therefore refuses.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain import Actor, DomainError
from domain.rules import NotAnAlumniContact, VolunteerNotOnFamily
from domain.values import Role
from tests.builders import Scene, message, visit
from tests.domain.story import complete_handover, facts, joint_visit, plan_handover


def lead_started(s: Scene) -> datetime:
    return s.app.get_family(s.fid).roster.assignments[0].started_at


def test_a_visit_written_up_after_the_volunteer_left_the_family_is_accepted(world: Scene) -> None:
    # given the lead visited on Monday, and was unassigned on Wednesday
    monday = world.clock.now
    world.later(days=2)
    world.app.unassign_volunteer(world.fid, volunteer_id=world.lead, reason="换组", recorded_by=Actor("coord"))
    world.later(days=1)
    # when the Monday visit is written up on Thursday
    visit_id = world.app.log_visit(
        world.fid, volunteer_ids=[world.lead], occurred_at=monday, recorded_by=Actor("v1"), **visit()
    )
    # then it is accepted: the volunteer was assigned when it happened
    [logged] = facts(world.app, world.fid, "VisitLogged")
    assert (logged.event_id, logged.occurred_at, logged.recorded_at) == (visit_id, monday, world.clock.now)


def test_a_visit_from_before_the_volunteer_was_assigned_is_refused(world: Scene) -> None:
    # given the lead was assigned at some moment
    started = lead_started(world)
    position = world.app.log_position()
    # when a visit is entered as having happened a minute before that, then it is refused
    with pytest.raises(VolunteerNotOnFamily) as refused:
        world.app.log_visit(
            world.fid,
            volunteer_ids=[world.lead],
            occurred_at=started - timedelta(minutes=1),
            recorded_by=Actor("v1"),
            **visit(),
        )
    assert refused.value.params["when"] == started - timedelta(minutes=1)
    assert world.app.log_position() == position


def test_a_visit_written_up_after_the_volunteer_departed_is_accepted(world: Scene) -> None:
    # given the lead visited, then graduated before writing it up
    visited = world.clock.now
    world.later(days=1)
    world.app.record_departure(world.lead, reason="graduated", recorded_by=Actor("coord"))
    world.later(days=1)
    # when the visit is written up, it is accepted; a visit after the departure is not
    world.app.log_visit(world.fid, volunteer_ids=[world.lead], occurred_at=visited, recorded_by=Actor("v1"), **visit())
    with pytest.raises(VolunteerNotOnFamily):
        world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())


def test_a_message_from_when_the_volunteer_was_assigned_is_accepted_later(world: Scene) -> None:
    sent = world.clock.now
    world.later(days=1)
    world.app.unassign_volunteer(world.fid, volunteer_id=world.lead, reason="换组", recorded_by=Actor("coord"))
    world.app.log_message(world.fid, volunteer_id=world.lead, occurred_at=sent, recorded_by=Actor("v1"), **message())
    world.later(minutes=1)
    with pytest.raises(NotAnAlumniContact):
        world.app.log_message(world.fid, volunteer_id=world.lead, recorded_by=Actor("v1"), **message())


def test_a_joint_visit_written_up_after_the_handover_completed_still_counts(world: Scene) -> None:
    # given a handover completed with a reason, after a joint visit nobody had written up yet
    handover_id = plan_handover(world)
    world.later(days=2)
    together = world.clock.now
    world.later(days=2)
    complete_handover(world, handover_id, no_joint_visit_reason="还没来得及写记录")
    world.later(days=2)
    # when the joint visit is written up
    visit_id = joint_visit(world, occurred_at=together)
    # then it is the handover's joint visit
    assert world.app.get_family(world.fid).handover(handover_id).joint_visit_ids == [visit_id]


def test_a_visit_during_a_handover_that_was_later_cancelled_is_accepted(world: Scene) -> None:
    handover_id = plan_handover(world)
    world.later(days=2)
    during = world.clock.now
    world.later(days=1)
    world.app.cancel_handover(world.fid, handover_id=handover_id, reason="新义工退出", recorded_by=Actor("coord"))
    world.later(days=1)
    world.app.log_visit(
        world.fid, volunteer_ids=[world.volunteers[1]], occurred_at=during, recorded_by=Actor("v2"), **visit()
    )
    assert len(facts(world.app, world.fid, "VisitLogged")) == 1


# ---- backdated roster facts that contradict what is already recorded -------------------------------


def test_an_unassignment_cannot_be_backdated_before_a_recorded_visit(world: Scene) -> None:
    # given a visit by the lead an hour ago
    world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    world.later(hours=1)
    # when the lead's unassignment is entered as having happened before that visit, then it is refused
    with pytest.raises(DomainError):
        world.app.unassign_volunteer(
            world.fid,
            volunteer_id=world.lead,
            reason="其实早就换组了",
            occurred_at=lead_started(world) + timedelta(minutes=1),
            recorded_by=Actor("coord"),
        )


def test_a_closure_cannot_be_backdated_before_the_current_assignments_began(world: Scene) -> None:
    enrolled_at = world.app.get_family(world.fid).enrolled_at
    try:
        world.app.close_family(
            world.fid, reason="r", occurred_at=enrolled_at + timedelta(minutes=1), recorded_by=Actor("c")
        )
    except DomainError:
        return
    for assignment in world.app.get_family(world.fid).roster.assignments:
        assert assignment.ended_at is None or assignment.started_at <= assignment.ended_at


def test_a_handover_cannot_complete_before_its_joint_visit_happened(world: Scene) -> None:
    # given a handover planned on day 0 and a joint visit on day 2
    handover_id = plan_handover(world)
    opened = world.clock.now
    world.later(days=2)
    joint_visit(world)
    world.later(days=1)
    # when its completion is entered as day 1, then it is refused
    with pytest.raises(DomainError):
        complete_handover(world, handover_id, occurred_at=opened + timedelta(days=1))


def test_a_backdated_handover_never_overlaps_two_leads(world: Scene) -> None:
    # given a lead, and a co volunteer handing over to a newcomer
    co, newcomer = world.volunteers[1], world.volunteer("新义工")
    world.app.assign_volunteer(world.fid, volunteer_id=co, role="co", recorded_by=Actor("coord"))
    world.later(hours=1)
    handover_id = plan_handover(world, outgoing=co, incoming=newcomer)
    opened = world.clock.now
    world.later(days=2)
    # and the lead left the family yesterday
    world.app.unassign_volunteer(world.fid, volunteer_id=world.lead, reason="换组", recorded_by=Actor("coord"))
    world.later(hours=1)
    # when the co handover is completed, entered as an hour after it opened
    try:
        complete_handover(world, handover_id, no_joint_visit_reason="r", occurred_at=opened + timedelta(hours=1))
    except DomainError:
        return
    # then no two lead assignments overlap
    leads = [a for a in world.app.get_family(world.fid).roster.assignments if a.role is Role.LEAD]
    for a in leads:
        for b in leads:
            if a is not b:
                assert (a.ended_at is not None and a.ended_at <= b.started_at) or (
                    b.ended_at is not None and b.ended_at <= a.started_at
                )


def test_a_handover_cannot_open_before_its_outgoing_volunteer_was_assigned(world: Scene) -> None:
    # given the lead was assigned an hour after enrolment
    enrolled_at = world.app.get_family(world.fid).enrolled_at
    # when a handover from the lead is entered as planned a minute after enrolment, then it is refused
    with pytest.raises(DomainError):
        plan_handover(world, occurred_at=enrolled_at + timedelta(minutes=1))


def test_a_handover_cannot_open_before_its_incoming_volunteer_was_active(world: Scene) -> None:
    # given a newcomer registered and activated a month after the lead began
    world.later(days=30)
    newcomer = world.volunteer("后来的义工")
    # when a handover to them is entered as planned the day after the lead began, then it is refused
    with pytest.raises(DomainError):
        plan_handover(world, incoming=newcomer, occurred_at=lead_started(world) + timedelta(days=1))
