"""Handovers: an outgoing volunteer brings an incoming one to the family, until the family trusts them."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.aggregate import Draft, Entry, PeibanAggregate
from domain.compartments import EVERY_COMPARTMENT, Clearance, compartment_of
from domain.errors import Problem
from domain.family_base import FamilyBase
from domain.family_state import AlumniContact, Handover
from domain.rules import (
    AlreadyAssigned,
    FamilyClosed,
    HandoverAlreadyOpen,
    HandoverNeedsJointVisit,
    HandoverNotOpen,
    HandoverSameVolunteer,
    NotAssigned,
    VolunteerNotActive,
)
from domain.values import HandoverState, Role, VolunteerStatus
from domain.volunteer import VolunteerStanding

Event = PeibanAggregate.Event


class FamilyHandovers(FamilyBase):
    """Facts and commands of a handover, from planned to completed or cancelled."""

    class HandoverPlanned(Event):
        TOPIC = "peiban.Family.HandoverPlanned"
        outgoing_volunteer_id: UUID
        incoming_volunteer_id: UUID
        planned_on: date
        letter: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.roster.handovers.append(
                Handover(
                    self.event_id,
                    self.outgoing_volunteer_id,
                    self.incoming_volunteer_id,
                    self.planned_on,
                    self.occurred_at,
                )
            )

    class HandoverAgreed(Event):
        """The family agreed to the incoming volunteer."""

        TOPIC = "peiban.Family.HandoverAgreed"
        handover_id: UUID
        note: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.handover(self.handover_id).family_agreed = True

    class HandoverCompleted(Event):
        TOPIC = "peiban.Family.HandoverCompleted"
        handover_id: UUID
        incoming_role: Role
        keep_in_touch: bool
        no_joint_visit_reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            handover = family.handover(self.handover_id)
            handover.state, handover.closed_at = HandoverState.COMPLETED, self.occurred_at
            family.roster.end(handover.outgoing_id, self.occurred_at)
            family.roster.end(handover.incoming_id, self.occurred_at)
            family.roster.start(handover.incoming_id, self.incoming_role, self.occurred_at)
            if self.keep_in_touch:
                family.roster.alumni.append(AlumniContact(handover.outgoing_id, self.occurred_at))

    class HandoverCancelled(Event):
        TOPIC = "peiban.Family.HandoverCancelled"
        handover_id: UUID
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            handover = family.handover(self.handover_id)
            handover.state, handover.closed_at = HandoverState.CANCELLED, self.occurred_at

    def plan_handover(
        self, entry: Entry, *, outgoing_volunteer_id: UUID, incoming: VolunteerStanding, planned_on: date, letter: str
    ) -> UUID:
        """Plan a handover from a volunteer on the family to an active newcomer."""
        draft = self._draft(entry)
        self._roster_change(draft, after=incoming.active_since)
        target = draft.day("planned_on", planned_on)
        text = draft.text("letter", letter, required=False)
        draft.done()
        if self.is_closed:
            raise FamilyClosed()
        if self.roster.open_handover() is not None:
            raise HandoverAlreadyOpen()
        if outgoing_volunteer_id == incoming.volunteer_id:
            raise HandoverSameVolunteer()
        if self.roster.current_of(outgoing_volunteer_id) is None:
            raise NotAssigned()
        if incoming.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=incoming.name, status=incoming.status)
        lead = self.roster.lead()
        if lead is not None and lead.volunteer_id == incoming.volunteer_id:
            raise AlreadyAssigned()
        return self._record(
            self.HandoverPlanned,
            draft,
            outgoing_volunteer_id=outgoing_volunteer_id,
            incoming_volunteer_id=incoming.volunteer_id,
            planned_on=target,
            letter=text,
        )

    def _open_handover(self, draft: Draft, handover_id: UUID) -> Handover:
        handover = self.handover(handover_id)
        draft.not_before(handover.opened_at)
        draft.done()
        if not handover.is_open:
            raise HandoverNotOpen(state=handover.state)
        return handover

    def record_family_agreement(self, entry: Entry, *, handover_id: UUID, note: str) -> UUID:
        """Record that the family agreed to the incoming volunteer."""
        draft = self._draft(entry)
        self._roster_change(draft)
        text = draft.text("note", note, required=False)
        self._open_handover(draft, handover_id)
        return self._record(self.HandoverAgreed, draft, handover_id=handover_id, note=text)

    def complete_handover(
        self,
        entry: Entry,
        *,
        handover_id: UUID,
        incoming: VolunteerStanding,
        keep_in_touch: bool,
        no_joint_visit_reason: str = "",
        clearance: Clearance = EVERY_COMPARTMENT,
    ) -> UUID:
        """Complete a handover: the incoming volunteer takes over, the outgoing one leaves or stays in touch.
        Only joint visits the caller may see count: a joint visit of a compartment must not be told by a
        completion that needs no reason."""
        draft = self._draft(entry)
        reason = draft.text("no_joint_visit_reason", no_joint_visit_reason, required=False)
        if not isinstance(keep_in_touch, bool):
            draft.add("keep_in_touch", Problem("type", "yes_or_no"))
        known = self.roster.handover(handover_id)
        if known is not None:
            self._roster_change(draft, seen=(known.outgoing_id, known.incoming_id), clearance=clearance)
        handover = self._open_handover(draft, handover_id)
        seen = [v for v in handover.joint_visit_ids if clearance.sees(compartment_of(v, self.facts, self.traces))]
        if not seen and not reason:
            raise HandoverNeedsJointVisit()
        if incoming.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=incoming.name, status=incoming.status)
        outgoing = self.roster.current_of(handover.outgoing_id)
        lead = self.roster.lead()
        takes_lead = lead is None or (outgoing is not None and outgoing.role is Role.LEAD)
        role = Role.LEAD if takes_lead else (outgoing.role if outgoing is not None else Role.CO)
        return self._record(
            self.HandoverCompleted,
            draft,
            handover_id=handover_id,
            incoming_role=role,
            keep_in_touch=keep_in_touch,
            no_joint_visit_reason=reason,
        )

    def cancel_handover(
        self, entry: Entry, *, handover_id: UUID, reason: str, clearance: Clearance = EVERY_COMPARTMENT
    ) -> UUID:
        """Cancel a planned handover, with the reason (no earlier than a visit or message of either volunteer
        that the caller may see: the incoming volunteer's visits during the handover relied on it)."""
        draft = self._draft(entry)
        known = self.roster.handover(handover_id)
        seen = (known.outgoing_id, known.incoming_id) if known is not None else ()
        self._roster_change(draft, seen=seen, clearance=clearance)
        why = draft.text("reason", reason)
        self._open_handover(draft, handover_id)
        return self._record(self.HandoverCancelled, draft, handover_id=handover_id, reason=why)
