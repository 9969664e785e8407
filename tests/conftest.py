"""Fixtures shared by every test package, and the knob that runs the suite as of another day.

``pytest --today 2028-02-29`` (or ``PEIBAN_TEST_TODAY=2028-02-29``) moves the machine's clock, as this test
process reads it, to that day at the present time of day, and lets it tick on; an ISO moment with an offset
(``2026-12-31T17:30+00:00``) picks the time of day too. Tests that depend on the date pin it themselves; the
knob is how to check that no other test does. Subprocesses (the ``peiban`` command) keep the real clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from domain import Peiban, StoreSettings
from tests.builders import Scene, StepClock, memory_app, scene
from tests.stores import store

TODAY_VARIABLE = "PEIBAN_TEST_TODAY"
_travels: list[time_machine.travel] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        default=os.environ.get(TODAY_VARIABLE, ""),
        help=f"run as of this day (YYYY-MM-DD) or moment (ISO 8601 with an offset); default: ${TODAY_VARIABLE}",
    )


def as_of(value: str, now: datetime) -> datetime:
    """The moment the suite runs as of: a day (at ``now``'s time of day in UTC) or a moment with its offset."""
    if len(value) == len("YYYY-MM-DD"):
        return datetime.combine(date.fromisoformat(value), now.astimezone(UTC).timetz())
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--today {value}: give the moment's offset, e.g. {value}+08:00")
    return moment


def pytest_configure(config: pytest.Config) -> None:
    """Travel before collection, so that even a date read at import time is the one asked for."""
    value = config.getoption("--today")
    if value:
        travel = time_machine.travel(as_of(value, datetime.now(UTC)), tick=True)
        travel.start()
        _travels.append(travel)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _travels:
        _travels.pop().stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption("--today")
    return f"as of: {datetime.now(UTC).isoformat()} (--today {value})" if value else None


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def app(clock: StepClock) -> Iterator[Peiban]:
    application = memory_app(clock)
    yield application
    application.close()


@pytest.fixture
def world(app: Peiban, clock: StepClock) -> Scene:
    """A cohort, two active volunteers, a family with the first as lead."""
    return scene(app, clock)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreSettings]:
    """Each real store in turn: in-memory, a SQLite file, a PostgreSQL schema."""
    with store(request.param, tmp_path) as settings:
        if settings.backend == "sqlite":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        yield settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def durable_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreSettings]:
    """Each store that outlives the application: a SQLite file, a PostgreSQL schema."""
    with store(request.param, tmp_path) as settings:
        if settings.backend == "sqlite":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        yield settings
