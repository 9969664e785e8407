"""A long family record on its page: the picture draws every year, the list shows a stretch of 200 entries
(the newest first), and earlier and later stretches, and each chapter from its start, are a link away."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import Actor, Peiban
from projections.read_models import ReadModels
from tests.builders import visit
from tests.web.ui.conftest import browser, open_account, text
from tests.web.ui.test_family_page import svg
from web.demo.generate import generate

STRETCH = 200


@dataclass(frozen=True)
class LongRecord:
    app: Flask
    family: UUID
    #: every entry a coordinator sees, in order, and the one of the shelter compartment they do not
    entries: list[str]
    hidden: str
    coordinator: FlaskClient


@pytest.fixture
def long_record(ui_app: Flask) -> Iterator[LongRecord]:
    """A family of some 450 visits and messages over five years under one lead, then a handover to a second lead
    (a new chapter), and a shelter visit."""
    app: Peiban = ui_app.extensions["peiban"]
    models: ReadModels = ui_app.extensions["peiban.read_models"]
    generated = generate(app, families=1, facts_per_family=450, seed=3)
    family = generated.families[0]
    lead = models.timeline(family).chapters[-1].lead_id
    incoming = next(v for v in generated.volunteers if str(v) != lead)
    today = datetime.now(tz=UTC)
    hid = app.plan_handover(
        family,
        outgoing_volunteer_id=UUID(lead),
        incoming_volunteer_id=incoming,
        planned_on=today.date() + timedelta(days=7),
        recorded_by=Actor("c"),
    )
    app.log_visit(family, volunteer_ids=[UUID(lead), incoming], recorded_by=Actor("v"), **visit(summary="共同探访"))
    app.complete_handover(family, handover_id=hid, keep_in_touch=True, recorded_by=Actor("c"))
    hidden = app.log_visit(
        family, volunteer_ids=[incoming], recorded_by=Actor("sw"), **visit(summary="庇护", service_line="shelter")
    )
    open_account(ui_app, "coordinator", "coordinator")
    entries = [e.event_id for e in models.timeline(family, include_sensitive=False).entries]
    yield LongRecord(ui_app, family, entries, str(hidden), browser(ui_app, "coordinator"))


def listed(page: str) -> list[str]:
    """The entries the page lists, in order."""
    return re.findall(r'<li class="entry[^"]*" id="entry-([0-9a-f-]+)">', page)


def link(page: str, words: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)">{words}</a>', page)
    return html.unescape(found.group(1)).split("#")[0] if found else None


def test_the_page_lists_the_newest_stretch_and_links_walk_every_entry_once(long_record: LongRecord) -> None:
    r = long_record
    assert len(r.entries) > 2 * STRETCH
    # when the coordinator opens the family page
    page = text(r.coordinator.get(f"/families/{r.family}"))
    # then it lists the newest 200 entries, the latest chapter open, with a way to the earlier ones and none later
    assert listed(page) == r.entries[-STRETCH:]
    assert re.search(r'<details class="chapter" open id="latest-chapter">', page)
    assert link(page, "更晚的记录") is None
    # and the first lead's chapter tells all it holds (all but the enrolment, before it, and the handover's
    # completion, which opens the latest), and how much of it is listed here
    told = re.search(r"这一章共 (\d+) 条记录，这里列出其中 (\d+) 条", page)
    assert told and (int(told.group(1)), int(told.group(2))) == (len(r.entries) - 2, STRETCH - 1)
    # when they follow "earlier entries" to the start, then every entry was listed once, in order
    walked = [listed(page)]
    while (earlier := link(page, "更早的记录")) is not None:
        page = text(r.coordinator.get(earlier))
        walked.insert(0, listed(page))
    assert [e for stretch in walked for e in stretch] == r.entries
    # and from the first entry on, "later entries" walk every entry once too
    page = text(r.coordinator.get(f"/families/{r.family}?from={r.entries[0]}"))
    walked = [listed(page)]
    while (later := link(page, "更晚的记录")) is not None:
        page = text(r.coordinator.get(later))
        walked.append(listed(page))
    assert [len(stretch) for stretch in walked] == [STRETCH, STRETCH, len(r.entries) - 2 * STRETCH]
    assert [e for stretch in walked for e in stretch] == r.entries


def test_the_picture_draws_every_year_and_an_unlisted_mark_links_to_its_stretch(long_record: LongRecord) -> None:
    r = long_record
    page = text(r.coordinator.get(f"/families/{r.family}"))
    # the picture accounts for every visit and message (the joint visit on two lanes), not only those listed: each
    # on its own, or several of a kind in a month on a lane as one mark that tells how many
    picture = svg(page)
    marks = re.findall(r'<a href="#[^"]+" class="contact( many" data-count="(\d+))?">', picture)
    contacts = len(r.entries) - 4  # less enrolment, assignment, handover planned and completed
    assert sum(int(count) if count else 1 for _, count in marks) == contacts + 1
    assert any(count for _, count in marks), "some months have several contacts"
    # drawn from each entry's kind, time and volunteers: no visit's or message's words were read for it
    assert "陪孩子写作业" not in picture and "陪孩子写作业" in page
    # a mark of an entry listed here links below; one of an earlier stretch links to the stretch it starts
    first, last = r.entries[2], r.entries[-1]
    assert f'href="#entry-{last}"' in page
    assert f'href="/families/{r.family}?from={first}#entry-{first}"' in page
    assert listed(text(r.coordinator.get(f"/families/{r.family}?from={first}")))[0] == first


def test_an_entry_just_recorded_long_ago_is_listed(long_record: LongRecord) -> None:
    r = long_record
    early = r.entries[5]
    page = text(r.coordinator.get(f"/families/{r.family}?recorded={early}"))
    assert early in listed(page) and "已记录" in page


@pytest.mark.parametrize("start", ["hidden", "unknown"])
def test_a_stretch_from_a_hidden_or_unknown_entry_is_the_newest(long_record: LongRecord, start: str) -> None:
    r = long_record
    given = r.hidden if start == "hidden" else "00000000-0000-4000-8000-000000000000"
    newest = text(r.coordinator.get(f"/families/{r.family}"))
    page = text(r.coordinator.get(f"/families/{r.family}?from={given}"))
    assert listed(page) == listed(newest) and "庇护" not in page


@pytest.mark.parametrize("query", ["from=not-an-id", "recorded=1%0a2", f"from={'f' * 33}"])
def test_a_malformed_entry_in_the_query_is_a_bad_request(long_record: LongRecord, query: str) -> None:
    r = long_record
    assert r.coordinator.get(f"/families/{r.family}?{query}").status_code == 400
