"""Commands about a family's case and the volunteers who accompany it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Unpack
from uuid import UUID

from domain.app_base import PeibanBase, Recording, require_id
from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.family import Family
from domain.values import Circumstance, ConsentScope, GuardianConsent, HouseholdMember, Role


class FamilyCommands(PeibanBase):
    def enrol_family(
        self,
        *,
        display_name: str,
        community: str,
        referral_source: str = "",
        household: Sequence[HouseholdMember],
        circumstances: Sequence[Circumstance] = (),
        consent: GuardianConsent,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Enrol a family with its household, circumstances and guardian consent."""
        command_id = recording.get("command_id")
        before = self._created_before(Family, command_id)
        if before is not None:
            return before
        family = Family.enrol(
            self._entry(recording),
            display_name=display_name,
            community=community,
            referral_source=referral_source,
            household=household,
            circumstances=circumstances,
            consent=consent,
        )
        return self._create(family, command_id)

    def update_family_profile(
        self, family_id: UUID, *, changes: Mapping[str, object], **recording: Unpack[Recording]
    ) -> UUID:
        """Change the family's name shown, community, household or circumstances."""
        return self._on_family(family_id, recording, lambda f, e: f.update_profile(e, changes=changes))

    def record_consent(self, family_id: UUID, *, consent: GuardianConsent, **recording: Unpack[Recording]) -> UUID:
        """Record a guardian's further consent."""
        return self._on_family(family_id, recording, lambda f, e: f.record_consent(e, consent=consent))

    def withdraw_consent(
        self, family_id: UUID, *, scopes: Sequence[ConsentScope], reason: str, **recording: Unpack[Recording]
    ) -> UUID:
        """Record that the guardian withdrew consent for some scopes."""
        return self._on_family(family_id, recording, lambda f, e: f.withdraw_consent(e, scopes=scopes, reason=reason))

    def close_family(
        self, family_id: UUID, *, reason: str, clearance: Clearance = EVERY_COMPARTMENT, **recording: Unpack[Recording]
    ) -> UUID:
        """Close the family's case; its assignments end (bounded only by the contacts the caller may see)."""
        return self._on_family(family_id, recording, lambda f, e: f.close(e, reason=reason, clearance=clearance))

    def reopen_family(self, family_id: UUID, *, reason: str, **recording: Unpack[Recording]) -> UUID:
        """Reopen a closed family's case."""
        return self._on_family(family_id, recording, lambda f, e: f.reopen(e, reason=reason))

    def assign_volunteer(
        self, family_id: UUID, *, volunteer_id: UUID, role: Role, **recording: Unpack[Recording]
    ) -> UUID:
        """Assign an active volunteer to the family as lead, co or shadow."""
        standing = self._standing(volunteer_id)
        return self._on_family(family_id, recording, lambda f, e: f.assign(e, volunteer=standing, role=role))

    def unassign_volunteer(
        self,
        family_id: UUID,
        *,
        volunteer_id: UUID,
        reason: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        **recording: Unpack[Recording],
    ) -> UUID:
        """End a volunteer's assignment to the family, with the reason (bounded only by the contacts the caller
        may see)."""
        vid = require_id(volunteer_id, "volunteer_id")
        return self._on_family(
            family_id, recording, lambda f, e: f.unassign(e, volunteer_id=vid, reason=reason, clearance=clearance)
        )

    def plan_handover(
        self,
        family_id: UUID,
        *,
        outgoing_volunteer_id: UUID,
        incoming_volunteer_id: UUID,
        planned_on: date,
        letter: str = "",
        **recording: Unpack[Recording],
    ) -> UUID:
        """Plan a handover from a volunteer on the family to an active newcomer; returns its id."""
        outgoing = self._standing(outgoing_volunteer_id, "outgoing_volunteer_id")
        incoming = self._standing(incoming_volunteer_id, "incoming_volunteer_id")
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.plan_handover(
                e, outgoing_volunteer_id=outgoing.volunteer_id, incoming=incoming, planned_on=planned_on, letter=letter
            ),
        )

    def record_family_agreement(
        self, family_id: UUID, *, handover_id: UUID, note: str = "", **recording: Unpack[Recording]
    ) -> UUID:
        """Record that the family agreed to the incoming volunteer."""
        hid = require_id(handover_id, "handover_id")
        return self._on_family(
            family_id, recording, lambda f, e: f.record_family_agreement(e, handover_id=hid, note=note)
        )

    def complete_handover(
        self,
        family_id: UUID,
        *,
        handover_id: UUID,
        keep_in_touch: bool,
        no_joint_visit_reason: str = "",
        clearance: Clearance = EVERY_COMPARTMENT,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Complete a handover: the incoming volunteer takes over, the outgoing one leaves or stays in touch
        (only the joint visits the caller may see count)."""
        hid = require_id(handover_id, "handover_id")
        incoming = self._standing(self.get_family(family_id).handover(hid).incoming_id)
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.complete_handover(
                e,
                handover_id=hid,
                incoming=incoming,
                keep_in_touch=keep_in_touch,
                no_joint_visit_reason=no_joint_visit_reason,
                clearance=clearance,
            ),
        )

    def cancel_handover(
        self,
        family_id: UUID,
        *,
        handover_id: UUID,
        reason: str,
        clearance: Clearance = EVERY_COMPARTMENT,
        **recording: Unpack[Recording],
    ) -> UUID:
        """Cancel a planned handover, with the reason."""
        hid = require_id(handover_id, "handover_id")
        return self._on_family(
            family_id,
            recording,
            lambda f, e: f.cancel_handover(e, handover_id=hid, reason=reason, clearance=clearance),
        )
