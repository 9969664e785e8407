"""Commands that record what happens with a family: visits, messages, concerns, corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import CommandId
from domain.app_base import PeibanBase, parse_id
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance


def _optional_id(value: Any, field: str) -> UUID | None:
    return None if value is None or value == "" else parse_id(value, field)


class RecordCommands(PeibanBase):
    """Commands that name an earlier fact take the caller's ``clearance``: a fact of a compartment the caller is
    not cleared for answers as one that does not exist. The default, every compartment, is for the programme's
    own tools (the CLI, the demo); the web passes each caller's own."""

    def log_visit(
        self,
        family_id: Any,
        *,
        volunteer_ids: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Log a visit by the volunteers present; returns the visit's fact id."""
        checks = Checks()
        ids = checks.ids("volunteer_ids", volunteer_ids)
        checks.done()
        standings = [self._standing(v, "volunteer_ids") for v in ids]
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.log_visit(volunteers=standings, recorded_by=recorded_by, **at, **fields),
            command_id,
        )

    def log_message(
        self,
        family_id: Any,
        *,
        volunteer_id: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Log a message between the family and a volunteer (alumni included); returns its fact id."""
        standing = self._standing(volunteer_id)
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.log_message(volunteer=standing, recorded_by=recorded_by, **at, **fields),
            command_id,
        )

    def raise_concern(
        self,
        family_id: Any,
        *,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Raise a concern (category, level, service line, summary); returns its id."""
        return self._on_family(
            family_id, occurred_at, lambda f, at: f.raise_concern(recorded_by=recorded_by, **at, **fields), command_id
        )

    def resolve_concern(
        self,
        family_id: Any,
        *,
        concern_id: Any,
        resolution: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Resolve an open concern, saying how."""
        cid = parse_id(concern_id, "concern_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.resolve_concern(
                concern_id=cid, resolution=resolution, recorded_by=recorded_by, clearance=clearance, **at
            ),
            command_id,
        )

    def make_referral(
        self,
        family_id: Any,
        *,
        concern_id: Any = None,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Refer the family to a service line; returns the referral's id."""
        cid = _optional_id(concern_id, "concern_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.make_referral(concern_id=cid, recorded_by=recorded_by, clearance=clearance, **at, **fields),
            command_id,
        )

    def schedule_follow_up(
        self,
        family_id: Any,
        *,
        volunteer_id: Any = None,
        concern_id: Any = None,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Schedule a follow-up (action, due date; optionally who and for which concern); returns its id."""
        vid = _optional_id(volunteer_id, "volunteer_id")
        cid = _optional_id(concern_id, "concern_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.schedule_follow_up(
                volunteer_id=vid, concern_id=cid, recorded_by=recorded_by, clearance=clearance, **at, **fields
            ),
            command_id,
        )

    def complete_follow_up(
        self,
        family_id: Any,
        *,
        follow_up_id: Any,
        note: Any = "",
        recorded_by: Any,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Mark a follow-up as done."""
        fid = parse_id(follow_up_id, "follow_up_id")
        return self._on_family(
            family_id,
            occurred_at,
            lambda f, at: f.complete_follow_up(
                follow_up_id=fid, note=note, recorded_by=recorded_by, clearance=clearance, **at
            ),
            command_id,
        )

    def amend_fact(
        self,
        family_id: Any,
        *,
        target_event_id: Any,
        changes: Any,
        reason: Any,
        recorded_by: Any,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Amend descriptive fields of a recorded fact; returns the amendment's id."""
        target = parse_id(target_event_id, "target_event_id")
        return self._family(
            family_id,
            lambda f: f.amend(
                target_event_id=target,
                changes=changes,
                reason=reason,
                recorded_by=recorded_by,
                now=self.clock(),
                clearance=clearance,
                command_id=command_id,
            ),
            command_id,
        )

    def retract_fact(
        self,
        family_id: Any,
        *,
        target_event_id: Any,
        reason: Any,
        recorded_by: Any,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Retract a recorded fact, which stays visible to auditors; returns the retraction's id."""
        target = parse_id(target_event_id, "target_event_id")
        return self._family(
            family_id,
            lambda f: f.retract(
                target_event_id=target,
                reason=reason,
                recorded_by=recorded_by,
                now=self.clock(),
                clearance=clearance,
                command_id=command_id,
            ),
            command_id,
        )
