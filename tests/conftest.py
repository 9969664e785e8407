"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import Peiban, StoreSettings
from tests.builders import Scene, StepClock, memory_app, scene
from tests.stores import store


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
