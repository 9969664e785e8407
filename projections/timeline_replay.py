"""A family's timeline replayed as the record stood at an earlier moment (``as_of``).

Only facts and corrections recorded by then count, so compartments, chapters and bridges may
differ from today's: they are folded here from those rows, with the same rules the timeline view
applies as facts arrive (the domain's compartment rule, ``projections.timeline_chapters``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from domain.compartments import Clearance
from domain.kinds import HANDOVER_CLOSINGS, EntryKind
from projections.db import Tx
from projections.plain import from_iso, iso
from projections.timeline import (
    Bridge,
    Chapter,
    Correction,
    Entry,
    Page,
    Timeline,
    cohort_ends_of,
    gap_days,
    names_of,
)
from projections.timeline_chapters import Placed, fold_chapters
from projections.timeline_compartments import FOLLOWS, Link, compartment


def _recorded(tx: Tx, family_id: str, cutoff: str) -> list[Entry]:
    """The family's entries recorded by ``cutoff``, with the corrections recorded by then applied."""
    rows = tx.query(
        "SELECT event_id, kind, occurred_at, recorded_at, recorded_by, volunteer_ids, COALESCE(original, data)"
        " FROM timeline_entry"
        " WHERE family_id = ? AND recorded_at <= ? ORDER BY occurred_at, version",
        [family_id, cutoff],
    )
    entries = {}
    for event_id, kind, occurred, recorded, by, vids, data in rows:
        fields = json.loads(data)
        entries[event_id] = Entry(
            event_id, EntryKind(kind), from_iso(occurred), from_iso(recorded), by, tuple(vids.split()), fields, fields
        )
    corrections = tx.query(
        "SELECT event_id, target_event_id, action, recorded_at, recorded_by, reason, changes FROM timeline_correction"
        " WHERE family_id = ? AND recorded_at <= ? ORDER BY recorded_at, event_id",
        [family_id, cutoff],
    )
    for event_id, target, action, recorded, by, reason, changes in corrections:
        entry = entries.get(target)
        if entry is None:
            continue
        trace = Correction(event_id, action, from_iso(recorded), by, reason, json.loads(changes))
        data = {**entry.data, **trace.changes} if action == "amend" else entry.data
        entries[target] = replace(
            entry, data=data, corrections=(*entry.corrections, trace), retracted=entry.retracted or action == "retract"
        )
    return list(entries.values())


def _compartments(entries: list[Entry], clearance: Clearance) -> list[Entry]:
    """The entries ``clearance`` sees, each marked with whether it is in a compartment (as amended then)."""
    links = {
        e.event_id: Link(
            e.kind, e.service_line, str(e.data[FOLLOWS[e.kind]]) if e.data.get(FOLLOWS.get(e.kind, "")) else None
        )
        for e in entries
    }
    shown = []
    for entry in entries:
        lines = compartment(entry.event_id, links.get)
        if clearance.sees(lines):
            shown.append(replace(entry, sensitive=bool(lines)))
    return shown


def _bridges(entries: list[Entry], names: dict[str, str]) -> list[Bridge]:
    bridges = []
    visits = [e for e in entries if e.kind == EntryKind.VISIT and not e.retracted]
    for planned in (e for e in entries if e.kind == EntryKind.HANDOVER_PLANNED):
        hid = planned.event_id
        related = [e for e in entries if str(e.data.get("handover_id")) == hid]
        closing = next((e for e in related if e.kind in HANDOVER_CLOSINGS), None)
        out_id, in_id = str(planned.data["outgoing_volunteer_id"]), str(planned.data["incoming_volunteer_id"])
        state = "planned" if closing is None else closing.kind.removeprefix("handover_")
        gap = None
        if closing is not None and state == "completed":
            last_out = max(
                (e.occurred_at for e in visits if out_id in e.volunteer_ids and e.occurred_at <= closing.occurred_at),
                default=None,
            )
            first_in = min(
                (e.occurred_at for e in visits if in_id in e.volunteer_ids and e.occurred_at >= closing.occurred_at),
                default=None,
            )
            gap = gap_days(last_out, first_in)
        bridges.append(
            Bridge(
                hid,
                out_id,
                names.get(out_id, ""),
                in_id,
                names.get(in_id, ""),
                str(planned.data["planned_on"]),
                planned.occurred_at,
                state,
                closing.occurred_at if closing else None,
                sum(1 for e in related if e.kind == EntryKind.VISIT and not e.retracted),
                any(e.kind == EntryKind.HANDOVER_AGREED for e in related),
                str(planned.data.get("letter", "")),
                str(closing.data.get("no_joint_visit_reason", "")) if closing else "",
                gap,
            )
        )
    return bridges


def _page(entries: list[Entry], page: Page) -> tuple[list[Entry], bool]:
    """The entries of ``page`` (a replay's: nothing recorded after its moment is there to leave out)."""
    if page.after is not None:
        event_id, occurred = page.after
        index = next((i for i, e in enumerate(entries) if e.event_id == event_id), None)
        entries = entries[index + 1 :] if index is not None else [e for e in entries if iso(e.occurred_at) > occurred]
    return entries[: page.limit], len(entries) > page.limit


def replay(tx: Tx, family_id: str, *, as_of: datetime, clearance: Clearance, page: Page | None) -> Timeline | None:
    """The family's timeline as the record stood at ``as_of``; None if it had no record then."""
    recorded = _recorded(tx, family_id, iso(as_of))
    if not any(e.kind == EntryKind.ENROLLED for e in recorded):
        return None
    entries = _compartments(recorded, clearance)
    involved = {v for e in entries for v in e.volunteer_ids}
    names, cohorts = names_of(tx, involved)
    spans, placed = fold_chapters(Placed(e.event_id, e.kind, e.occurred_at, e.volunteer_ids, e.data) for e in entries)
    entries = [replace(e, chapter=index) for e, index in zip(entries, placed, strict=True)]
    chapters = [
        Chapter(
            s.index,
            s.lead_id,
            names.get(s.lead_id or "", ""),
            cohorts.get(s.lead_id or "", ""),
            s.started_at,
            s.ended_at,
        )
        for s in spans
        if s.lead_id or s.index in placed
    ]
    display_name = next(
        (
            str(e.data["changes"]["display_name"])
            for e in reversed(entries)
            if e.kind == EntryKind.PROFILE_UPDATED and "display_name" in e.data.get("changes", {})
        ),
        str(next(e for e in entries if e.kind == EntryKind.ENROLLED).data["display_name"]),
    )
    bridges = _bridges(entries, names)
    shown, more = _page(entries, page) if page is not None else (entries, False)
    ends = cohort_ends_of(tx, involved)
    return Timeline(family_id, display_name, as_of, shown, chapters, bridges, names, cohorts, more, ends)
