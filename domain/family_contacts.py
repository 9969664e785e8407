"""Contacts with a family: visits (joint visits during a handover) and messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.aggregate import Entry, PeibanAggregate
from domain.errors import Problem
from domain.facts import check_fields
from domain.family_base import FamilyBase
from domain.family_state import Fact
from domain.rules import FamilyClosed, NotAnAlumniContact, VolunteerNotOnFamily
from domain.volunteer import VolunteerStanding

Event = PeibanAggregate.Event


class FamilyContacts(FamilyBase):
    """Facts and commands of the family's visits and messages."""

    class VisitLogged(Event):
        TOPIC = "peiban.Family.VisitLogged"
        volunteer_ids: list[UUID]
        place: Any
        duration_minutes: int
        summary: str
        wellbeing: Any
        activities: list[str]
        follow_ups_promised: list[str]
        social_worker: str
        service_line: Any
        handover_id: UUID | None

        def apply(self, family: FamilyBase) -> None:
            for volunteer_id in self.volunteer_ids:
                family.saw(volunteer_id, self.occurred_at)
            family.facts[self.event_id.hex] = Fact(
                "visit",
                service_line=self.service_line,
                folded=True,
                occurred_at=self.occurred_at,
                volunteers=list(self.volunteer_ids),
            )
            handover = family.roster.handover(self.handover_id) if self.handover_id else None
            if handover is not None:
                handover.joint_visit_ids.append(self.event_id)

    class MessageLogged(Event):
        TOPIC = "peiban.Family.MessageLogged"
        volunteer_id: UUID
        direction: Any
        channel: Any
        family_member: str
        summary: str
        service_line: Any

        def apply(self, family: FamilyBase) -> None:
            family.saw(self.volunteer_id, self.occurred_at)
            family.facts[self.event_id.hex] = Fact(
                "message",
                service_line=self.service_line,
                folded=True,
                occurred_at=self.occurred_at,
                volunteers=[self.volunteer_id],
            )

    def log_visit(self, entry: Entry, *, volunteers: Sequence[VolunteerStanding], **fields: object) -> UUID:
        """Log a visit; a visit with both sides of a handover present is a joint visit."""
        draft = self._draft(entry)
        values = check_fields(draft, "visit", fields)
        self._reject_unknown(draft, fields, "visit")
        if not volunteers:
            draft.add("volunteer_ids", Problem("required", "a_volunteer"))
        draft.done()
        if self.closed_at is not None and draft.when >= self.closed_at:
            raise FamilyClosed()  # a visit from before the closure, written up late, is still welcome
        for volunteer in volunteers:
            if not (
                volunteer.was_present_at(draft.when) and self.roster.on_family_at(volunteer.volunteer_id, draft.when)
            ):
                raise VolunteerNotOnFamily(name=volunteer.name, when=draft.when)
        ids = list(dict.fromkeys(v.volunteer_id for v in volunteers))
        handover = self.roster.joint_handover_at(ids, draft.when)
        return self._record(
            self.VisitLogged, draft, volunteer_ids=ids, handover_id=handover.handover_id if handover else None, **values
        )

    def log_message(self, entry: Entry, *, volunteer: VolunteerStanding, **fields: object) -> UUID:
        """Log a message between the family and a volunteer (alumni included)."""
        draft = self._draft(entry)
        values = check_fields(draft, "message", fields)
        self._reject_unknown(draft, fields, "message")
        draft.done()
        vid = volunteer.volunteer_id
        on_family = volunteer.was_present_at(draft.when) and self.roster.on_family_at(vid, draft.when)
        alumni = volunteer.alumni_opted_in and self.roster.is_alumni_contact(vid, draft.when)
        if not (on_family or alumni):
            raise NotAnAlumniContact(name=volunteer.name)
        return self._record(self.MessageLogged, draft, volunteer_id=vid, **values)
