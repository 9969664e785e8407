"""Timeline pages read only the rows they show, and tell what reading every entry would.

A page of the record as it stands now is selected with LIMIT after a key; so is a page of the
record as it stood at an earlier moment, unless an amendment recorded since moved a fact into or
out of a compartment (then the record is replayed whole). Walked page by page, either gives every
entry the reader may see exactly once, in order, as reading or replaying every entry gives it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain import Peiban, StoreSettings
from domain.actor import Actor
from domain.compartments import EVERY_COMPARTMENT, NO_COMPARTMENT
from domain.errors import FamilyNotFound
from projections.plain import from_iso, iso
from projections.read_models import ReadModels
from projections.timeline import Page, Timeline
from projections.timeline_as_of_rows import moved_since
from projections.timeline_compartments import shown_to
from projections.timeline_replay import replay
from tests.builders import Scene, StepClock, message, scene, visit
from tests.projections.test_timeline_fold import story


@pytest.fixture
def models(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Scene, ReadModels]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    models = ReadModels(app, store_settings)
    yield scene(app, clock, volunteers=4), models
    models.close()
    app.close()


def walk(rm: ReadModels, s: Scene, limit: int, cleared: bool, as_of: datetime | None = None) -> list[Timeline]:
    """Every page of the family's timeline, ``limit`` entries at a time, as the API walks it."""
    pages: list[Timeline] = []
    after: tuple[str, str] | None = None
    while True:
        snapshot = s.clock.now if as_of is None and pages else None
        found = rm.timeline(
            s.fid, as_of=as_of, include_sensitive=cleared, page=Page(limit, after=after, recorded_by=snapshot)
        )
        pages.append(found)
        assert len(found.entries) <= limit
        if not found.more:
            return pages
        assert len(found.entries) == limit
        after = (found.entries[-1].event_id, iso(found.entries[-1].occurred_at))


def outline(timeline: Timeline) -> dict[str, Any]:
    """What a page tells beside its entries (the names of the volunteers are those the page shows)."""
    found = asdict(timeline)
    for part in ("entries", "names", "cohorts", "cohort_ends", "more"):
        found.pop(part)
    return found


def more_of_the_story(s: Scene) -> None:
    """After ``story``: a name change, a summary amended (no compartment moved), a second handover agreed by the
    family and completed, messages at one moment (a tie), and a visit in the shelter compartment from the start."""
    app, incoming, third = s.app, s.volunteers[1], s.volunteers[3]
    s.later(days=2)
    app.update_family_profile(s.fid, changes={"display_name": "林家（新）"}, recorded_by=Actor("coord"))
    visit_id = app.log_visit(
        s.fid, volunteer_ids=[incoming], recorded_by=Actor("v"), **visit(summary="庇护", service_line="shelter")
    )
    s.later(days=1)
    app.amend_fact(
        s.fid, target_event_id=visit_id, changes={"summary": "庇护所探访"}, reason="补充", recorded_by=Actor("sw")
    )
    same = s.clock.now - timedelta(hours=5)
    for n in range(3):
        app.log_message(
            s.fid, volunteer_id=incoming, occurred_at=same, recorded_by=Actor("v"), **message(summary=f"同{n}")
        )
    s.later(days=1)
    hid = app.plan_handover(
        s.fid,
        outgoing_volunteer_id=incoming,
        incoming_volunteer_id=third,
        planned_on=(s.clock.now + timedelta(days=20)).date(),
        recorded_by=Actor("coord"),
    )
    s.later(days=1)
    app.record_family_agreement(s.fid, handover_id=hid, recorded_by=Actor("coord"))
    handover_visits = []
    for _ in range(2):
        s.later(days=2)
        handover_visits.append(
            app.log_visit(s.fid, volunteer_ids=[incoming, third], recorded_by=Actor("v"), **visit(summary="共同"))
        )
    s.later(days=1)
    app.complete_handover(s.fid, handover_id=hid, keep_in_touch=False, recorded_by=Actor("coord"))
    s.later(days=1)
    app.log_visit(s.fid, volunteer_ids=[third], recorded_by=Actor("v"), **visit(summary="第三位"))
    s.later(days=1)
    app.retract_fact(s.fid, target_event_id=handover_visits[0], reason="重复", recorded_by=Actor("sw"))


