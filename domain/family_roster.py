"""Who accompanies a family: assignments of volunteers as lead, co or shadow, and their end."""

from __future__ import annotations

from uuid import UUID

from domain.aggregate import Draft, Entry, PeibanAggregate
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.family_base import FamilyBase
from domain.rules import AlreadyAssigned, FamilyClosed, LeadAlreadyAssigned, NotAssigned, VolunteerNotActive
from domain.values import Role, VolunteerStatus
from domain.volunteer import Departure, VolunteerStanding

Event = PeibanAggregate.Event


class FamilyRoster(FamilyBase):
    """Facts and commands about the family's assignments."""

    class VolunteerAssigned(Event):
        TOPIC = "peiban.Family.VolunteerAssigned"
        volunteer_id: UUID
        role: Role

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.roster.start(self.volunteer_id, self.role, self.occurred_at)

    class VolunteerUnassigned(Event):
        TOPIC = "peiban.Family.VolunteerUnassigned"
        volunteer_id: UUID
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.roster.end(self.volunteer_id, self.occurred_at)

    class AssignmentEnded(Event):
        """An assignment the system ended because of another fact: the volunteer's departure (``caused_by``)."""

        TOPIC = "peiban.Family.AssignmentEnded"
        volunteer_id: UUID
        caused_by: UUID

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.roster.end(self.volunteer_id, self.occurred_at)

    def assign(self, entry: Entry, *, volunteer: VolunteerStanding, role: Role) -> UUID:
        """Assign an active volunteer as lead, co or shadow."""
        draft = self._draft(entry)
        self._roster_change(draft, after=volunteer.active_since)
        chosen = draft.choice("role", role, Role)
        last_lead_end = self.roster.last_lead_end()
        if chosen is Role.LEAD and last_lead_end and draft.when < last_lead_end:
            draft.not_before(last_lead_end)
        if volunteer.active_since is not None and draft.when < volunteer.active_since:
            draft.not_before(volunteer.active_since)
        draft.done()
        if self.is_closed:
            raise FamilyClosed()
        if volunteer.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=volunteer.name, status=volunteer.status)
        if self.roster.current_of(volunteer.volunteer_id) is not None:
            raise AlreadyAssigned()
        lead = self.roster.lead()
        if chosen is Role.LEAD and lead is not None:
            raise LeadAlreadyAssigned(lead=lead.volunteer_id)
        return self._record(self.VolunteerAssigned, draft, volunteer_id=volunteer.volunteer_id, role=chosen)

    def unassign(
        self, entry: Entry, *, volunteer_id: UUID, reason: str, clearance: Clearance = EVERY_COMPARTMENT
    ) -> UUID:
        """End a volunteer's assignment, with the reason."""
        draft = self._draft(entry)
        self._roster_change(draft, seen=(volunteer_id,), clearance=clearance)
        why = draft.text("reason", reason)
        assignment = self.roster.current_of(volunteer_id)
        if assignment is not None:
            draft.not_before(assignment.started_at)
        draft.done()
        if assignment is None:
            raise NotAssigned()
        return self._record(self.VolunteerUnassigned, draft, volunteer_id=volunteer_id, reason=why)

    def end_assignment_on_departure(self, entry: Entry, departure: Departure) -> UUID | None:
        """End the assignment a departed volunteer still holds, if any (else record nothing). It ends at the
        departure, or later if the family's record already shows a later roster change or contact of theirs:
        a roster is told in time order, and a departure entered late must still end the assignment."""
        assignment = self.roster.current_of(departure.volunteer_id)
        if assignment is None:
            return None
        seen = self.last_seen.get(departure.volunteer_id.hex)
        moments = (departure.occurred_at, self.roster_changed_at, assignment.started_at, seen)
        draft = Draft(entry)
        draft.when = max(m for m in moments if m is not None)  # decided here from recorded facts, not given
        return self._record(
            self.AssignmentEnded, draft, volunteer_id=departure.volunteer_id, caused_by=departure.fact_id
        )
