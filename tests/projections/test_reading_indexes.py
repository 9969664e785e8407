"""A rebuild folds into a side database without the indexes only readers use, and makes them once its fold is done.

Each such index (a view's ``reading_indexes``) kept up to date fact by fact costs a rebuild a random insert a fact
(ids are random): made at the end, it is sorted once. Views name them in their DDL, ``UNIQUE`` ones too.
"""

from __future__ import annotations

import pytest

from domain import Peiban, StoreSettings
from projections.db import SQLiteViewDatabase, ViewDatabase, index_name
from projections.engine import Projection
from projections.read_models import ReadModels
from tests.builders import StepClock, scene
from tests.projections.test_timeline_fold import story


def indexes(db: ViewDatabase) -> set[str]:
    with db.read() as tx:
        if isinstance(db, SQLiteViewDatabase):
            rows = tx.query("SELECT name FROM sqlite_master WHERE type = 'index'")
        else:
            rows = tx.query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    return {str(name) for (name,) in rows}


def test_an_index_is_named_whether_unique_or_not() -> None:
    assert index_name("CREATE INDEX IF NOT EXISTS a ON t (c)") == "a"
    assert index_name("CREATE UNIQUE INDEX IF NOT EXISTS b ON t (c)") == "b"
    assert index_name("CREATE UNIQUE INDEX c ON t (c)") == "c"
    assert index_name("CREATE TABLE IF NOT EXISTS t (c TEXT)") is None


@pytest.mark.parametrize("name", ["timeline", "continuity"])
def test_a_rebuild_makes_the_readers_indexes_after_its_fold(
    durable_store: StoreSettings, clock: StepClock, name: str
) -> None:
    app = Peiban(durable_store.env(Peiban.name), clock=clock)
    story(scene(app, clock, volunteers=3))
    models = ReadModels(app, durable_store)
    live = models[name]
    live.catch_up()
    followed = live.digest()
    readers_only = set(live.view.reading_indexes)
    assert readers_only <= indexes(live.db)  # a view folded fact by fact has every index
    # when the view is folded into a side database, as a rebuild does
    fresh = Projection(app, live.view, live.db.fresh())
    fresh.catch_up()
    # then it has none of the indexes only readers use (unique ones included) while it folds
    assert not readers_only & indexes(fresh.db)
    if name == "continuity":
        assert "continuity_contact_event" in readers_only  # an id's unique index is one of them
    # and once switched over, the view has them all, and the rows a fold gives
    live.switch_to(fresh)
    assert readers_only <= indexes(live.db)
    assert live.digest() == followed
    models.close()
    app.close()