def moments(rm: ReadModels, s: Scene) -> list[datetime]:
    """Every moment a fact or a correction of the family was recorded, a moment before each, and after the last."""
    with rm["timeline"].reading() as tx:
        rows = tx.query(
            "SELECT recorded_at FROM timeline_entry WHERE family_id = ?"
            " UNION SELECT recorded_at FROM timeline_correction WHERE family_id = ?",
            [str(s.fid)] * 2,
        )
    found = {from_iso(r[0]) for r in rows}
    return sorted(found | {m - timedelta(microseconds=1) for m in found} | {s.clock.now + timedelta(days=1)})


@pytest.mark.parametrize("cleared", [True, False])
def test_pages_as_of_any_moment_are_the_replay_page_by_page(models: tuple[Scene, ReadModels], cleared: bool) -> None:
    s, rm = models
    # given a family's story: late entries, two handovers, a name change, ties in time, amendments and retractions,
    # and a concern moved into a compartment by an amendment recorded days after it
    story(s)
    more_of_the_story(s)
    rm.catch_up()
    clearance = EVERY_COMPARTMENT if cleared else NO_COMPARTMENT
    fast = 0
    for as_of in moments(rm, s):
        with rm["timeline"].reading() as tx:
            whole = replay(tx, str(s.fid), as_of=as_of, clearance=clearance, page=None)
            fast += not moved_since(tx, str(s.fid), iso(as_of))
        if whole is None:
            with pytest.raises(FamilyNotFound):
                rm.timeline(s.fid, as_of=as_of, include_sensitive=cleared, page=Page(2))
            continue
        for limit in (3, 200):
            # when the record as it stood is read a page at a time
            pages = walk(rm, s, limit, cleared, as_of)
            # then the pages hold every entry the replay holds, once, in order, as it stood then
            assert [e for p in pages for e in p.entries] == whole.entries, (as_of, limit)
            # and each page tells the chapters, handovers and name the replay tells
            for page in pages:
                assert outline(page) == outline(whole), (as_of, limit)
    # and both ways were taken: pages selected by key (after the move), the record replayed whole (before it)
    assert 0 < fast < len(moments(rm, s))


@pytest.mark.parametrize("cleared", [True, False])
def test_pages_now_are_every_entry_once_in_order(models: tuple[Scene, ReadModels], cleared: bool) -> None:
    s, rm = models
    story(s)
    more_of_the_story(s)
    whole = rm.timeline(s.fid, include_sensitive=cleared)
    for limit in (1, 3, 200):
        pages = walk(rm, s, limit, cleared)
        assert [e for p in pages for e in p.entries] == whole.entries
        assert all(outline(p) == outline(whole) for p in pages)


def test_pages_of_families_of_many_sizes_hold_each_entry_the_reader_sees_once(
    models: tuple[Scene, ReadModels],
) -> None:
    s, rm = models
    rng = random.Random(14)
    logged = 0
    for size in (0, 1, 5, 40, 173):
        # given the family grown to ``size`` visits besides its enrolment and lead: some in a compartment, some at
        # one moment, some written up late
        for _ in range(size - logged):
            s.later(hours=rng.randint(1, 50))
            line = rng.choice([None, None, None, "shelter", "anti_domestic_violence", "youth_centre"])
            at = s.clock.now - timedelta(hours=rng.choice([0, 0, 1, 30]))
            fields = visit(summary=f"第{logged}次") | ({"service_line": line} if line else {})
            s.app.log_visit(s.fid, volunteer_ids=[s.lead], occurred_at=at, recorded_by=Actor("v"), **fields)
            logged += 1
        rm.catch_up()
        for clearance in (EVERY_COMPARTMENT, NO_COMPARTMENT):
            cleared = clearance is EVERY_COMPARTMENT
            # the brute force: every row of the family, the reader's compartments kept, in the order things happened
            with rm["timeline"].reading() as tx:
                rows = tx.query(
                    "SELECT event_id, occurred_at, version, compartment FROM timeline_entry WHERE family_id = ?",
                    [str(s.fid)],
                )
            shown = shown_to(clearance)
            expected = [r[0] for r in sorted(rows, key=lambda r: (r[1], r[2])) if shown is None or r[3] in shown]
            for limit in (1, 4, 200) if size <= 40 else (7, 50):
                # when the timeline is walked ``limit`` entries at a time
                pages = walk(rm, s, limit, cleared)
                # then every entry the reader sees comes once, in order; only the last page is short
                assert [e.event_id for p in pages for e in p.entries] == expected, (size, limit, cleared)
                assert len(pages) == max(1, -(-len(expected) // limit))
