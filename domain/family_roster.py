"""Who accompanies a family: assignments of volunteers as lead, co or shadow, and their end."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import CommandId, PeibanAggregate
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.family_base import FamilyBase
from domain.rules import (
    AlreadyAssigned,
    FamilyClosed,
    LeadAlreadyAssigned,
    NotAssigned,
    VolunteerNotActive,
)
from domain.values import (
    Role,
    VolunteerStatus,
)
from domain.volunteer import Departure, VolunteerStanding

Event = PeibanAggregate.Event


class FamilyRoster(FamilyBase):
    """Facts and commands about the family's assignments."""

    class VolunteerAssigned(Event):
        TOPIC = "peiban.Family.VolunteerAssigned"
        volunteer_id: UUID
        role: Role

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.start(self.volunteer_id, self.role, self.occurred_at)

    class VolunteerUnassigned(Event):
        TOPIC = "peiban.Family.VolunteerUnassigned"
        volunteer_id: UUID
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.end(self.volunteer_id, self.occurred_at)

    class AssignmentEnded(Event):
        """An assignment the system ended because of another fact: the volunteer's departure (``caused_by``)."""

        TOPIC = "peiban.Family.AssignmentEnded"
        volunteer_id: UUID
        caused_by: UUID

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.end(self.volunteer_id, self.occurred_at)

    def assign(
        self,
        *,
        volunteer: VolunteerStanding,
        role: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Assign an active volunteer as lead, co or shadow."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, after=volunteer.active_since)
        chosen = checks.choice("role", role, Role)
        last_lead_end = self.roster.last_lead_end()
        if chosen is Role.LEAD and last_lead_end and when < last_lead_end:
            checks.moment("occurred_at", when, now=now, not_before=last_lead_end)
        if volunteer.active_since is not None and when < volunteer.active_since:
            checks.moment("occurred_at", when, now=now, not_before=volunteer.active_since)
        checks.done()
        if self.is_closed:
            raise FamilyClosed()
        if volunteer.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=volunteer.name, status=volunteer.describe_status())
        if self.roster.current_of(volunteer.volunteer_id) is not None:
            raise AlreadyAssigned()
        lead = self.roster.lead()
        if chosen is Role.LEAD and lead is not None:
            raise LeadAlreadyAssigned(lead=str(lead.volunteer_id))
        return self._record(
            self.VolunteerAssigned,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_id=volunteer.volunteer_id,
            role=chosen,
        )

    def unassign(
        self,
        *,
        volunteer_id: UUID,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """End a volunteer's assignment, with the reason."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, seen=(volunteer_id,), clearance=clearance)
        why = checks.text("reason", reason)
        assignment = self.roster.current_of(volunteer_id)
        if assignment is not None:
            checks.moment("occurred_at", when, now=now, not_before=assignment.started_at)
        checks.done()
        if assignment is None:
            raise NotAssigned()
        return self._record(
            self.VolunteerUnassigned,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_id=volunteer_id,
            reason=why,
        )

    def end_assignment_on_departure(
        self, departure: Departure, *, recorded_by: str, now: datetime, command_id: CommandId | None = None
    ) -> UUID | None:
        """End the assignment a departed volunteer still holds, if any (else record nothing). It ends at the
        departure, or later if the family's record already shows a later roster change or contact of theirs:
        a roster is told in time order, and a departure entered late must still end the assignment."""
        assignment = self.roster.current_of(departure.volunteer_id)
        if assignment is None:
            return None
        seen = self.last_seen.get(departure.volunteer_id.hex)
        moments = (departure.occurred_at, self.roster_changed_at, assignment.started_at, seen)
        return self._record(
            self.AssignmentEnded,
            now=now,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=max(m for m in moments if m is not None),
            volunteer_id=departure.volunteer_id,
            caused_by=departure.fact_id,
        )
