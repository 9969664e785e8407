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
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.compartments import Clearance
from domain.kinds import HANDOVER_CLOSINGS, EntryKind
from projections.db import Row, Tx
from projections.plain import from_iso, iso
from projections.timeline import (
    RECORDED_BY,
    Bridge,
    Chapter,
    Entry,
    Page,
    Timeline,
    cohort_ends_of,
    corrections_of,
    gap_days,
    names_of,
    page_rows,
)
from projections.timeline_chapters import TURNING, Placed, fold_chapters
from projections.timeline_compartments import visible
from projections.timeline_replay import replay

#: The handover facts a bridge is told from (none is ever in a compartment).
HANDOVER_FACTS = (
    EntryKind.HANDOVER_PLANNED,
    EntryKind.HANDOVER_AGREED,
    EntryKind.HANDOVER_COMPLETED,
    EntryKind.HANDOVER_CANCELLED,
)
#: The facts that may open a chapter, and the planned handovers that name the incoming lead.
CHAPTER_FACTS = (*sorted(TURNING), EntryKind.HANDOVER_PLANNED)
#: What a placed fact's row holds: event_id, kind, occurred_at, version, volunteer_ids, original.
PLACED_COLUMNS = "e.event_id, e.kind, e.occurred_at, e.version, e.volunteer_ids, COALESCE(e.original, e.data)"


@dataclass(frozen=True)
class AsOf:
    """What a page read as of a moment works within: the family, the reader, the moment as stored text."""

    tx: Tx
    family_id: str
    clearance: Clearance
    cutoff: str

    def rows(self, columns: str, condition: str, params: list[Any], tail: str = "") -> list[Row]:
        """Rows of the family's entries recorded by the moment that the reader sees and that meet ``condition``."""
        where, shown = visible("e", self.clearance)
        return self.tx.query(
            f"SELECT {columns} FROM timeline_entry e WHERE e.family_id = ? AND {RECORDED_BY} AND {where}"
            f" AND {condition} {tail}",
            [self.family_id, self.cutoff, *shown, *params],
        )


def moved_since(tx: Tx, family_id: str, cutoff: str) -> bool:
    """Whether an amendment recorded after ``cutoff`` changed a fact's service line (and so maybe its compartment)."""
    rows = tx.query(
        "SELECT changes FROM timeline_correction WHERE family_id = ? AND recorded_at > ? AND action = 'amend'"
        " AND changes LIKE ?",
        [family_id, cutoff, '%"service_line"%'],
    )
    return any("service_line" in json.loads(changes) for (changes,) in rows)


def _order(row: Row) -> tuple[str, int]:
    """Rows of the kinds that are few in a family are sorted here, so that their index (not time's) is used."""
    return (row[-2], int(row[-1]))


def _kinds(kinds: tuple[EntryKind, ...]) -> tuple[str, list[Any]]:
    return f"e.kind IN ({', '.join('?' for _ in kinds)})", [str(k) for k in kinds]


def _placed(row: Row) -> Placed:
    return Placed(row[0], EntryKind(row[1]), from_iso(row[2]), row[4].split(), json.loads(row[5]))


def _chapters(at: AsOf) -> tuple[list[tuple[str, int, int]], list[Chapter]]:
    """The chapters as they stood: where each begins (``occurred_at``, ``version``, index), and the chapters shown.

    Only the first fact and the facts that may open a chapter decide them (``fold_chapters`` opens none at any
    other), so they are folded alone; every other entry falls in the chapter begun last before it."""
    first = at.rows(PLACED_COLUMNS, "1 = 1", [], "ORDER BY e.occurred_at, e.version LIMIT 1")
    kinds, params = _kinds(CHAPTER_FACTS)
    rows = {r[0]: r for r in [*first, *at.rows(PLACED_COLUMNS, kinds, params)]}
    ordered = sorted(rows.values(), key=lambda r: (r[2], r[3]))
    spans, placed = fold_chapters(_placed(r) for r in ordered)
    starts = [(ordered[0][2], ordered[0][3], 0)] if ordered else []
    starts += [(r[2], r[3], i) for r, i, before in zip(ordered, placed, [0, *placed], strict=False) if i != before]
    shown = [
        Chapter(s.index, s.lead_id, "", "", s.started_at, s.ended_at) for s in spans if s.lead_id or s.index in placed
    ]
    return starts, shown


