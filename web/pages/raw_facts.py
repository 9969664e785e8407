"""A family's raw facts as the auditors' step-through shows them: every stored fact in the order it
was recorded, with its envelope (position, topic, when it happened, when and by whom it was
recorded) and its own fields exactly as stored, a page at a time, each linked to the next."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from domain.aggregate import PeibanAggregate
from projections.plain import fact_fields, iso
from projections.read_models import ReadModels
from web.access.refusals import error_page
from web.api.common import peiban
from web.i18n import local_time

FACTS_PER_PAGE = 20
#: Positions are a family's versions: counted from 1, and well inside a 64-bit integer.
LAST_POSITION = 2**62


@dataclass(frozen=True)
class FactRow:
    """One stored fact, its fields as stored, and the way to the facts before and after it."""

    position: int
    topic: str
    event_id: str
    occurred_at: str
    occurred_utc: str
    recorded_at: str
    recorded_utc: str
    recorded_by: str
    fields: list[tuple[str, str]]
    previous: str | None
    following: str | None


def page_url(family_id: Any, start: int, anchor: str | None = None) -> str:
    """The page of facts from position ``start`` on (``from`` is a Python keyword, hence the dict)."""
    query: dict[str, Any] = {"from": start}
    return url_for("audit_pages.facts", family_id=family_id, _anchor=anchor, **query)


def _position(typed: str) -> int | None:
    if not (typed.isascii() and typed.isdigit() and len(typed) <= len(str(LAST_POSITION))):
        return None
    return int(typed) if 1 <= int(typed) <= LAST_POSITION else None


def _shown(value: Any, names: dict[str, str]) -> str:
    """A stored value as stored, with the name of each volunteer it names beside the id."""
    if isinstance(value, list) and value and all(isinstance(v, str) and v in names for v in value):
        return "[" + ", ".join(_shown(v, names) for v in value) + "]"
    if isinstance(value, str):
        return f"{value} ({names[value]})" if value in names else value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"{text} ({names[str(value)]})" if str(value) in names else text


def _row(fact: PeibanAggregate.Event, href: Any, names: dict[str, str]) -> FactRow:
    position = fact.originator_version
    return FactRow(
        position=position,
        topic=str(getattr(type(fact), "TOPIC", type(fact).__qualname__)),
        event_id=str(fact.event_id),
        occurred_at=local_time(fact.occurred_at),
        occurred_utc=iso(fact.occurred_at),
        recorded_at=local_time(fact.recorded_at),
        recorded_utc=iso(fact.recorded_at),
        recorded_by=fact.recorded_by,
        fields=[(name, _shown(value, names)) for name, value in fact_fields(fact).items()],
        previous=href(position - 1) if position > 1 else None,
        following=href(position + 1),
    )


def volunteer_names(family_id: Any) -> dict[str, str]:
    """The names of everyone who was ever on the family, by id."""
    models: ReadModels = current_app.extensions["peiban.read_models"]
    return models.timeline(family_id).names


def facts_page(family_id: Any, typed_from: str) -> ResponseReturnValue:
    """The page of facts from position ``typed_from`` on (404 for a position the family has not reached)."""
    start = _position(typed_from)
    if start is None:
        return error_page(404)
    found = peiban().family_facts(family_id, after=start - 1, limit=FACTS_PER_PAGE + 1)
    more = len(found) > FACTS_PER_PAGE
    shown = found[:FACTS_PER_PAGE]
    if not shown:
        return error_page(404)
    last = shown[-1].originator_version

    def href(position: int) -> str | None:
        """Where a fact is: on this page, or on the page before or after it (None: there is no such fact)."""
        if start <= position <= last:
            return f"#fact-{position}"
        if position > last and not more:
            return None
        page = last + 1 if position > last else max(1, start - FACTS_PER_PAGE)
        return page_url(family_id, page, f"fact-{position}")

    names = volunteer_names(family_id)
    return render_template(
        "facts.html",
        family_id=family_id,
        rows=[_row(fact, href, names) for fact in shown],
        start=start,
        last=last,
        previous_page=page_url(family_id, max(1, start - FACTS_PER_PAGE)) if start > 1 else None,
        next_page=page_url(family_id, last + 1) if more else None,
    )
