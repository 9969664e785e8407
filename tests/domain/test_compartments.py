"""Compartments where facts are resolved: a command naming a fact of a compartment the caller is not cleared for
fails exactly as if the fact did not exist, and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import Actor
from domain.aggregate import Entry
from domain.compartments import EVERY_COMPARTMENT, NO_COMPARTMENT, Clearance
from domain.errors import DomainError, FactNotFound, InvalidInput
from domain.family import Family
from domain.family_state import Fact
from tests.builders import Scene, message, visit
from tests.domain.story import fields_in_error

BY = Actor("c")

Command = Callable[[UUID, Clearance], Any]


@dataclass
class Record:
    """A family's compartment (a shelter concern and what follows from it) beside its everyday record."""

    everyday: dict[str, UUID]
    hidden: dict[str, UUID]


@pytest.fixture
def record(world: Scene) -> Record:
    app, fid = world.app, world.fid
    concern = app.raise_concern(
        fid, category="safety", level="urgent", service_line="shelter", summary="s", recorded_by=Actor("sw")
    )
    follow_up = app.schedule_follow_up(
        fid, action="a", due_on=date(2025, 4, 1), concern_id=concern, recorded_by=Actor("sw")
    )
    hidden = {
        "concern": concern,
        "follow-up": follow_up,
        "referral for it": app.make_referral(
            fid, service_line="youth_centre", reason="r", concern_id=concern, recorded_by=Actor("sw")
        ),
        "referral to the line": app.make_referral(
            fid, service_line="anti_domestic_violence", reason="r", recorded_by=Actor("sw")
        ),
        "visit": app.log_visit(
            fid, volunteer_ids=[world.lead], recorded_by=Actor("sw"), **visit(service_line="shelter")
        ),
        "done": app.complete_follow_up(fid, follow_up_id=follow_up, recorded_by=Actor("sw")),
        "amendment": app.amend_fact(
            fid, target_event_id=concern, changes={"level": "high"}, reason="r", recorded_by=Actor("sw")
        ),
    }
    other = app.raise_concern(fid, category="education", level="low", summary="s", recorded_by=Actor("sw"))
    hidden["resolution"] = app.resolve_concern(fid, concern_id=concern, resolution="r", recorded_by=Actor("sw"))
    everyday = {
        "concern": other,
        "message": app.log_message(fid, volunteer_id=world.lead, recorded_by=Actor("v"), **message()),
    }
    return Record(everyday, hidden)


def commands(world: Scene) -> dict[str, Command]:
    """Every command that names an earlier fact, with the caller's clearance."""
    app, fid, by = world.app, world.fid, BY
    return {
        "resolve": lambda f, c: app.resolve_concern(fid, concern_id=f, resolution="r", recorded_by=by, clearance=c),
        "complete": lambda f, c: app.complete_follow_up(fid, follow_up_id=f, recorded_by=by, clearance=c),
        "follow up": lambda f, c: app.schedule_follow_up(
            fid, action="a", due_on=date(2025, 4, 1), concern_id=f, recorded_by=by, clearance=c
        ),
        "refer": lambda f, c: app.make_referral(
            fid, service_line="youth_centre", reason="r", concern_id=f, recorded_by=by, clearance=c
        ),
        "amend": lambda f, c: app.amend_fact(
            fid, target_event_id=f, changes={"summary": "x"}, reason="r", recorded_by=by, clearance=c
        ),
        "retract": lambda f, c: app.retract_fact(fid, target_event_id=f, reason="r", recorded_by=by, clearance=c),
    }


def outcome(command: Command, fact: UUID, clearance: Clearance) -> str:
    try:
        command(fact, clearance)
    except DomainError as refused:
        return f"{type(refused).__name__}: {refused.params} {getattr(refused, 'errors', '')}"
    return "recorded"


def test_to_a_caller_not_cleared_every_fact_of_a_compartment_is_not_there(world: Scene, record: Record) -> None:
    before = world.app.log_position()
    for name, command in commands(world).items():
        nothing = outcome(command, uuid4(), NO_COMPARTMENT)
        assert nothing.startswith("FactNotFound")
        told_apart = {what for what, fact in record.hidden.items() if outcome(command, fact, NO_COMPARTMENT) != nothing}
        assert told_apart == set(), name
    assert world.app.log_position() == before


def test_cleared_callers_and_the_everyday_record_are_answered_as_before(world: Scene, record: Record) -> None:
    amend = commands(world)["amend"]
    # the cleared may correct the compartment's concern; anyone its everyday concern; a resolution is no correction
    assert outcome(amend, record.hidden["concern"], EVERY_COMPARTMENT) == "recorded"
    assert outcome(amend, record.everyday["message"], NO_COMPARTMENT) == "recorded"
    assert outcome(amend, record.hidden["resolution"], EVERY_COMPARTMENT).startswith("FactNotCorrectable")


