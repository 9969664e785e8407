"""A family's page: the outline of its whole record, and one stretch of its entries read whole.

The family page draws a picture of every year with the family and lists open concerns and
follow-ups, which need every entry's kind, time, volunteers and chapter, and the fields of a few
kinds of fact; but it lists only a stretch of entries with their words and corrections. So the
outline reads every entry the reader may see without the words of visits and messages (which
are most of a family's record and most of its bytes), and the stretch is read whole, with LIMIT
after a key, as a page of the API's timeline is: a family of thousands of entries costs the
outline's narrow rows, not thousands of entries' texts.

The family page itself now reads less (``timeline_page``): the outline's entries other than visits and
messages, with the contacts counted in SQL and the stretch placed by counts. The outline read entry by
entry stays as what those reads must tell (``timeline_sketch.sketched`` folds it into the same sketch).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.compartments import Clearance
from domain.kinds import EntryKind
from projections.db import Row, Tx
from projections.plain import from_iso, iso
from projections.timeline import Entry, Page, Timeline, around, corrections_of, entry_of, page_rows
from projections.timeline_compartments import visible

#: The kinds whose fields the picture and the open items need (roster changes, handovers, concerns,
#: follow-ups): few in any family. Visits and messages are drawn from their kind, time and volunteers alone
#: (a visit's handover, for a joint visit, has a column of its own).
DETAILED = frozenset(
    {
        EntryKind.ASSIGNED,
        EntryKind.UNASSIGNED,
        EntryKind.CLOSED,
        EntryKind.HANDOVER_PLANNED,
        EntryKind.HANDOVER_COMPLETED,
        EntryKind.CONCERN_RAISED,
        EntryKind.CONCERN_RESOLVED,
        EntryKind.FOLLOW_UP_SCHEDULED,
        EntryKind.FOLLOW_UP_DONE,
    }
)


@dataclass(frozen=True)
class Stretch:
    """The entries a family page lists, whole, and where the stretches before and after it are."""

    timeline: Timeline
    #: the first entry listed, if entries come before it (the stretch before ends there)
    earlier: str | None
    #: the entry after the last listed, if any (the stretch after starts there)
    later: str | None
    #: how many entries each chapter holds, and the first of them (to read a chapter from its start)
    counts: dict[int, int]
    firsts: dict[int, str]


def _outline_entry(row: Row) -> Entry:
    *head, retracted, compartment, chapter, data = row
    fields: dict[str, Any] = json.loads(data) if data is not None else {}
    return outline_entry_of(head, fields, bool(retracted), bool(compartment), int(chapter))


def outline_entry_of(
    head: Sequence[Any], fields: dict[str, Any], retracted: bool, compartment: bool, chapter: int
) -> Entry:
    """An outline's entry from the head of its row (id, kind, times, author, volunteers, handover) and the fields it
    keeps (none for visits and messages: their words are left out)."""
    event_id, kind, occurred, recorded, by, vids, handover = head
    if handover:
        fields["handover_id"] = handover
    return Entry(
        event_id,
        EntryKind(kind),
        from_iso(occurred),
        from_iso(recorded),
        by,
        tuple(vids.split()),
        fields,
        fields,
        (),
        retracted,
        compartment,
        chapter,
    )


def outline_rows(
    tx: Tx, family_id: str, clearance: Clearance, condition: str = "1 = 1", order: str = "e.occurred_at, e.version"
) -> list[Row]:
    """The outline's rows of the entries ``clearance`` sees that meet ``condition``, in ``order`` (none if empty);
    each row ends with the entry's version."""
    where, params = visible("e", clearance)
    kinds = sorted(DETAILED)
    return tx.query(
        "SELECT e.event_id, e.kind, e.occurred_at, e.recorded_at, e.recorded_by, e.volunteer_ids, e.handover_id,"
        f" e.retracted, e.compartment, e.chapter, CASE WHEN e.kind IN ({', '.join('?' for _ in kinds)})"
        f" THEN e.data ELSE NULL END, e.version FROM timeline_entry e WHERE e.family_id = ? AND {where}"
        f" AND {condition}{f' ORDER BY {order}' if order else ''}",
        [*kinds, family_id, *params],
    )


def outline_entry(row: Row) -> Entry:
    """An outline's entry from its row (``outline_rows``)."""
    return _outline_entry(row[:-1])


def load_outline(tx: Tx, family_id: str, clearance: Clearance) -> Timeline | None:
    """Every entry of the family ``clearance`` sees, in order, with its kind, time, volunteers, chapter and whether
    it was retracted, and the fields only of the ``DETAILED`` kinds (no corrections' traces); with the chapters,
    handovers, open promises and names. None if the family has no record."""
    family = tx.one("SELECT display_name FROM timeline_family WHERE family_id = ?", [family_id])
    if family is None:
        return None
    entries = [outline_entry(r) for r in outline_rows(tx, family_id, clearance)]
    return around(tx, family_id, family[0], clearance, entries, False)


@dataclass(frozen=True)
class Bounds:
    """Where a stretch lies among the outline's entries: from ``first`` up to ``end`` (not included)."""

    first: int
    end: int


def bounds(
    outline: Timeline, *, start: str | None = None, until: str | None = None, showing: str | None = None, size: int
) -> Bounds:
    """The ``size`` entries from ``start`` on, or those up to ``until`` (not included); by default (or if neither is
    an entry of ``outline``) the newest ``size``; from ``showing`` if it would not be among them."""
    index = {entry.event_id: i for i, entry in enumerate(outline.entries)}
    total = len(index)
    first, end = max(total - size, 0), total
    if start in index:
        first, end = index[start], min(index[start] + size, total)
    elif until in index:
        first, end = max(index[until] - size, 0), index[until]
    if showing in index and not first <= index[showing] < end:
        first, end = index[showing], min(index[showing] + size, total)
    return Bounds(first, end)


def page_of(outline: Timeline, at: Bounds, recorded_by: datetime | None = None) -> Page:
    """The page of the view's rows that holds the stretch ``at`` (after the entry before it, if any)."""
    before = outline.entries[at.first - 1] if at.first > 0 else None
    return Page(at.end - at.first, (before.event_id, iso(before.occurred_at)) if before else None, recorded_by)


def stretch_of(outline: Timeline, entries: list[Entry], at: Bounds) -> Stretch:
    """The stretch of ``entries`` (read whole) that lies ``at`` the outline's, with where the others are."""
    ids = [e.event_id for e in outline.entries]
    counts: dict[int, int] = {}
    firsts: dict[int, str] = {}
    for entry in outline.entries:
        counts[entry.chapter] = counts.get(entry.chapter, 0) + 1
        firsts.setdefault(entry.chapter, entry.event_id)
    shown = replace(outline, entries=entries, more=at.end < len(ids))
    earlier = ids[at.first] if at.first > 0 else None
    return Stretch(shown, earlier, ids[at.end] if at.end < len(ids) else None, counts, firsts)


def load_stretch(
    tx: Tx,
    outline: Timeline,
    clearance: Clearance,
    *,
    start: str | None = None,
    until: str | None = None,
    showing: str | None = None,
    size: int,
) -> Stretch:
    """The stretch of ``bounds`` read whole. ``outline`` is the family's, read in the same transaction."""
    at = bounds(outline, start=start, until=until, showing=showing, size=size)
    rows, _ = page_rows(tx, outline.family_id, clearance, page_of(outline, at)) if at.end > at.first else ([], False)
    traces = corrections_of(tx, outline.family_id, [r[0] for r in rows])
    return stretch_of(outline, [entry_of(r, traces.get(r[0], ())) for r in rows], at)
