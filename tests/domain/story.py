"""Short steps that the domain tests tell their stories with, all through the public application API."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain import Actor, InvalidInput, Peiban
from domain.aggregate import PeibanAggregate
from tests.builders import Scene, visit

PLANNED_ON = date(2025, 6, 1)


def facts(app: Peiban, family_id: UUID, kind: str | None = None) -> list[Any]:
    """The family's facts in recording order, only those of class ``kind`` if given."""
    found = app.family_facts(family_id)
    return [f for f in found if kind is None or type(f).__name__ == kind]


def last_fact(app: Peiban, aggregate_id: UUID) -> Any:
    """The most recent fact recorded about any aggregate (family, volunteer or cohort)."""
    *_, last = app.events.get(aggregate_id)
    assert isinstance(last, PeibanAggregate.Event)
    return last


def fields_in_error(error: InvalidInput) -> dict[str, list[str]]:
    """The fields an ``InvalidInput`` names, each with its problem codes."""
    return {field: [p.code for p in problems] for field, problems in error.errors.items()}


def plan_handover(s: Scene, outgoing: UUID | None = None, incoming: UUID | None = None, **kw: Any) -> UUID:
    """Plan a handover from the lead (by default) to the second volunteer (by default)."""
    return s.app.plan_handover(
        s.fid,
        outgoing_volunteer_id=outgoing or s.lead,
        incoming_volunteer_id=incoming or s.volunteers[1],
        planned_on=PLANNED_ON,
        letter="小林喜欢画画，周三下午在家。",
        recorded_by=Actor("coord"),
        **kw,
    )


def joint_visit(s: Scene, *volunteers: UUID, **kw: Any) -> UUID:
    """A visit by the lead and the second volunteer together (or the volunteers given)."""
    present = list(volunteers) or [s.lead, s.volunteers[1]]
    return s.app.log_visit(s.fid, volunteer_ids=present, recorded_by=Actor("v1"), **visit(**kw))


def complete_handover(s: Scene, handover: UUID, *, keep_in_touch: bool = False, **kw: Any) -> None:
    s.app.complete_handover(s.fid, handover_id=handover, keep_in_touch=keep_in_touch, recorded_by=Actor("coord"), **kw)


def volunteer_with_status(s: Scene, status: str) -> UUID:
    """A new volunteer in the scene's cohort who is registered, active, departing or departed."""
    vid = s.volunteer(f"{status}义工", activate=status != "registered")
    if status in ("departing", "departed"):
        s.app.announce_departure(vid, expected_on=date(2025, 7, 1), recorded_by=Actor("coord"))
    if status == "departed":
        s.app.record_departure(vid, reason="graduated", recorded_by=Actor("coord"))
    return vid
