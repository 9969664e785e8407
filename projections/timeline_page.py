"""A family page's reads, bounded by what the page shows: the sketch of the whole record and one stretch of its
entries read whole, now (the family page) or as the record stood at the end of a day (the auditor's replay).

The sketch reads whole only the entries that are not visits or messages (and the joint visits): few in any
family. The contacts are counted in SQL by volunteers, kind and month (``timeline_contacts``), and where the
stretch lies, how many entries each chapter holds and the first of each, too (``timeline_stretch``). So a family
of thousands of entries costs a few grouped reads, not a row and an object for each entry. What they tell is what
``timeline_outline.load_outline`` (or ``timeline_as_of_record.replay_record``) and ``timeline_sketch.sketched``
tell of the same record.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.compartments import Clearance
from domain.kinds import EntryKind
from projections.db import Tx
from projections.plain import from_iso, iso
from projections.timeline import RECORDED_BY, Entry, Timeline, around, corrections_of, entry_of
from projections.timeline_as_of import entries_as_of, frame, told
from projections.timeline_as_of_record import corrected, outline_entry_as_of, outline_rows_as_of
from projections.timeline_as_of_rows import AsOf, moved_since
from projections.timeline_compartments import visible
from projections.timeline_contacts import Contacts, Scope, read_contacts
from projections.timeline_outline import Stretch, bounds, outline_entry, outline_rows, stretch_of
from projections.timeline_replay import replay
from projections.timeline_sketch import Sketch, lane_order, sketched
from projections.timeline_stretch import BEFORE, Placed, place

#: The entries a sketch reads whole: every entry but the visits and messages, and the joint visits; named by kind,
#: so that they are found on the index of kinds (and sorted here) rather than among all the family's entries.
DRAWN_ALONE = (
    f"e.kind IN ({', '.join(repr(str(k)) for k in sorted(EntryKind) if k != EntryKind.MESSAGE)})"
    " AND (e.kind <> 'visit' OR e.handover_id IS NOT NULL)"
)
#: Beyond so many entries retracted by a moment, whether an entry is one is asked of its corrections row by row.
LISTED_RETRACTIONS = 500


def _sketch(timeline: Timeline, whole: list[tuple[Entry, str, int]], contacts: Contacts) -> Sketch:
    """The sketch of ``timeline``, whose entries are ``whole`` (each with its time as stored and its version), and of
    the ``contacts`` counted in SQL."""
    seen = dict(contacts.first_seen)
    live = [(entry, at, version) for entry, at, version in whole if not entry.retracted]
    for entry, at, version in live:
        for spot, vid in enumerate(entry.volunteer_ids):
            seen[vid] = min(seen.get(vid, (at, version, spot)), (at, version, spot))
    times = [at for _, at, _ in live] + [t for t in (contacts.first_at, contacts.last_at) if t is not None]
    return Sketch(
        timeline,
        contacts.months,
        contacts.together,
        lane_order(seen),
        from_iso(min(times)) if times else None,
        from_iso(max(times)) if times else None,
        contacts.count + sum(1 for entry, _, _ in live if entry.kind.is_contact),
    )


def _stretch(timeline: Timeline, placed: Placed, entries: list[Entry]) -> Stretch:
    shown = replace(timeline, entries=entries, more=placed.later is not None)
    return Stretch(shown, placed.earlier, placed.later, placed.counts, placed.firsts)


def family_page_now(
    tx: Tx,
    family_id: str,
    clearance: Clearance,
    zone: ZoneInfo,
    *,
    start: str | None = None,
    until: str | None = None,
    showing: str | None = None,
    size: int,
) -> tuple[Sketch, Stretch] | None:
    """The sketch of the family's record as it stands (contacts by month of ``zone``) and the stretch of ``size``
    entries read whole, placed as ``timeline_outline.bounds`` places it; None if the family has no record."""
    family = tx.one("SELECT display_name FROM timeline_family WHERE family_id = ?", [family_id])
    if family is None:
        return None
    rows = sorted(outline_rows(tx, family_id, clearance, DRAWN_ALONE, ""), key=lambda r: (r[2], int(r[-1])))
    whole = [(outline_entry(row), row[2], int(row[-1])) for row in rows]
    where, params = visible("e", clearance)
    scope = Scope(tx, family_id, where, params)
    contacts = read_contacts(scope, zone)
    entries = [entry for entry, _, _ in whole]
    timeline = around(tx, family_id, family[0], clearance, entries, False, contacts.volunteers)
    placed = place(scope, ("e.chapter", []), start=start, until=until, showing=showing, size=size)
    traces = corrections_of(tx, family_id, [r[0] for r in placed.rows])
    shown = [entry_of(r, traces.get(r[0], ())) for r in placed.rows]
    return _sketch(timeline, whole, contacts), _stretch(timeline, placed, shown)


def _chapter_then(starts: list[tuple[str, int, int]]) -> tuple[str, list[object]]:
    """The SQL telling the chapter an entry fell in as the record stood (as ``timeline_as_of_chapters.chapter_of``
    does)."""
    if not starts:
        return "0", []
    cases = " ".join(f"WHEN NOT {BEFORE} THEN {int(index)}" for _, _, index in reversed(starts))
    return f"CASE {cases} ELSE 0 END", [v for at, version, _ in reversed(starts) for v in (at, at, version)]


def _retracted_then(at: AsOf, retracted: set[str]) -> tuple[str, tuple[object, ...]]:
    """The SQL telling whether an entry had been retracted by the moment."""
    if not retracted:
        return "0", ()
    if len(retracted) > LISTED_RETRACTIONS:
        return (
            "CASE WHEN e.retracted = 0 THEN 0 WHEN EXISTS (SELECT 1 FROM timeline_correction c"
            " WHERE c.target_event_id = e.event_id"
            " AND c.action = 'retract' AND c.recorded_at <= ?) THEN 1 ELSE 0 END",
            (at.cutoff,),
        )
    # an entry not retracted now was not retracted then: only the few retracted now are looked for in the list
    marks = ", ".join("?" for _ in retracted)
    return f"CASE WHEN e.retracted = 0 THEN 0 WHEN e.event_id IN ({marks}) THEN 1 ELSE 0 END", tuple(sorted(retracted))


def family_page_as_of(
    tx: Tx,
    family_id: str,
    *,
    as_of: datetime,
    clearance: Clearance,
    zone: ZoneInfo,
    start: str | None = None,
    until: str | None = None,
    size: int,
) -> tuple[Sketch, Stretch] | None:
    """The sketch of the family's record as it stood at ``as_of`` and the stretch of ``size`` entries from the entry
    ``start`` or up to the entry ``until`` (default: the newest), as ``replay_record`` tells them; None if the
    family had no record then."""
    cutoff = iso(as_of)
    if moved_since(tx, family_id, cutoff):
        replayed = replay(tx, family_id, as_of=as_of, clearance=clearance, page=None)
        if replayed is None:
            return None
        cut = bounds(replayed, start=start, until=until, size=size)
        return sketched(replayed, zone), stretch_of(replayed, replayed.entries[cut.first : cut.end], cut)
    at = AsOf(tx, family_id, clearance, cutoff)
    found = frame(at)
    if found is None:
        return None
    retracted, amended = corrected(at)
    rows = sorted(outline_rows_as_of(at, DRAWN_ALONE, ""), key=lambda r: (r[2], int(r[8])))
    whole = [(outline_entry_as_of(row, found.starts, retracted, amended), row[2], int(row[8])) for row in rows]
    where, params = visible("e", clearance)
    scope = Scope(tx, family_id, f"{RECORDED_BY} AND {where}", [cutoff, *params], *_retracted_then(at, retracted))
    contacts = read_contacts(scope, zone)
    timeline = told(at, found, [entry for entry, _, _ in whole], as_of, False, contacts.volunteers)
    placed = place(scope, _chapter_then(found.starts), start=start, until=until, size=size)
    return _sketch(timeline, whole, contacts), _stretch(timeline, placed, entries_as_of(at, placed.rows, found.starts))
