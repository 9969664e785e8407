"""Commands change the cached family itself (``domain.repository``): whatever stops a command half-way, no one
ever sees the family half changed, and the cache never drifts from the log.

A command's family is checked out of the cache while it decides and saves. These tests stop commands at the
worst moments (after the family changed in memory and before it is saved; after it is saved and before it goes
back), read it meanwhile, and run more families than the cache holds from several threads at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain import Actor, Conflict, Peiban, StoreSettings
from domain.family import Family
from tests.builders import StepClock, family_profile, scene, visit
from tests.domain.test_rejections_record_nothing import assert_cache_is_the_log

Hook = Callable[[], None]


class Interrupted(Peiban):
    """Peiban with a moment to act in just before a save (the command's aggregate already changed in memory)
    and just after it (saved, not yet given back to the cache): each runs once, on the thread that saves."""

    name = Peiban.name
    before_save: Hook | None = None
    after_save: Hook | None = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        before, self.before_save = self.before_save, None
        if before is not None:
            before()
        recordings = super().save(*objs, **kwargs)
        after, self.after_save = self.after_save, None
        if after is not None:
            after()
        return recordings


def _interrupted_scene() -> tuple[Interrupted, UUID, UUID]:
    clock = StepClock()
    app = Interrupted({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    s = scene(app, clock)  # type: ignore[arg-type]
    app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary="cached"))
    return app, s.fid, s.lead


def _stored_fact_ids(app: Peiban, family_id: UUID) -> list[str]:
    return [f.event_id.hex for f in app.family_facts(family_id)]


def _summaries(app: Peiban, family_id: UUID) -> list[str]:
    return [f.summary for f in app.family_facts(family_id) if isinstance(f, Family.VisitLogged)]


def _raise(error: BaseException) -> Hook:
    def hook() -> None:
        raise error

    return hook


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(1), RuntimeError("disk gone")], ids=repr)
def test_a_command_stopped_after_changing_the_family_and_before_saving_leaves_it_stored(
    error: BaseException,
) -> None:
    # given a cached family, and a command stopped (even by a BaseException) once it changed the family in memory
    app, fid, lead = _interrupted_scene()
    version = app.get_family(fid).version
    app.before_save = _raise(error)
    with pytest.raises(type(error)):
        app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="half done"))
    # then nobody sees the visit that was never saved, in memory or in the log
    assert app.get_family(fid).version == version
    assert "half done" not in _summaries(app, fid)
    assert_cache_is_the_log(app)
    # and the next command decides on the family as stored
    app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="next"))
    assert _summaries(app, fid) == ["cached", "next"]
    assert app.get_family(fid).version == version + 1
    assert_cache_is_the_log(app)
    app.close()


def test_a_command_stopped_after_saving_leaves_the_saved_fact_to_the_next_reader() -> None:
    # given a command stopped after its fact was saved, before its family went back to the cache
    app, fid, lead = _interrupted_scene()
    app.after_save = _raise(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="saved"))
    # then the next reader and the next command see it, once
    family = app.get_family(fid)
    assert list(family.facts) == _stored_fact_ids(app, fid)
    app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="next"))
    assert _summaries(app, fid) == ["cached", "saved", "next"]
    assert_cache_is_the_log(app)
    app.close()


def test_a_reader_while_a_command_changes_the_family_sees_it_as_stored() -> None:
    # given a command that has changed the cached family in memory and not yet saved it
    app, fid, lead = _interrupted_scene()
    stored = _stored_fact_ids(app, fid)
    seen: list[Family] = []
    app.before_save = lambda: seen.append(app.get_family(fid))
    # when the family is read meanwhile
    visit_id = app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="deciding"))
    # then the reader got the family as stored, without the visit being decided
    (read,) = seen
    assert list(read.facts) == stored and visit_id.hex not in read.facts
    assert read.version == len(stored)
    # and the command's visit is in the family afterwards
    assert list(app.get_family(fid).facts) == [*stored, visit_id.hex]
    assert_cache_is_the_log(app)
    app.close()


def test_a_second_command_while_the_first_is_between_save_and_check_in_loses_nothing() -> None:
    # given a command saved and not yet given back to the cache, when another command on the family runs
    app, fid, lead = _interrupted_scene()
    app.after_save = lambda: app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v2"), **visit(summary="2nd"))
    app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="1st"))
    # then the cache keeps the newer family (the first command's older one is not put back over it)
    assert list(app.get_family(fid).facts) == _stored_fact_ids(app, fid)
    assert _summaries(app, fid) == ["cached", "1st", "2nd"]
    assert_cache_is_the_log(app)
    app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="3rd"))
    assert _summaries(app, fid) == ["cached", "1st", "2nd", "3rd"]
    app.close()


FAMILIES, WRITERS, VISITS_EACH = 6, 4, 6


def test_threads_on_more_families_than_the_cache_holds_read_only_stored_states(durable_store: StoreSettings) -> None:
    # given six families, a cache that holds two, and no retry on a conflict (a lost race is dropped half changed)
    clock = StepClock(datetime.now(UTC) - timedelta(days=10))
    setup = Peiban(durable_store.env(Peiban.name), clock=clock)
    s = scene(setup, clock)
    families = [s.fid]
    for i in range(FAMILIES - 1):
        families.append(setup.enrol_family(recorded_by=Actor("coord"), **family_profile(display_name=f"家庭{i}")))
        setup.assign_volunteer(families[-1], volunteer_id=s.lead, role="co", recorded_by=Actor("coord"))
    setup.close()
    app = Peiban({**durable_store.env(Peiban.name), "AGGREGATE_CACHE_MAXSIZE": "2"}, retries=0)
    reads: list[Family] = []

    def write(writer: int) -> int:
        """Visits to every family in turn, each read back between; returns how many were recorded."""
        recorded = 0
        for i in range(VISITS_EACH):
            for fid in families[writer % 2 :: 1 + writer % 2]:
                try:
                    app.log_visit(fid, volunteer_ids=[s.lead], recorded_by=Actor("w"), **visit(summary=f"{writer}"))
                    recorded += 1
                except Conflict:
                    pass
                reads.append(app.get_family(families[(writer + i) % FAMILIES]))
        return recorded

    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            recorded = sum(pool.map(write, range(WRITERS)))
    finally:
        sys.setswitchinterval(switching)
    # then every recorded visit is stored once, and every read was a state the log held (a prefix of its facts)
    logs = {fid: _stored_fact_ids(app, fid) for fid in families}
    assert sum(len(_summaries(app, fid)) for fid in families) == recorded
    for family in reads:
        assert list(family.facts) == logs[family.id][: family.version]
    assert_cache_is_the_log(app)
    app.close()
