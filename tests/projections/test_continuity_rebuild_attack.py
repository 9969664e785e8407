"""Continuity view version 3 rebuilt against the fold, on the corrections and erasures its new lookups serve.

Found by an outsider's attack: a volunteer who had opted in to alumni contact, then was erased, kept the opt-in in
the view folded fact by fact but not in a rebuild (whose earlier facts of theirs are unreadable once the key is gone);
the erasure now sets the row the rebuild makes, column by column, as the domain does (no alumni contact any more)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.values import ServiceLine
from projections.continuity_view import ContinuityView
from projections.db import MemoryViewDatabase, view_database
from projections.engine import Projection
from projections.keystore import KeyStore
from tests.builders import StepClock
from tests.projections.test_continuity import Story, tell


@pytest.fixture
def story(durable_store: StoreSettings, clock: StepClock) -> Iterator[tuple[Story, Projection]]:
    keys = KeyStore(MemoryViewDatabase("keys"), clock=StepClock())
    keys.unlock(os.urandom(32))
    app = Peiban(durable_store.env(Peiban.name), clock=clock, keys=keys)
    app.also_close.append(keys.close)
    projection = Projection(app, ContinuityView(), view_database(durable_store, "continuity"))
    yield tell(app, clock), projection
    projection.db.close()
    app.close()


def test_a_rebuild_after_erasures_and_corrected_joint_visits_equals_the_fold(story: tuple[Story, Projection]) -> None:
    s, projection = story
    # a joint visit amended into a sensitive line (its handover's plain joint visits recounted), the other retracted
    s.app.amend_fact(
        s.f["林家"],
        target_event_id=s.facts["joint 1"],
        changes={"service_line": ServiceLine.ANTI_DOMESTIC_VIOLENCE.value, "duration_minutes": 30},
        reason="补正",
        recorded_by=Actor("sw"),
    )
    projection.catch_up()  # folded in two goes: part before the erasures, part after
    s.app.retract_fact(s.f["林家"], target_event_id=s.facts["joint 2"], reason="记错了", recorded_by=Actor("sw"))
    s.app.erase_family(s.f["王家"], reason="监护人撤回同意", recorded_by=Actor("c"))
    s.app.erase_volunteer(s.v["A1"], reason="本人申请", account_ids=[], recorded_by=Actor("c"))
    correct_mistakes_left(s)
    projection.catch_up()
    followed = projection.digest()
    # a rebuild folded in small batches and thrown away before its switch-over; the next one folds everything again
    half = Projection(projection.app, ContinuityView(), projection.db.fresh(), batch_size=7)
    half.catch_up()
    half.db.discard()
    projection.rebuild()
    assert projection.digest() == followed
    projection.rebuild()
    assert projection.digest() == followed


def correct_mistakes_left(s: Story) -> None:
    s.app.amend_fact(
        s.f["张家"],
        target_event_id=s.facts["B2 visit"],
        changes={"duration_minutes": 15},
        reason="补正",
        recorded_by=Actor("sw"),
    )
    s.app.retract_fact(s.f["林家"], target_event_id=s.facts["B1 message"], reason="记错了", recorded_by=Actor("sw"))
