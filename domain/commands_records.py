"""Commands that record what happens with a family: visits, messages, concerns, corrections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Unpack
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.actor import Actor
from domain.aggregate import CommandId
from domain.app_base import PeibanBase, Recording, optional_id, require_id
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.errors import FamilyNotFound
from domain.family import Family


class RecordCommands(PeibanBase):
    """Commands that name an earlier fact take the caller's ``clearance``: a fact of a compartment the caller is
    not cleared for answers as one that does not exist. The default, every compartment, is for the programme's
    own tools (the CLI, the demo); the web passes each caller's own.

    The descriptive fields of a record (``fields``) are checked by the family against ``domain.facts``."""

    def log_visit(
        self,
        family_id: UUID,
        *,
        volunteer_ids: Sequence[UUID],
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Log a visit by the volunteers present; returns the visit's fact id."""
        checks = Checks()
        ids = checks.ids("volunteer_ids", volunteer_ids)
        checks.done()
        standings = [self._standing(v, "volunteer_ids") for v in ids]
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(family_id, recording, lambda f, e: f.log_visit(e, volunteers=standings, **fields))

    def joint_visit_of(self, family_id: UUID, visit_id: UUID) -> UUID | None:
        """The handover a recorded visit was a joint visit of (both its sides present), if any: read off the cached
        family (brought up to date with the store), without a copy."""
        parsed = require_id(family_id, "family_id")
        self.refuse_erased(parsed)
        try:
            return self.shared.read(parsed, lambda family: _joint(family, visit_id))
        except AggregateNotFoundError:
            raise FamilyNotFound() from None

    def log_message(
        self,
        family_id: UUID,
        *,
        volunteer_id: UUID,
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Log a message between the family and a volunteer (alumni included); returns its fact id."""
        standing = self._standing(volunteer_id)
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(family_id, recording, lambda f, e: f.log_message(e, volunteer=standing, **fields))

    def raise_concern(
        self,
        family_id: UUID,
        *,
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Raise a concern (category, level, service line, summary); returns its id."""
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(family_id, recording, lambda f, e: f.raise_concern(e, **fields))

    def resolve_concern(
        self,
        family_id: UUID,
        *,
        concern_id: UUID,
        resolution: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Resolve an open concern, saying how."""
        cid = require_id(concern_id, "concern_id")
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.resolve_concern(e, concern_id=cid, resolution=resolution, clearance=clearance),
        )

    def make_referral(
        self,
        family_id: UUID,
        *,
        concern_id: UUID | None = None,
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Refer the family to a service line; returns the referral's id."""
        cid = optional_id(concern_id, "concern_id")
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(
            family_id, recording, lambda f, e: f.make_referral(e, concern_id=cid, clearance=clearance, **fields)
        )

    def schedule_follow_up(
        self,
        family_id: UUID,
        *,
        volunteer_id: UUID | None = None,
        concern_id: UUID | None = None,
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Schedule a follow-up (action, due date; optionally who and for which concern); returns its id."""
        vid = optional_id(volunteer_id, "volunteer_id")
        cid = optional_id(concern_id, "concern_id")
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.schedule_follow_up(e, volunteer_id=vid, concern_id=cid, clearance=clearance, **fields),
        )

    def complete_follow_up(
        self,
        family_id: UUID,
        *,
        follow_up_id: UUID,
        note: str = "",
        clearance: Clearance = EVERY_COMPARTMENT,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Mark a follow-up as done."""
        fid = require_id(follow_up_id, "follow_up_id")
        return self._on_family(
            family_id, recording, lambda f, e: f.complete_follow_up(e, follow_up_id=fid, note=note, clearance=clearance)
        )

    def amend_fact(
        self,
        family_id: UUID,
        *,
        target_event_id: UUID,
        changes: Mapping[str, object],
        reason: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        author: str | None = None,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Amend descriptive fields of a recorded fact; returns the amendment's id. With an ``author``, only a fact
        they recorded themselves."""
        target = require_id(target_event_id, "target_event_id")
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.amend(
                e, target_event_id=target, changes=changes, reason=reason, clearance=clearance, author=author
            ),
        )

    def retract_fact(
        self,
        family_id: UUID,
        *,
        target_event_id: UUID,
        reason: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        author: str | None = None,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Retract a recorded fact, which stays visible to auditors; returns the retraction's id. With an
        ``author``, only a fact they recorded themselves."""
        target = require_id(target_event_id, "target_event_id")
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.retract(e, target_event_id=target, reason=reason, clearance=clearance, author=author),
        )

    def keep_promise(
        self,
        family_id: UUID,
        *,
        promise_id: UUID,
        clearance: Clearance = EVERY_COMPARTMENT,
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Record that an open promise made during a visit was kept; returns the fact's id."""
        pid = require_id(promise_id, "promise_id")
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(
            family_id, recording, lambda f, e: f.keep_promise(e, promise_id=pid, clearance=clearance, **fields)
        )

    def let_promise_go(
        self,
        family_id: UUID,
        *,
        promise_id: UUID,
        clearance: Clearance = EVERY_COMPARTMENT,
        recorded_by: Actor,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **fields: object,
    ) -> UUID:
        """Record that an open promise made during a visit is let go, with the reason; returns the fact's id."""
        pid = require_id(promise_id, "promise_id")
        recording = Recording(recorded_by=recorded_by, occurred_at=occurred_at, command_id=command_id)
        return self._on_family(
            family_id, recording, lambda f, e: f.let_promise_go(e, promise_id=pid, clearance=clearance, **fields)
        )


def _joint(family: object, visit_id: UUID) -> UUID | None:
    if not isinstance(family, Family):
        raise FamilyNotFound()
    return next((h.handover_id for h in family.roster.handovers if visit_id in h.joint_visit_ids), None)
