"""The follower survives being killed mid-batch, and rebuilds are reproducible."""

from __future__ import annotations

import base64
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import Actor, Peiban, StoreSettings
from projections.read_models import ReadModels
from tests.builders import StepClock, scene, visit
from tests.stores import cli_environment
from tests.web.stores import encrypted_peiban
from web.demo.generate import generate

#: The master key of the stores below (the follower, another process, is given it too).
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
#: Families of about 50 facts each in the store a follower is killed on: 5,000 facts by default, 20 batches of
#: 250 (``PEIBAN_FOLLOWER_FAMILIES=400`` for 20,000).
FAMILIES = int(os.environ.get("PEIBAN_FOLLOWER_FAMILIES", "100"))


@pytest.fixture
def big_store(durable_store: StoreSettings) -> Iterator[tuple[StoreSettings, int]]:
    """A store holding some thousands of facts, and the id of the last one."""
    app = encrypted_peiban(durable_store, master_key=MASTER_KEY)
    generate(app, families=FAMILIES, facts_per_family=50)
    last = app.log_position()
    app.close()
    yield durable_store, last


def follower(settings: StoreSettings, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, **cli_environment(settings), "PEIBAN_MASTER_KEY": MASTER_KEY}
    command = [sys.executable, "-c", "from web.cli import main; main()", "project", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def elsewhere(settings: StoreSettings, tmp_path: Path) -> StoreSettings:
    """The same log, with views kept in another place (another folder, or another schema prefix)."""
    if settings.backend == "postgres":
        return dataclasses.replace(
            settings, postgres=dataclasses.replace(settings.postgres, schema=f"{settings.postgres.schema}_fresh")
        )
    return dataclasses.replace(settings, data_dir=tmp_path / "fresh-views")


@pytest.mark.many_connections
def test_a_follower_killed_mid_batch_resumes_with_nothing_lost_or_applied_twice(
    big_store: tuple[StoreSettings, int], tmp_path: Path
) -> None:
    settings, last = big_store
    app = encrypted_peiban(settings, master_key=MASTER_KEY)
    models = ReadModels(app, settings)
    timeline = models["timeline"]
    # given a follower catching up in batches of 250, killed with SIGKILL part way through
    process = follower(settings, "--batch-size", "250")
    deadline = time.monotonic() + 60
    position = 0
    while time.monotonic() < deadline:
        try:
            with timeline.db.read() as tx:
                row = tx.one("SELECT notification_id FROM tracking")
            position = int(row[0]) if row else 0
        except Exception:  # the follower has not created its tables yet
            position = 0
        if position >= 1000:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.stderr is not None
    process.stderr.close()
    with timeline.db.read() as tx:
        killed_at = int(tx.one("SELECT notification_id FROM tracking")[0])  # type: ignore[index]
    assert 0 < killed_at < last, "the follower must be killed part way through the log"
    # when it is started again and catches up
    restarted = follower(settings, "--once")
    _, errors = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, errors
    # then the view equals a from-scratch rebuild, and its position is the last fact's id
    fresh = ReadModels(app, elsewhere(settings, tmp_path))
    fresh["timeline"].rebuild()
    assert timeline.position() == last == fresh["timeline"].position()
    assert timeline.digest() == fresh["timeline"].digest()
    fresh.close()
    models.close()
    app.close()


def test_two_rebuilds_give_identical_views(store_settings: StoreSettings, clock: StepClock) -> None:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    first = app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit())
    app.amend_fact(s.fid, target_event_id=first, changes={"summary": "改"}, reason="错字", recorded_by=Actor("v"))
    models = ReadModels(app, store_settings, batch_size=3)
    digests = set()
    for _ in range(2):
        for projection in models.projections.values():
            projection.rebuild()
        digests.add(tuple(p.digest() for p in models.projections.values()))
    assert len(digests) == 1
    # and following the log in small batches gives the same rows as the rebuilds
    incremental = ReadModels(app, elsewhere(store_settings, Path(str(store_settings.data_dir)) / "inc"), batch_size=2)
    incremental.catch_up()
    assert tuple(p.digest() for p in incremental.projections.values()) in digests
    incremental.close()
    models.close()
    app.close()


def test_a_rebuild_sending_rows_in_bulk_equals_following_the_log(
    durable_store: StoreSettings, clock: StepClock, tmp_path: Path
) -> None:
    # given a family with more visits than a rebuild sends one by one (PostgreSQL then takes them by COPY)
    app = Peiban(durable_store.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    for n in range(120):
        app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit(summary=f"第{n}次"))
    # when every view is rebuilt in one pass, in batches of 200 facts
    rebuilt = ReadModels(app, durable_store, batch_size=200)
    rebuilt.rebuild(apart=False)
    # then the views hold the same rows as views that followed the log a few facts at a time
    followed = ReadModels(app, elsewhere(durable_store, tmp_path / "followed"), batch_size=7)
    followed.catch_up()
    assert [p.digest() for p in rebuilt.projections.values()] == [p.digest() for p in followed.projections.values()]
    followed.close()
    rebuilt.close()
    app.close()


def test_a_rebuild_switches_readers_over_only_when_done(durable_store: StoreSettings, clock: StepClock) -> None:
    app = Peiban(durable_store.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    reader = ReadModels(app, durable_store)
    builder = ReadModels(app, durable_store)
    assert len(reader.timeline(s.fid).entries) == 2
    progress: list[tuple[int, int]] = []
    builder["timeline"].rebuild(progress=lambda done, total: progress.append((done, total)))
    app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit())
    # the reader, whose connection predates the switch, reads the rebuilt view and stays current
    assert len(reader.timeline(s.fid).entries) == 3
    assert progress[-1][0] == progress[-1][1] > 0
    reader.close()
    builder.close()
    app.close()


def test_a_rebuild_replaces_a_view_whose_tables_changed_and_leaves_no_side_store(
    durable_store: StoreSettings, clock: StepClock, tmp_path: Path
) -> None:
    app = Peiban(durable_store.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit())
    models = ReadModels(app, durable_store)
    timeline = models["timeline"]
    timeline.catch_up()
    # given a view whose table has the shape an older release gave it
    with timeline.db.write() as tx:
        tx.execute("ALTER TABLE timeline_entry ADD COLUMN retired_column TEXT")
    # when it is rebuilt
    timeline.rebuild()
    # then it has today's shape and rows, equal to a fresh rebuild, and the rebuild's side store is gone
    fresh = ReadModels(app, elsewhere(durable_store, tmp_path))
    fresh["timeline"].rebuild()
    assert timeline.digest() == fresh["timeline"].digest()
    if durable_store.backend == "sqlite":
        assert not list(durable_store.data_dir.glob("*.rebuild-*")), "no side file is left"
    fresh.close()
    models.close()
    app.close()