def chapter_of(starts: list[tuple[str, int, int]], occurred: str, version: int) -> int:
    """The chapter an entry (its ``occurred_at`` as stored, its ``version``) fell in, given where each began."""
    found = bisect_right(starts, (occurred, version, len(starts) + 1))
    return starts[found - 1][2] if found else 0


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


#: A visit the reader sees that was not retracted by the moment.
LIVE_VISIT = (
    "e.kind = 'visit' AND NOT EXISTS (SELECT 1 FROM timeline_correction c WHERE c.target_event_id = e.event_id"
    " AND c.action = 'retract' AND c.recorded_at <= ?)"
)
WITH_VOLUNTEER = "(' ' || e.volunteer_ids || ' ') LIKE ?"


def _visit_next_to(at: AsOf, volunteer_id: str, closed: datetime, earlier: bool) -> datetime | None:
    """The volunteer's last visit until a handover closed (``earlier``), or their first from then on."""
    side, order = ("<=", "DESC") if earlier else (">=", "ASC")
    found = at.rows(
        "e.occurred_at",
        f"{LIVE_VISIT} AND {WITH_VOLUNTEER} AND e.occurred_at {side} ?",
        [at.cutoff, f"% {volunteer_id} %", iso(closed)],
        f"ORDER BY e.occurred_at {order} LIMIT 1",
    )
    return from_iso(found[0][0]) if found else None


def _bridges(at: AsOf) -> list[Bridge]:
    """The handovers as they stood: planned, agreed, closed by then; joint visits and gaps of the visits shown."""
    kinds, params = _kinds(HANDOVER_FACTS)
    rows = sorted(
        at.rows("e.event_id, e.kind, COALESCE(e.original, e.data), e.occurred_at, e.version", kinds, params), key=_order
    )
    facts = [(event_id, EntryKind(kind), from_iso(at_), json.loads(data)) for event_id, kind, data, at_, _ in rows]
    # the joint visits of every handover counted in one pass over the family's visits (not a pass a handover)
    joints: dict[str, int] = {}
    if facts:
        grouped = at.rows(
            "e.handover_id, COUNT(*)",
            f"{LIVE_VISIT} AND e.handover_id IS NOT NULL",
            [at.cutoff],
            "GROUP BY e.handover_id",
        )
        joints = {str(hid): int(count) for hid, count in grouped}
    bridges = []
    for hid, _, opened, planned in (f for f in facts if f[1] == EntryKind.HANDOVER_PLANNED):
        related = [f for f in facts if str(f[3].get("handover_id")) == hid]
        closing = next((f for f in related if f[1] in HANDOVER_CLOSINGS), None)
        out_id, in_id = str(planned["outgoing_volunteer_id"]), str(planned["incoming_volunteer_id"])
        state = "planned" if closing is None else closing[1].removeprefix("handover_")
        joint = joints.get(hid, 0)
        gap = None
        if closing is not None and state == "completed":
            gap = gap_days(_visit_next_to(at, out_id, closing[2], True), _visit_next_to(at, in_id, closing[2], False))
        bridges.append(
            Bridge(
                hid,
                out_id,
                "",
                in_id,
                "",
                str(planned["planned_on"]),
                opened,
                state,
                closing[2] if closing else None,
                int(joint),
                any(f[1] == EntryKind.HANDOVER_AGREED for f in related),
                str(planned.get("letter", "")),
                str(closing[3].get("no_joint_visit_reason", "")) if closing else "",
                gap,
            )
        )
    return bridges


def _display_name(at: AsOf, enrolled: dict[str, Any]) -> str:
    """The name the family went by then: the latest given by a profile update, else the one it was enrolled under."""
    updates = at.rows(
        "COALESCE(e.original, e.data), e.occurred_at, e.version", "e.kind = ?", [EntryKind.PROFILE_UPDATED.value]
    )
    for data, _, _ in sorted(updates, key=_order, reverse=True):
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
        key=_order,
    )
    if not enrolled:
        return None
    starts, chapters = _chapters(at)
    return Frame(_display_name(at, json.loads(enrolled[0][0])), starts, chapters, _bridges(at))


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
