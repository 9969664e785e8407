"""Cohort: one recruitment intake of volunteers, with an expected end date."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import Draft, Entry, PeibanAggregate
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
    def open(cls, entry: Entry, *, name: str, intake_on: date, expected_end_on: date) -> Cohort:
        """Open a cohort: its name, intake date and expected end date."""
        draft = Draft(entry.as_recorded())
        name = draft.text("name", name)
        intake_on = draft.day("intake_on", intake_on)
        expected_end_on = draft.day("expected_end_on", expected_end_on)
        if date.min < intake_on and date.min < expected_end_on <= intake_on:
            draft.add(
                "expected_end_on",
                Problem("order", "after_intake"),
            )
        return cls._begin_with(cls.Opened, draft, name=name, intake_on=intake_on, expected_end_on=expected_end_on)

    def close(self, entry: Entry) -> UUID:
        """Close the cohort once its volunteers have left."""
        draft = Draft(entry.as_recorded())
        draft.done()
        if not self.is_open:
            raise CohortAlreadyClosed()
        return self._record(self.Closed, draft)
