"""Commands about cohorts and volunteers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Unpack
from uuid import UUID

from domain.aggregate import Entry
from domain.app_base import PeibanBase, Recording
from domain.cohort import Cohort
from domain.rules import CohortClosed
from domain.values import DepartureReason
from domain.volunteer import Volunteer


class PeopleCommands(PeibanBase):
    def open_cohort(self, *, name: str, intake_on: date, expected_end_on: date, **recording: Unpack[Recording]) -> UUID:
        """Open a recruitment cohort with its intake and expected end dates."""
        command_id = recording.get("command_id")
        before = self._created_before(Cohort, command_id)
        if before is not None:
            return before
        entry = self._entry(Recording(recorded_by=recording["recorded_by"], command_id=command_id))
        cohort = Cohort.open(entry, name=name, intake_on=intake_on, expected_end_on=expected_end_on)
        return self._create(cohort, command_id)

    def close_cohort(self, cohort_id: UUID, **recording: Unpack[Recording]) -> None:
        """Close a cohort whose volunteers have left."""
        self._on(Cohort, cohort_id, "cohort_id", recording, lambda c, e: c.close(e))

    def register_volunteer(
        self,
        *,
        cohort_id: UUID,
        name: str,
        contact: str,
        school: str = "",
        major: str = "",
        **recording: Unpack[Recording],
    ) -> UUID:
        """Register a volunteer (name, contact, school, major) in an open cohort."""
        command_id = recording.get("command_id")
        before = self._created_before(Volunteer, command_id)
        if before is not None:
            return before
        cohort = self.get_cohort(cohort_id)
        volunteer = Volunteer.register(
            self._entry(recording), cohort_id=cohort.id, name=name, contact=contact, school=school, major=major
        )
        if not cohort.is_open:
            raise CohortClosed()
        return self._create(volunteer, command_id)

    def activate_volunteer(self, volunteer_id: UUID, **recording: Unpack[Recording]) -> None:
        """Put a registered volunteer on duty: from now on they can be assigned."""
        self._on_volunteer(volunteer_id, recording, lambda v, e: v.activate(e))

    def announce_departure(self, volunteer_id: UUID, *, expected_on: date, **recording: Unpack[Recording]) -> None:
        """Record that a volunteer will leave on a date."""
        self._on_volunteer(volunteer_id, recording, lambda v, e: v.announce_departure(e, expected_on=expected_on))

    def record_departure(self, volunteer_id: UUID, *, reason: DepartureReason, **recording: Unpack[Recording]) -> None:
        """Record that a volunteer has left the programme (graduated or withdrew)."""
        self._on_volunteer(volunteer_id, recording, lambda v, e: v.depart(e, reason=reason))

    def set_alumni_contact(self, volunteer_id: UUID, *, opted_in: bool, **recording: Unpack[Recording]) -> None:
        """Record a volunteer opting in to, or out of, contact with families as alumni."""
        self._on_volunteer(
            volunteer_id,
            recording,
            lambda v, e: v.opt_into_alumni_contact(e) if opted_in else v.opt_out_of_alumni_contact(e),
        )

    def _on_volunteer(
        self, volunteer_id: UUID, recording: Recording, decide: Callable[[Volunteer, Entry], UUID]
    ) -> None:
        self._on(Volunteer, volunteer_id, "volunteer_id", recording, decide)
