"""What must hold for every family after any sequence of commands, checked against what is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate

from domain import Peiban
from domain.family import Family
from domain.values import Role, VolunteerStatus
from domain.volunteer import Volunteer


def check_family(app: Peiban, family_id: UUID, facts_recorded: int) -> None:
    """Every invariant of one family; ``facts_recorded`` is how many facts the test saw accepted."""
    family = app.get_family(family_id)
    facts = app.family_facts(family_id)
    assert family.version == len(facts) == facts_recorded
    through_snapshot = app.repository.get(family_id, version=family.version)  # past the aggregate cache
    replayed = project_aggregate(None, app.events.get(family_id))
    assert family == through_snapshot == replayed, "the cached, snapshot-loaded and replayed families differ"
    at_most_one_current_lead(family)
    current_volunteers_were_active_when_assigned(app, family, facts)
    completed_handovers_had_a_joint_visit_or_a_reason(facts)
    visitors_were_on_the_family_when_they_visited(family, facts)


def at_most_one_current_lead(family: Family) -> None:
    leads = [a for a in family.roster.current() if a.role is Role.LEAD]
    assert len(leads) <= 1, f"two current leads: {leads}"


def current_volunteers_were_active_when_assigned(app: Peiban, family: Family, facts: list[Any]) -> None:
    """Each current assignment began (by an assignment or a handover) while its volunteer was active."""
    incoming = {f.event_id: f.incoming_volunteer_id for f in facts if isinstance(f, Family.HandoverPlanned)}
    began: dict[UUID, datetime] = {}
    for fact in facts:
        if isinstance(fact, Family.VolunteerAssigned):
            began[fact.volunteer_id] = fact.recorded_at
        elif isinstance(fact, Family.HandoverCompleted):
            began[incoming[fact.handover_id]] = fact.recorded_at
    for assignment in family.roster.current():
        then = began[assignment.volunteer_id]
        history = [e for e in app.events.get(assignment.volunteer_id) if e.recorded_at <= then]
        volunteer = project_aggregate(None, history)
        assert isinstance(volunteer, Volunteer)
        assert volunteer.status is VolunteerStatus.ACTIVE, f"{assignment} began while {volunteer.status}"


def completed_handovers_had_a_joint_visit_or_a_reason(facts: list[Any]) -> None:
    """At the moment each handover completed, it had a live joint visit or a recorded reason."""
    joint: dict[UUID, set[UUID]] = {}
    for fact in facts:
        if isinstance(fact, Family.VisitLogged) and fact.handover_id is not None:
            joint.setdefault(fact.handover_id, set()).add(fact.event_id)
        elif isinstance(fact, Family.FactRetracted):
            for visits in joint.values():
                visits.discard(fact.target_event_id)
        elif isinstance(fact, Family.HandoverCompleted):
            assert joint.get(fact.handover_id) or fact.no_joint_visit_reason, f"{fact.handover_id} had neither"


def visitors_were_on_the_family_when_they_visited(family: Family, facts: list[Any]) -> None:
    """Checked against the roster's history: an assignment covering the moment, or a handover open then."""

    def on_family(volunteer_id: UUID, when: datetime) -> bool:
        assigned = any(
            a.volunteer_id == volunteer_id and a.started_at <= when and (a.ended_at is None or when <= a.ended_at)
            for a in family.roster.assignments
        )
        in_handover = any(
            volunteer_id in (h.outgoing_id, h.incoming_id)
            and h.opened_at <= when
            and (h.closed_at is None or when <= h.closed_at)
            for h in family.roster.handovers
        )
        return assigned or in_handover

    for fact in facts:
        if isinstance(fact, Family.VisitLogged):
            for volunteer_id in fact.volunteer_ids:
                assert on_family(volunteer_id, fact.occurred_at), f"{volunteer_id} was not on the family then"
