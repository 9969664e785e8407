"""A command sent again (a retry after a crash, a form sent twice) records nothing new: the aggregate keeps
which commands it answered, and answers with the fact it recorded the first time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.aggregate import CommandId
from tests.builders import Scene, family_profile, message, visit

#: (what the command needs first, the command itself) -> the id it answers with
Prepare = Callable[[Scene], UUID | None]
Command = Callable[[Scene, Any, CommandId], UUID]


def _command() -> CommandId:
    return CommandId(uuid4())


def _nothing(_s: Scene) -> None:
    return None


def _concern(s: Scene) -> UUID:
    return s.app.raise_concern(s.fid, recorded_by=Actor("c"), category="education", level="medium", summary="作业")


def _visit(s: Scene) -> UUID:
    return s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit())


FAMILY_COMMANDS: dict[str, tuple[Prepare, Command]] = {
    "log a visit": (
        _nothing,
        lambda s, _, c: s.app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), command_id=c, **visit()),
    ),
    "log a message": (
        _nothing,
        lambda s, _, c: s.app.log_message(
            s.fid, volunteer_id=s.lead, recorded_by=Actor("v"), command_id=c, **message()
        ),
    ),
    "assign a co (refused if repeated)": (
        _nothing,
        lambda s, _, c: s.app.assign_volunteer(
            s.fid, volunteer_id=s.volunteers[1], role="co", recorded_by=Actor("c"), command_id=c
        ),
    ),
    "plan a handover (refused if repeated)": (
        _nothing,
        lambda s, _, c: s.app.plan_handover(
            s.fid,
            outgoing_volunteer_id=s.lead,
            incoming_volunteer_id=s.volunteers[1],
            planned_on=date(2025, 4, 1),
            recorded_by=Actor("c"),
            command_id=c,
        ),
    ),
    "close the family (refused if repeated)": (
        _nothing,
        lambda s, _, c: s.app.close_family(s.fid, reason="搬家", recorded_by=Actor("c"), command_id=c),
    ),
    "resolve a concern (refused if repeated)": (
        _concern,
        lambda s, concern, c: s.app.resolve_concern(
            s.fid, concern_id=concern, resolution="补习", recorded_by=Actor("c"), command_id=c
        ),
    ),
    "retract a visit (refused if repeated)": (
        _visit,
        lambda s, fact, c: s.app.retract_fact(
            s.fid, target_event_id=fact, reason="记错了", recorded_by=Actor("c"), command_id=c
        ),
    ),
}


@pytest.mark.parametrize("case", FAMILY_COMMANDS.values(), ids=FAMILY_COMMANDS.keys())
def test_a_family_command_sent_again_records_nothing_and_answers_with_its_first_fact(
    world: Scene, case: tuple[Prepare, Command]
) -> None:
    prepare, command = case
    target, sent = prepare(world), _command()
    first = command(world, target, sent)
    position = world.app.log_position()
    world.later(minutes=5)

    again = command(world, target, sent)

    assert again == first
    assert world.app.log_position() == position


def test_the_same_command_from_another_caller_is_another_command(world: Scene) -> None:
    first = world.app.log_visit(
        world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v"), command_id=_command(), **visit()
    )
    other = world.app.log_visit(
        world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v"), command_id=_command(), **visit()
    )
    assert first != other


CREATIONS: dict[str, Callable[[Scene, CommandId], UUID]] = {
    "enrol a family": lambda s, c: s.app.enrol_family(recorded_by=Actor("c"), command_id=c, **family_profile()),
    "register a volunteer": lambda s, c: s.app.register_volunteer(
        cohort_id=s.cohort, name="新人", contact="wechat:y", recorded_by=Actor("c"), command_id=c
    ),
    "open a cohort": lambda s, c: s.app.open_cohort(
        name="2026级",
        intake_on=date(2025, 9, 1),
        expected_end_on=date(2027, 6, 30),
        recorded_by=Actor("c"),
        command_id=c,
    ),
}


@pytest.mark.parametrize("create", CREATIONS.values(), ids=CREATIONS.keys())
def test_a_creation_sent_again_creates_nothing_and_answers_with_what_it_created(
    world: Scene, create: Callable[[Scene, CommandId], UUID]
) -> None:
    sent = _command()
    first = create(world, sent)
    position = world.app.log_position()
    assert create(world, sent) == first
    assert world.app.log_position() == position


def test_a_volunteer_command_sent_again_records_nothing(world: Scene) -> None:
    recruit = world.volunteer("新人", activate=False)
    sent = _command()
    world.app.activate_volunteer(recruit, recorded_by=Actor("c"), command_id=sent)
    position = world.app.log_position()
    world.app.activate_volunteer(recruit, recorded_by=Actor("c"), command_id=sent)  # not refused: already answered
    assert world.app.log_position() == position


def test_a_family_remembers_its_commands_past_a_snapshot_and_a_restart(durable_store: StoreSettings) -> None:
    app = Peiban(durable_store.env(Peiban.name))
    lead = app.register_volunteer(
        cohort_id=app.open_cohort(
            name="c", intake_on=date(2024, 9, 1), expected_end_on=date(2027, 1, 1), recorded_by=Actor("c")
        ),
        name="王",
        contact="x",
        recorded_by=Actor("c"),
    )
    app.activate_volunteer(lead, recorded_by=Actor("c"))
    family = app.enrol_family(recorded_by=Actor("c"), **family_profile())
    app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"))
    sent = _command()
    first = app.log_message(family, volunteer_id=lead, recorded_by=Actor("v"), command_id=sent, **message())
    for _ in range(110):  # past the snapshot interval
        app.log_message(family, volunteer_id=lead, recorded_by=Actor("v"), **message())
    app.close()

    reopened = Peiban(durable_store.env(Peiban.name))
    try:
        assert reopened.snapshots is not None and list(reopened.snapshots.get(family))
        position = reopened.log_position()
        again: Any = reopened.log_message(
            family, volunteer_id=lead, recorded_by=Actor("v"), command_id=sent, **message()
        )
        assert again == first and reopened.log_position() == position
    finally:
        reopened.close()
