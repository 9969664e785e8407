"""The application on each real store: same behaviour, and state survives closing and reopening."""

from __future__ import annotations

from datetime import date

import pytest

from domain import Actor, DomainError, Peiban, StoreSettings
from domain.rules import LeadAlreadyAssigned
from tests.builders import StepClock, message, scene, visit


def open_app(settings: StoreSettings, clock: StepClock) -> Peiban:
    return Peiban(settings.env(Peiban.name), clock=clock)


def test_a_story_reads_back_the_same_on_every_store(store_settings: StoreSettings, clock: StepClock) -> None:
    # given a family with a lead, a visit, a message and a planned handover
    app = open_app(store_settings, clock)
    s = scene(app, clock)
    visit_id = app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit())
    app.log_message(s.fid, volunteer_id=s.lead, recorded_by=Actor("v1"), **message())
    handover = app.plan_handover(
        s.fid,
        outgoing_volunteer_id=s.lead,
        incoming_volunteer_id=s.volunteers[1],
        planned_on=date(2025, 6, 1),
        letter="小林喜欢画画。",
        recorded_by=Actor("coord"),
    )
    # when we read it back
    family = app.get_family(s.fid)
    facts = app.family_facts(s.fid)
    # then the facts are in recording order, with their ids, and the state follows from them
    assert [type(f).__name__ for f in facts] == [
        "Enrolled",
        "VolunteerAssigned",
        "VisitLogged",
        "MessageLogged",
        "HandoverPlanned",
    ]
    assert facts[2].event_id == visit_id
    assert family.roster.open_handover() is not None
    assert family.roster.open_handover().handover_id == handover  # type: ignore[union-attr]
    assert app.log_position() >= 5
    app.close()


def test_closing_and_reopening_a_durable_store_keeps_every_fact(durable_store: StoreSettings, clock: StepClock) -> None:
    # given a story recorded and the application closed
    app = open_app(durable_store, clock)
    s = scene(app, clock)
    app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary="第一次家访"))
    before = app.get_family(s.fid)
    position = app.log_position()
    facts = [(type(f).__name__, f.occurred_at, f.recorded_by) for f in app.family_facts(s.fid)]
    app.close()
    # when a new application opens the same store
    reopened = open_app(durable_store, clock)
    # then the family, its facts and the log position are the same
    assert reopened.get_family(s.fid) == before
    assert [(type(f).__name__, f.occurred_at, f.recorded_by) for f in reopened.family_facts(s.fid)] == facts
    assert reopened.log_position() == position
    # and the rules still hold against the stored state
    with pytest.raises(LeadAlreadyAssigned):
        reopened.assign_volunteer(s.fid, volunteer_id=s.volunteers[1], role="lead", recorded_by=Actor("coord"))
    assert reopened.log_position() == position
    reopened.close()


def test_a_rejected_command_records_nothing_on_a_durable_store(durable_store: StoreSettings, clock: StepClock) -> None:
    app = open_app(durable_store, clock)
    s = scene(app, clock)
    position = app.log_position()
    with pytest.raises(DomainError):
        app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(duration_minutes=0))
    with pytest.raises(DomainError):
        app.log_visit(s.fid, volunteer_ids=[s.volunteers[1]], recorded_by=Actor("v1"), **visit())
    assert app.log_position() == position
    app.close()
