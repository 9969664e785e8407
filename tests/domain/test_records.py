"""What happens with a family: visits, messages (alumni included), concerns, referrals and follow-ups."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain import Actor, InvalidInput
from domain.errors import FactNotFound, VolunteerNotFound
from domain.family import Family
from domain.rules import (
    ConcernAlreadyResolved,
    FollowUpAlreadyDone,
    NotAnAlumniContact,
    NotAssigned,
    VolunteerNotOnFamily,
)
from domain.values import (
    Channel,
    ConcernCategory,
    ConcernLevel,
    Direction,
    Place,
    ServiceLine,
    Wellbeing,
)
from tests.builders import Scene, message, visit
from tests.domain.story import complete_handover, fields_in_error, joint_visit, last_fact, plan_handover


def concern(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"category": "education", "level": "medium", "summary": "小林最近不想上学"}
    fields.update(overrides)
    return fields


def test_a_visit_records_who_was_there_and_what_happened(world: Scene) -> None:
    # when the lead logs a visit with every descriptive field
    visit_id = world.app.log_visit(
        world.fid,
        volunteer_ids=[world.lead],
        recorded_by=Actor("v1"),
        **visit(
            place="centre",
            wellbeing="low",
            activities=["读绘本", "跳绳"],
            follow_ups_promised=["下周带字典"],
            social_worker="王社工",
            service_line="children_activity_room",
        ),
    )
    # then the fact holds them as the domain's values, and its id is returned
    logged = last_fact(world.app, world.fid)
    assert isinstance(logged, Family.VisitLogged)
    assert logged.event_id == visit_id
    assert logged.volunteer_ids == [world.lead]
    assert (logged.place, logged.wellbeing, logged.service_line) == (
        Place.CENTRE,
        Wellbeing.LOW,
        ServiceLine.CHILDREN_ACTIVITY_ROOM,
    )
    assert (logged.duration_minutes, logged.summary) == (90, "一起做作业，聊了学校的事")
    assert (logged.activities, logged.follow_ups_promised, logged.social_worker) == (
        ["读绘本", "跳绳"],
        ["下周带字典"],
        "王社工",
    )
    assert logged.handover_id is None


def test_a_visit_leaves_optional_fields_empty(world: Scene) -> None:
    world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    logged = last_fact(world.app, world.fid)
    assert (logged.wellbeing, logged.service_line, logged.activities, logged.social_worker) == (None, None, [], "")


def test_a_visit_names_every_bad_field_at_once(world: Scene) -> None:
    position = world.app.log_position()
    with pytest.raises(InvalidInput) as refused:
        world.app.log_visit(
            world.fid,
            volunteer_ids=[world.lead],
            recorded_by=Actor("v1"),
            **visit(place="park", duration_minutes=0, summary="", wellbeing="great", mood="happy"),
        )
    assert fields_in_error(refused.value) == {
        "place": ["choice"],
        "duration_minutes": ["range"],
        "summary": ["blank"],
        "wellbeing": ["choice"],
        "mood": ["unknown"],
    }
    assert world.app.log_position() == position


def test_a_visit_needs_at_least_one_known_volunteer(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.log_visit(world.fid, volunteer_ids=[], recorded_by=Actor("v1"), **visit())
    assert fields_in_error(refused.value) == {"volunteer_ids": ["required"]}
    with pytest.raises(VolunteerNotFound):
        world.app.log_visit(world.fid, volunteer_ids=[uuid4()], recorded_by=Actor("v1"), **visit())


def test_a_volunteer_named_twice_on_a_visit_is_counted_once(world: Scene) -> None:
    world.app.log_visit(world.fid, volunteer_ids=[world.lead, world.lead], recorded_by=Actor("v1"), **visit())
    assert last_fact(world.app, world.fid).volunteer_ids == [world.lead]


def test_a_volunteer_not_on_the_family_cannot_log_a_visit_to_it(world: Scene) -> None:
    position = world.app.log_position()
    with pytest.raises(VolunteerNotOnFamily) as refused:
        world.app.log_visit(
            world.fid, volunteer_ids=[world.lead, world.volunteers[1]], recorded_by=Actor("v1"), **visit()
        )
    assert refused.value.params["name"] == "义工2"
    assert world.app.log_position() == position


def test_a_message_records_who_wrote_to_whom_and_how(world: Scene) -> None:
    message_id = world.app.log_message(world.fid, volunteer_id=world.lead, recorded_by=Actor("v1"), **message())
    logged = last_fact(world.app, world.fid)
    assert isinstance(logged, Family.MessageLogged)
    assert logged.event_id == message_id
    assert (logged.volunteer_id, logged.direction, logged.channel) == (
        world.lead,
        Direction.FROM_FAMILY,
        Channel.WECHAT,
    )
    assert (logged.summary, logged.family_member, logged.service_line) == ("天冷了，注意身体", "", None)


def test_a_volunteer_who_never_accompanied_the_family_cannot_message_it(world: Scene) -> None:
    with pytest.raises(NotAnAlumniContact):
        world.app.log_message(world.fid, volunteer_id=world.volunteers[1], recorded_by=Actor("v2"), **message())


def hand_over_and_depart(s: Scene, *, keep_in_touch: bool, opted_in: bool) -> None:
    """The lead hands over to the second volunteer, then graduates; opted in to alumni contact or not."""
    handover_id = plan_handover(s)
    s.later(days=7)
    joint_visit(s)
    s.later(days=7)
    complete_handover(s, handover_id, keep_in_touch=keep_in_touch)
    s.later(days=30)
    s.app.record_departure(s.lead, reason="graduated", recorded_by=Actor("coord"))
    if opted_in:
        s.app.set_alumni_contact(s.lead, opted_in=True, recorded_by=Actor("v1"))
    s.later(days=60)


@pytest.mark.parametrize(("keep_in_touch", "opted_in"), [(True, True), (True, False), (False, True), (False, False)])
def test_a_departed_volunteer_can_message_only_as_an_agreed_alumni_contact(
    world: Scene, keep_in_touch: bool, opted_in: bool
) -> None:
    # given the lead handed over, graduated, and the family kept in touch or not, the volunteer opted in or not
    hand_over_and_depart(world, keep_in_touch=keep_in_touch, opted_in=opted_in)
    position = world.app.log_position()
    # when the child texts them, then it is recorded only if both the family and the volunteer agreed
    if keep_in_touch and opted_in:
        world.app.log_message(world.fid, volunteer_id=world.lead, recorded_by=Actor("v1"), **message())
        assert world.app.log_position() == position + 1
    else:
        with pytest.raises(NotAnAlumniContact):
            world.app.log_message(world.fid, volunteer_id=world.lead, recorded_by=Actor("v1"), **message())
        assert world.app.log_position() == position


def test_an_alumni_contact_who_opts_out_can_no_longer_be_messaged(world: Scene) -> None:
    hand_over_and_depart(world, keep_in_touch=True, opted_in=True)
    world.app.set_alumni_contact(world.lead, opted_in=False, recorded_by=Actor("v1"))
    with pytest.raises(NotAnAlumniContact):
        world.app.log_message(world.fid, volunteer_id=world.lead, recorded_by=Actor("v1"), **message())


def test_a_departed_alumni_contact_cannot_visit(world: Scene) -> None:
    hand_over_and_depart(world, keep_in_touch=True, opted_in=True)
    with pytest.raises(VolunteerNotOnFamily):
        world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())


def test_raising_and_resolving_a_concern(world: Scene) -> None:
    # when a concern is raised
    concern_id = world.app.raise_concern(world.fid, recorded_by=Actor("sw"), **concern(service_line="youth_centre"))
    raised = last_fact(world.app, world.fid)
    assert isinstance(raised, Family.ConcernRaised)
    assert (raised.event_id, raised.category, raised.level, raised.service_line) == (
        concern_id,
        ConcernCategory.EDUCATION,
        ConcernLevel.MEDIUM,
        ServiceLine.YOUTH_CENTRE,
    )
    assert world.app.get_family(world.fid).open_concerns == [concern_id]
    # and later resolved
    world.later(days=5)
    world.app.resolve_concern(
        world.fid, concern_id=concern_id, resolution="和老师谈过，已复学", recorded_by=Actor("sw")
    )
    resolved = last_fact(world.app, world.fid)
    assert isinstance(resolved, Family.ConcernResolved)
    assert (resolved.concern_id, resolved.resolution) == (concern_id, "和老师谈过，已复学")
    assert world.app.get_family(world.fid).open_concerns == []


def test_a_concern_cannot_be_resolved_twice(world: Scene) -> None:
    concern_id = world.app.raise_concern(world.fid, recorded_by=Actor("sw"), **concern())
    world.app.resolve_concern(world.fid, concern_id=concern_id, resolution="好了", recorded_by=Actor("sw"))
    with pytest.raises(ConcernAlreadyResolved):
        world.app.resolve_concern(world.fid, concern_id=concern_id, resolution="好了", recorded_by=Actor("sw"))


def test_a_referral_may_answer_a_concern(world: Scene) -> None:
    concern_id = world.app.raise_concern(world.fid, recorded_by=Actor("sw"), **concern(category="economic"))
    referral_id = world.app.make_referral(
        world.fid, concern_id=concern_id, service_line="charity_shop", reason="需要冬衣", recorded_by=Actor("sw")
    )
    referred = last_fact(world.app, world.fid)
    assert isinstance(referred, Family.ReferralMade)
    assert (referred.event_id, referred.concern_id, referred.service_line) == (
        referral_id,
        concern_id,
        ServiceLine.CHARITY_SHOP,
    )


def test_a_referral_or_follow_up_cannot_point_at_an_unknown_concern(world: Scene) -> None:
    visit_id = world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    for not_a_concern in (uuid4(), visit_id):
        with pytest.raises(FactNotFound):
            world.app.make_referral(
                world.fid, concern_id=not_a_concern, service_line="womens_home", reason="?", recorded_by=Actor("sw")
            )
        with pytest.raises(FactNotFound):
            world.app.schedule_follow_up(
                world.fid, concern_id=not_a_concern, action="回访", due_on=date(2025, 3, 9), recorded_by=Actor("sw")
            )
        with pytest.raises(FactNotFound):
            world.app.resolve_concern(world.fid, concern_id=not_a_concern, resolution="?", recorded_by=Actor("sw"))


def test_a_referral_pointing_at_the_enrolment_is_told_there_is_no_such_concern(world: Scene) -> None:
    enrolment_id = world.app.family_facts(world.fid)[0].event_id
    with pytest.raises(FactNotFound):
        world.app.make_referral(
            world.fid, concern_id=enrolment_id, service_line="womens_home", reason="?", recorded_by=Actor("sw")
        )


def test_scheduling_and_completing_a_follow_up(world: Scene) -> None:
    concern_id = world.app.raise_concern(world.fid, recorded_by=Actor("sw"), **concern())
    follow_up_id = world.app.schedule_follow_up(
        world.fid,
        volunteer_id=world.lead,
        concern_id=concern_id,
        action="周五去学校问老师",
        due_on=date(2025, 3, 7),
        recorded_by=Actor("sw"),
    )
    scheduled = last_fact(world.app, world.fid)
    assert isinstance(scheduled, Family.FollowUpScheduled)
    assert (scheduled.event_id, scheduled.volunteer_id, scheduled.concern_id, scheduled.due_on) == (
        follow_up_id,
        world.lead,
        concern_id,
        date(2025, 3, 7),
    )
    assert world.app.get_family(world.fid).open_follow_ups == [follow_up_id]
    world.app.complete_follow_up(world.fid, follow_up_id=follow_up_id, note="老师说最近好多了", recorded_by=Actor("v1"))
    done = last_fact(world.app, world.fid)
    assert isinstance(done, Family.FollowUpDone)
    assert (done.follow_up_id, done.note) == (follow_up_id, "老师说最近好多了")
    assert world.app.get_family(world.fid).open_follow_ups == []


def test_a_follow_up_cannot_be_done_twice(world: Scene) -> None:
    follow_up_id = world.app.schedule_follow_up(
        world.fid, action="回访", due_on=date(2025, 3, 9), recorded_by=Actor("sw")
    )
    world.app.complete_follow_up(world.fid, follow_up_id=follow_up_id, recorded_by=Actor("v1"))
    with pytest.raises(FollowUpAlreadyDone):
        world.app.complete_follow_up(world.fid, follow_up_id=follow_up_id, recorded_by=Actor("v1"))


def test_a_follow_up_is_given_to_someone_who_accompanies_the_family(world: Scene) -> None:
    with pytest.raises(NotAssigned):
        world.app.schedule_follow_up(
            world.fid, volunteer_id=world.volunteers[1], action="回访", due_on=date(2025, 3, 9), recorded_by=Actor("sw")
        )


def test_a_follow_up_needs_an_action_and_a_due_date(world: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.schedule_follow_up(world.fid, action="", due_on="next week", recorded_by=Actor("sw"))
    assert fields_in_error(refused.value) == {"action": ["blank"], "due_on": ["date"]}
