"""A page of a family's timeline as the record stood at an earlier moment, read from the view's rows.

A replay (``projections.timeline_replay``) folds every fact recorded by its moment; a page of it
needs less. Facts are never edited, so what stood then is the rows recorded by then, with the
corrections recorded by then applied. The one thing the view keeps as it is now, not as it was,
is each entry's compartment; it stood then as it stands now unless an amendment recorded since
moved a fact into a compartment or out of one (a compartment follows only from facts recorded
before the fact it holds). So, unless such an amendment was recorded since, a page selects its
rows with LIMIT after a key, as a current read does, and what the page needs of the rest of the
record (chapters, handovers, the family's name) is selected from the few rows that tell it:
roster changes, handovers, profile updates. Otherwise the record is replayed whole.

The rows it reads, and whether they still tell it, are ``timeline_as_of_rows``; the chapters and the handovers
as they stood, ``timeline_as_of_chapters`` and ``timeline_as_of_bridges``. Here they are put together as a
frame, and the page's entries told in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.compartments import Clearance
from domain.kinds import EntryKind
from projections.db import Row, Tx
from projections.plain import from_iso, iso
from projections.timeline import (
    Bridge,
    Chapter,
    Entry,
    Page,
    Timeline,
    cohort_ends_of,
    corrections_of,
    names_of,
    page_rows,
)
from projections.timeline_as_of_bridges import bridges_as_of
from projections.timeline_as_of_chapters import chapter_of, chapters_as_of
from projections.timeline_as_of_rows import AsOf, in_time, moved_since
from projections.timeline_replay import replay


def entries_as_of(at: AsOf, rows: list[Row], starts: list[tuple[str, int, int]]) -> list[Entry]:
    """The page's entries as they stood: the corrections recorded by then applied, in the chapter they fell in."""
    traces = corrections_of(at.tx, at.family_id, [r[0] for r in rows], at.cutoff)
    entries = []
    for row in rows:
        event_id, kind, occurred, recorded, by, vids, original, stored, _, compartment, _, version = row
        before = json.loads(original if original is not None else stored)  # NULL: never amended
        data = dict(before)
        for trace in traces.get(event_id, ()):
            if trace.action == "amend":
                data.update(trace.changes)
        corrections = tuple(traces.get(event_id, ()))
        entries.append(
            Entry(
                event_id,
                EntryKind(kind),
                from_iso(occurred),
                from_iso(recorded),
                by,
                tuple(vids.split()),
                data,
                before,
                corrections,
                any(t.action == "retract" for t in corrections),
                bool(compartment),
                chapter_of(starts, occurred, int(version)),
            )
        )
    return entries


def _display_name(at: AsOf, enrolled: dict[str, Any]) -> str:
    """The name the family went by then: the latest given by a profile update, else the one it was enrolled under."""
    updates = at.rows(
        "COALESCE(e.original, e.data), e.occurred_at, e.version", "e.kind = ?", [EntryKind.PROFILE_UPDATED.value]
    )
    for data, _, _ in sorted(updates, key=in_time, reverse=True):
        changes = json.loads(data).get("changes", {})
        if "display_name" in changes:
            return str(changes["display_name"])
    return str(enrolled["display_name"])


@dataclass(frozen=True)
class Frame:
    """What a read as of a moment tells around its entries: the family's name then, where each chapter began, the
    chapters and the handovers (their volunteers not yet named)."""

    display_name: str
    starts: list[tuple[str, int, int]]
    chapters: list[Chapter]
    bridges: list[Bridge]


def frame(at: AsOf) -> Frame | None:
    """The frame of the family's record as it stood at ``at``'s moment; None if it had no record then."""
    enrolled = sorted(
        at.rows("COALESCE(e.original, e.data), e.occurred_at, e.version", "e.kind = ?", [EntryKind.ENROLLED.value]),
        key=in_time,
    )
    if not enrolled:
        return None
    starts, chapters = chapters_as_of(at)
    return Frame(_display_name(at, json.loads(enrolled[0][0])), starts, chapters, bridges_as_of(at))


def told(
    at: AsOf, found: Frame, entries: list[Entry], as_of: datetime, more: bool, also: Iterable[str] = ()
) -> Timeline:
    """The timeline of ``entries`` in ``found``'s frame, with the names of every volunteer on any of them (and of
    those ``also`` named)."""
    involved = {v for e in entries for v in e.volunteer_ids} | {c.lead_id for c in found.chapters if c.lead_id}
    involved |= set(also)
    involved |= {v for b in found.bridges for v in (b.outgoing_id, b.incoming_id)}
    names, cohorts = names_of(at.tx, involved)
    chapters = [
        replace(c, lead_name=names.get(c.lead_id or "", ""), cohort_name=cohorts.get(c.lead_id or "", ""))
        for c in found.chapters
    ]
    bridges = [
        replace(b, outgoing_name=names.get(b.outgoing_id, ""), incoming_name=names.get(b.incoming_id, ""))
        for b in found.bridges
    ]
    ends = cohort_ends_of(at.tx, involved)
    return Timeline(at.family_id, found.display_name, as_of, entries, chapters, bridges, names, cohorts, more, ends)


def replay_page(tx: Tx, family_id: str, *, as_of: datetime, clearance: Clearance, page: Page) -> Timeline | None:
    """A ``page`` of the family's timeline as the record stood at ``as_of`` (exactly as ``replay`` tells it); None
    if it had no record then."""
    cutoff = iso(as_of)
    if moved_since(tx, family_id, cutoff):
        return replay(tx, family_id, as_of=as_of, clearance=clearance, page=page)
    at = AsOf(tx, family_id, clearance, cutoff)
    found = frame(at)
    if found is None:
        return None
    rows, more = page_rows(tx, family_id, clearance, Page(page.limit, page.after, as_of))
    return told(at, found, entries_as_of(at, rows, found.starts), as_of, more)
