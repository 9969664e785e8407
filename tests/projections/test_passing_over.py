"""A view passes over the facts it does not fold without writing (the departure policy and a run of visits), and
still folds, at once, the next fact it does: after every write request, only a departure costs the policy a write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.volunteer import Volunteer
from projections.db import Tx, view_database
from projections.departures import departure_policy
from projections.engine import Handler, Projection, View
from tests.builders import Scene, StepClock, scene, visit

BY = Actor("coord")


@pytest.fixture
def policy(world: Scene) -> Iterator[Projection]:
    follower = departure_policy(world.app, StoreSettings(backend="memory"), batch_size=10)
    yield follower
    follower.db.close()


def visits(world: Scene, count: int) -> None:
    for _ in range(count):
        world.clock.advance(hours=1)
        world.app.log_visit(world.fid, volunteer_ids=[world.lead], recorded_by=BY, **visit())


def tracked(policy: Projection) -> int:
    rows = policy.db.lookup("SELECT notification_id FROM tracking")
    return int(rows[0][0])


def lead_of(world: Scene) -> object:
    return world.app.get_family(world.fid).roster.lead()


def test_visits_are_passed_over_without_a_write_and_a_departure_after_them_is_folded_at_once(
    world: Scene, policy: Projection
) -> None:
    # given a policy that has followed the log, and visits since
    policy.catch_up()
    before = tracked(policy)
    visits(world, 3)
    # when it catches up: nothing to fold, and its position is not written (though it holds the log to its end)
    assert policy.catch_up() == 0 and tracked(policy) == before
    assert policy.position() == world.app.log_position()
    # then a departure recorded after them is folded by the next catch-up: the lead's assignment ends
    world.app.record_departure(world.lead, reason="graduated", recorded_by=BY)
    departed = world.app.log_position()
    assert policy.catch_up() > 0
    assert tracked(policy) >= departed and lead_of(world) is None


def test_the_position_is_written_once_a_batch_of_facts_was_passed_over(world: Scene, policy: Projection) -> None:
    # given a policy a batch behind (10 facts), all of them visits
    policy.catch_up()
    visits(world, 10)
    # when it catches up
    policy.catch_up()
    # then its position is written: a restart does not read those facts again
    assert tracked(policy) == world.app.log_position()


def test_a_view_set_back_behind_what_it_passed_over_is_folded_again(world: Scene, policy: Projection) -> None:
    # given a policy that passed over visits, whose index and position are then lost (a view folded afresh)
    policy.catch_up()
    visits(world, 3)
    policy.catch_up()
    with policy.db.write() as tx:
        tx.execute("DELETE FROM departure_family")
        tx.execute("UPDATE tracking SET notification_id = 0")
    # when it catches up
    policy.catch_up()
    # then it knows again which families the lead was on (before any new fact), and ends the assignment on leaving
    assert policy.db.lookup("SELECT family_id FROM departure_family WHERE volunteer_id = ?", [str(world.lead)])
    world.app.record_departure(world.lead, reason="graduated", recorded_by=BY)
    policy.catch_up()
    assert lead_of(world) is None


def test_a_second_follower_folds_what_the_first_passed_over_it_for(world: Scene, policy: Projection) -> None:
    # given two followers of the same log, each with its own index (two processes): one passed over visits
    other = departure_policy(world.app, StoreSettings(backend="memory"), batch_size=10)
    policy.catch_up()
    visits(world, 2)
    policy.catch_up()
    # when the lead departs and only the second follower catches up
    world.app.record_departure(world.lead, reason="graduated", recorded_by=BY)
    other.catch_up()
    # then the assignment ended; and the first, catching up later, folds the departure and ends nothing twice
    assert lead_of(world) is None
    ended = world.app.log_position()
    assert policy.catch_up() > 0 and tracked(policy) == ended == world.app.log_position()
    other.db.close()


class DeparturesSeen(View):
    """Only departures: every other fact is passed over."""

    name = "departures_seen"
    tables: ClassVar[Mapping[str, str]] = {
        "departure_seen": "CREATE TABLE IF NOT EXISTS departure_seen (volunteer_id TEXT PRIMARY KEY)"
    }

    def handlers(self) -> Mapping[type[Any], Handler]:
        return {Volunteer.Departed: self.departed}

    def departed(self, tx: Tx, fact: Volunteer.Departed) -> None:
        tx.execute("INSERT INTO departure_seen (volunteer_id) VALUES (?)", [str(fact.originator_id)])


def put_back(kept: Path, live: Path) -> None:
    """A database put back in place as ``kept`` holds it, while others have it open (`sqlite3 LIVE ".restore KEPT"`)."""
    source, target = sqlite3.connect(kept), sqlite3.connect(live, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def test_a_log_put_back_from_a_backup_is_not_taken_for_the_one_passed_over(tmp_path: Path) -> None:
    # given a follower (a process of its own) that passed over visits recorded after a backup of the log
    store, clock = StoreSettings(backend="sqlite", data_dir=tmp_path), StepClock()
    writer, follower = Peiban(store.env(Peiban.name), clock=clock), Peiban(store.env(Peiban.name), clock=clock)
    world = scene(writer, clock)
    seen = Projection(follower, DeparturesSeen(), view_database(store, DeparturesSeen.name), batch_size=10)
    seen.catch_up()
    put_back(store.sqlite_file(Peiban.name), tmp_path / "backup.sqlite3")
    visits(world, 3)
    assert seen.catch_up() == 0
    writer.close()
    # when the log is put back as the backup holds it, and a departure is recorded where a visit stood
    put_back(tmp_path / "backup.sqlite3", store.sqlite_file(Peiban.name))
    restarted = Peiban(store.env(Peiban.name), clock=clock)
    restarted.record_departure(world.lead, reason="graduated", recorded_by=BY)
    restarted.close()
    # then the follower's next read holds the departure
    with seen.reading() as tx:
        assert tx.query("SELECT volunteer_id FROM departure_seen") == [(str(world.lead),)]
    seen.db.close()
    follower.close()
