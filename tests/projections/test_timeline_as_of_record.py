"""The replay page's read: the outline of the record as it stood at a moment, and a stretch of its entries, tell
at any moment exactly what replaying the whole record tells; walked stretch by stretch, each entry once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from domain import Peiban, StoreSettings
from domain.errors import FamilyNotFound
from projections.read_models import ReadModels
from projections.timeline import Entry, Timeline
from projections.timeline_outline import DETAILED, Stretch
from tests.builders import Scene, StepClock, scene
from tests.projections.test_timeline_fold import story
from tests.projections.test_timeline_pages import moments, more_of_the_story, outline


@pytest.fixture
def models(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Scene, ReadModels]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    models = ReadModels(app, store_settings)
    yield scene(app, clock, volunteers=4), models
    models.close()
    app.close()


def walked(rm: ReadModels, s: Scene, as_of: datetime, size: int, cleared: bool) -> tuple[list[Stretch], list[Stretch]]:
    """Every stretch from the newest back to the first (``until``), and from the first on (``start``)."""
    outline_, newest = rm.replay_record(s.fid, as_of=as_of, include_sensitive=cleared, size=size)
    back = [newest]
    while back[0].earlier is not None:
        back.insert(
            0, rm.replay_record(s.fid, as_of=as_of, include_sensitive=cleared, until=back[0].earlier, size=size)[1]
        )
    first = outline_.entries[0].event_id
    on = [rm.replay_record(s.fid, as_of=as_of, include_sensitive=cleared, start=first, size=size)[1]]
    while on[-1].later is not None:
        on.append(rm.replay_record(s.fid, as_of=as_of, include_sensitive=cleared, start=on[-1].later, size=size)[1])
    return back, on


def narrow(entry: Entry) -> tuple[object, ...]:
    """What the outline tells of an entry: no words of visits and messages, the fields of the other kinds."""
    fields = dict(entry.data) if entry.kind in DETAILED else {}
    return (
        entry.event_id,
        entry.kind,
        entry.occurred_at,
        entry.volunteer_ids,
        entry.retracted,
        entry.sensitive,
        entry.chapter,
        fields,
    )


@pytest.mark.parametrize("cleared", [True, False])
def test_the_replay_pages_stretches_are_the_whole_replay_at_any_moment(
    models: tuple[Scene, ReadModels], cleared: bool
) -> None:
    s, rm = models
    # given a family's story: late entries, two handovers, a name change, ties in time, amendments and retractions
    # (one recorded after some moments asked for), a concern moved into a compartment by a later amendment
    story(s)
    more_of_the_story(s)
    rm.catch_up()
    for as_of in moments(rm, s):
        whole: Timeline | None = None
        try:
            whole = rm.timeline(s.fid, as_of=as_of, include_sensitive=cleared)
        except FamilyNotFound:
            with pytest.raises(FamilyNotFound):
                rm.replay_record(s.fid, as_of=as_of, include_sensitive=cleared, size=3)
            continue
        # when the replay page's outline and its stretches are read as of the moment
        found, _ = rm.replay_record(s.fid, as_of=as_of, include_sensitive=cleared, size=3)
        # then the outline holds every entry as it stood (retracted then, its chapter then), nothing recorded later
        assert [narrow(e) for e in found.entries] == [narrow(e) for e in whole.entries], as_of
        assert outline(found) == {**outline(whole), "promises": []}, as_of
        for size in (3, 200):
            # and walking the stretches either way gives every entry once, in order, exactly as the replay tells it
            back, on = walked(rm, s, as_of, size, cleared)
            for stretches in (back, on):
                assert [e for st in stretches for e in st.timeline.entries] == whole.entries, (as_of, size)
                assert all(len(st.timeline.entries) <= size for st in stretches)
