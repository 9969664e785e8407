"""Promises made during visits stay on the briefing, however many visits later, until kept or let go."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import Peiban, StoreSettings
from domain.actor import Actor
from domain.compartments import NO_COMPARTMENT
from domain.family_base import promise_ids
from projections.read_models import ReadModels
from projections.timeline_promises import open_promise_counts
from tests.builders import Scene, StepClock, scene, visit


@pytest.fixture
def models(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Scene, ReadModels]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    models = ReadModels(app, store_settings)
    yield scene(app, clock), models
    models.close()
    app.close()


def promised_on_briefing(rm: ReadModels, s: Scene) -> list[str]:
    return [p.text for p in rm.briefing(s.fid, now=s.clock.now).follow_ups if p.kind == "promised"]


def visit_promising(s: Scene, *texts: str, **more: object) -> tuple[object, list[object]]:
    visit_id = s.app.log_visit(
        s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v"), **visit(follow_ups_promised=list(texts), **more)
    )
    s.later(days=5)
    return visit_id, list(promise_ids(visit_id, list(texts)))


def test_promises_stay_open_across_visits_until_kept_or_let_go_and_after_a_rebuild(
    models: tuple[Scene, ReadModels],
) -> None:
    s, rm = models
    # given a promise at an old visit, four later visits (one promising two things), one with none today
    _old, (books,) = visit_promising(s, "下次带绘本")
    for n in range(3):
        visit_promising(s, f"第{n}次的小事")
    _v, (_library, school) = visit_promising(s, "陪去图书馆", "问问学校")
    visit_promising(s)
    # then every promise is on the briefing, oldest first
    assert promised_on_briefing(rm, s) == [
        "下次带绘本",
        "第0次的小事",
        "第1次的小事",
        "第2次的小事",
        "陪去图书馆",
        "问问学校",
    ]
    # when the oldest is kept and one of today's let go
    s.app.keep_promise(s.fid, promise_id=books, note="带了", recorded_by=Actor("v"))
    s.app.let_promise_go(s.fid, promise_id=school, reason="妈妈已经去问了", recorded_by=Actor("v"))
    # then they leave the briefing, and the timeline tells that they were kept or let go, in the visit's words
    left = ["第0次的小事", "第1次的小事", "第2次的小事", "陪去图书馆"]
    assert promised_on_briefing(rm, s) == left
    settled = [(e.kind, e.data["promise"]) for e in rm.timeline(s.fid).entries if e.kind.startswith("promise")]
    assert settled == [("promise_kept", "下次带绘本"), ("promise_let_go", "问问学校")]
    with rm["timeline"].reading() as tx:
        assert open_promise_counts(tx, [str(s.fid)], NO_COMPARTMENT) == {str(s.fid): 4}
    # and a rebuilt view folds the same
    rm.rebuild(["timeline"])
    assert promised_on_briefing(rm, s) == left


def test_a_retracted_visit_takes_its_promises_away_and_an_amendment_rewords_them(
    models: tuple[Scene, ReadModels],
) -> None:
    s, rm = models
    wrong, _ = visit_promising(s, "记错的承诺")
    amended, _ = visit_promising(s, "带绘本", "问问学校")
    s.app.retract_fact(s.fid, target_event_id=wrong, reason="记错了家庭", recorded_by=Actor("coord"))
    s.app.amend_fact(
        s.fid,
        target_event_id=amended,
        changes={"follow_ups_promised": ["带绘本", "问问班主任"]},
        reason="写得更准确",
        recorded_by=Actor("v"),
    )
    assert promised_on_briefing(rm, s) == ["带绘本", "问问班主任"]
    rm.rebuild(["timeline"])
    assert promised_on_briefing(rm, s) == ["带绘本", "问问班主任"]


def test_a_compartment_visits_promises_stay_off_a_volunteers_briefing(models: tuple[Scene, ReadModels]) -> None:
    s, rm = models
    visit_promising(s, "普通的承诺")
    _secret, (hidden,) = visit_promising(s, "联系庇护所", service_line="shelter")
    assert promised_on_briefing(rm, s) == ["普通的承诺"]
    assert [p.text for p in rm.timeline(s.fid).promises] == ["普通的承诺", "联系庇护所"]
    assert [p.text for p in rm.timeline(s.fid, include_sensitive=False).promises] == ["普通的承诺"]
    # kept by a social worker, its settling fact stays in the compartment too
    s.app.keep_promise(s.fid, promise_id=hidden, recorded_by=Actor("sw"))
    restricted = rm.timeline(s.fid, include_sensitive=False)
    assert not any(e.kind == "promise_kept" for e in restricted.entries)
    assert "联系庇护所" not in repr(restricted)
