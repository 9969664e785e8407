"""What a family needs: concerns raised and resolved, referrals to service lines, follow-ups promised and kept."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.aggregate import Entry, PeibanAggregate
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.facts import check_fields
from domain.family_base import FamilyBase
from domain.family_state import Fact
from domain.rules import ConcernAlreadyResolved, FollowUpAlreadyDone, NotAssigned

Event = PeibanAggregate.Event


class FamilyConcerns(FamilyBase):
    """Facts and commands of concerns, referrals and follow-ups."""

    class ConcernRaised(Event):
        TOPIC = "peiban.Family.ConcernRaised"
        category: Any
        level: Any
        service_line: Any
        summary: str

        def apply(self, family: FamilyBase) -> None:
            family.facts[self.event_id.hex] = Fact("concern", service_line=self.service_line, folded=True)
            family.open_concerns.append(self.event_id)

    class ConcernResolved(Event):
        TOPIC = "peiban.Family.ConcernResolved"
        concern_id: UUID
        resolution: str

        def apply(self, family: FamilyBase) -> None:
            family.open_concerns.remove(self.concern_id)
            family.trace(self.event_id, self.concern_id)

    class ReferralMade(Event):
        TOPIC = "peiban.Family.ReferralMade"
        service_line: Any
        reason: str
        concern_id: UUID | None

        def apply(self, family: FamilyBase) -> None:
            family.facts[self.event_id.hex] = Fact(
                "referral", service_line=self.service_line, follows=self.concern_id, folded=True
            )

    class FollowUpScheduled(Event):
        TOPIC = "peiban.Family.FollowUpScheduled"
        action: str
        due_on: date
        volunteer_id: UUID | None
        concern_id: UUID | None

        def apply(self, family: FamilyBase) -> None:
            family.facts[self.event_id.hex] = Fact("follow_up", follows=self.concern_id, folded=True)
            family.open_follow_ups.append(self.event_id)

    class FollowUpDone(Event):
        TOPIC = "peiban.Family.FollowUpDone"
        follow_up_id: UUID
        note: str

        def apply(self, family: FamilyBase) -> None:
            family.open_follow_ups.remove(self.follow_up_id)
            family.trace(self.event_id, self.follow_up_id)

    def raise_concern(self, entry: Entry, **fields: object) -> UUID:
        """Raise a concern about the family (category, level, service line)."""
        draft = self._draft(entry)
        values = check_fields(draft, "concern", fields)
        self._reject_unknown(draft, fields, "concern")
        draft.done()
        return self._record(self.ConcernRaised, draft, **values)

    def resolve_concern(
        self, entry: Entry, *, concern_id: UUID, resolution: str, clearance: Clearance = EVERY_COMPARTMENT
    ) -> UUID:
        """Resolve an open concern, saying how."""
        draft = self._draft(entry)
        text = draft.text("resolution", resolution)
        draft.done()
        self._live_fact(concern_id, "concern", clearance)
        if concern_id not in self.open_concerns:
            raise ConcernAlreadyResolved()
        return self._record(self.ConcernResolved, draft, concern_id=concern_id, resolution=text)

    def make_referral(
        self,
        entry: Entry,
        *,
        concern_id: UUID | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        **fields: object,
    ) -> UUID:
        """Refer the family to one of the centre's service lines."""
        draft = self._draft(entry)
        values = check_fields(draft, "referral", fields)
        self._reject_unknown(draft, fields, "referral")
        draft.done()
        if concern_id is not None:
            self._live_fact(concern_id, "concern", clearance)
        return self._record(self.ReferralMade, draft, concern_id=concern_id, **values)

    def schedule_follow_up(
        self,
        entry: Entry,
        *,
        volunteer_id: UUID | None = None,
        concern_id: UUID | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        **fields: object,
    ) -> UUID:
        """Schedule a follow-up: what, by draft.when, and optionally by whom and for which concern."""
        draft = self._draft(entry)
        values = check_fields(draft, "follow_up", fields)
        self._reject_unknown(draft, fields, "follow_up")
        draft.done()
        if concern_id is not None:
            self._live_fact(concern_id, "concern", clearance)
        if volunteer_id is not None and volunteer_id not in self.volunteers_involved():
            raise NotAssigned()
        return self._record(self.FollowUpScheduled, draft, volunteer_id=volunteer_id, concern_id=concern_id, **values)

    def complete_follow_up(
        self, entry: Entry, *, follow_up_id: UUID, note: str, clearance: Clearance = EVERY_COMPARTMENT
    ) -> UUID:
        """Mark a scheduled follow-up as done."""
        draft = self._draft(entry)
        text = draft.text("note", note, required=False)
        draft.done()
        self._live_fact(follow_up_id, "follow_up", clearance)
        if follow_up_id not in self.open_follow_ups:
            raise FollowUpAlreadyDone()
        return self._record(self.FollowUpDone, draft, follow_up_id=follow_up_id, note=text)
