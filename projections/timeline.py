"""A family's relationship timeline, read from the timeline view, now or as of any date.

Entries come in the order things happened (late entries in their place), with corrections
applied and their trace kept, grouped into chapters — one per lead volunteer's tenure —
joined by handover bridges. Facts of a compartment the reader is not cleared for are left out.

The timeline as it stands now is read as folded: entries (a page at a time, if asked), chapters
and bridges are selected from rows the view keeps current as facts arrive. A page reads only the
rows it shows: LIMIT after a key (``occurred_at``, ``version``) on the family's index, hidden
entries skipped in SQL. A replay of the record as it stood on an earlier date
(``projections.timeline_replay``) folds the facts recorded by then; a page of it is selected as a
page now is (``projections.timeline_as_of``). The family page reads a sketch of every entry (its
contacts counted in SQL) and a stretch of them whole (``projections.timeline_page``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.compartments import EVERY_COMPARTMENT, Clearance
from domain.kinds import EntryKind
from projections.db import Row, Tx
from projections.plain import from_iso, iso, local_day, moment
from projections.timeline_compartments import visible
from projections.timeline_promises import OpenPromise, open_promises


@dataclass(frozen=True)
class Correction:
    """An amendment or retraction, as auditors see it: who, when, why, what changed."""

    event_id: str
    action: str
    recorded_at: datetime
    recorded_by: str
    reason: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class Entry:
    """One fact on the timeline, with corrections applied and traced."""

    event_id: str
    kind: EntryKind
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: str
    volunteer_ids: tuple[str, ...]
    data: dict[str, Any]
    original: dict[str, Any]
    corrections: tuple[Correction, ...] = ()
    retracted: bool = False
    sensitive: bool = False
    chapter: int = 0

    @property
    def service_line(self) -> str | None:
        line = self.data.get("service_line")
        return str(line) if line else None

    @property
    def is_contact(self) -> bool:
        return self.kind.is_contact and not self.retracted


@dataclass(frozen=True)
class Chapter:
    """One lead volunteer's tenure with the family (or a stretch without a lead)."""

    index: int
    lead_id: str | None
    lead_name: str
    cohort_name: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Bridge:
    """A handover between volunteers, as it stands: joint visits, agreement, gap."""

    handover_id: str
    outgoing_id: str
    outgoing_name: str
    incoming_id: str
    incoming_name: str
    planned_on: str
    opened_at: datetime
    state: str
    closed_at: datetime | None
    joint_visits: int
    family_agreed: bool
    letter: str
    no_joint_visit_reason: str
    gap_days: int | None


@dataclass(frozen=True)
class Timeline:
    family_id: str
    display_name: str
    as_of: datetime | None
    #: every entry the reader may see, or one page of them (see ``more``)
    entries: list[Entry]
    chapters: list[Chapter]
    bridges: list[Bridge]
    names: dict[str, str] = field(default_factory=dict)
    #: volunteer id -> the name of their cohort
    cohorts: dict[str, str] = field(default_factory=dict)
    #: whether entries follow the page read
    more: bool = False
    #: cohort name -> the day the cohort is expected to end (for the picture's edges of time)
    cohort_ends: dict[str, date] = field(default_factory=dict)
    #: the promises made during visits that are still open, however long ago (as the record stands now)
    promises: list[OpenPromise] = field(default_factory=list)

    def contacts(self) -> list[Entry]:
        return [e for e in self.entries if e.is_contact]


@dataclass(frozen=True)
class Page:
    """Which entries to read: up to ``limit``, after the entry ``after`` (its id and ``occurred_at``; if the
    reader cannot see it, after its time), leaving out those recorded after ``recorded_by``."""

    limit: int
    after: tuple[str, str] | None = None
    recorded_by: datetime | None = None


def gap_days(last_out: datetime | None, first_in: datetime | None) -> int | None:
    """Days between the outgoing volunteer's last visit and the incoming one's first after the handover."""
    return (local_day(first_in) - local_day(last_out)).days if last_out and first_in else None


def names_of(tx: Tx, ids: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Volunteers' names, and their cohorts' names, by volunteer id."""
    if not ids:
        return {}, {}
    marks = ", ".join("?" for _ in ids)
    rows = tx.query(
        "SELECT v.volunteer_id, v.name, c.name FROM timeline_volunteer v"
        f" LEFT JOIN timeline_cohort c ON c.cohort_id = v.cohort_id WHERE v.volunteer_id IN ({marks})",
        sorted(ids),
    )
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] or "" for r in rows}


def cohort_ends_of(tx: Tx, ids: set[str]) -> dict[str, date]:
    """The expected end of each cohort the volunteers ``ids`` belong to, by cohort name."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = tx.query(
        "SELECT DISTINCT c.name, c.expected_end_on FROM timeline_volunteer v"
        f" JOIN timeline_cohort c ON c.cohort_id = v.cohort_id WHERE v.volunteer_id IN ({marks})",
        sorted(ids),
    )
    return {r[0]: date.fromisoformat(r[1]) for r in rows}


