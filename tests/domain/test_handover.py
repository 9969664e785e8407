"""Handovers: an outgoing volunteer brings the incoming one to the family before leaving it."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain import Actor, InvalidInput, RuleBroken
from domain.errors import HandoverNotFound
from domain.family import Family
from domain.rules import (
    AlreadyAssigned,
    HandoverAlreadyOpen,
    HandoverNeedsJointVisit,
    HandoverNotOpen,
    HandoverSameVolunteer,
    NotAssigned,
    VolunteerNotActive,
    VolunteerNotOnFamily,
)
from domain.values import HandoverState, Role
from tests.builders import Scene, visit
from tests.domain.story import (
    PLANNED_ON,
    complete_handover,
    facts,
    fields_in_error,
    joint_visit,
    last_fact,
    plan_handover,
    volunteer_with_status,
)


def test_planning_a_handover_records_both_volunteers_and_opens_it(world: Scene) -> None:
    # when the coordinator plans a handover from the lead to a newcomer
    handover_id = plan_handover(world)
    # then the fact names both, the planned day and the letter, and its id is the handover's id
    planned = last_fact(world.app, world.fid)
    assert isinstance(planned, Family.HandoverPlanned)
    assert planned.event_id == handover_id
    assert (planned.outgoing_volunteer_id, planned.incoming_volunteer_id) == (world.lead, world.volunteers[1])
    assert (planned.planned_on, planned.letter) == (PLANNED_ON, "小林喜欢画画，周三下午在家。")
    open_handover = world.app.get_family(world.fid).roster.open_handover()
    assert open_handover is not None and open_handover.handover_id == handover_id


def test_the_outgoing_volunteer_must_be_on_the_family(world: Scene) -> None:
    stranger = world.volunteer("别家的义工")
    with pytest.raises(NotAssigned):
        plan_handover(world, outgoing=world.volunteers[1], incoming=stranger)


def test_the_incoming_volunteer_must_be_someone_else(world: Scene) -> None:
    with pytest.raises(HandoverSameVolunteer):
        plan_handover(world, outgoing=world.lead, incoming=world.lead)


@pytest.mark.parametrize("status", ["registered", "departing", "departed"])
def test_the_incoming_volunteer_must_be_active(world: Scene, status: str) -> None:
    incoming = volunteer_with_status(world, status)
    with pytest.raises(VolunteerNotActive):
        plan_handover(world, incoming=incoming)


def test_the_current_lead_cannot_be_the_incoming_volunteer(world: Scene) -> None:
    world.app.assign_volunteer(world.fid, volunteer_id=world.volunteers[1], role="co", recorded_by=Actor("coord"))
    with pytest.raises(AlreadyAssigned):
        plan_handover(world, outgoing=world.volunteers[1], incoming=world.lead)


def test_a_family_has_one_open_handover_at_a_time(world: Scene) -> None:
    plan_handover(world)
    third = world.volunteer("第三位")
    with pytest.raises(HandoverAlreadyOpen):
        plan_handover(world, incoming=third)


def test_a_handover_needs_a_joint_visit(world: Scene) -> None:
    # given a planned handover with only separate visits by each side
    handover_id = plan_handover(world)
    world.later(days=1)
    world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    world.app.log_visit(world.fid, volunteer_ids=[world.volunteers[1]], recorded_by=Actor("v2"), **visit())
    position = world.app.log_position()
    # when the coordinator completes it, then it is refused and nothing is recorded
    with pytest.raises(HandoverNeedsJointVisit):
        complete_handover(world, handover_id)
    assert world.app.log_position() == position
    assert world.app.get_family(world.fid).roster.open_handover() is not None


def test_a_joint_visit_is_a_visit_with_both_sides_present(world: Scene) -> None:
    handover_id = plan_handover(world)
    world.later(days=1)
    visit_id = joint_visit(world)
    logged = last_fact(world.app, world.fid)
    assert isinstance(logged, Family.VisitLogged)
    assert logged.handover_id == handover_id
    assert world.app.get_family(world.fid).handover(handover_id).joint_visit_ids == [visit_id]


def test_completing_after_a_joint_visit_hands_the_lead_over(world: Scene) -> None:
    # given a handover with a joint visit
    outgoing, incoming = world.lead, world.volunteers[1]
    handover_id = plan_handover(world)
    world.later(days=7)
    joint_visit(world)
    world.later(days=7)
    # when it is completed
    complete_handover(world, handover_id)
    # then the fact records it, the incoming volunteer leads and the outgoing one's assignment has ended
    completed = last_fact(world.app, world.fid)
    assert isinstance(completed, Family.HandoverCompleted)
    assert (completed.handover_id, completed.incoming_role, completed.keep_in_touch) == (handover_id, Role.LEAD, False)
    assert completed.no_joint_visit_reason == ""
    family = world.app.get_family(world.fid)
    handover = family.handover(handover_id)
    assert (handover.state, handover.closed_at) == (HandoverState.COMPLETED, world.clock.now)
    assert [(a.volunteer_id, a.role) for a in family.roster.current()] == [(incoming, Role.LEAD)]
    ended = [a for a in family.roster.assignments if a.volunteer_id == outgoing]
    assert [a.ended_at for a in ended] == [world.clock.now]
    assert family.roster.alumni == []


def test_a_recorded_reason_stands_in_for_the_missing_joint_visit(world: Scene) -> None:
    handover_id = plan_handover(world)
    world.later(days=3)
    complete_handover(world, handover_id, no_joint_visit_reason="老义工突然回老家，无法一起家访")
    completed = last_fact(world.app, world.fid)
    assert completed.no_joint_visit_reason == "老义工突然回老家，无法一起家访"
    lead = world.app.get_family(world.fid).roster.lead()
    assert lead is not None and lead.volunteer_id == world.volunteers[1]


@pytest.mark.parametrize("keep_in_touch", [True, False])
def test_the_outgoing_volunteer_becomes_an_alumni_contact_only_if_the_family_agreed(
    world: Scene, keep_in_touch: bool
) -> None:
    handover_id = plan_handover(world)
    world.later(days=1)
    joint_visit(world)
    complete_handover(world, handover_id, keep_in_touch=keep_in_touch)
    alumni = world.app.get_family(world.fid).roster.alumni
    assert [(c.volunteer_id, c.since) for c in alumni] == ([(world.lead, world.clock.now)] if keep_in_touch else [])


def test_keep_in_touch_must_be_yes_or_no(world: Scene) -> None:
    handover_id = plan_handover(world)
    joint_visit(world)
    with pytest.raises(InvalidInput) as refused:
        world.app.complete_handover(
            world.fid, handover_id=handover_id, keep_in_touch="maybe", recorded_by=Actor("coord")
        )
    assert fields_in_error(refused.value) == {"keep_in_touch": ["type"]}


def test_handing_over_a_co_volunteer_passes_on_the_co_role(world: Scene) -> None:
    # given a co volunteer handing over to a newcomer while the lead stays
    co = world.volunteers[1]
    world.app.assign_volunteer(world.fid, volunteer_id=co, role="co", recorded_by=Actor("coord"))
    newcomer = world.volunteer("新义工")
    handover_id = plan_handover(world, outgoing=co, incoming=newcomer)
    joint_visit(world, co, newcomer)
    # when it completes
    complete_handover(world, handover_id)
    # then the newcomer is co and the lead is unchanged
    current = world.app.get_family(world.fid).roster.current()
    assert [(a.volunteer_id, a.role) for a in current] == [(world.lead, Role.LEAD), (newcomer, Role.CO)]


def test_the_incoming_volunteer_may_visit_alone_while_the_handover_is_open(world: Scene) -> None:
    plan_handover(world)
    world.later(days=1)
    world.app.log_visit(world.fid, volunteer_ids=[world.volunteers[1]], recorded_by=Actor("v2"), **visit())
    assert len(facts(world.app, world.fid, "VisitLogged")) == 1


def test_after_completion_the_outgoing_volunteer_no_longer_visits(world: Scene) -> None:
    handover_id = plan_handover(world)
    joint_visit(world)
    world.later(days=1)
    complete_handover(world, handover_id, keep_in_touch=True)
    world.later(days=1)
    with pytest.raises(VolunteerNotOnFamily):
        world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())


def test_cancelling_a_handover_leaves_the_lead_in_place(world: Scene) -> None:
    # given a planned handover
    incoming = world.volunteers[1]
    handover_id = plan_handover(world)
    world.later(days=2)
    # when it is cancelled
    world.app.cancel_handover(world.fid, handover_id=handover_id, reason="新义工退出了", recorded_by=Actor("coord"))
    # then the fact has the reason, the handover is closed and the lead unchanged
    cancelled = last_fact(world.app, world.fid)
    assert isinstance(cancelled, Family.HandoverCancelled)
    assert (cancelled.handover_id, cancelled.reason) == (handover_id, "新义工退出了")
    family = world.app.get_family(world.fid)
    assert family.handover(handover_id).state is HandoverState.CANCELLED
    assert family.roster.open_handover() is None
    lead = family.roster.lead()
    assert lead is not None and lead.volunteer_id == world.lead
    # and the would-be incoming volunteer can no longer visit
    world.later(days=1)
    with pytest.raises(VolunteerNotOnFamily):
        world.app.log_visit(world.fid, volunteer_ids=[incoming], recorded_by=Actor("v2"), **visit())
    # and a new handover can be planned
    plan_handover(world, incoming=world.volunteer("另一位"))


@pytest.mark.parametrize(
    ("first", "then"),
    [("complete", "complete"), ("complete", "cancel"), ("cancel", "complete"), ("cancel", "cancel")],
)
def test_a_closed_handover_cannot_be_completed_or_cancelled(world: Scene, first: str, then: str) -> None:
    # given a handover that was completed or cancelled
    handover_id = plan_handover(world)
    joint_visit(world)

    def close(how: str) -> None:
        if how == "complete":
            complete_handover(world, handover_id)
        else:
            world.app.cancel_handover(world.fid, handover_id=handover_id, reason="不需要了", recorded_by=Actor("coord"))

    close(first)
    position = world.app.log_position()
    # when it is completed or cancelled again, then it is refused, saying what became of it
    with pytest.raises(HandoverNotOpen) as refused:
        close(then)
    assert refused.value.params == {
        "state": {"complete": HandoverState.COMPLETED, "cancel": HandoverState.CANCELLED}[first]
    }
    assert world.app.log_position() == position


def test_an_unknown_handover_is_not_found(world: Scene) -> None:
    with pytest.raises(HandoverNotFound):
        complete_handover(world, uuid4())
    with pytest.raises(HandoverNotFound):
        world.app.cancel_handover(world.fid, handover_id=uuid4(), reason="?", recorded_by=Actor("coord"))
    with pytest.raises(HandoverNotFound):
        world.app.record_family_agreement(world.fid, handover_id=uuid4(), recorded_by=Actor("coord"))


def test_the_familys_agreement_to_the_newcomer_is_recorded(world: Scene) -> None:
    handover_id = plan_handover(world)
    world.app.record_family_agreement(
        world.fid, handover_id=handover_id, note="奶奶说喜欢她", recorded_by=Actor("coord")
    )
    agreed = last_fact(world.app, world.fid)
    assert isinstance(agreed, Family.HandoverAgreed)
    assert (agreed.handover_id, agreed.note) == (handover_id, "奶奶说喜欢她")
    assert world.app.get_family(world.fid).handover(handover_id).family_agreed


def test_the_incoming_volunteer_must_still_be_active_at_completion(world: Scene) -> None:
    handover_id = plan_handover(world)
    joint_visit(world)
    world.app.record_departure(world.volunteers[1], reason="withdrew", recorded_by=Actor("coord"))
    with pytest.raises(VolunteerNotActive):
        complete_handover(world, handover_id)


def test_a_handover_cannot_close_before_it_opened(world: Scene) -> None:
    handover_id = plan_handover(world)
    joint_visit(world)
    world.later(days=1)
    with pytest.raises(InvalidInput) as refused:
        complete_handover(world, handover_id, occurred_at=world.clock.now - timedelta(days=2))
    assert fields_in_error(refused.value) == {"occurred_at": ["too_early"]}


def test_retracting_the_only_joint_visit_means_the_handover_needs_another(world: Scene) -> None:
    # given a handover whose only joint visit is retracted
    handover_id = plan_handover(world)
    visit_id = joint_visit(world)
    world.app.retract_fact(world.fid, target_event_id=visit_id, reason="其实是分开去的", recorded_by=Actor("coord"))
    # then it is no longer a joint visit of the handover, which cannot complete
    assert world.app.get_family(world.fid).handover(handover_id).joint_visit_ids == []
    with pytest.raises(HandoverNeedsJointVisit):
        complete_handover(world, handover_id)
    # until another joint visit happens
    world.later(days=1)
    joint_visit(world)
    complete_handover(world, handover_id)


def test_completing_a_handover_never_leaves_two_current_leads(world: Scene) -> None:
    # given a handover from the lead to a newcomer, during which the outgoing lead is unassigned
    # and another volunteer becomes lead
    outgoing, incoming = world.lead, world.volunteers[1]
    other = world.volunteer("代理主责")
    handover_id = plan_handover(world, outgoing=outgoing, incoming=incoming)
    world.later(hours=1)
    world.app.unassign_volunteer(world.fid, volunteer_id=outgoing, reason="临时离开", recorded_by=Actor("coord"))
    world.later(hours=1)
    world.app.assign_volunteer(world.fid, volunteer_id=other, role="lead", recorded_by=Actor("coord"))
    world.later(hours=1)
    # when the handover is completed (either refused, or without a second lead)
    try:
        complete_handover(world, handover_id, no_joint_visit_reason="老义工已经不在了")
    except RuleBroken:
        return
    # then the family has at most one lead
    leads = [a for a in world.app.get_family(world.fid).roster.current() if a.role is Role.LEAD]
    assert len(leads) <= 1


def test_a_handover_cannot_be_cancelled_before_a_visit_the_incoming_volunteer_made_in_it(world: Scene) -> None:
    # given a planned handover, and a visit the incoming volunteer made on their own because of it
    handover_id = plan_handover(world)
    world.later(hours=2)
    visited_at = world.clock.now
    world.app.log_visit(world.fid, volunteer_ids=[world.volunteers[1]], recorded_by=Actor("v2"), **visit())
    world.later(hours=2)
    before = world.app.log_position()
    # when the coordinator cancels it as of before that visit, then it is refused: the visit would lose its ground
    with pytest.raises(InvalidInput) as refused:
        world.app.cancel_handover(
            world.fid,
            handover_id=handover_id,
            reason="计划有变",
            occurred_at=visited_at - timedelta(hours=1),
            recorded_by=Actor("coord"),
        )
    assert fields_in_error(refused.value) == {"occurred_at": ["before_contact"]}
    assert world.app.log_position() == before
    # and cancelling after the visit is fine
    world.app.cancel_handover(world.fid, handover_id=handover_id, reason="计划有变", recorded_by=Actor("coord"))
    assert world.app.log_position() == before + 1
