"""Several threads and several processes writing to one family: no fact lost, none duplicated.

Conflicting saves are retried on fresh state a bounded number of times; what still
conflicts is reported as ``Conflict``. Either way the facts recorded are exactly the
commands that reported success.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain import Actor, Conflict, Peiban, StoreSettings
from tests.builders import StepClock, scene, visit
from tests.domain.test_rejections_record_nothing import assert_cache_is_the_log

pytestmark = pytest.mark.many_connections

WRITERS = 4
VISITS_EACH = 15


def _prepare(settings: StoreSettings) -> tuple[UUID, UUID]:
    """A family with a lead, recorded ten days ago, so that visits 'now' are legal."""
    clock = StepClock(datetime.now(UTC) - timedelta(days=10))
    app = Peiban(settings.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    app.close()
    return s.fid, s.lead


def _write_visits(
    settings: StoreSettings, family: UUID, lead: UUID, writer: int, retries: int
) -> tuple[list[str], int]:
    """Log VISITS_EACH visits; return the summaries recorded and the number of conflicts reported."""
    app = Peiban(settings.env(Peiban.name), retries=retries)
    recorded, conflicts = [], 0
    for i in range(VISITS_EACH):
        summary = f"writer {writer} visit {i}"
        try:
            app.log_visit(family, volunteer_ids=[lead], recorded_by=Actor(f"w{writer}"), **visit(summary=summary))
        except Conflict:
            conflicts += 1
        else:
            recorded.append(summary)
    app.close()
    return recorded, conflicts


def _visits_in_store(settings: StoreSettings, family: UUID) -> Counter[str]:
    app = Peiban(settings.env(Peiban.name))
    summaries = Counter(f.summary for f in app.family_facts(family) if type(f).__name__ == "VisitLogged")
    app.close()
    return summaries  # type: ignore[return-value]


@pytest.mark.parametrize("retries", [0, 3])
def test_threads_writing_to_one_family_lose_and_duplicate_nothing(durable_store: StoreSettings, retries: int) -> None:
    family, lead = _prepare(durable_store)
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(lambda w: _write_visits(durable_store, family, lead, w, retries), range(WRITERS)))
    recorded = [s for summaries, _ in results for s in summaries]
    conflicts = sum(c for _, c in results)
    stored = _visits_in_store(durable_store, family)
    assert len(recorded) + conflicts == WRITERS * VISITS_EACH
    assert stored == Counter(recorded)  # every success stored once, no conflict stored
    assert max(stored.values()) == 1


def _process_writer(args: tuple[StoreSettings, UUID, UUID, int]) -> tuple[list[str], int]:
    settings, family, lead, writer = args
    return _write_visits(settings, family, lead, writer, retries=2)


@pytest.mark.slow
@pytest.mark.real_clock
def test_processes_writing_to_one_family_lose_and_duplicate_nothing(durable_store: StoreSettings) -> None:
    family, lead = _prepare(durable_store)
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        results = pool.map(_process_writer, [(durable_store, family, lead, w) for w in range(WRITERS)])
    recorded = [s for summaries, _ in results for s in summaries]
    conflicts = sum(c for _, c in results)
    stored = _visits_in_store(durable_store, family)
    assert len(recorded) + conflicts == WRITERS * VISITS_EACH
    assert stored == Counter(recorded)
    assert max(stored.values()) == 1


def test_threads_sharing_one_application_and_its_cache_lose_duplicate_and_break_nothing(
    durable_store: StoreSettings,
) -> None:
    # given one application (one aggregate cache, as a web worker's threads share it) and a family with history
    family, lead = _prepare(durable_store)
    app = Peiban(durable_store.env(Peiban.name), retries=50)
    for i in range(40):
        app.log_visit(family, volunteer_ids=[lead], recorded_by=Actor("w"), **visit(summary=f"before {i}"))
    before = _visits_in_store(durable_store, family)

    # when threads log visits to it at once, each bringing the cached family up to date while others copy it
    def write(writer: int) -> list[str]:
        recorded = []
        for i in range(VISITS_EACH):
            summary = f"writer {writer} visit {i}"
            app.log_visit(family, volunteer_ids=[lead], recorded_by=Actor(f"w{writer}"), **visit(summary=summary))
            recorded.append(summary)
        return recorded

    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can: a race shows at once
    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(write, range(WRITERS)))  # an error in any thread is raised here
    finally:
        sys.setswitchinterval(switching)
    app.close()
    # then every visit was recorded once
    assert _visits_in_store(durable_store, family) == before + Counter(s for r in results for s in r)


def test_a_command_that_lost_a_race_to_another_process_leaves_nothing_of_it_in_memory(
    durable_store: StoreSettings,
) -> None:
    # given two processes' applications on one store, and a family cached in the first
    family, lead = _prepare(durable_store)
    first, other = Peiban(durable_store.env(Peiban.name), retries=0), Peiban(durable_store.env(Peiban.name))
    first.log_visit(family, volunteer_ids=[lead], recorded_by=Actor("w"), **visit(summary="cached"))
    real_clock = first.clock

    def racing_clock() -> datetime:  # the other process saves while the first decides
        first.clock = real_clock
        other.log_visit(family, volunteer_ids=[lead], recorded_by=Actor("o"), **visit(summary="the other's"))
        return real_clock()

    first.clock = racing_clock
    # when the first's command loses the race (no retry allowed)
    with pytest.raises(Conflict):
        first.log_visit(family, volunteer_ids=[lead], recorded_by=Actor("w"), **visit(summary="lost"))
    # then the first process holds the family as stored (with the other's visit, without the lost one)
    assert_cache_is_the_log(first)
    first.log_visit(family, volunteer_ids=[lead], recorded_by=Actor("w"), **visit(summary="after"))
    assert list(_visits_in_store(durable_store, family)) == ["cached", "the other's", "after"]
    assert_cache_is_the_log(first)
    first.close()
    other.close()