ENTRY_COLUMNS = (
    "e.event_id, e.kind, e.occurred_at, e.recorded_at, e.recorded_by, e.volunteer_ids, e.original, e.data,"
    " e.retracted, e.compartment, e.chapter, e.version"
)


#: Entries recorded by a moment, written so that no index on ``recorded_at`` is used for it: walking the family's
#: entries in time order and stopping after a page beats gathering every entry recorded by then to sort them.
RECORDED_BY = "COALESCE(e.recorded_at, '') <= ?"


def page_rows(tx: Tx, family_id: str, clearance: Clearance, page: Page | None) -> tuple[list[Row], bool]:
    """The rows of the entries ``clearance`` sees, in the order things happened (``ENTRY_COLUMNS``): every one, or
    those of ``page`` alone, selected with LIMIT after a key (``occurred_at``, ``version``) on the family's index;
    and whether more follow. Hidden entries are skipped in SQL: they count in no page, no cursor, no ``more``."""
    where, params = visible("e", clearance)
    sql = f"SELECT {ENTRY_COLUMNS} FROM timeline_entry e WHERE e.family_id = ? AND {where}"
    args: list[Any] = [family_id, *params]
    if page is not None and page.recorded_by is not None:
        sql += f" AND {RECORDED_BY}"
        args.append(iso(page.recorded_by))
    if page is not None and page.after is not None:
        event_id, occurred = page.after
        mark = tx.one(f"{sql} AND e.event_id = ?", [*args, event_id])
        if mark is None:
            sql += " AND e.occurred_at > ?"
            args.append(occurred)
        else:
            sql += " AND (e.occurred_at, e.version) > (?, ?)"  # a range of the index, from the key on
            args += [mark[2], mark[11]]
    sql += " ORDER BY e.occurred_at, e.version"
    if page is not None:
        sql += " LIMIT ?"
        args.append(page.limit + 1)
    rows = tx.query(sql, args)
    if page is None or len(rows) <= page.limit:
        return rows, False
    return rows[: page.limit], True


def _entries(tx: Tx, family_id: str, clearance: Clearance, page: Page | None) -> tuple[list[Entry], bool]:
    shown, more = page_rows(tx, family_id, clearance, page)
    traces = corrections_of(tx, family_id, [r[0] for r in shown])
    return [entry_of(r, traces.get(r[0], ())) for r in shown], more


def entry_of(row: Row, corrections: Sequence[Correction]) -> Entry:
    event_id, kind, occurred, recorded, by, vids, original, data, retracted, compartment, chapter = row[:11]
    before = json.loads(original if original is not None else data)  # NULL: never amended
    return Entry(
        event_id,
        EntryKind(kind),
        from_iso(occurred),
        from_iso(recorded),
        by,
        tuple(vids.split()),
        json.loads(data) if original is not None else before,
        before,
        tuple(corrections),
        bool(retracted),
        bool(compartment),
        int(chapter),
    )


def corrections_of(
    tx: Tx, family_id: str, targets: Sequence[str], recorded_by: str | None = None
) -> dict[str, list[Correction]]:
    """The corrections of the entries ``targets`` (recorded by ``recorded_by``, if given), oldest first, by target."""
    found: dict[str, list[Correction]] = {}
    until = "" if recorded_by is None else " AND recorded_at <= ?"
    for start in range(0, len(targets), 500):
        chunk = targets[start : start + 500]
        if not chunk:
            continue
        rows = tx.query(
            "SELECT event_id, target_event_id, action, recorded_at, recorded_by, reason, changes"
            f" FROM timeline_correction WHERE family_id = ? AND target_event_id IN ({', '.join('?' for _ in chunk)})"
            f"{until} ORDER BY recorded_at, event_id",
            [family_id, *chunk, *([] if recorded_by is None else [recorded_by])],
        )
        for event_id, target, action, recorded, by, reason, changes in rows:
            trace = Correction(event_id, action, from_iso(recorded), by, reason, json.loads(changes))
            found.setdefault(target, []).append(trace)
    return found


def _chapters(tx: Tx, family_id: str, clearance: Clearance) -> list[Chapter]:
    """The family's chapters: every lead's tenure, and each stretch without a lead that holds an entry shown."""
    where, params = visible("e", clearance)
    rows = tx.query(
        "SELECT c.idx, c.lead_id, v.name, co.name, c.started_at, c.ended_at FROM timeline_chapter c"
        " LEFT JOIN timeline_volunteer v ON v.volunteer_id = c.lead_id"
        " LEFT JOIN timeline_cohort co ON co.cohort_id = v.cohort_id"
        " WHERE c.family_id = ? AND (c.lead_id IS NOT NULL OR EXISTS (SELECT 1 FROM timeline_entry e"
        f" WHERE e.family_id = c.family_id AND e.chapter = c.idx AND {where})) ORDER BY c.idx",
        [family_id, *params],
    )
    return [
        Chapter(int(i), lead, name or "", cohort or "", from_iso(started), moment(ended))
        for i, lead, name, cohort, started, ended in rows
    ]


