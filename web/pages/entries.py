"""A family's timeline entries as the chronological list shows them: chapters, labels, correction traces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.kinds import EntryKind
from domain.values import SENSITIVE_SERVICE_LINES
from projections.timeline import Bridge, Chapter, Entry, Timeline
from web.access.guard import cleared_for_sensitive
from web.i18n import N_, _, listed, local_date, local_time, ngettext
from web.pages.fact_inputs import CORRECTABLE, field_label, shown_value
from web.pages.labels import CHANNELS, DIRECTIONS, LEVELS, PLACES, ROLES, SERVICE_LINES, STATES, label
from web.pages.names import person, volunteer

KINDS: dict[str, str] = {
    EntryKind.ENROLLED: N_("Enrolled"),
    EntryKind.PROFILE_UPDATED: N_("Profile updated"),
    EntryKind.CONSENT_RECORDED: N_("Consent recorded"),
    EntryKind.CONSENT_WITHDRAWN: N_("Consent withdrawn"),
    EntryKind.CLOSED: N_("Closed"),
    EntryKind.REOPENED: N_("Reopened"),
    EntryKind.ASSIGNED: N_("Volunteer assigned"),
    EntryKind.UNASSIGNED: N_("Assignment ended"),
    EntryKind.VISIT: N_("Visit"),
    EntryKind.MESSAGE: N_("Message"),
    EntryKind.HANDOVER_PLANNED: N_("Handover planned"),
    EntryKind.HANDOVER_AGREED: N_("Family agreed to the handover"),
    EntryKind.HANDOVER_COMPLETED: N_("Handover completed"),
    EntryKind.HANDOVER_CANCELLED: N_("Handover cancelled"),
    EntryKind.CONCERN_RAISED: N_("Concern raised"),
    EntryKind.CONCERN_RESOLVED: N_("Concern resolved"),
    EntryKind.REFERRAL: N_("Referral"),
    EntryKind.FOLLOW_UP_SCHEDULED: N_("Follow-up scheduled"),
    EntryKind.FOLLOW_UP_DONE: N_("Follow-up done"),
    EntryKind.PROMISE_KEPT: N_("Promise kept"),
    EntryKind.PROMISE_LET_GO: N_("Promise let go"),
}
#: The fields that say, in the recorder's words, what an entry is about (the first one present is shown).
TEXT_FIELDS = ("summary", "reason", "resolution", "note", "action", "letter", "display_name")


@dataclass(frozen=True)
class EntryRow:
    """One line of the chronological list."""

    event_id: str
    kind: str
    at: str
    title: str
    who: str
    text: str
    details: list[str]
    recorded: str
    traces: list[str]
    retracted: bool
    sensitive: bool
    #: the account that recorded it (a volunteer corrects only their own entries)
    recorded_by: str = ""


@dataclass(frozen=True)
class ChapterRows:
    """A chapter heading and its entries."""

    title: str
    span: str
    rows: list[EntryRow]
    #: how many entries the chapter holds (some may be on another stretch of a long record)
    count: int = 0
    #: the first entry of the chapter, to read it from its start when none of its entries are listed here
    first: str | None = None


def _details(entry: Entry) -> list[str]:
    data = entry.data
    details = {
        EntryKind.VISIT: [
            label(PLACES, data.get("place")),
            _("%(minutes)s minutes", minutes=data.get("duration_minutes", 0)),
        ],
        EntryKind.MESSAGE: [label(DIRECTIONS, data.get("direction")), label(CHANNELS, data.get("channel"))],
        EntryKind.ASSIGNED: [label(ROLES, data.get("role"))],
        EntryKind.CONCERN_RAISED: [_("Level: %(level)s", level=label(LEVELS, data.get("level")))],
        EntryKind.HANDOVER_PLANNED: [_("Planned for %(day)s", day=data.get("planned_on", ""))],
        EntryKind.FOLLOW_UP_SCHEDULED: [_("Due %(day)s", day=data.get("due_on", ""))],
        EntryKind.REFERRAL: [label(SERVICE_LINES, data.get("service_line"))],
        EntryKind.PROMISE_KEPT: [_("Promised: %(promise)s", promise=data.get("promise", ""))],
        EntryKind.PROMISE_LET_GO: [_("Promised: %(promise)s", promise=data.get("promise", ""))],
    }.get(entry.kind, [])
    if entry.kind == EntryKind.VISIT and data.get("handover_id"):
        details.append(_("Joint visit of a handover"))
    if entry.kind == EntryKind.UNASSIGNED and data.get("caused_by"):
        details.append(_("Ended because the volunteer left the programme"))
    if entry.kind == EntryKind.HANDOVER_COMPLETED and data.get("no_joint_visit_reason"):
        details.append(_("No joint visit: %(reason)s", reason=data["no_joint_visit_reason"]))
    return [d for d in details if d]


SENSITIVE_LINES = frozenset(line.value for line in SENSITIVE_SERVICE_LINES)


def _in_compartment(fields: dict[str, Any]) -> bool:
    return str(fields.get("service_line") or "") in SENSITIVE_LINES


def _traces(entry: Entry) -> list[str]:
    """Each correction: when, by whom, why, and each field from what it read then to what it reads since.
    A correction made while the entry was in a sensitive compartment, or moving it in or out, keeps its
    reason and values from readers not cleared for the compartments: they see that it was amended, no more."""
    traces, current = [], dict(entry.original)
    spec = CORRECTABLE.get(entry.kind)
    cleared = cleared_for_sensitive()
    for c in entry.corrections:
        when, who, why = local_date(c.recorded_at), person(c.recorded_by), c.reason
        if not cleared and (_in_compartment(current) or _in_compartment({**current, **c.changes})):
            current.update(c.changes)
            traces.append(
                _("Amended on %(date)s by %(who)s (details withheld: a sensitive record)", date=when, who=who)
            )
            continue
        if c.action == "retract":
            traces.append(_("Retracted on %(date)s by %(who)s because %(reason)s", date=when, who=who, reason=why))
            continue
        changed = "; ".join(
            _(
                "%(field)s: %(was)s → %(now)s",
                field=field_label(spec, k),
                was=shown_value(spec, k, current.get(k)),
                now=shown_value(spec, k, v),
            )
            for k, v in c.changes.items()
        )
        current.update(c.changes)
        traces.append(
            _("Amended on %(date)s by %(who)s because %(reason)s", date=when, who=who, reason=why) + f" ({changed})"
        )
    return traces


def entry_row(entry: Entry, names: dict[str, str]) -> EntryRow:
    """An entry, corrections applied, with the trace of each correction."""
    text = next((str(entry.data[f]) for f in TEXT_FIELDS if entry.data.get(f)), "")
    return EntryRow(
        event_id=entry.event_id,
        kind=entry.kind,
        at=local_time(entry.occurred_at),
        title=label(KINDS, entry.kind),
        who=listed([volunteer(names.get(v, "?")) for v in entry.volunteer_ids]),
        text=text,
        details=_details(entry),
        recorded=_("Recorded %(date)s by %(who)s", date=local_time(entry.recorded_at), who=person(entry.recorded_by)),
        traces=_traces(entry),
        retracted=entry.retracted,
        sensitive=entry.sensitive,
        recorded_by=entry.recorded_by,
    )


def _chapter_heading(chapter: Chapter) -> tuple[str, str]:
    if chapter.lead_id:
        title = _("With %(name)s", name=chapter.lead_name)
        if chapter.cohort_name:
            title += f" · {chapter.cohort_name}"
    else:
        title = _("Without a lead")
    until = local_date(chapter.ended_at) if chapter.ended_at else _("now")
    return title, f"{local_date(chapter.started_at)} – {until}"


def chapters(
    timeline: Timeline, counts: Mapping[int, int] | None = None, firsts: Mapping[int, str] | None = None
) -> list[ChapterRows]:
    """The chronological list, chapter by chapter: the entries ``timeline`` holds, and how many each chapter holds
    in all (``counts``, with the ``firsts`` entry of each; by default, what ``timeline`` holds is all)."""
    listed = []
    for chapter in timeline.chapters:
        rows = [entry_row(e, timeline.names) for e in timeline.entries if e.chapter == chapter.index]
        title, span = _chapter_heading(chapter)
        count = len(rows) if counts is None else counts.get(chapter.index, 0)
        first = None if firsts is None else firsts.get(chapter.index)
        listed.append(ChapterRows(title, span, rows, count, first))
    return listed


@dataclass(frozen=True)
class BridgeRow:
    """A handover as the list of handovers shows it."""

    title: str
    state: str
    details: list[str]


def bridge_row(bridge: Bridge) -> BridgeRow:
    """A handover: who to whom, its state, joint visits, agreement and gap."""
    details = [
        _("Planned for %(day)s", day=bridge.planned_on),
        _("Joint visits: %(count)s", count=bridge.joint_visits),
        _("The family agreed") if bridge.family_agreed else _("The family has not agreed yet"),
    ]
    if bridge.closed_at:
        details.append(_("Closed %(date)s", date=local_date(bridge.closed_at)))
    if bridge.gap_days is not None:
        details.append(ngettext("Gap: %(num)s day", "Gap: %(num)s days", bridge.gap_days))
    if bridge.no_joint_visit_reason:
        details.append(_("No joint visit: %(reason)s", reason=bridge.no_joint_visit_reason))
    names = f"{volunteer(bridge.outgoing_name)} → {volunteer(bridge.incoming_name)}"
    return BridgeRow(names, label(STATES, bridge.state), details)


def role_label(role: str) -> str:
    """An assignment role (lead, co, shadow) in the reader's language."""
    return label(ROLES, role)
