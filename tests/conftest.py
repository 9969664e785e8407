"""Fixtures shared by every test package, and the knob that runs the suite as of another day.

``pytest --today 2028-02-29`` (or ``PEIBAN_TEST_TODAY=2028-02-29``) moves the machine's clock, as this test
process reads it, to that day at the present time of day, and lets it tick on; an ISO moment with an offset
(``2026-12-31T17:30+00:00``) picks the time of day too. Tests that depend on the date pin it themselves; the
knob is how to check that no other test does. Subprocesses (the ``peiban`` command) keep the real clock: tests
that date facts here and send them to served processes (marked ``real_clock``) are skipped under the knob, saying so.

README's command runs the suite in two processes (pytest-xdist, ``-n 2``), each taking a module at a time
(``--dist loadscope``, so that a module's fixtures are made once) in the order collected (the modules of a few
long multi-process tests before the many short page tests, which then even out the two). Tests marked
``many_connections`` take turns on PostgreSQL across them, so that the server's 100 connections are never short
(a test of 4 workers and a follower holds some 60, the others fewer than 20).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from domain import Peiban, StoreSettings
from tests.builders import Scene, StepClock, memory_app, scene
from tests.stores import store
from tests.summary import REPORT

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--today``, skip the tests whose facts, dated by this process's clock, go to processes on the real one
    (a server would refuse them as facts of the future, or take them as long past)."""
    value = config.getoption("--today")
    if not value:
        return
    skip = pytest.mark.skip(
        reason=f"--today {value} moves this process's clock, not the served processes' it writes to"
    )
    for item in items:
        if item.get_closest_marker("real_clock"):
            item.add_marker(skip)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _travels:
        _travels.pop().stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in REPORT:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the lines for the end of the run to the process that prints them."""
    sent = getattr(session.config, "workeroutput", None)
    if sent is not None:
        sent["peiban_report"] = list(REPORT)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """The lines a pytest-xdist worker handed over, for this process's summary."""
    REPORT.extend(getattr(node, "workeroutput", {}).get("peiban_report", []))


@pytest.fixture(autouse=True)
def postgres_in_turn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under pytest-xdist, a test on PostgreSQL that holds many connections waits for the one another worker runs
    to end (a lock on a file in the run's own temporary folder; none in a run in one process)."""
    node = request.node
    if not (
        os.environ.get("PYTEST_XDIST_WORKER")
        and node.get_closest_marker("many_connections")
        and node.get_closest_marker("postgres")
    ):
        yield
        return
    with (tmp_path_factory.getbasetemp().parent / "postgres.lock").open("a") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)  # released when the file is closed, after the test's own fixtures
        yield


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
