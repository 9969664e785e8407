"""Corrections: a recorded fact is amended or retracted by a new fact that points at it; the original stays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from domain.aggregate import Draft, Entry, PeibanAggregate
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.facts import check_changes
from domain.family_base import FamilyBase
from domain.values import ServiceLine

Event = PeibanAggregate.Event


class FamilyCorrections(FamilyBase):
    """Facts and commands that correct earlier facts."""

    class FactAmended(Event):
        TOPIC = "peiban.Family.FactAmended"
        target_event_id: UUID
        changes: dict[str, Any]
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.trace(self.event_id, self.target_event_id)
            if "service_line" in self.changes:  # an amendment may move a fact into a compartment, or out of one
                line = self.changes["service_line"]
                family.facts[self.target_event_id.hex].service_line = ServiceLine(line) if line else None
            if "follow_ups_promised" in self.changes:
                family.promised(self.target_event_id, self.changes["follow_ups_promised"])

    class FactRetracted(Event):
        TOPIC = "peiban.Family.FactRetracted"
        target_event_id: UUID
        reason: str

        def apply(self, family: FamilyBase) -> None:
            family.trace(self.event_id, self.target_event_id)
            family.facts[self.target_event_id.hex].retracted = True
            for handover in family.roster.handovers:
                if self.target_event_id in handover.joint_visit_ids:
                    handover.joint_visit_ids.remove(self.target_event_id)
            for pending in (family.open_concerns, family.open_follow_ups):
                if self.target_event_id in pending:
                    pending.remove(self.target_event_id)

    def amend(
        self,
        entry: Entry,
        *,
        target_event_id: UUID,
        changes: Mapping[str, object],
        reason: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        author: str | None = None,
    ) -> UUID:
        """Amend descriptive fields of a recorded fact; the original stays visible. With an ``author``, only a
        fact they recorded (a volunteer's own entry). Promises the amendment words differently are closed as
        changed, and those it adds are open (see ``domain.family_base.promise_ids``)."""
        draft = Draft(entry.as_recorded())
        why = draft.text("reason", reason)
        fact = self._live_fact(target_event_id, clearance=clearance)
        self._authored(fact, author)
        checked = check_changes(draft, fact.kind, changes)
        draft.done()
        return self._record(self.FactAmended, draft, target_event_id=target_event_id, changes=checked, reason=why)

    def retract(
        self,
        entry: Entry,
        *,
        target_event_id: UUID,
        reason: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        author: str | None = None,
    ) -> UUID:
        """Retract a recorded fact; it stays visible to auditors, marked as retracted (a visit's promises with
        it). With an ``author``, only a fact they recorded."""
        draft = Draft(entry.as_recorded())
        why = draft.text("reason", reason)
        draft.done()
        self._authored(self._live_fact(target_event_id, clearance=clearance), author)
        return self._record(self.FactRetracted, draft, target_event_id=target_event_id, reason=why)
