"""Cohorts: an intake of volunteers with an expected end date, open until its volunteers have left."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import Actor, InvalidInput, Peiban
from domain.aggregate import Entry
from domain.cohort import Cohort
from domain.errors import CohortNotFound
from domain.rules import CohortAlreadyClosed, CohortClosed
from tests.builders import START, Scene, StepClock
from tests.domain.story import fields_in_error, last_fact


def open_cohort(app: Peiban, **overrides: Any) -> UUID:
    given: dict[str, Any] = {
        "name": "2025级",
        "intake_on": date(2025, 9, 1),
        "expected_end_on": date(2027, 1, 31),
        "recorded_by": Actor("coord"),
    }
    given.update(overrides)
    return app.open_cohort(**given)


def test_opening_a_cohort_records_its_name_and_dates(app: Peiban, clock: StepClock) -> None:
    # when a coordinator opens a cohort
    cohort_id = open_cohort(app)
    # then the fact says who, when, and the cohort's dates
    opened = last_fact(app, cohort_id)
    assert isinstance(opened, Cohort.Opened)
    assert (opened.name, opened.intake_on, opened.expected_end_on) == ("2025级", date(2025, 9, 1), date(2027, 1, 31))
    assert (opened.recorded_by, opened.recorded_at, opened.occurred_at) == ("coord", clock.now, clock.now)
    # and the cohort is open
    assert app.get_cohort(cohort_id).is_open


@pytest.mark.parametrize("end", [date(2025, 9, 1), date(2025, 8, 31)], ids=["same day", "before intake"])
def test_a_cohort_must_end_after_its_intake(app: Peiban, end: date) -> None:
    position = app.log_position()
    with pytest.raises(InvalidInput) as refused:
        open_cohort(app, expected_end_on=end)
    assert fields_in_error(refused.value) == {"expected_end_on": ["order"]}
    assert app.log_position() == position


def test_a_cohort_needs_a_name_real_dates_and_who_records_it(app: Peiban) -> None:
    # given a blank name, a date-time instead of a date and no end date (who records it: see Actor)
    with pytest.raises(InvalidInput) as refused:
        open_cohort(
            app,
            name="  ",
            intake_on=datetime(2025, 9, 1, tzinfo=START.tzinfo),
            expected_end_on=None,
        )
    # then every bad field is named at once
    assert fields_in_error(refused.value) == {
        "name": ["blank"],
        "intake_on": ["date"],
        "expected_end_on": ["date"],
    }


def test_closing_a_cohort_records_closed(app: Peiban, clock: StepClock) -> None:
    cohort_id = open_cohort(app)
    clock.advance(days=500)
    app.close_cohort(cohort_id, recorded_by=Actor("coord"))
    closed = last_fact(app, cohort_id)
    assert isinstance(closed, Cohort.Closed)
    assert (closed.recorded_by, closed.recorded_at, closed.occurred_at) == ("coord", clock.now, clock.now)
    assert not app.get_cohort(cohort_id).is_open


def test_a_cohort_cannot_be_closed_twice(app: Peiban) -> None:
    cohort_id = open_cohort(app)
    app.close_cohort(cohort_id, recorded_by=Actor("coord"))
    with pytest.raises(CohortAlreadyClosed):
        app.close_cohort(cohort_id, recorded_by=Actor("coord"))


def test_no_volunteer_can_join_a_closed_cohort(app: Peiban) -> None:
    # given a closed cohort
    cohort_id = open_cohort(app)
    app.close_cohort(cohort_id, recorded_by=Actor("coord"))
    position = app.log_position()
    # when someone registers a volunteer in it, then it is refused and nothing is recorded
    with pytest.raises(CohortClosed):
        app.register_volunteer(cohort_id=cohort_id, name="晚到的", contact="wechat:x", recorded_by=Actor("coord"))
    assert app.log_position() == position


def test_an_unknown_cohort_is_not_found(app: Peiban) -> None:
    with pytest.raises(CohortNotFound):
        app.register_volunteer(cohort_id=uuid4(), name="小张", contact="wechat:x", recorded_by=Actor("coord"))
    with pytest.raises(CohortNotFound):
        app.close_cohort(uuid4(), recorded_by=Actor("coord"))


def test_a_family_is_not_a_cohort(world: Scene) -> None:
    with pytest.raises(CohortNotFound):
        world.app.close_cohort(world.fid, recorded_by=Actor("coord"))


def test_a_malformed_cohort_id_is_invalid_input(app: Peiban) -> None:
    with pytest.raises(InvalidInput) as refused:
        app.close_cohort("not-an-id", recorded_by=Actor("coord"))
    assert fields_in_error(refused.value) == {"cohort_id": ["id"]}


def test_a_cohort_is_opened_and_closed_by_its_own_commands(clock: StepClock) -> None:
    # given a cohort opened directly on the aggregate
    cohort = Cohort.open(
        Entry(Actor("coord"), None, clock.now),
        name="2025级",
        intake_on=date(2025, 9, 1),
        expected_end_on=date(2027, 1, 31),
    )
    # when it is closed a year later
    later = clock.advance(days=365)
    cohort.close(Entry(Actor("coord"), None, later))
    # then two facts are pending, in order, each stamped with its own moment
    pending = cohort.collect_events()
    assert [type(e) for e in pending] == [Cohort.Opened, Cohort.Closed]
    assert [e.timestamp for e in pending] == [START, later]
    assert cohort.closed_at == later
