"""Cohort: one recruitment intake of volunteers, with an expected end date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import CommandId, PeibanAggregate, check_actor
from domain.checks import Checks
from domain.errors import Problem
from domain.rules import CohortAlreadyClosed


class Cohort(PeibanAggregate, created_event_name="Opened"):
    """A recruitment intake (e.g. 2024 autumn) whose volunteers leave together."""

    TOPIC = "peiban.Cohort"

    class Created(PeibanAggregate.Created, PeibanAggregate.Event):
        TOPIC = "peiban.Cohort.Created"

    class Opened(Created):
        TOPIC = "peiban.Cohort.Opened"
        name: str
        intake_on: date
        expected_end_on: date

    class Closed(PeibanAggregate.Event):
        TOPIC = "peiban.Cohort.Closed"

        def apply(self, cohort: Cohort) -> None:
            cohort.closed_at = self.occurred_at

    class Snapshot(LibrarySnapshot):
        TOPIC = "peiban.Cohort.Snapshot"

    def __init__(
        self, recorded_by: str, occurred_at: datetime, name: str, intake_on: date, expected_end_on: date
    ) -> None:
        self.name = name
        self.intake_on = intake_on
        self.expected_end_on = expected_end_on
        self.closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @classmethod
    def open(
        cls,
        *,
        name: Any,
        intake_on: Any,
        expected_end_on: Any,
        recorded_by: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> Cohort:
        """Open a cohort: its name, intake date and expected end date."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        name = checks.text("name", name)
        intake_on = checks.day("intake_on", intake_on)
        expected_end_on = checks.day("expected_end_on", expected_end_on)
        if date.min < intake_on and date.min < expected_end_on <= intake_on:
            checks.add(
                "expected_end_on",
                Problem("order", "after_intake"),
            )
        checks.done()
        return cls._create(
            cls.Opened,
            id=cls.new_id(command_id),
            timestamp=now,
            fact_id=uuid4(),
            command_id=command_id,
            recorded_by=by,
            occurred_at=now,
            name=name,
            intake_on=intake_on,
            expected_end_on=expected_end_on,
        )

    def close(self, *, recorded_by: Any, now: datetime, command_id: CommandId | None = None) -> UUID:
        """Close the cohort once its volunteers have left."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        checks.done()
        if not self.is_open:
            raise CohortAlreadyClosed()
        return self._record(self.Closed, now=now, command_id=command_id, recorded_by=by, occurred_at=now)
