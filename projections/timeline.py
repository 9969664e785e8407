"""A family's relationship timeline, read from the timeline view, now or as of any date.

Entries come in the order things happened (late entries in their place), with
corrections applied and their trace kept, grouped into chapters — one per lead
volunteer's tenure — joined by handover bridges. Facts of a sensitive service line
are left out unless the reader is cleared for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from domain.values import SENSITIVE_SERVICE_LINES
from projections.db import Tx
from projections.plain import from_iso, iso, local_day
from projections.timeline_view import LINKS

SENSITIVE = {line.value for line in SENSITIVE_SERVICE_LINES}


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
    kind: str
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
        return self.kind in ("visit", "message") and not self.retracted


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
    entries: list[Entry]
    chapters: list[Chapter]
    bridges: list[Bridge]
    names: dict[str, str] = field(default_factory=dict)
    #: volunteer id -> the name of their cohort
    cohorts: dict[str, str] = field(default_factory=dict)

    def contacts(self) -> list[Entry]:
        return [e for e in self.entries if e.is_contact]


def _entries(tx: Tx, family_id: str, as_of: datetime | None) -> list[Entry]:
    cutoff = iso(as_of) if as_of else "9999"
    rows = tx.query(
        "SELECT event_id, kind, occurred_at, recorded_at, recorded_by, volunteer_ids, data FROM timeline_entry"
        " WHERE family_id = ? AND recorded_at <= ? ORDER BY occurred_at, version",
        [family_id, cutoff],
    )
    entries = {}
    for event_id, kind, occurred, recorded, by, vids, data in rows:
        fields = json.loads(data)
        entries[event_id] = Entry(
            event_id, kind, from_iso(occurred), from_iso(recorded), by, tuple(vids.split()), fields, fields
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


def _compartments(entries: list[Entry]) -> list[Entry]:
    """Mark facts of a sensitive service line, and the facts that follow from them."""
    by_id = {e.event_id: e for e in entries}
    marked = []
    for entry in entries:
        link = by_id.get(str(entry.data.get(LINKS.get(entry.kind, ""), "")))
        sensitive = entry.service_line in SENSITIVE or (link is not None and link.service_line in SENSITIVE)
        if link is not None and link.kind == "follow_up_scheduled":
            concern = by_id.get(str(link.data.get("concern_id", "")))
            sensitive = sensitive or (concern is not None and concern.service_line in SENSITIVE)
        marked.append(replace(entry, sensitive=sensitive))
    return marked


def _chapters(
    entries: list[Entry], names: dict[str, str], cohorts: dict[str, str]
) -> tuple[list[Chapter], list[Entry]]:
    handovers = {e.event_id: e for e in entries if e.kind == "handover_planned"}
    chapters: list[Chapter] = []
    placed: list[Entry] = []

    def begin(lead: str | None, at: datetime) -> None:
        if chapters:
            chapters[-1] = replace(chapters[-1], ended_at=at)
        chapters.append(Chapter(len(chapters), lead, names.get(lead or "", ""), cohorts.get(lead or "", ""), at, None))

    for entry in entries:
        current = chapters[-1].lead_id if chapters else None
        if not chapters:
            begin(None, entry.occurred_at)
        ends_lead = entry.kind == "closed" or (entry.kind == "unassigned" and entry.volunteer_ids[0] == current)
        if entry.kind == "assigned" and entry.data.get("role") == "lead":
            begin(entry.volunteer_ids[0], entry.occurred_at)
        elif current and ends_lead:
            begin(None, entry.occurred_at)
        elif entry.kind == "handover_completed" and entry.data.get("incoming_role") == "lead":
            planned = handovers.get(str(entry.data.get("handover_id")))
            if planned is not None:
                begin(str(planned.data["incoming_volunteer_id"]), entry.occurred_at)
        placed.append(replace(entry, chapter=len(chapters) - 1))
    return [c for c in chapters if c.lead_id or _has_entries(c, placed)], placed


def _has_entries(chapter: Chapter, entries: list[Entry]) -> bool:
    return any(e.chapter == chapter.index for e in entries)


def _bridges(entries: list[Entry], names: dict[str, str]) -> list[Bridge]:
    bridges = []
    for planned in (e for e in entries if e.kind == "handover_planned"):
        hid = planned.event_id
        related = [e for e in entries if str(e.data.get("handover_id")) == hid]
        closing = next((e for e in related if e.kind in ("handover_completed", "handover_cancelled")), None)
        joint = [e for e in related if e.kind == "visit" and not e.retracted]
        out_id, in_id = str(planned.data["outgoing_volunteer_id"]), str(planned.data["incoming_volunteer_id"])
        state = "planned" if closing is None else closing.kind.removeprefix("handover_")
        gap = None
        if closing is not None and state == "completed":
            visits = [e for e in entries if e.kind == "visit" and not e.retracted]
            last_out = max(
                (e.occurred_at for e in visits if out_id in e.volunteer_ids and e.occurred_at <= closing.occurred_at),
                default=None,
            )
            first_in = min(
                (e.occurred_at for e in visits if in_id in e.volunteer_ids and e.occurred_at >= closing.occurred_at),
                default=None,
            )
            gap = (local_day(first_in) - local_day(last_out)).days if last_out and first_in else None
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
                len(joint),
                any(e.kind == "handover_agreed" for e in related),
                str(planned.data.get("letter", "")),
                str(closing.data.get("no_joint_visit_reason", "")) if closing else "",
                gap,
            )
        )
    return bridges


def _names(tx: Tx, ids: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    if not ids:
        return {}, {}
    marks = ", ".join("?" for _ in ids)
    rows = tx.query(
        "SELECT v.volunteer_id, v.name, c.name FROM timeline_volunteer v"
        f" LEFT JOIN timeline_cohort c ON c.cohort_id = v.cohort_id WHERE v.volunteer_id IN ({marks})",
        sorted(ids),
    )
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] or "" for r in rows}


def load_timeline(
    tx: Tx, family_id: str, *, as_of: datetime | None = None, include_sensitive: bool = True
) -> Timeline | None:
    """The family's timeline as the record stands now (or stood at ``as_of``); None if it had no record then."""
    entries = _compartments(_entries(tx, family_id, as_of))
    if not any(e.kind == "enrolled" for e in entries):
        return None
    if not include_sensitive:
        entries = [e for e in entries if not e.sensitive]
    names, cohorts = _names(tx, {v for e in entries for v in e.volunteer_ids})
    chapters, placed = _chapters(entries, names, cohorts)
    display_name = next(
        (
            str(e.data["changes"]["display_name"])
            for e in reversed(placed)
            if e.kind == "profile_updated" and "display_name" in e.data.get("changes", {})
        ),
        str(next(e for e in placed if e.kind == "enrolled").data["display_name"]),
    )
    return Timeline(family_id, display_name, as_of, placed, chapters, _bridges(placed, names), names, cohorts)
