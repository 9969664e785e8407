"""The family page's reads bounded by what it shows (the contacts grouped in SQL, the stretch placed by counts)
tell exactly what reading every entry of the outline tells: the same sketch for the picture, the same stretch,
chapter counts and links, for seeded random families, in the display zone and others, now and as of a day."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.compartments import EVERY_COMPARTMENT, NO_COMPARTMENT
from domain.errors import FamilyNotFound
from projections.read_models import ReadModels
from projections.timeline_outline import load_outline, load_stretch
from projections.timeline_sketch import sketched
from tests.builders import Scene, StepClock, message, scene, visit

#: The display zone, a zone with summer time, one half an hour off the hour, one three quarters.
ZONES = [ZoneInfo(z) for z in ("Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Pacific/Chatham")]
BY = Actor("v")


@pytest.fixture
def models(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Scene, ReadModels]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    models = ReadModels(app, store_settings)
    yield scene(app, clock, volunteers=4), models
    models.close()
    app.close()


def month_edge(moment: datetime, rng: random.Random) -> datetime:
    """A moment next to the start of ``moment``'s month in one of ``ZONES``: a micro-second before or on it."""
    local = moment.astimezone(rng.choice(ZONES))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start - timedelta(microseconds=rng.choice([1, 0]))


def random_family(s: Scene, rng: random.Random, steps: int) -> list[str]:
    """Visits and messages over months, by one volunteer or two together, late, at a month's edge in some zone or
    at one moment, some in the shelter compartment, some retracted; a concern; a handover with joint visits half-way.
    Returns every contact's id."""
    app, lead, incoming, co = s.app, s.volunteers[0], s.volunteers[1], s.volunteers[2]
    app.assign_volunteer(s.fid, volunteer_id=co, role="co", recorded_by=Actor("coord"))
    settled, contacts, team, retracted = s.clock.now, [], [lead, co], set()
    for step in range(steps):
        s.later(hours=rng.uniform(1, 90))
        if step == steps // 2:
            hid = app.plan_handover(
                s.fid,
                outgoing_volunteer_id=team[0],
                incoming_volunteer_id=incoming,
                planned_on=(s.clock.now + timedelta(days=20)).date(),
                recorded_by=Actor("coord"),
            )
            for _ in range(2):
                s.later(days=2)
                contacts.append(app.log_visit(s.fid, volunteer_ids=[team[0], incoming], recorded_by=BY, **visit()))
            s.later(days=1)
            app.complete_handover(s.fid, handover_id=hid, keep_in_touch=True, recorded_by=Actor("coord"))
            team, settled = [incoming, co], s.clock.now
            continue
        when = rng.choice([s.clock.now, s.clock.now - timedelta(days=rng.uniform(0, 9)), month_edge(s.clock.now, rng)])
        when = min(max(when, settled), s.clock.now)  # the volunteers on it were on the family then
        extra = {"service_line": "shelter"} if rng.random() < 0.1 else {}
        if rng.random() < 0.4:
            found = app.log_message(s.fid, volunteer_id=rng.choice(team), occurred_at=when, recorded_by=BY, **message())
        else:
            who = team if rng.random() < 0.3 else [rng.choice(team)]
            found = app.log_visit(s.fid, volunteer_ids=who, occurred_at=when, recorded_by=BY, **visit(**extra))
        contacts.append(found)
        if rng.random() < 0.08:
            target = rng.choice([c for c in contacts if c not in retracted])
            app.retract_fact(s.fid, target_event_id=target, reason="记错了", recorded_by=Actor("sw"))
            retracted.add(target)
        if step == steps // 3:
            app.raise_concern(s.fid, recorded_by=BY, category="safety", level="high", summary="担心")
    return [str(c) for c in contacts]


