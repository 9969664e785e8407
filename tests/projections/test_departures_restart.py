"""The departure policy across a crash, a restart in a new process, and a rebuild of the views."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from domain import Actor, Peiban, StoreSettings
from domain.family import Family
from projections.read_models import ReadModels
from tests.builders import Scene, StepClock, family_profile, scene
from tests.domain.story import facts
from tests.stores import cli_environment
from web.infra.keys import open_keys
from web.infra.stores import EXIT_AFTER_SAVE
from web.settings import Settings


@contextmanager
def opened(store: StoreSettings, **options: Any) -> Iterator[Peiban]:
    """The application on ``store``, its facts under the store's keys as ``peiban`` itself keeps them."""
    keys = open_keys(Settings(store=store))
    app = Peiban(store.env(Peiban.name), keys=keys, **options)
    try:
        yield app
    finally:
        app.close()
        keys.close()


def project_once(settings: StoreSettings, **env: str) -> subprocess.CompletedProcess[str]:
    """`peiban project --once` in a process of its own, on ``settings``' store."""
    command = [sys.executable, "-c", "from web.cli import main; main()", "project", "--once"]
    environment = {**os.environ, **cli_environment(settings), **env}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)


def ends(app: Peiban, family_id: UUID) -> list[Family.AssignmentEnded]:
    return facts(app, family_id, "AssignmentEnded")


def a_lead_on_three_families_departs(s: Scene) -> list[UUID]:
    """The scene's lead is also co and shadow on two more families; they graduate. Returns the three families."""
    others = [
        s.app.enrol_family(recorded_by=Actor("coord"), **family_profile(display_name=n)) for n in ("张家", "王家")
    ]
    s.later(hours=1)
    for family_id, role in zip(others, ("co", "shadow"), strict=True):
        s.app.assign_volunteer(family_id, volunteer_id=s.lead, role=role, recorded_by=Actor("coord"))
    s.later(days=1)
    s.app.record_departure(s.lead, reason="graduated", recorded_by=Actor("coord"))
    return [s.fid, *others]


def test_a_crash_between_families_then_a_restart_ends_each_assignment_exactly_once(
    durable_store: StoreSettings,
) -> None:
    # given a store where the lead of one family, co and shadow on two others, has just graduated
    clock = StepClock()
    with opened(durable_store, clock=clock) as app:
        world = scene(app, clock)
        families = a_lead_on_three_families_departs(world)
    # when `peiban project` dies right after ending the first assignment (before its position is kept)
    crashed = project_once(durable_store, PEIBAN_TEST_EXIT_AFTER_SAVE="1")
    assert crashed.returncode == EXIT_AFTER_SAVE, crashed.stderr
    with opened(durable_store) as restarted:
        assert sum(len(ends(restarted, f)) for f in families) == 1
    # and it is started again, in a new process, and catches up
    done = project_once(durable_store)
    assert done.returncode == 0, done.stderr
    # then every assignment the graduate held ended exactly once, and no family has them on its roster
    with opened(durable_store) as app:
        for family_id in families:
            assert len(ends(app, family_id)) == 1
            assert app.get_family(family_id).roster.current_of(world.lead) is None
        # and the views it kept current say the same as views rebuilt from the log: the lead's family is uncovered
        models = ReadModels(app, durable_store)
        followed = {name: p.digest() for name, p in models.projections.items()}
        models.rebuild()
        assert {name: p.digest() for name, p in models.projections.items()} == followed
        now = app.clock()
        uncovered = {f.family_id for f in models.dashboard(now=now).uncovered}
        assert str(families[0]) in uncovered
        assert models.caseload(world.lead, now=now).families == ()
        models.close()