def _bridges(tx: Tx, family_id: str, clearance: Clearance) -> list[Bridge]:
    """The family's handovers, with their joint visits and the gap in visits the reader may see."""
    where, params = visible("e", clearance)
    visits = f"FROM timeline_entry e WHERE e.kind = 'visit' AND e.retracted = 0 AND {where}"
    around = f"{visits} AND e.family_id = b.family_id AND (' ' || e.volunteer_ids || ' ') LIKE ('% ' || b.{{}} || ' %')"
    rows = tx.query(
        "SELECT b.handover_id, b.outgoing_id, vo.name, b.incoming_id, vi.name, b.planned_on, b.opened_at, b.state,"
        f" b.closed_at, (SELECT COUNT(*) {visits} AND e.handover_id = b.handover_id), b.family_agreed, b.letter,"
        " b.no_joint_visit_reason,"
        f" (SELECT e.occurred_at {around.format('outgoing_id')} AND e.occurred_at <= b.closed_at"
        " ORDER BY e.occurred_at DESC LIMIT 1),"
        f" (SELECT e.occurred_at {around.format('incoming_id')} AND e.occurred_at >= b.closed_at"
        " ORDER BY e.occurred_at LIMIT 1)"
        " FROM timeline_bridge b LEFT JOIN timeline_volunteer vo ON vo.volunteer_id = b.outgoing_id"
        " LEFT JOIN timeline_volunteer vi ON vi.volunteer_id = b.incoming_id"
        " WHERE b.family_id = ? ORDER BY b.opened_at, b.version",
        [*params, *params, *params, family_id],
    )
    return [_bridge(row) for row in rows]


def _bridge(row: Row) -> Bridge:
    hid, out_id, out_name, in_id, in_name, planned_on, opened, state, closed, joint, agreed, letter, reason = row[:13]
    last_out, first_in = moment(row[13]), moment(row[14])
    return Bridge(
        hid,
        out_id,
        out_name or "",
        in_id,
        in_name or "",
        planned_on,
        from_iso(opened),
        state,
        moment(closed),
        int(joint),
        bool(agreed),
        letter,
        reason,
        gap_days(last_out, first_in) if state == "completed" else None,
    )


def _involved(entries: Iterable[Entry], chapters: Iterable[Chapter], bridges: Iterable[Bridge]) -> set[str]:
    ids = {v for e in entries for v in e.volunteer_ids}
    ids |= {c.lead_id for c in chapters if c.lead_id}
    return ids | {v for b in bridges for v in (b.outgoing_id, b.incoming_id)}


def load_timeline(
    tx: Tx, family_id: str, *, clearance: Clearance = EVERY_COMPARTMENT, page: Page | None = None
) -> Timeline | None:
    """The family's timeline as the record stands now, with every entry ``clearance`` sees (or a ``page`` of
    them); None if it has no record."""
    family = tx.one("SELECT display_name FROM timeline_family WHERE family_id = ?", [family_id])
    if family is None:
        return None
    entries, more = _entries(tx, family_id, clearance, page)
    return around(tx, family_id, family[0], clearance, entries, more)


def around(
    tx: Tx,
    family_id: str,
    display_name: str,
    clearance: Clearance,
    entries: list[Entry],
    more: bool,
    also: Iterable[str] = (),
) -> Timeline:
    """The family's timeline as it stands now around ``entries``: its chapters, handovers and open promises, and
    the names of the volunteers on any of them (and of those ``also`` named)."""
    chapters, bridges = _chapters(tx, family_id, clearance), _bridges(tx, family_id, clearance)
    promises = open_promises(tx, family_id, clearance)
    involved = _involved(entries, chapters, bridges) | {v for p in promises for v in p.volunteer_ids} | set(also)
    names, cohorts = names_of(tx, involved)
    ends = cohort_ends_of(tx, involved)
    return Timeline(family_id, display_name, None, entries, chapters, bridges, names, cohorts, more, ends, promises)


def last_recorded(tx: Tx, family_id: str, clearance: Clearance) -> datetime | None:
    """When the latest fact or correction the reader may see of the family was recorded."""
    where, params = visible("e", clearance)
    entry = tx.one(
        f"SELECT e.recorded_at FROM timeline_entry e WHERE e.family_id = ? AND {where}"
        " ORDER BY e.recorded_at DESC LIMIT 1",
        [family_id, *params],
    )
    correction = tx.one(
        "SELECT c.recorded_at FROM timeline_correction c JOIN timeline_entry e ON e.event_id = c.target_event_id"
        f" WHERE c.family_id = ? AND {where} ORDER BY c.recorded_at DESC LIMIT 1",
        [family_id, *params],
    )
    found = [from_iso(r[0]) for r in (entry, correction) if r is not None]
    return max(found, default=None)
