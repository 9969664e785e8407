"""Views rebuilt each in a process of its own: the same rows as a fold, and a worker that fails changes nothing.

A rebuild apart folds the first view in the calling process and every other view in a worker process that
opens the log itself; each view switches over when its fold is done. A worker that dies, or whose fold fails,
leaves its view as it was (and no rebuild file or schema behind); the other views are rebuilt all the same.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import Peiban, StoreSettings
from projections import engine
from projections.db import SQLiteViewDatabase
from projections.engine import Projection
from projections.read_models import ReadModels
from projections.rebuild_apart import RebuildFailed
from projections.timeline_view import TimelineView
from tests.builders import StepClock, scene
from tests.projections.test_timeline_fold import story
from tests.stores import store
from tests.web.served import MASTER_KEY
from tests.web.stores import encrypted_peiban
from web.demo.generate import generate


@dataclasses.dataclass
class Stored:
    settings: StoreSettings
    app: Peiban
    models: ReadModels
    #: each view's position and digest once the first facts were folded
    before: dict[str, tuple[int, str]]


@pytest.fixture
def stored(durable_store: StoreSettings) -> Iterator[Stored]:
    # a log of some thousands of facts, folded into every view; then more facts that no view has folded yet
    app = encrypted_peiban(durable_store, master_key=MASTER_KEY)
    generate(app, families=40, facts_per_family=30)
    models = ReadModels(app, durable_store)
    models.catch_up()
    before = {name: (p.position(), p.digest()) for name, p in models.projections.items()}
    generate(app, families=10, facts_per_family=30, seed=8)
    yield Stored(durable_store, app, models, before)
    models.close()
    app.close()


def _open_log(settings: StoreSettings, master_key: str) -> Peiban:
    """The log as a worker opens it (the key is passed: a spawned worker draws another ``MASTER_KEY``)."""
    return encrypted_peiban(settings, master_key=master_key)


def _dies(code: int) -> Peiban:
    """A worker's log that never opens: its process ends at once, as one killed would."""
    os._exit(code)


def _refuses() -> Peiban:
    raise RuntimeError("日志打不开 / the log would not open")


def _folded_elsewhere(stored: Stored, tmp_path: Path) -> dict[str, str]:
    """Each view's digest, folded fact by fact from the same log into a store of its own."""
    settings = stored.settings
    if settings.backend == "postgres":
        other = dataclasses.replace(settings.postgres, schema=f"{settings.postgres.schema}_fresh")
        settings = dataclasses.replace(settings, postgres=other)
    else:
        settings = dataclasses.replace(settings, data_dir=tmp_path / "fresh-views")
    fresh = ReadModels(stored.app, settings)
    fresh.catch_up()
    digests = {name: p.digest() for name, p in fresh.projections.items()}
    fresh.close()
    return digests


def _leftovers(stored: Stored) -> list[str]:
    """Rebuild files or schemas still there."""
    if stored.settings.backend == "sqlite":
        return sorted(p.name for p in stored.settings.data_dir.iterdir() if ".rebuild-" in p.name)
    with stored.models["timeline"].db.read() as tx:
        rows = tx.query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '%\\_\\_rb\\_%'")
    return sorted(str(r[0]) for r in rows if str(r[0]).startswith(stored.settings.postgres.schema))


def test_views_rebuilt_each_in_its_own_process_equal_a_fold_of_the_log(stored: Stored, tmp_path: Path) -> None:
    # when every view is rebuilt, each in a process of its own
    head = stored.app.log_position()
    rebuilt = stored.models.rebuild(open_log=functools.partial(_open_log, stored.settings, MASTER_KEY), apart=True)
    # then each view folded the whole log, and says how fast
    assert rebuilt.apart
    assert {v.name: v.facts for v in rebuilt.views} == dict.fromkeys(stored.models.projections, head)
    assert all(v.rate > 0 for v in rebuilt.views)
    # and holds what folding the log fact by fact gives, at the head of the log; nothing is left behind
    assert {n: p.digest() for n, p in stored.models.projections.items()} == _folded_elsewhere(stored, tmp_path)
    assert {p.position() for p in stored.models.projections.values()} == {head}
    assert _leftovers(stored) == []


@pytest.mark.parametrize("apart", [True, False], ids=["apart", "in one pass"])
@pytest.mark.parametrize("per_transaction", [700, 0], ids=["700 facts", "the whole log"])
def test_a_rebuild_committing_every_so_many_facts_equals_a_fold_of_the_log(
    stored: Stored, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, apart: bool, per_transaction: int
) -> None:
    # given a rebuild's database that commits after so many facts, not at the end of a batch (0: the log's size,
    # so that the last batch, a short one, ends the only transaction)
    head = stored.app.log_position()
    monkeypatch.setattr(engine, "REBUILD_TRANSACTION", per_transaction or head)
    models = ReadModels(stored.app, stored.settings, batch_size=300)
    # when every view is rebuilt
    rebuilt = models.rebuild(open_log=functools.partial(_open_log, stored.settings, MASTER_KEY), apart=apart)
    # then each holds what folding the log fact by fact gives, every fact once
    assert rebuilt.apart == apart and {v.facts for v in rebuilt.views} == {head}
    assert {n: p.digest() for n, p in models.projections.items()} == _folded_elsewhere(stored, tmp_path)
    models.close()