def ids_to_ask(rm: ReadModels, fid: UUID, contacts: list[str], rng: random.Random) -> list[str | None]:
    """Entries to start, end or show a stretch at: none, the first, contacts at random, an id of no entry."""
    with rm["timeline"].reading() as tx:
        first = tx.one(
            "SELECT event_id FROM timeline_entry WHERE family_id = ? ORDER BY occurred_at, version LIMIT 1", [str(fid)]
        )
    return [None, first[0] if first else None, *rng.sample(contacts, 4), "00000000-0000-0000-0000-000000000000"]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_family_page_reads_tell_what_the_outline_of_every_entry_tells(
    models: tuple[Scene, ReadModels], seed: int
) -> None:
    s, rm = models
    rng = random.Random(seed)
    # given a family of contacts at random: together, late, at months' edges, in a compartment, retracted
    contacts = random_family(s, rng, 70)
    rm.catch_up()
    asked = ids_to_ask(rm, s.fid, contacts, rng)
    for cleared, clearance in ((True, EVERY_COMPARTMENT), (False, NO_COMPARTMENT)):
        for zone in ZONES:
            for start, until, showing, size in [(None, None, None, 200)] + [
                (rng.choice(asked), rng.choice(asked), rng.choice(asked), rng.choice([1, 5, 20])) for _ in range(6)
            ]:
                # when the family page is read, and the outline of every entry with its stretch
                sketch, stretch = rm.family_page(
                    s.fid, zone=zone, include_sensitive=cleared, start=start, until=until, showing=showing, size=size
                )
                with rm["timeline"].reading() as tx:
                    outline = load_outline(tx, str(s.fid), clearance)
                    assert outline is not None
                    shown = {"start": start, "until": until, "showing": showing}
                    expected = load_stretch(tx, outline, clearance, **shown, size=size)
                # then both tell the same picture's sketch, the same stretch and the same chapters' counts and firsts
                assert sketch == sketched(outline, zone), (cleared, zone, seed)
                assert stretch == expected, (cleared, zone, start, until, showing, size)
                assert sum(m.count for m in sketch.months) > 10


@pytest.mark.parametrize(("seed", "listed"), [(3, 500), (4, 0)])
def test_the_replay_page_reads_tell_what_the_outline_of_every_entry_then_tells(
    models: tuple[Scene, ReadModels], seed: int, listed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, rm = models
    rng = random.Random(seed)
    # (the retractions of a moment are listed, or, as beyond so many, looked up entry by entry)
    monkeypatch.setattr("projections.timeline_page.LISTED_RETRACTIONS", listed)
    # given a family of contacts at random, and moments along its record (before it, and after its last fact)
    begun = s.clock.now - timedelta(days=2)
    contacts = random_family(s, rng, 60)
    rm.catch_up()
    asked = ids_to_ask(rm, s.fid, contacts, rng)
    span = (s.clock.now - begun).total_seconds()
    moments = [begun, s.clock.now + timedelta(days=1)]
    moments += sorted(begun + timedelta(seconds=rng.uniform(0, span)) for _ in range(5))
    for cleared in (True, False):
        for as_of in moments:
            zone = rng.choice(ZONES)
            for start, until in [(None, None)] + [(rng.choice(asked), rng.choice(asked)) for _ in range(3)]:
                size = rng.choice([3, 200])
                try:
                    outline, expected = rm.replay_record(
                        s.fid, as_of=as_of, include_sensitive=cleared, start=start, until=until, size=size
                    )
                except FamilyNotFound:
                    # a family with no record then is not found either way
                    with pytest.raises(FamilyNotFound):
                        rm.replay_page(s.fid, as_of=as_of, zone=zone, include_sensitive=cleared, size=size)
                    continue
                # when the replay page is read as of the moment
                sketch, stretch = rm.replay_page(
                    s.fid, as_of=as_of, zone=zone, include_sensitive=cleared, start=start, until=until, size=size
                )
                # then it tells what the outline of every entry recorded by then tells
                assert sketch == sketched(outline, zone), (cleared, as_of, zone)
                assert stretch == expected, (cleared, as_of, start, until, size)
