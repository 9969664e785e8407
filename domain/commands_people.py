"""Commands about cohorts and volunteers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregate import CommandId
from domain.app_base import PeibanBase
from domain.cohort import Cohort
from domain.rules import CohortClosed
from domain.volunteer import Volunteer


class PeopleCommands(PeibanBase):
    def open_cohort(
        self, *, name: Any, intake_on: Any, expected_end_on: Any, recorded_by: Any, command_id: CommandId | None = None
    ) -> UUID:
        """Open a recruitment cohort with its intake and expected end dates."""
        before = self._created_before(Cohort, command_id)
        if before is not None:
            return before
        cohort = Cohort.open(
            name=name,
            intake_on=intake_on,
            expected_end_on=expected_end_on,
            recorded_by=recorded_by,
            now=self.clock(),
            command_id=command_id,
        )
        return self._create(cohort, command_id)

    def close_cohort(self, cohort_id: Any, *, recorded_by: Any, command_id: CommandId | None = None) -> None:
        """Close a cohort whose volunteers have left."""
        self._change(
            Cohort,
            cohort_id,
            lambda c: c.close(recorded_by=recorded_by, now=self.clock(), command_id=command_id),
            "cohort_id",
            command_id,
        )

    def register_volunteer(
        self,
        *,
        cohort_id: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
        **profile: Any,
    ) -> UUID:
        """Register a volunteer (name, contact, school, major) in an open cohort."""
        before = self._created_before(Volunteer, command_id)
        if before is not None:
            return before
        cohort = self.get_cohort(cohort_id)
        volunteer = Volunteer.register(
            cohort_id=cohort.id,
            recorded_by=recorded_by,
            occurred_at=self._when(occurred_at),
            now=self.clock(),
            command_id=command_id,
            **profile,
        )
        if not cohort.is_open:
            raise CohortClosed()
        return self._create(volunteer, command_id)

    def activate_volunteer(
        self,
        volunteer_id: Any,
        *,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> None:
        """Put a registered volunteer on duty: from now on they can be assigned."""
        when = self._when(occurred_at)
        self._volunteer(
            volunteer_id,
            lambda v: v.activate(recorded_by=recorded_by, occurred_at=when, now=self.clock(), command_id=command_id),
            command_id,
        )

    def announce_departure(
        self,
        volunteer_id: Any,
        *,
        expected_on: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> None:
        """Record that a volunteer will leave on a date."""
        when = self._when(occurred_at)
        self._volunteer(
            volunteer_id,
            lambda v: v.announce_departure(
                expected_on=expected_on,
                recorded_by=recorded_by,
                occurred_at=when,
                now=self.clock(),
                command_id=command_id,
            ),
            command_id,
        )

    def record_departure(
        self,
        volunteer_id: Any,
        *,
        reason: Any,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> None:
        """Record that a volunteer has left the programme (graduated or withdrew)."""
        when = self._when(occurred_at)
        self._volunteer(
            volunteer_id,
            lambda v: v.depart(
                reason=reason, recorded_by=recorded_by, occurred_at=when, now=self.clock(), command_id=command_id
            ),
            command_id,
        )

    def set_alumni_contact(
        self,
        volunteer_id: Any,
        *,
        opted_in: bool,
        recorded_by: Any,
        occurred_at: datetime | None = None,
        command_id: CommandId | None = None,
    ) -> None:
        """Record a volunteer opting in to, or out of, contact with families as alumni."""
        when = self._when(occurred_at)

        def command(v: Volunteer) -> UUID:
            choose = v.opt_into_alumni_contact if opted_in else v.opt_out_of_alumni_contact
            return choose(recorded_by=recorded_by, occurred_at=when, now=self.clock(), command_id=command_id)

        self._volunteer(volunteer_id, command, command_id)

    def _volunteer(self, volunteer_id: Any, command: Callable[[Volunteer], UUID], command_id: CommandId | None) -> None:
        self._change(Volunteer, volunteer_id, command, "volunteer_id", command_id)
