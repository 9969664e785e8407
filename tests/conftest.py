"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import Peiban
from tests.builders import Scene, StepClock, memory_app, scene


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
