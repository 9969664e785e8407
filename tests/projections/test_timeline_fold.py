"""The timeline folded as facts arrive: what a read selects equals what replaying every fact gives.

A current read selects the rows the view keeps (compartment, chapter, corrections, bridges);
a replay folds the facts recorded by a moment with the same rules. Replayed at a moment after
the last fact, the two must agree, for cleared readers and for everyone else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import pytest

from domain import Peiban, StoreSettings
from domain.actor import Actor
from projections.read_models import ReadModels
from projections.timeline import Page, Timeline
from tests.builders import Scene, StepClock, message, scene, visit
from tests.projections.test_timeline import handover


@pytest.fixture
def models(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Scene, ReadModels]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    models = ReadModels(app, store_settings)
    yield scene(app, clock, volunteers=3), models
    models.close()
    app.close()


def story(s: Scene) -> dict[str, Any]:
    """A family's years: visits, a handover with joint visits, a concern moved into a compartment by an
    amendment (with the follow-up and referral that follow from it), late entries, a retraction."""
    app, lead, incoming, co = s.app, s.volunteers[0], s.volunteers[1], s.volunteers[2]
    first = s.clock.now
    app.log_visit(s.fid, volunteer_ids=[lead], recorded_by=Actor("v"), **visit(summary="第一次家访"))
    s.later(days=3)
    concern = app.raise_concern(s.fid, recorded_by=Actor("v"), category="safety", level="high", summary="家里有争吵")
    follow_up = app.schedule_follow_up(
        s.fid, concern_id=concern, recorded_by=Actor("sw"), action="跟进", due_on=date(2025, 4, 1)
    )
    app.make_referral(s.fid, concern_id=concern, service_line="youth_centre", reason="转介", recorded_by=Actor("sw"))
    s.later(days=2)
    app.log_message(s.fid, volunteer_id=lead, recorded_by=Actor("v"), **message(summary="问候"))
    s.later(days=1)
    handover(s, lead, incoming, joint_visits=2)
    s.later(days=2)
    app.log_visit(s.fid, volunteer_ids=[incoming], recorded_by=Actor("v"), **visit(summary="接手后第一次"))
    # late entries: a visit of the first weeks, and a co volunteer assigned back then
    s.later(days=1)
    late = app.log_visit(
        s.fid,
        volunteer_ids=[lead],
        occurred_at=first + timedelta(days=1),
        recorded_by=Actor("v"),
        **visit(summary="补录"),
    )
    app.assign_volunteer(
        s.fid, volunteer_id=co, role="co", recorded_by=Actor("coord"), occurred_at=s.clock.now - timedelta(hours=1)
    )
    # corrections: the concern moves into the anti-domestic-violence compartment; a joint visit is retracted
    s.later(days=1)
    app.amend_fact(
        s.fid,
        target_event_id=concern,
        changes={"service_line": "anti_domestic_violence"},
        reason="实为家暴",
        recorded_by=Actor("sw"),
    )
    app.complete_follow_up(s.fid, follow_up_id=follow_up, note="已跟进", recorded_by=Actor("sw"))
    app.retract_fact(s.fid, target_event_id=late, reason="记错了", recorded_by=Actor("sw"))
    return {"concern": str(concern), "follow_up": str(follow_up)}


def shape(timeline: Timeline) -> dict[str, Any]:
    found = asdict(timeline)
    found.pop("as_of")
    found.pop("names")
    found.pop("cohorts")
    return found


@pytest.mark.parametrize("cleared", [True, False])
def test_a_read_selects_what_replaying_every_fact_gives(models: tuple[Scene, ReadModels], cleared: bool) -> None:
    s, rm = models
    # given a family's story with late entries, a handover and corrections that move facts into a compartment
    ids = story(s)
    # when its timeline is read now, and replayed as of a moment after its last fact
    now = rm.timeline(s.fid, include_sensitive=cleared)
    replayed = rm.timeline(s.fid, include_sensitive=cleared, as_of=s.clock.now + timedelta(days=1))
    # then both tell the same entries, chapters and bridges
    assert shape(now) == shape(replayed)
    shown = {e.event_id for e in now.entries}
    # and the compartment holds the concern and every fact that follows from it, for cleared readers only
    assert (ids["concern"] in shown, ids["follow_up"] in shown) == (cleared, cleared)
    assert [e.kind for e in now.entries if e.sensitive] == (
        ["concern_raised", "follow_up_scheduled", "referral", "follow_up_done"] if cleared else []
    )
    assert len(now.bridges) == 1 and now.bridges[0].joint_visits == 2
    assert [e.retracted for e in now.entries if e.data.get("summary") == "补录"] == [True]
    # and the view folded as facts arrived equals one rebuilt from the log
    live = rm["timeline"].digest()
    rm["timeline"].rebuild()
    assert rm["timeline"].digest() == live


def test_pages_walk_the_timeline_in_order_with_nothing_repeated_or_skipped(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    story(s)
    whole = [e.event_id for e in rm.timeline(s.fid, include_sensitive=False).entries]
    # when the timeline is read three entries at a time
    walked: list[str] = []
    after = None
    while True:
        page = rm.timeline(s.fid, include_sensitive=False, page=Page(3, after=after))
        walked += [e.event_id for e in page.entries]
        assert len(page.entries) <= 3
        if not page.more:
            break
        after = (page.entries[-1].event_id, page.entries[-1].occurred_at.isoformat())
    # then the pages are the whole timeline
    assert walked == whole


def test_a_view_of_an_older_version_is_folded_afresh(store_settings: StoreSettings, clock: StepClock) -> None:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    s = scene(app, clock, volunteers=3)
    story(s)
    models = ReadModels(app, store_settings)
    timeline = models["timeline"]
    timeline.catch_up()
    expected = timeline.digest()
    # given the view as an older release left it: its version unknown, its rows not what this release folds
    with timeline.db.write() as tx:
        tx.execute("DROP TABLE view_version")
        tx.execute("UPDATE timeline_entry SET compartment = ''")
    models.close()
    # when the view is opened again (as at start)
    again = ReadModels(app, store_settings)
    again.catch_up()
    # then it was folded afresh from the log: the compartment is hidden again
    assert again["timeline"].digest() == expected
    assert not any(e.sensitive for e in again.timeline(s.fid, include_sensitive=False).entries)
    again.close()
    app.close()
