"""A family's raw facts as the auditors' step-through shows them: every stored fact in the order it
was recorded, with its envelope (position, topic, when it happened, when and by whom it was
recorded) and its own fields as stored, labelled in the reader's language with each id linked to what it
names, a page at a time, each linked to the next. Asked ``as_of`` a day, only the facts recorded by the end
of that day are shown (the replay's raw facts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import Any
from uuid import UUID

from flask import current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from domain.aggregate import PeibanAggregate
from projections.plain import fact_fields, iso
from projections.read_models import ReadModels
from projections.timeline import Timeline
from web.access.refusals import error_page
from web.api.common import peiban
from web.i18n import local_time
from web.pages.fact_labels import FieldRow, Links, field_row
from web.pages.names import person, user_name

FACTS_PER_PAGE = 20
#: Positions are a family's versions: counted from 1, and well inside a 64-bit integer.
LAST_POSITION = 2**62


@dataclass(frozen=True)
class FactRow:
    """One stored fact, its fields as stored (labelled in the reader's language), and the way to the facts before
    and after it."""

    position: int
    topic: str
    event_id: str
    occurred_at: str
    occurred_utc: str
    recorded_at: str
    recorded_utc: str
    recorded_by: str
    recorder: str
    fields: list[FieldRow]
    previous: str | None
    following: str | None


@dataclass(frozen=True)
class Window:
    """Which facts are shown: those recorded by the end of ``day`` (None: every fact), from position ``start``."""

    family_id: Any
    start: int
    day: str | None = None
    until: datetime | None = None

    def url(self, start: int, anchor: str | None = None, **more: str) -> str:
        """The page of facts from position ``start`` on (``from`` is a Python keyword, hence the dict)."""
        query: dict[str, Any] = {"from": start, **({"as_of": self.day} if self.day else {}), **more}
        return url_for("audit_pages.facts", family_id=self.family_id, _anchor=anchor, **query)

    def recorded_by_then(self, fact: PeibanAggregate.Event) -> bool:
        return self.until is None or fact.recorded_at <= self.until


def position(typed: str) -> int | None:
    """A position typed in a link (1 up to ``LAST_POSITION``), or None."""
    if not (typed.isascii() and typed.isdigit() and len(typed) <= len(str(LAST_POSITION))):
        return None
    return int(typed) if 1 <= int(typed) <= LAST_POSITION else None


def _row(fact: PeibanAggregate.Event, href: Any, links: Links) -> FactRow:
    at = fact.originator_version
    topic = str(getattr(type(fact), "TOPIC", type(fact).__qualname__))
    return FactRow(
        position=at,
        topic=topic,
        event_id=str(fact.event_id),
        occurred_at=local_time(fact.occurred_at),
        occurred_utc=iso(fact.occurred_at),
        recorded_at=local_time(fact.recorded_at),
        recorded_utc=iso(fact.recorded_at),
        recorded_by=user_name(fact.recorded_by),
        recorder=person(fact.recorded_by),
        fields=[field_row(topic, name, value, links) for name, value in fact_fields(fact).items()],
        previous=href(at - 1) if at > 1 else None,
        following=href(at + 1),
    )


def family_timeline(family_id: Any) -> Timeline:
    """The family's timeline view (its name, and the names of everyone who was ever on it)."""
    models: ReadModels = current_app.extensions["peiban.read_models"]
    return models.timeline(family_id)


def fact_place(window: Window, typed: str) -> ResponseReturnValue:
    """Off to the fact with id ``typed``, at the top of its page (404: the family has no such fact)."""
    try:
        wanted = UUID(typed)
    except ValueError:
        return error_page(404)
    found = next((f for f in peiban().family_facts(window.family_id) if f.event_id == wanted), None)
    if found is None or not window.recorded_by_then(found):
        return error_page(404)
    return redirect(window.url(found.originator_version, f"fact-{found.originator_version}"), 303)


def facts_page(window: Window) -> ResponseReturnValue:
    """The page of facts from ``window.start`` on (404 for a position the family had not reached by then)."""
    start = window.start
    found = peiban().family_facts(window.family_id, after=start - 1, limit=FACTS_PER_PAGE + 1)
    kept = list(takewhile(window.recorded_by_then, found))
    more = len(kept) > FACTS_PER_PAGE
    shown = kept[:FACTS_PER_PAGE]
    if not shown:
        return error_page(404)
    last = shown[-1].originator_version
    here = {str(f.event_id): f.originator_version for f in shown}

    def href(at: int) -> str | None:
        """Where a fact is: on this page, or on the page before or after it (None: there is no such fact)."""
        if start <= at <= last:
            return f"#fact-{at}"
        if at > last and not more:
            return None
        page = last + 1 if at > last else max(1, start - FACTS_PER_PAGE)
        return window.url(page, f"fact-{at}")

    def fact_href(event_id: str) -> str:
        return f"#fact-{here[event_id]}" if event_id in here else window.url(1, fact=event_id)

    timeline = family_timeline(window.family_id)
    links = Links(
        volunteer=lambda v: url_for("volunteer_page.volunteer", volunteer_id=v),
        fact=fact_href,
        names=timeline.names,
    )
    return render_template(
        "facts.html",
        family_id=window.family_id,
        family_name=timeline.display_name,
        day=window.day,
        rows=[_row(fact, href, links) for fact in shown],
        start=start,
        last=last,
        previous_page=window.url(max(1, start - FACTS_PER_PAGE)) if start > 1 else None,
        next_page=window.url(last + 1) if more else None,
    )
