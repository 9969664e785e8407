"""A family's case: who the family is, what the guardian consented to, closure, reopening, erasure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import CommandId, PeibanAggregate, check_actor
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.errors import Problem
from domain.family_base import FamilyBase
from domain.family_profile import check_consent, check_household
from domain.rules import (
    FamilyAlreadyClosed,
    FamilyNotClosed,
    HandoverAlreadyOpen,
)
from domain.values import (
    Circumstance,
    ConsentScope,
    FamilyStatus,
    GuardianConsent,
)

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
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.status = FamilyStatus.CLOSED
            family.closed_at = self.occurred_at
            family.roster.end_all(self.occurred_at)

    class Erased(Event):
        """The family's key was destroyed: a fact without personal data, kept readable under the erasure
        register's key (see ``domain.erasure``), so that views and auditors still learn when and why."""

        TOPIC = "peiban.Family.Erased"
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.erasure_reason = self.reason

    class Reopened(Event):
        TOPIC = "peiban.Family.Reopened"
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.status = FamilyStatus.OPEN
            family.closed_at = None

    def update_profile(
        self,
        *,
        changes: dict[str, Any],
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Change who the family is: name shown, community, household, circumstances."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        known: dict[str, Callable[[Any], Any]] = {
            "display_name": lambda v: checks.text("display_name", v),
            "community": lambda v: checks.text("community", v),
            "referral_source": lambda v: checks.text("referral_source", v, required=False),
            "household": lambda v: check_household(checks, v, now),
            "circumstances": lambda v: checks.choices("circumstances", v, Circumstance),
        }
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name in known:
                checked[name] = known[name](value)
            else:
                checks.add(name, Problem("unknown", "不是可修改的家庭资料", "is not a profile field"))
        if not changes:
            checks.add("changes", Problem("required", "请至少修改一项", "must change at least one field"))
        checks.done()
        return self._record(
            self.ProfileUpdated, now=now, command_id=command_id, recorded_by=by, occurred_at=when, changes=checked
        )

    def record_consent(
        self, *, consent: Any, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """Record a guardian's (further) consent."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        given = check_consent(checks, consent, now, enrolling=False)
        checks.done()
        return self._record(
            self.ConsentRecorded, now=now, command_id=command_id, recorded_by=by, occurred_at=when, consent=given
        )

    def withdraw_consent(
        self,
        *,
        scopes: Any,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the guardian withdrew consent for some scopes."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        withdrawn = checks.choices("scopes", scopes, ConsentScope, required=True)
        why = checks.text("reason", reason)
        checks.done()
        return self._record(
            self.ConsentWithdrawn,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            scopes=withdrawn,
            reason=why,
        )

    def close(
        self,
        *,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Close the family's case; its assignments end with it."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, seen=tuple(UUID(v) for v in self.last_seen), clearance=clearance)
        why = checks.text("reason", reason)
        checks.done()
        if self.is_closed:
            raise FamilyAlreadyClosed()
        if self.roster.open_handover() is not None:
            raise HandoverAlreadyOpen()
        return self._record(self.Closed, now=now, command_id=command_id, recorded_by=by, occurred_at=when, reason=why)

    def erase(self, *, reason: Any, recorded_by: Any, now: datetime, command_id: CommandId | None = None) -> UUID:
        """Record that the family's record is erased (the application then destroys its key)."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        checks.done()
        return self._record(self.Erased, now=now, command_id=command_id, recorded_by=by, occurred_at=now, reason=why)

    def reopen(
        self, *, reason: Any, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """Reopen a closed family's case."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now)
        why = checks.text("reason", reason)
        checks.done()
        if not self.is_closed:
            raise FamilyNotClosed()
        return self._record(self.Reopened, now=now, command_id=command_id, recorded_by=by, occurred_at=when, reason=why)
