"""A family's case: who the family is, what the guardian consented to, closure, reopening, erasure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from domain.aggregate import Draft, Entry, PeibanAggregate
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.errors import Problem
from domain.family_base import FamilyBase
from domain.family_profile import check_consent, check_household
from domain.rules import FamilyAlreadyClosed, FamilyNotClosed, HandoverAlreadyOpen
from domain.values import Circumstance, ConsentScope, FamilyStatus, GuardianConsent

Event = PeibanAggregate.Event


class FamilyCase(FamilyBase):
    """Facts and commands about the family's case as a whole."""

    class ProfileUpdated(Event):
        TOPIC = "peiban.Family.ProfileUpdated"
        changes: dict[str, Any]

        def apply(self, family: FamilyBase) -> None:
            for name, value in self.changes.items():
                setattr(family, name, value)

    class ConsentRecorded(Event):
        TOPIC = "peiban.Family.ConsentRecorded"
        consent: GuardianConsent

        def apply(self, family: FamilyBase) -> None:
            family.consent_scopes = sorted({*family.consent_scopes, *self.consent.scopes}, key=lambda s: s.value)

    class ConsentWithdrawn(Event):
        TOPIC = "peiban.Family.ConsentWithdrawn"
        scopes: list[ConsentScope]
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.consent_scopes = [s for s in family.consent_scopes if s not in self.scopes]

    class Closed(Event):
        TOPIC = "peiban.Family.Closed"
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.status = FamilyStatus.CLOSED
            family.closed_at = self.occurred_at
            family.roster.end_all(self.occurred_at)

    class Erased(Event):
        """The family's key was destroyed: a fact without personal data, kept readable under the erasure
        register's key (see ``domain.erasure``), so that views and auditors still learn draft.when and why."""

        TOPIC = "peiban.Family.Erased"
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.erasure_reason = self.reason

    class Reopened(Event):
        TOPIC = "peiban.Family.Reopened"
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed(self.occurred_at)
            family.status = FamilyStatus.OPEN
            family.closed_at = None

    def update_profile(self, entry: Entry, *, changes: Mapping[str, object]) -> UUID:
        """Change who the family is: name shown, community, household, circumstances."""
        draft = self._draft(entry)
        known: dict[str, Callable[[object], object]] = {
            "display_name": lambda v: draft.text("display_name", v),
            "community": lambda v: draft.text("community", v),
            "referral_source": lambda v: draft.text("referral_source", v, required=False),
            "household": lambda v: check_household(draft, v, draft.now),
            "circumstances": lambda v: draft.choices("circumstances", v, Circumstance),
        }
        checked: dict[str, object] = {}
        for name, value in changes.items():
            if name in known:
                checked[name] = known[name](value)
            else:
                draft.add(name, Problem("unknown", "profile_field"))
        if not changes:
            draft.add("changes", Problem("required", "a_change"))
        draft.done()
        return self._record(self.ProfileUpdated, draft, changes=checked)

    def record_consent(self, entry: Entry, *, consent: GuardianConsent) -> UUID:
        """Record a guardian's (further) consent."""
        draft = self._draft(entry)
        given = check_consent(draft, consent, draft.now, enrolling=False)
        draft.done()
        return self._record(self.ConsentRecorded, draft, consent=given)

    def withdraw_consent(self, entry: Entry, *, scopes: Sequence[ConsentScope], reason: str) -> UUID:
        """Record that the guardian withdrew consent for some scopes."""
        draft = self._draft(entry)
        withdrawn = draft.choices("scopes", scopes, ConsentScope, required=True)
        why = draft.text("reason", reason)
        draft.done()
        return self._record(self.ConsentWithdrawn, draft, scopes=withdrawn, reason=why)

    def close(self, entry: Entry, *, reason: str, clearance: Clearance = EVERY_COMPARTMENT) -> UUID:
        """Close the family's case; its assignments end with it."""
        draft = self._draft(entry)
        self._roster_change(draft, seen=tuple(UUID(v) for v in self.last_seen), clearance=clearance)
        why = draft.text("reason", reason)
        draft.done()
        if self.is_closed:
            raise FamilyAlreadyClosed()
        if self.roster.open_handover() is not None:
            raise HandoverAlreadyOpen()
        return self._record(self.Closed, draft, reason=why)

    def erase(self, entry: Entry, *, reason: str) -> UUID:
        """Record that the family's record is erased (the application then destroys its key)."""
        draft = Draft(entry.as_recorded())
        why = draft.text("reason", reason)
        draft.done()
        return self._record(self.Erased, draft, reason=why)

    def reopen(self, entry: Entry, *, reason: str) -> UUID:
        """Reopen a closed family's case."""
        draft = self._draft(entry)
        self._roster_change(draft)
        why = draft.text("reason", reason)
        draft.done()
        if not self.is_closed:
            raise FamilyNotClosed()
        return self._record(self.Reopened, draft, reason=why)
