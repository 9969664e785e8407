"""A volunteer's briefing before the first visit, drawn from the family's timeline.

It is built only from a timeline read without the sensitive compartments, so
nothing of a sensitive service line can reach a volunteer's briefing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.kinds import EntryKind
from projections.timeline import Entry, Timeline
from projections.timeline_promises import OpenPromise

RECENT_VISITS = 3


@dataclass(frozen=True)
class Tenure:
    volunteer_id: str
    name: str
    cohort: str
    started_at: datetime
    ended_at: datetime | None
    days: int


@dataclass(frozen=True)
class Letter:
    from_name: str
    to_name: str
    written_at: datetime
    text: str


@dataclass(frozen=True)
class VisitNote:
    occurred_at: datetime
    volunteers: list[str]
    summary: str
    wellbeing: str | None
    activities: list[str]


@dataclass(frozen=True)
class Pending:
    """A concern still open, or a follow-up promised or scheduled and not yet done."""

    event_id: str
    kind: str
    text: str
    since: datetime
    due_on: str | None = None


@dataclass(frozen=True)
class Briefing:
    family_id: str
    display_name: str
    community: str
    household: list[dict[str, Any]]
    circumstances: list[str]
    predecessors: list[Tenure]
    letters: list[Letter]
    recent_visits: list[VisitNote]
    what_works: list[tuple[str, int]]
    open_concerns: list[Pending]
    follow_ups: list[Pending]
    days_since_last_contact: int | None
    next_planned_on: date | None


def _profile(timeline: Timeline) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    for entry in timeline.entries:
        if entry.kind == EntryKind.ENROLLED:
            profile.update(entry.data)
        elif entry.kind == EntryKind.PROFILE_UPDATED:
            profile.update(entry.data.get("changes", {}))
    return profile


def pending(entries: list[Entry], promises: list[OpenPromise]) -> tuple[list[Pending], list[Pending]]:
    """The open concerns; and the follow-ups scheduled and not done, then every promise still open (however many
    visits ago it was made: a promise stays until someone records it kept or let go)."""
    live = [e for e in entries if not e.retracted]
    resolved = {str(e.data.get("concern_id")) for e in live if e.kind == EntryKind.CONCERN_RESOLVED}
    done = {str(e.data.get("follow_up_id")) for e in live if e.kind == EntryKind.FOLLOW_UP_DONE}
    concerns = [
        Pending(e.event_id, str(e.data.get("level", "")), str(e.data.get("summary", "")), e.occurred_at)
        for e in live
        if e.kind == EntryKind.CONCERN_RAISED and e.event_id not in resolved
    ]
    follow_ups = [
        Pending(e.event_id, "scheduled", str(e.data.get("action", "")), e.occurred_at, str(e.data.get("due_on")))
        for e in live
        if e.kind == EntryKind.FOLLOW_UP_SCHEDULED and e.event_id not in done
    ]
    promised = [Pending(p.promise_id, "promised", p.text, p.promised_at) for p in promises]
    return concerns, follow_ups + promised


def build_briefing(timeline: Timeline, *, now: datetime) -> Briefing:
    """What a volunteer should know before the first visit (timeline read without sensitive facts)."""
    if any(e.sensitive for e in timeline.entries):
        raise ValueError("a briefing must be built from a timeline without the sensitive compartments")
    profile = _profile(timeline)
    names = timeline.names
    predecessors = [
        Tenure(
            c.lead_id, c.lead_name, c.cohort_name, c.started_at, c.ended_at, ((c.ended_at or now) - c.started_at).days
        )
        for c in timeline.chapters
        if c.lead_id
    ]
    letters = [
        Letter(b.outgoing_name, b.incoming_name, b.opened_at, b.letter) for b in timeline.bridges if b.letter.strip()
    ]
    visits = [e for e in timeline.entries if e.kind == EntryKind.VISIT and not e.retracted]
    recent = [
        VisitNote(
            v.occurred_at,
            [names.get(i, "") for i in v.volunteer_ids],
            str(v.data.get("summary", "")),
            v.data.get("wellbeing"),
            list(v.data.get("activities") or []),
        )
        for v in reversed(visits[-RECENT_VISITS:])
    ]
    good = [v for v in visits if v.data.get("wellbeing") in ("good", "steady", None)]
    what_works = Counter(a for v in good for a in v.data.get("activities") or []).most_common(8)
    concerns, follow_ups = pending(timeline.entries, timeline.promises)
    contacts = timeline.contacts()
    last = max((e.occurred_at for e in contacts), default=None)
    due = [date.fromisoformat(f.due_on) for f in follow_ups if f.due_on]
    due += [date.fromisoformat(b.planned_on) for b in timeline.bridges if b.state == "planned"]
    return Briefing(
        family_id=timeline.family_id,
        display_name=timeline.display_name,
        community=str(profile.get("community", "")),
        household=list(profile.get("household", [])),
        circumstances=list(profile.get("circumstances", [])),
        predecessors=predecessors,
        letters=letters,
        recent_visits=recent,
        what_works=what_works,
        open_concerns=concerns,
        follow_ups=follow_ups,
        days_since_last_contact=(now - last).days if last else None,
        next_planned_on=min((d for d in due if d >= now.date()), default=None),
    )