def test_an_amendment_moves_a_fact_into_a_compartment_and_out_of_it(world: Scene, record: Record) -> None:
    app, fid, concern = world.app, world.fid, record.everyday["concern"]
    refer = commands(world)["refer"]
    app.amend_fact(
        fid, target_event_id=concern, changes={"service_line": "shelter"}, reason="r", recorded_by=Actor("sw")
    )
    with pytest.raises(FactNotFound):
        refer(concern, NO_COMPARTMENT)
    app.amend_fact(fid, target_event_id=concern, changes={"service_line": None}, reason="r", recorded_by=Actor("sw"))
    assert outcome(refer, concern, NO_COMPARTMENT) == "recorded"


def test_a_snapshot_from_before_compartments_were_kept_is_read_as_sensitive(world: Scene, record: Record) -> None:
    # given the family as a snapshot taken before facts kept their service lines (class version 1) would restore it
    family = world.app.get_family(world.fid)
    state = {k: v for k, v in Family.Snapshot.take(family).state.items() if k not in ("class_version", "traces")}
    state["facts"] = {key: Fact(fact.kind, fact.retracted) for key, fact in family.facts.items()}
    old = Family.Snapshot(
        originator_id=family.id,
        originator_version=family.version,
        timestamp=family.modified_on,
        topic=Family.Snapshot.take(family).topic,
        state=state,
    ).mutate(None)
    assert isinstance(old, Family)
    everyday, resolution = record.everyday["concern"], record.hidden["resolution"]

    # then what it cannot tell is taken as sensitive: only those cleared for every compartment may name it
    with pytest.raises(FactNotFound):
        old.make_referral(Entry(BY, world.clock(), world.clock()), concern_id=everyday, service_line="youth_centre",
                          reason="r", clearance=NO_COMPARTMENT)  # fmt: skip
    with pytest.raises(FactNotFound):
        old.retract(
            Entry(Actor("c"), None, world.clock()), target_event_id=resolution, reason="r", clearance=NO_COMPARTMENT
        )
    assert old.make_referral(
        Entry(Actor("c"), world.clock(), world.clock()), concern_id=everyday, service_line="youth_centre", reason="r",
        clearance=EVERY_COMPARTMENT,
    )  # fmt: skip


def test_a_roster_change_refused_by_a_later_contact_does_not_say_when_that_contact_was(world: Scene) -> None:
    # given the lead's shelter visit at 15:00, seen only by cleared staff
    app, fid = world.app, world.fid
    world.later(hours=3)
    visited_at = world.clock.now
    app.log_visit(fid, volunteer_ids=[world.lead], recorded_by=Actor("sw"), **visit(service_line="shelter"))
    world.later(hours=2)
    before = app.log_position()
    # when the coordinator ends the lead's assignment as of an hour before that visit
    with pytest.raises(InvalidInput) as refused:
        app.unassign_volunteer(
            fid,
            volunteer_id=world.lead,
            reason="r",
            occurred_at=visited_at - timedelta(hours=1),
            recorded_by=Actor("coord"),
        )
    # then the rule is named, but no moment that would date the hidden visit, and nothing is recorded
    assert fields_in_error(refused.value) == {"occurred_at": ["before_contact"]}
    [problem] = refused.value.errors["occurred_at"]
    assert problem.params == {}  # its wording (web.messages) has no placeholder either
    assert app.log_position() == before


def test_only_the_contacts_a_caller_may_see_bound_when_they_may_end_an_assignment(world: Scene) -> None:
    # given the lead's everyday visit at 12:00 and their shelter visit at 15:00
    app, fid = world.app, world.fid
    world.later(hours=3)
    everyday_at = world.clock.now
    app.log_visit(fid, volunteer_ids=[world.lead], recorded_by=Actor("v"), **visit())
    world.later(hours=3)
    app.log_visit(fid, volunteer_ids=[world.lead], recorded_by=Actor("sw"), **visit(service_line="shelter"))
    world.later(hours=2)
    before = app.log_position()
    end = {"volunteer_id": world.lead, "reason": "r", "recorded_by": Actor("coord")}
    # when a coordinator ends the assignment before the everyday visit, then it is refused, recording nothing
    with pytest.raises(InvalidInput):
        app.unassign_volunteer(fid, occurred_at=everyday_at - timedelta(hours=1), clearance=NO_COMPARTMENT, **end)
    assert app.log_position() == before
    # and when a social worker ends it between the two visits, the shelter visit refuses it
    with pytest.raises(InvalidInput):
        app.unassign_volunteer(fid, occurred_at=everyday_at + timedelta(hours=1), clearance=EVERY_COMPARTMENT, **end)
    # but the coordinator may: the shelter visit, not there for them, bounds nothing they do
    app.unassign_volunteer(fid, occurred_at=everyday_at + timedelta(hours=1), clearance=NO_COMPARTMENT, **end)
    assert app.log_position() == before + 1
