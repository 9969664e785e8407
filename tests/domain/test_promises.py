"""Promises made to a family during a visit stay open until someone records them kept or let go."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import pytest

from domain import Peiban, StoreSettings
from domain.actor import Actor
from domain.compartments import NO_COMPARTMENT
from domain.errors import NotYourEntry, PromiseNotFound
from domain.family_base import promise_ids
from domain.rules import PromiseNotOpen
from domain.values import PromiseState
from tests.builders import Scene, StepClock, scene, visit


def promised(s: Scene, *texts: str, **more: object) -> tuple[object, list[object]]:
    visit_id = s.app.log_visit(
        s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(follow_ups_promised=list(texts), **more)
    )
    s.later(days=3)
    return visit_id, list(promise_ids(visit_id, list(texts)))


def open_promises(s: Scene) -> set[str]:
    family = s.app.get_family(s.fid)
    assert family.promises is not None
    return {key for key, p in family.promises.items() if p.state is PromiseState.OPEN}


def test_a_promise_stays_open_across_later_visits_until_kept_or_let_go(world: Scene) -> None:
    # given a promise at a first visit and three later visits with promises of their own
    _first, (books,) = promised(world, "下次带绘本")
    for n in range(3):
        promised(world, f"第{n}件事")
    assert books.hex in open_promises(world)
    # when the first promise is kept, and one of the later ones let go
    world.app.keep_promise(world.fid, promise_id=books, note="带了三本", recorded_by=Actor("v1"))
    later = sorted(open_promises(world))[0]
    world.app.let_promise_go(world.fid, promise_id=UUID(later), reason="孩子已经不需要了", recorded_by=Actor("v1"))
    # then both are closed, the others still open, and neither closes twice
    assert books.hex not in open_promises(world) and later not in open_promises(world)
    assert len(open_promises(world)) == 2
    with pytest.raises(PromiseNotOpen) as refused:
        world.app.let_promise_go(world.fid, promise_id=books, reason="r", recorded_by=Actor("v1"))
    assert refused.value.params == {"state": PromiseState.KEPT}


def test_the_ids_of_promises_are_the_same_for_the_same_words_and_different_otherwise(world: Scene) -> None:
    visit_id, ids = promised(world, "带绘本", "带绘本", "问问学校")
    assert len(set(ids)) == 3
    assert ids == promise_ids(visit_id, ["带绘本", "带绘本", "问问学校"])
    # striking the first promise out leaves the others' ids as they were
    assert promise_ids(visit_id, ["带绘本", "问问学校"]) == [ids[0], ids[2]]


def test_an_amendment_keeps_unchanged_promises_and_closes_changed_ones(world: Scene) -> None:
    # given a visit with two promises, the first already kept
    visit_id, (books, school) = promised(world, "带绘本", "问问学校")
    world.app.keep_promise(world.fid, promise_id=books, recorded_by=Actor("v1"))
    # when an amendment rewords the second and adds a third
    world.app.amend_fact(
        world.fid,
        target_event_id=visit_id,
        changes={"follow_ups_promised": ["带绘本", "问问班主任", "陪去图书馆"]},
        reason="写错了",
        recorded_by=Actor("v1"),
    )
    # then the kept one stays kept, the reworded one is closed as changed, the new ones are open
    family = world.app.get_family(world.fid)
    assert family.promises is not None
    assert family.promises[books.hex].state is PromiseState.KEPT
    assert family.promises[school.hex].state is PromiseState.CHANGED
    new = promise_ids(visit_id, ["带绘本", "问问班主任", "陪去图书馆"])[1:]
    assert {p.hex for p in new} == open_promises(world)
    with pytest.raises(PromiseNotOpen):
        world.app.keep_promise(world.fid, promise_id=school, recorded_by=Actor("v1"))
    # and worded again, the changed one is open again
    world.app.amend_fact(
        world.fid,
        target_event_id=visit_id,
        changes={"follow_ups_promised": ["带绘本", "问问学校"]},
        reason="原来的说法是对的",
        recorded_by=Actor("v1"),
    )
    assert open_promises(world) == {school.hex}


def test_a_promise_of_a_compartment_visit_is_not_there_for_a_reader_not_cleared(world: Scene) -> None:
    # given a promise made at a visit of the anti-domestic-violence compartment
    _visit, (hidden,) = promised(world, "联系庇护所", service_line="anti_domestic_violence")
    position = world.app.log_position()
    # when a coordinator (not cleared) names it, then it answers exactly as a promise nobody made
    with pytest.raises(PromiseNotFound) as named:
        world.app.keep_promise(world.fid, promise_id=hidden, clearance=NO_COMPARTMENT, recorded_by=Actor("coord"))
    with pytest.raises(PromiseNotFound) as invented:
        world.app.keep_promise(world.fid, promise_id=uuid4(), clearance=NO_COMPARTMENT, recorded_by=Actor("c"))
    assert (named.value.code, named.value.params) == (invented.value.code, invented.value.params)
    assert world.app.log_position() == position
    # and a cleared social worker may record it kept
    world.app.keep_promise(world.fid, promise_id=hidden, recorded_by=Actor("sw"))
    assert hidden.hex not in open_promises(world)


def test_a_volunteer_corrects_their_own_entry_but_not_anothers(world: Scene) -> None:
    mine = world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("v1"), **visit())
    theirs = world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=Actor("coord"), **visit())
    world.later(hours=1)
    world.app.amend_fact(
        world.fid, target_event_id=mine, changes={"summary": "改过"}, reason="r", recorded_by=Actor("v1"), author="v1"
    )
    position = world.app.log_position()
    with pytest.raises(NotYourEntry):
        world.app.amend_fact(
            world.fid,
            target_event_id=theirs,
            changes={"summary": "x"},
            reason="r",
            recorded_by=Actor("v1"),
            author="v1",
        )
    with pytest.raises(NotYourEntry):  # (another spelling of the id is the edge's: the API and page tests)
        world.app.retract_fact(
            world.fid,
            target_event_id=theirs,
            reason="r",
            recorded_by=Actor("v1"),
            author="v1",
        )
    assert world.app.log_position() == position
    world.app.retract_fact(world.fid, target_event_id=mine, reason="重复了", recorded_by=Actor("v1"), author="v1")


def sqlite_app(data_dir: Path, clock: StepClock) -> Peiban:
    return Peiban(StoreSettings(backend="sqlite", data_dir=data_dir).env(Peiban.name), clock=clock)


def test_promises_survive_a_restart_from_a_snapshot_taken_before_promises_were_kept(tmp_path: Path) -> None:
    # given a family whose only snapshot was written by a Peiban that did not keep promises (class version 2)
    clock = StepClock()
    first = sqlite_app(tmp_path, clock)
    s = scene(first, clock)
    _visit, (books,) = promised(s, "下次带绘本")
    promised(s, "问问学校")
    snapshot = first.get_family(s.fid).Snapshot.take(first.get_family(s.fid))
    snapshot.state.pop("promises")
    for fact in snapshot.state["facts"].values():
        fact.recorded_by = None
    snapshot.state["class_version"] = 2
    assert first.snapshots is not None
    first.snapshots.put([snapshot])
    first.close()
    # when a new process loads it and records on it
    again = sqlite_app(tmp_path, clock)
    try:
        assert books.hex in open_promises(Scene(again, clock, s.cohort, s.volunteers, s.family))
        again.keep_promise(s.fid, promise_id=books, recorded_by=Actor("v1"))
        # then the promise was found, and a snapshot taken now keeps the promises for the next process
        again.take_snapshot(s.fid)
    finally:
        again.close()
    third = sqlite_app(tmp_path, clock)
    try:
        assert third.snapshots is not None
        latest = next(iter(third.snapshots.get(s.fid, desc=True, limit=1)))
        assert latest.state["class_version"] == 3 and books.hex in latest.state["promises"]
        family = third.get_family(s.fid)
        assert family.promises is not None and family.promises[books.hex].state is PromiseState.KEPT
        with pytest.raises(PromiseNotOpen):
            third.keep_promise(s.fid, promise_id=books, recorded_by=Actor("v1"))
    finally:
        third.close()
