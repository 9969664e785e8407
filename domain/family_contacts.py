"""Contacts with a family: visits (joint visits during a handover) and messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.aggregate import Draft, Entry, PeibanAggregate
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.errors import Problem
from domain.facts import check_fields
from domain.family_base import FamilyBase
from domain.family_state import Fact, Promise
from domain.rules import FamilyClosed, NotAnAlumniContact, VolunteerNotOnFamily
from domain.values import PromiseState
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
            family.promised(self.event_id, self.follow_ups_promised)

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

    class PromiseKept(Event):
        TOPIC = "peiban.Family.PromiseKept"
        promise_id: UUID
        visit_id: UUID
        #: the promise's words, as the visit recorded them
        promise: str
        note: str

        def apply(self, family: FamilyBase) -> None:
            family.settle_promise(self.promise_id, PromiseState.KEPT)
            family.trace(self.event_id, self.visit_id)  # in the compartment of the visit it was promised on

    class PromiseLetGo(Event):
        TOPIC = "peiban.Family.PromiseLetGo"
        promise_id: UUID
        visit_id: UUID
        promise: str
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.settle_promise(self.promise_id, PromiseState.LET_GO)
            family.trace(self.event_id, self.visit_id)

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

    def keep_promise(
        self, entry: Entry, *, promise_id: UUID, clearance: Clearance = EVERY_COMPARTMENT, **fields: object
    ) -> UUID:
        """Record that an open promise made during a visit was kept (a note optional)."""
        draft, values = self._settling(entry, "promise_kept", fields)
        promise = self._settled(draft, promise_id, clearance)
        return self._record(
            self.PromiseKept, draft, promise_id=promise_id, visit_id=promise.visit_id, promise=promise.text, **values
        )

    def let_promise_go(
        self, entry: Entry, *, promise_id: UUID, clearance: Clearance = EVERY_COMPARTMENT, **fields: object
    ) -> UUID:
        """Record that an open promise made during a visit is let go, and why."""
        draft, values = self._settling(entry, "promise_let_go", fields)
        promise = self._settled(draft, promise_id, clearance)
        return self._record(
            self.PromiseLetGo, draft, promise_id=promise_id, visit_id=promise.visit_id, promise=promise.text, **values
        )

    def _settling(self, entry: Entry, kind: str, fields: dict[str, object]) -> tuple[Draft, dict[str, object]]:
        draft = self._draft(entry)
        values = check_fields(draft, kind, fields)
        self._reject_unknown(draft, fields, kind)
        draft.done()
        return draft, values

    def _settled(self, draft: Draft, promise_id: UUID, clearance: Clearance) -> Promise:
        """The open promise ``promise_id``; a promise is settled no earlier than it was made."""
        visit = self._open_promise(promise_id, clearance)
        if visit.occurred_at is not None:
            draft.not_before(visit.occurred_at)
            draft.done()
        return (self.promises or {})[promise_id.hex]
