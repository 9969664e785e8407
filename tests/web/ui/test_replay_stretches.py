"""A long family record replayed as it stood at the end of a day: the picture, and a stretch of 200 entries with
earlier and later stretches a link away, each link keeping the day; every entry recorded by then on exactly one
stretch, as it stood then; nothing recorded since on any; each stretch read recorded; a bad link refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import Actor, Peiban
from projections.plain import local_day
from projections.read_models import ReadModels
from tests.builders import visit
from tests.web.api.conftest import signed_in
from tests.web.ui.conftest import browser, open_account, text
from tests.web.ui.test_audit_pages import entry
from tests.web.ui.test_family_stretches import STRETCH, link, listed
from web.demo.generate import generate
from web.pages.audit import end_of


@dataclass(frozen=True)
class Replayed:
    app: Flask
    family: UUID
    #: the day replayed, and every entry of the record as it stood at its end (the replay's own code path)
    day: str
    entries: list[str]
    #: recorded after the day: a visit that happened years ago, an amendment and a retraction of two early visits
    late: str
    amended: str
    retracted: str
    auditor: FlaskClient


@pytest.fixture(name="r")
def replayed(ui_app: Flask) -> Iterator[Replayed]:
    """Some 450 visits and messages over five years recorded as they happened; after the day replayed (yesterday)
    a visit written up years late, a visit amended, another retracted, and a visit in the shelter compartment."""
    app: Peiban = ui_app.extensions["peiban"]
    models: ReadModels = ui_app.extensions["peiban.read_models"]
    family = generate(app, families=1, facts_per_family=450, seed=3).families[0]
    yesterday = local_day(datetime.now(tz=UTC) - timedelta(days=1))
    with ui_app.app_context():
        whole = models.timeline(family, as_of=end_of(yesterday))
    assert len(whole.entries) == len(models.timeline(family).entries), "the record was all written by the day"
    lead = UUID(whole.chapters[-1].lead_id)
    visits = [e.event_id for e in whole.entries if e.kind == "visit"]
    early = whole.entries[40].occurred_at + timedelta(hours=1)
    by = Actor("sw")
    late = app.log_visit(family, volunteer_ids=[lead], recorded_by=by, **visit(summary="补记", occurred_at=early))
    app.amend_fact(family, target_event_id=UUID(visits[3]), changes={"summary": "改写"}, reason="补充", recorded_by=by)
    app.retract_fact(family, target_event_id=UUID(visits[5]), reason="记错了家庭", recorded_by=by)
    app.log_visit(family, volunteer_ids=[lead], recorded_by=by, **visit(summary="庇护", service_line="shelter"))
    open_account(ui_app, "shen", "auditor")
    ids = [e.event_id for e in whole.entries]
    yield Replayed(ui_app, family, yesterday.isoformat(), ids, str(late), visits[3], visits[5], browser(ui_app, "shen"))


def replay(r: Replayed, query: str = "") -> str:
    response = r.auditor.get(f"/families/{r.family}/as-of?day={r.day}{query}")
    assert response.status_code == 200
    return text(response)


def reads(r: Replayed) -> list[tuple[str, str]]:
    log = signed_in(r.app, "auditor").get(f"/api/v1/families/{r.family}/readers").get_json()["items"]
    return [(item["what"], item["detail"]) for item in log if item["reader"] == "shen"]


def test_the_replay_lists_the_newest_stretch_and_its_links_walk_every_entry_of_the_day_once(r: Replayed) -> None:
    assert len(r.entries) > 2 * STRETCH
    # when the auditor replays the day
    page = replay(r)
    # then the page lists the newest 200 entries of the record as it stood, with the picture, a way to the earlier
    # entries (keeping the day) and none to later ones
    assert listed(page) == r.entries[-STRETCH:]
    assert '<svg class="timeline"' in page and link(page, "更晚的记录") is None
    # and following "earlier entries" to the start lists every entry once, in order, each link keeping the day
    walked = [listed(page)]
    while (earlier := link(page, "更早的记录")) is not None:
        assert earlier.startswith(f"/families/{r.family}/as-of?day={r.day}&until=")
        page = text(r.auditor.get(earlier))
        walked.insert(0, listed(page))
    assert [e for stretch in walked for e in stretch] == r.entries
    # and from the first entry on, "later entries" walk every entry once too, 200 at a time
    page = replay(r, f"&from={r.entries[0]}")
    assert r.late not in page and "庇护" not in page, "nothing recorded after the day is on any stretch"
    walked = [listed(page)]
    while (later := link(page, "更晚的记录")) is not None:
        assert later.startswith(f"/families/{r.family}/as-of?day={r.day}&from=")
        page = text(r.auditor.get(later))
        walked.append(listed(page))
        assert r.late not in page and "庇护" not in page, "nothing recorded after the day is on any stretch"
    assert [len(stretch) for stretch in walked] == [STRETCH, STRETCH, len(r.entries) - 2 * STRETCH]
    assert [e for stretch in walked for e in stretch] == r.entries


def test_corrections_recorded_after_the_day_do_not_show_and_today_they_do(r: Replayed) -> None:
    # given a visit amended and another retracted after the day; when the auditor reads the stretch holding them
    page = replay(r, f"&from={r.entries[0]}")
    amended, retracted = entry(page, r.amended), entry(page, r.retracted)
    # then both stand as they stood then: the words first written, not struck through, no trace of a correction
    assert "改写" not in amended and "陪孩子写作业" in amended and "补充" not in amended
    assert "<del>" not in retracted and "记错了家庭" not in retracted and "retracted" not in retracted.split(">")[0]
    # and the replay of today shows both corrections, and the late visit among the early entries
    today = r.auditor.get(
        f"/families/{r.family}/as-of?day={local_day(datetime.now(tz=UTC)).isoformat()}&from={r.entries[0]}"
    )
    now = text(today)
    assert "改写" in entry(now, r.amended) and "<del>" in entry(now, r.retracted) and r.late in listed(now)


def test_a_mark_of_an_entry_on_another_stretch_leads_to_its_stretch_on_the_same_day(r: Replayed) -> None:
    page = replay(r)
    first = r.entries[2]
    assert f'href="/families/{r.family}/as-of?day={r.day}&amp;from={first}#entry-{first}"' in page
    assert f'href="#entry-{r.entries[-1]}"' in page
    assert r.late not in page, "the late visit is neither listed nor drawn"


def test_each_stretch_read_is_a_read_of_the_family_recorded_with_its_day(r: Replayed) -> None:
    replay(r)
    replay(r, f"&until={r.entries[-STRETCH]}")
    assert reads(r) == [("as_of", f"day={r.day}")] * 2


@pytest.mark.parametrize(
    ("query", "told"),
    [
        ("&from=not-an-id", "它没有指向任何一条记录"),
        (f"&until={'f' * 33}", "它没有指向任何一条记录"),
        ("&from=1%0a2", "它没有指向任何一条记录"),
        ("&from={first}&until={last}", "它同时指定了从哪条开始和到哪条为止"),
    ],
)
def test_a_bad_stretch_link_is_refused_in_words_and_nothing_is_recorded(r: Replayed, query: str, told: str) -> None:
    asked = query.format(first=r.entries[0], last=r.entries[-1])
    response = r.auditor.get(f"/families/{r.family}/as-of?day={r.day}{asked}")
    assert response.status_code == 400
    assert "<h1>链接无效</h1>" in text(response) and told in text(response)
    r.auditor.get("/language/en?next=/")
    english = r.auditor.get(f"/families/{r.family}/as-of?day={r.day}{asked}")
    assert english.status_code == 400 and "<h1>Not a valid link</h1>" in text(english)
    assert "This link to a stretch of entries is not valid" in text(english)
    assert reads(r) == []


def test_an_uppercase_family_and_entry_are_the_same_replay(r: Replayed) -> None:
    start = r.entries[100]
    page = text(r.auditor.get(f"/families/{str(r.family).upper()}/as-of?day={r.day}&from={start.upper()}"))
    assert listed(page) == r.entries[100 : 100 + STRETCH]
    assert reads(r) == [("as_of", f"day={r.day}")]


def test_only_those_who_may_replay_read_a_stretch_of_a_replay(r: Replayed) -> None:
    open_account(r.app, "coordinator", "coordinator")
    coordinator = browser(r.app, "coordinator")
    assert coordinator.get(f"/families/{r.family}/as-of?day={r.day}&from={r.entries[0]}").status_code == 403
    log = signed_in(r.app, "auditor").get(f"/api/v1/families/{r.family}/readers").get_json()["items"]
    assert [item for item in log if item["reader"] == "coordinator"] == []
