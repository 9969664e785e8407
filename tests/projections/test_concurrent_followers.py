"""Several processes folding the same views at once (web workers reading, `peiban project`) fold each fact once.

Each batch is folded with its tracking position in one transaction under the view's lock (BEGIN IMMEDIATE
on SQLite, an advisory lock on PostgreSQL); whoever takes the lock second starts from what the first
committed, so a batch is never folded twice nor skipped.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from domain import StoreSettings
from projections.read_models import ReadModels
from tests.web.served import MASTER_KEY, ended, peiban
from tests.web.stores import encrypted_peiban
from web.demo.generate import generate

pytestmark = pytest.mark.many_connections


def test_views_folded_by_several_processes_at_once_equal_a_rebuild(
    durable_store: StoreSettings, tmp_path: Path
) -> None:
    # given a log of some thousands of facts that no view has folded yet
    app = encrypted_peiban(durable_store, master_key=MASTER_KEY)
    generate(app, families=60, facts_per_family=40)
    head = app.log_position()
    # when three followers in processes of their own and two threads of this one catch up at once, in small batches
    followers = [peiban(durable_store, "project", "--once", "--batch-size", str(size)) for size in (37, 41, 53)]
    errors: list[BaseException] = []

    def fold(batch_size: int) -> None:
        models = ReadModels(app, durable_store, batch_size=batch_size)
        try:
            models.catch_up()
        except BaseException as error:
            errors.append(error)
        finally:
            models.close()

    threads = [threading.Thread(target=fold, args=(size,)) for size in (23, 29)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for follower in followers:
        said = ended(follower, 120)
        assert follower.returncode == 0, said[-3000:]
    assert errors == []
    # then every view stands at the head of the log and equals a rebuild made alone
    models = ReadModels(app, durable_store)
    fresh = ReadModels(app, _elsewhere(durable_store, tmp_path))
    fresh.rebuild()
    for name, projection in models.projections.items():
        assert projection.position() == head == fresh[name].position(), name
        assert projection.digest() == fresh[name].digest(), name
    fresh.close()
    models.close()
    app.close()


def _elsewhere(settings: StoreSettings, tmp_path: Path) -> StoreSettings:
    if settings.backend == "postgres":
        return dataclasses.replace(
            settings, postgres=dataclasses.replace(settings.postgres, schema=f"{settings.postgres.schema}_fresh")
        )
    return dataclasses.replace(settings, data_dir=tmp_path / "fresh-views")
