"""The replay page's read: the outline of a family's record as it stood at an earlier moment, and one stretch
of its entries read whole, as the family page reads the record as it stands now.

The outline is every entry recorded by the moment that the reader sees, with its kind, time, volunteers,
the chapter it fell in then and whether it had been retracted by then, and the fields (as amended by
then) only of the few kinds the picture needs (``timeline_outline.DETAILED``): no words of visits and
messages. The stretch is selected with LIMIT after a key among the rows recorded by then and told with
the corrections recorded by then (``timeline_as_of``). When an amendment recorded since moved a fact
into a compartment or out of one, the record is replayed whole (``timeline_replay``) and the stretch cut
from it, as a page as of a moment is.

The replay page itself now reads less (``timeline_page``), as the family page does; ``replay_record`` stays
as what those reads must tell, read entry by entry.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.compartments import Clearance
from projections.db import Row, Tx
from projections.plain import iso
from projections.timeline import RECORDED_BY, Entry, Timeline, page_rows
from projections.timeline_as_of import entries_as_of, frame, told
from projections.timeline_as_of_chapters import chapter_of
from projections.timeline_as_of_rows import AsOf, moved_since
from projections.timeline_compartments import visible
from projections.timeline_outline import DETAILED, Stretch, bounds, outline_entry_of, page_of, stretch_of
from projections.timeline_replay import replay

#: What an outline's row holds; the fields as stored then only for the ``DETAILED`` kinds.
OUTLINE_COLUMNS = (
    "e.event_id, e.kind, e.occurred_at, e.recorded_at, e.recorded_by, e.volunteer_ids, e.handover_id,"
    " e.compartment, e.version, CASE WHEN e.kind IN ({kinds}) THEN COALESCE(e.original, e.data) ELSE NULL END"
)


def corrected(at: AsOf) -> tuple[set[str], dict[str, list[dict[str, Any]]]]:
    """The entries retracted by the moment, and the changes of each amendment recorded by then, oldest first."""
    rows = at.tx.query(
        "SELECT target_event_id, action, changes FROM timeline_correction WHERE family_id = ? AND recorded_at <= ?"
        " ORDER BY recorded_at, event_id",
        [at.family_id, at.cutoff],
    )
    retracted = {target for target, action, _ in rows if action == "retract"}
    amended: dict[str, list[dict[str, Any]]] = {}
    for target, action, changes in rows:
        if action == "amend":
            amended.setdefault(target, []).append(json.loads(changes))
    return retracted, amended


def outline_entry_as_of(
    row: Row, starts: list[tuple[str, int, int]], retracted: set[str], amended: dict[str, list[dict[str, Any]]]
) -> Entry:
    """An outline's entry as it stood, from its row: retracted by then or not, its fields as amended by then."""
    event_id, kind, occurred, recorded, by, vids, handover, compartment, version, data = row
    fields: dict[str, Any] = json.loads(data) if data is not None else {}
    for changes in amended.get(event_id, ()) if data is not None else ():
        fields.update(changes)
    head = (event_id, kind, occurred, recorded, by, vids, handover)
    chapter = chapter_of(starts, occurred, int(version))
    return outline_entry_of(head, fields, event_id in retracted, bool(compartment), chapter)


def outline_rows_as_of(at: AsOf, condition: str = "1 = 1", order: str = "e.occurred_at, e.version") -> list[Row]:
    """The outline's rows (``OUTLINE_COLUMNS``) of the entries recorded by the moment that the reader sees and
    that meet ``condition``, in ``order`` (none if empty)."""
    kinds = sorted(DETAILED)
    where, shown = visible("e", at.clearance)
    columns = OUTLINE_COLUMNS.format(kinds=", ".join("?" for _ in kinds))
    return at.tx.query(
        f"SELECT {columns} FROM timeline_entry e WHERE e.family_id = ? AND {RECORDED_BY} AND {where}"
        f" AND {condition}{f' ORDER BY {order}' if order else ''}",
        [*kinds, at.family_id, at.cutoff, *shown],
    )


def outline_as_of(at: AsOf, starts: list[tuple[str, int, int]]) -> list[Entry]:
    """Every entry recorded by the moment that the reader sees, in order, as the outline tells it (as it stood)."""
    retracted, amended = corrected(at)
    return [outline_entry_as_of(row, starts, retracted, amended) for row in outline_rows_as_of(at)]


def replay_record(
    tx: Tx,
    family_id: str,
    *,
    as_of: datetime,
    clearance: Clearance,
    start: str | None = None,
    until: str | None = None,
    size: int,
) -> tuple[Timeline, Stretch] | None:
    """The outline of the family's record as it stood at ``as_of`` and the stretch of ``size`` entries from the
    entry ``start`` or up to the entry ``until`` (default: the newest), exactly as ``replay`` tells them; None if
    the family had no record then."""
    cutoff = iso(as_of)
    if moved_since(tx, family_id, cutoff):
        whole = replay(tx, family_id, as_of=as_of, clearance=clearance, page=None)
        if whole is None:
            return None
        cut = bounds(whole, start=start, until=until, size=size)
        return whole, stretch_of(whole, whole.entries[cut.first : cut.end], cut)
    at = AsOf(tx, family_id, clearance, cutoff)
    found = frame(at)
    if found is None:
        return None
    outline = told(at, found, outline_as_of(at, found.starts), as_of, False)
    cut = bounds(outline, start=start, until=until, size=size)
    rows, _ = page_rows(tx, family_id, clearance, page_of(outline, cut, as_of)) if cut.end > cut.first else ([], False)
    return outline, stretch_of(outline, entries_as_of(at, rows, found.starts), cut)