@pytest.mark.parametrize(
    ("open_log", "said"),
    [
        (functools.partial(_dies, 3), "exit code 3"),
        (_refuses, "the log would not open"),
    ],
    ids=["worker killed", "worker's fold fails"],
)
def test_a_failed_worker_leaves_its_view_as_it_was_and_the_others_are_rebuilt(
    stored: Stored, tmp_path: Path, open_log: functools.partial[Peiban], said: str
) -> None:
    # when the views are rebuilt apart and the worker of the second view (continuity) fails
    with pytest.raises(RebuildFailed) as failed:
        stored.models.rebuild(open_log=open_log, apart=True)
    # then the failure names that view and why
    assert list(failed.value.failures) == ["continuity"]
    assert said in failed.value.failures["continuity"]
    # and that view is as it was, while the first view was rebuilt up to the head of the log
    continuity, timeline = stored.models["continuity"], stored.models["timeline"]
    assert (continuity.position(), continuity.digest()) == stored.before["continuity"]
    assert [v.name for v in failed.value.done] == ["timeline"]
    assert timeline.position() == stored.app.log_position()
    assert timeline.digest() == _folded_elsewhere(stored, tmp_path)["timeline"]
    # and no rebuild's file or schema is left behind
    assert _leftovers(stored) == []


def test_a_rebuild_folding_a_fact_at_a_time_equals_the_view_followed_a_fact_at_a_time(
    store_settings: StoreSettings, clock: StepClock
) -> None:
    # given a family's story with late entries, a handover and corrections, followed one fact per transaction
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    story(scene(app, clock, volunteers=3))
    models = ReadModels(app, store_settings)
    followed = Projection(app, TimelineView(), models["timeline"].db, batch_size=1)
    followed.catch_up()
    # when the view is rebuilt one fact per transaction (the rebuild remembering each family's story between them)
    rebuilt = Projection(app, TimelineView(), models["timeline"].db, batch_size=1)
    expected = followed.digest()
    rebuilt.rebuild()
    # then it holds the same rows
    assert rebuilt.digest() == expected
    models.close()
    app.close()


def test_a_store_no_other_process_can_open_is_rebuilt_in_one_pass_here(tmp_path: Path) -> None:
    with store("memory", tmp_path) as settings:
        app = Peiban(settings.env(Peiban.name))
        generate(app, families=2, facts_per_family=5)
        models = ReadModels(app, settings)
        # when a rebuild apart is asked of the in-memory store (a worker would find its log empty)
        rebuilt = models.rebuild(open_log=functools.partial(_dies, 4), apart=True)
        # then the views are rebuilt here, in one pass
        assert not rebuilt.apart
        assert {v.facts for v in rebuilt.views} == {app.log_position()}
        models.close()
        app.close()


def _begin_a_rebuild_and_die(stored: Stored) -> None:
    """In a process of its own: begin rebuilding the timeline (its side file made, some facts folded into it), then
    be killed with SIGKILL, as an operator's `kill -9` or the machine stopping would."""
    projection = stored.models["timeline"]
    fresh = Projection(stored.app, projection.view, projection.db.fresh(), batch_size=50)
    with fresh.db.write() as tx:
        fresh._prepare(tx)
    os.kill(os.getpid(), signal.SIGKILL)


def test_what_a_rebuild_that_was_killed_left_is_deleted_by_the_next_rebuild(stored: Stored, tmp_path: Path) -> None:
    # given a rebuild killed half-way, its file (or schema) left behind, and a rebuild still running in this process
    killed = multiprocessing.get_context("fork").Process(target=_begin_a_rebuild_and_die, args=(stored,))
    killed.start()
    killed.join(30)
    assert killed.exitcode == -signal.SIGKILL
    assert _leftovers(stored), "the killed rebuild left its file or schema"
    running = stored.models["timeline"].db.fresh()
    kept = running.path.name if isinstance(running, SQLiteViewDatabase) else getattr(running, "schema", "")
    # when the views are rebuilt, apart and in one pass
    stored.models.rebuild(open_log=functools.partial(_open_log, stored.settings, MASTER_KEY), apart=True)
    stored.models.rebuild()
    # then the killed rebuild's leftovers are gone, the live one's are kept, and the views equal a fold of the log
    assert _leftovers(stored) == [kept]
    running.discard()
    assert _leftovers(stored) == []
    assert {n: p.digest() for n, p in stored.models.projections.items()} == _folded_elsewhere(stored, tmp_path)
