"""Commands about a family's case and the volunteers who accompany it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import CommandId
from domain.app_base import PeibanBase, parse_id
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.family import Family


class FamilyCommands(PeibanBase):
    def enrol_family(
        self,
        *,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **profile: Any,
    ) -> UUID:
        """Enrol a family with its household, circumstances and guardian consent."""
        before = self._created_before(Family, command_id)
        if before is not None:
            return before
        family = Family.enrol(
            recorded_by=recorded_by,
            occurred_at=self._when(occurred_at),
            now=self.clock(),
            command_id=command_id,
            **profile,
        )
        return self._create(family, command_id)

    def update_family_profile(
        self,
        family_id: Any,
        *,
        changes: dict[str, Any],
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Change the family's name shown, community, household or circumstances."""
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.update_profile(changes=changes, recorded_by=recorded_by, **at),
            command_id,
        )

    def record_consent(
        self,
        family_id: Any,
        *,
        consent: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record a guardian's further consent."""
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.record_consent(consent=consent, recorded_by=recorded_by, **at),
            command_id,
        )

    def withdraw_consent(
        self,
        family_id: Any,
        *,
        scopes: Any,
        reason: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the guardian withdrew consent for some scopes."""
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.withdraw_consent(scopes=scopes, reason=reason, recorded_by=recorded_by, **at),
            command_id,
        )

    def close_family(
        self,
        family_id: Any,
        *,
        reason: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Close the family's case; its assignments end (bounded only by the contacts the caller may see)."""
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.close(reason=reason, recorded_by=recorded_by, clearance=clearance, **at),
            command_id,
        )

    def reopen_family(
        self,
        family_id: Any,
        *,
        reason: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Reopen a closed family's case."""
        return self._on_family(
            family_id, occurred_at, lambda f, at: f.reopen(reason=reason, recorded_by=recorded_by, **at), command_id
        )

    def assign_volunteer(
        self,
        family_id: Any,
        *,
        volunteer_id: Any,
        role: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Assign an active volunteer to the family as lead, co or shadow."""
        standing = self._standing(volunteer_id)
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.assign(volunteer=standing, role=role, recorded_by=recorded_by, **at),
            command_id,
        )

    def unassign_volunteer(
        self,
        family_id: Any,
        *,
        volunteer_id: Any,
        reason: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """End a volunteer's assignment to the family, with the reason (bounded only by the contacts the caller
        may see)."""
        vid = parse_id(volunteer_id, "volunteer_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.unassign(
                volunteer_id=vid, reason=reason, recorded_by=recorded_by, clearance=clearance, **at
            ),
            command_id,
        )

    def plan_handover(
        self,
        family_id: Any,
        *,
        outgoing_volunteer_id: Any,
        incoming_volunteer_id: Any,
        planned_on: Any,
        letter: Any = "",
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Plan a handover from a volunteer on the family to an active newcomer; returns its id."""
        outgoing = self._standing(outgoing_volunteer_id, "outgoing_volunteer_id")
        incoming = self._standing(incoming_volunteer_id, "incoming_volunteer_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.plan_handover(
                outgoing_volunteer_id=outgoing.volunteer_id,
                incoming=incoming,
                planned_on=planned_on,
                letter=letter,
                recorded_by=recorded_by,
                **at,
            ),
            command_id,
        )

    def record_family_agreement(
        self,
        family_id: Any,
        *,
        handover_id: Any,
        note: Any = "",
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the family agreed to the incoming volunteer."""
        hid = parse_id(handover_id, "handover_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.record_family_agreement(handover_id=hid, note=note, recorded_by=recorded_by, **at),
            command_id,
        )

    def complete_handover(
        self,
        family_id: Any,
        *,
        handover_id: Any,
        keep_in_touch: Any,
        no_joint_visit_reason: Any = "",
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Complete a handover: the incoming volunteer takes over, the outgoing one leaves or stays in touch
        (only the joint visits the caller may see count)."""
        hid = parse_id(handover_id, "handover_id")
        incoming = self._standing(self.get_family(family_id).handover(hid).incoming_id)
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.complete_handover(
                handover_id=hid,
                incoming=incoming,
                keep_in_touch=keep_in_touch,
                no_joint_visit_reason=no_joint_visit_reason,
                recorded_by=recorded_by,
                clearance=clearance,
                **at,
            ),
            command_id,
        )

    def cancel_handover(
        self,
        family_id: Any,
        *,
        handover_id: Any,
        reason: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Cancel a planned handover, with the reason."""
        hid = parse_id(handover_id, "handover_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.cancel_handover(
                handover_id=hid, reason=reason, recorded_by=recorded_by, clearance=clearance, **at
            ),
            command_id,
        )
