"""The chapters of a family's timeline as they stood at an earlier moment, folded from the few rows that decide them.

``fold_chapters`` opens a chapter only at the first fact or at a fact that may open one (``TURNING``), so those
rows, with the planned handovers that name the incoming lead, are folded alone. Where each chapter began then
tells the chapter of any other entry (``chapter_of``), as SQL does in ``timeline_page``.
"""

from __future__ import annotations

import json
from bisect import bisect_right

from domain.kinds import EntryKind
from projections.db import Row
from projections.plain import from_iso
from projections.timeline import Chapter
from projections.timeline_as_of_rows import AsOf, of_kinds
from projections.timeline_chapters import TURNING, Placed, fold_chapters

#: The facts that may open a chapter, and the planned handovers that name the incoming lead.
CHAPTER_FACTS = (*sorted(TURNING), EntryKind.HANDOVER_PLANNED)
#: What a placed fact's row holds: event_id, kind, occurred_at, version, volunteer_ids, original.
PLACED_COLUMNS = "e.event_id, e.kind, e.occurred_at, e.version, e.volunteer_ids, COALESCE(e.original, e.data)"


def _placed(row: Row) -> Placed:
    return Placed(row[0], EntryKind(row[1]), from_iso(row[2]), row[4].split(), json.loads(row[5]))


def chapters_as_of(at: AsOf) -> tuple[list[tuple[str, int, int]], list[Chapter]]:
    """The chapters as they stood: where each begins (``occurred_at``, ``version``, index), and the chapters shown.

    Only the first fact and the facts that may open a chapter decide them (``fold_chapters`` opens none at any
    other), so they are folded alone; every other entry falls in the chapter begun last before it."""
    first = at.rows(PLACED_COLUMNS, "1 = 1", [], "ORDER BY e.occurred_at, e.version LIMIT 1")
    kinds, params = of_kinds(CHAPTER_FACTS)
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
