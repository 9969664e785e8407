"""Corrections: a recorded fact is amended or retracted by a new fact that points at it; the original stays."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import CommandId, PeibanAggregate, check_actor
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.facts import check_changes
from domain.family_base import FamilyBase
from domain.values import (
    ServiceLine,
)

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
        *,
        target_event_id: UUID,
        changes: Any,
        reason: Any,
        recorded_by: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Amend descriptive fields of a recorded fact; the original stays visible."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        fact = self._live_fact(target_event_id, clearance=clearance)
        checked = check_changes(checks, fact.kind, changes)
        checks.done()
        return self._record(
            self.FactAmended,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=now,
            target_event_id=target_event_id,
            changes=checked,
            reason=why,
        )

    def retract(
        self,
        *,
        target_event_id: UUID,
        reason: Any,
        recorded_by: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Retract a recorded fact; it stays visible to auditors, marked as retracted."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        checks.done()
        self._live_fact(target_event_id, clearance=clearance)
        return self._record(
            self.FactRetracted,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=now,
            target_event_id=target_event_id,
            reason=why,
        )
