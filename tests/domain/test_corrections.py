"""Corrections: an amendment or retraction points at a live fact of the same family; the original stays."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain import Actor, InvalidInput
from domain.errors import FactNotFound
from domain.family import Family
from domain.rules import FactAlreadyRetracted, FactNotCorrectable
from domain.values import Place
from tests.builders import Scene, family_profile, visit
from tests.domain.story import facts, fields_in_error, last_fact


@pytest.fixture
def visit_id(world: Scene) -> UUID:
    """A visit by the lead, logged an hour ago."""
    logged = world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    world.later(hours=1)
    return logged


def test_an_amendment_records_the_changes_and_keeps_the_original(world: Scene, visit_id: UUID) -> None:
    # when the volunteer corrects where the visit took place and how long it lasted
    amendment_id = world.app.amend_fact(
        world.fid,
        target_event_id=visit_id,
        changes={"place": "centre", "duration_minutes": 60},
        reason="记错了地点",
        recorded_by=Actor("v1"),
    )
    # then the amendment points at the visit with checked values, the reason, who and when
    amended = last_fact(world.app, world.fid)
    assert isinstance(amended, Family.FactAmended)
    assert (amended.event_id, amended.target_event_id) == (amendment_id, visit_id)
    assert amended.changes == {"place": Place.CENTRE, "duration_minutes": 60}
    assert (amended.reason, amended.recorded_by, amended.recorded_at) == ("记错了地点", "v1", world.clock.now)
    assert amended.occurred_at == world.clock.now
    # and the original visit is still there, unchanged
    [original] = facts(world.app, world.fid, "VisitLogged")
    assert (original.event_id, original.place, original.duration_minutes) == (visit_id, Place.HOME, 90)


def test_an_amendment_is_held_to_the_same_checks_as_the_original(world: Scene, visit_id: UUID) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.amend_fact(
            world.fid,
            target_event_id=visit_id,
            changes={"duration_minutes": 0, "place": "moon"},
            reason="",
            recorded_by=Actor("v1"),
        )
    assert fields_in_error(refused.value) == {
        "reason": ["blank"],
        "changes.duration_minutes": ["range"],
        "changes.place": ["choice"],
    }


@pytest.mark.parametrize("field", ["volunteer_ids", "occurred_at", "handover_id", "recorded_by"])
def test_who_was_there_and_when_cannot_be_amended(world: Scene, visit_id: UUID, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.amend_fact(
            world.fid, target_event_id=visit_id, changes={field: "x"}, reason="改一下", recorded_by=Actor("v1")
        )
    assert fields_in_error(refused.value) == {f"changes.{field}": ["not_amendable"]}


def test_an_amendment_must_change_something(world: Scene, visit_id: UUID) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.app.amend_fact(world.fid, target_event_id=visit_id, changes={}, reason="?", recorded_by=Actor("v1"))
    assert fields_in_error(refused.value) == {"changes": ["required"]}


def test_a_retraction_records_the_reason_and_keeps_the_original(world: Scene, visit_id: UUID) -> None:
    retraction_id = world.app.retract_fact(
        world.fid, target_event_id=visit_id, reason="记到别家了", recorded_by=Actor("coord")
    )
    retracted = last_fact(world.app, world.fid)
    assert isinstance(retracted, Family.FactRetracted)
    assert (retracted.event_id, retracted.target_event_id, retracted.reason) == (retraction_id, visit_id, "记到别家了")
    assert [f.event_id for f in facts(world.app, world.fid, "VisitLogged")] == [visit_id]
    assert world.app.get_family(world.fid).facts[visit_id.hex].retracted


def test_a_retracted_fact_cannot_be_corrected_again(world: Scene, visit_id: UUID) -> None:
    world.app.retract_fact(world.fid, target_event_id=visit_id, reason="记到别家了", recorded_by=Actor("coord"))
    position = world.app.log_position()
    with pytest.raises(FactAlreadyRetracted):
        world.app.retract_fact(world.fid, target_event_id=visit_id, reason="again", recorded_by=Actor("coord"))
    with pytest.raises(FactAlreadyRetracted):
        world.app.amend_fact(
            world.fid, target_event_id=visit_id, changes={"summary": "x"}, reason="?", recorded_by=Actor("coord")
        )
    assert world.app.log_position() == position


def test_an_amended_fact_can_be_amended_again_and_then_retracted(world: Scene, visit_id: UUID) -> None:
    for summary in ("第一次更正", "第二次更正"):
        world.app.amend_fact(
            world.fid, target_event_id=visit_id, changes={"summary": summary}, reason="补充", recorded_by=Actor("v1")
        )
    world.app.retract_fact(world.fid, target_event_id=visit_id, reason="重复记录", recorded_by=Actor("coord"))
    kinds = [type(f).__name__ for f in facts(world.app, world.fid)][-4:]
    assert kinds == ["VisitLogged", "FactAmended", "FactAmended", "FactRetracted"]


def test_an_unknown_fact_is_not_found(world: Scene) -> None:
    with pytest.raises(FactNotFound):
        world.app.retract_fact(world.fid, target_event_id=uuid4(), reason="?", recorded_by=Actor("coord"))


def test_a_fact_of_another_family_is_not_found(world: Scene) -> None:
    # given a visit to the scene's family and a second family
    visit_id = world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    other = world.app.enrol_family(recorded_by=Actor("coord"), **family_profile(display_name="王家"))
    # when someone corrects the visit through the other family, then it is not found there
    with pytest.raises(FactNotFound):
        world.app.retract_fact(other, target_event_id=visit_id, reason="?", recorded_by=Actor("coord"))
    with pytest.raises(FactNotFound):
        world.app.amend_fact(
            other, target_event_id=visit_id, changes={"summary": "x"}, reason="?", recorded_by=Actor("c")
        )


@pytest.mark.parametrize("position", [0, 1], ids=["enrolment", "assignment"])
def test_structural_facts_cannot_be_corrected(world: Scene, position: int) -> None:
    structural = world.app.family_facts(world.fid)[position].event_id
    with pytest.raises(FactNotCorrectable):
        world.app.retract_fact(world.fid, target_event_id=structural, reason="?", recorded_by=Actor("coord"))
    with pytest.raises(FactNotCorrectable):
        world.app.amend_fact(
            world.fid, target_event_id=structural, changes={"summary": "x"}, reason="?", recorded_by=Actor("coord")
        )


def test_a_correction_cannot_itself_be_corrected(world: Scene, visit_id: UUID) -> None:
    amendment_id = world.app.amend_fact(
        world.fid, target_event_id=visit_id, changes={"summary": "x"}, reason="补充", recorded_by=Actor("v1")
    )
    with pytest.raises(FactNotCorrectable):
        world.app.retract_fact(world.fid, target_event_id=amendment_id, reason="?", recorded_by=Actor("coord"))


def test_retracting_a_concern_or_follow_up_takes_it_off_the_open_lists(world: Scene) -> None:
    app = world.app
    concern_id = app.raise_concern(world.fid, category="health", level="high", summary="发烧", recorded_by=Actor("sw"))
    follow_up_id = app.schedule_follow_up(world.fid, action="送药", due_on=date(2025, 3, 3), recorded_by=Actor("sw"))
    app.retract_fact(world.fid, target_event_id=concern_id, reason="记错家庭", recorded_by=Actor("sw"))
    app.retract_fact(world.fid, target_event_id=follow_up_id, reason="记错家庭", recorded_by=Actor("sw"))
    family = app.get_family(world.fid)
    assert (family.open_concerns, family.open_follow_ups) == ([], [])
    with pytest.raises(FactAlreadyRetracted):
        app.resolve_concern(world.fid, concern_id=concern_id, resolution="?", recorded_by=Actor("sw"))
    with pytest.raises(FactAlreadyRetracted):
        app.complete_follow_up(world.fid, follow_up_id=follow_up_id, recorded_by=Actor("sw"))


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("message", "channel", "phone"),
        ("concern", "level", "urgent"),
        ("referral", "reason", "补充说明"),
        ("follow_up", "due_on", date(2025, 4, 1)),
    ],
)
def test_each_kind_of_record_amends_its_own_fields(world: Scene, kind: str, field: str, value: object) -> None:
    app = world.app
    recorded = {
        "message": lambda: app.log_message(
            world.fid,
            volunteer_id=world.lead,
            direction="to_family",
            channel="sms",
            summary="hi",
            recorded_by=Actor("v1"),
        ),
        "concern": lambda: app.raise_concern(
            world.fid, category="health", level="low", summary="咳嗽", recorded_by=Actor("sw")
        ),
        "referral": lambda: app.make_referral(
            world.fid, service_line="youth_centre", reason="r", recorded_by=Actor("sw")
        ),
        "follow_up": lambda: app.schedule_follow_up(
            world.fid, action="回访", due_on=date(2025, 3, 9), recorded_by=Actor("sw")
        ),
    }[kind]()
    app.amend_fact(world.fid, target_event_id=recorded, changes={field: value}, reason="更正", recorded_by=Actor("sw"))
    assert field in last_fact(app, world.fid).changes
    # and a field of another kind of record is not amendable on this one
    with pytest.raises(InvalidInput) as refused:
        app.amend_fact(
            world.fid, target_event_id=recorded, changes={"place": "home"}, reason="?", recorded_by=Actor("sw")
        )
    assert fields_in_error(refused.value) == {"changes.place": ["not_amendable"]}
