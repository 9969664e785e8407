"""The timeline picture: a family's years with its volunteers, laid out for a server-rendered SVG.

One lane per volunteer (in the order they came to the family, so cohorts follow one
another down the picture), with their tenure bars by role, visits and messages as
marks, joint visits joined across lanes, handover bridges from the outgoing to the
incoming lane, and concerns on a row of their own above the lanes. Retracted facts
are left out of the picture (the list below it shows them struck through).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.kinds import EntryKind
from projections.timeline import Bridge, Entry, Timeline

WIDTH, LEFT, RIGHT = 960.0, 150.0, 945.0
TOP, CONCERN_ROW, LANE = 26.0, 30.0, 40.0


@dataclass(frozen=True)
class Bar:
    """A stretch of an assignment in one role."""

    x: float
    width: float
    role: str
    ongoing: bool
    started: datetime
    ended: datetime | None


@dataclass(frozen=True)
class Mark:
    """A visit or a message on a volunteer's lane."""

    x: float
    kind: str  # visit | joint_visit | message
    at: datetime
    summary: str


@dataclass
class Lane:
    """One volunteer's row."""

    volunteer_id: str
    name: str
    cohort: str
    y: float
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)


@dataclass(frozen=True)
class Link:
    """A joint visit drawn across the lanes of the volunteers on it."""

    x: float
    y1: float
    y2: float


@dataclass(frozen=True)
class BridgeShape:
    """A handover: its span from planning to completion, and the step from outgoing to incoming lane."""

    x1: float
    x2: float
    y_out: float
    y_in: float
    state: str
    outgoing: str
    incoming: str
    joint_visits: int


@dataclass(frozen=True)
class ConcernMark:
    """A concern on the concerns row: raised at ``x``, resolved at ``x_resolved``."""

    x: float
    x_resolved: float | None
    level: str
    summary: str
    at: datetime


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Picture:
    width: float
    height: float
    left: float
    right: float
    concern_y: float
    lanes: list[Lane]
    links: list[Link]
    bridges: list[BridgeShape]
    concerns: list[ConcernMark]
    ticks: list[Tick]
    chapter_xs: list[float]


class Scale:
    """Moments to x positions between ``start`` and ``end``."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.span = max((end - start).total_seconds(), 86400.0)

    def x(self, moment: datetime) -> float:
        share = min(max((moment - self.start).total_seconds() / self.span, 0.0), 1.0)
        return round(LEFT + share * (RIGHT - LEFT), 1)


def _lanes(entries: list[Entry], timeline: Timeline) -> dict[str, Lane]:
    lanes: dict[str, Lane] = {}
    for entry in entries:
        for vid in entry.volunteer_ids:
            if vid not in lanes:
                y = TOP + CONCERN_ROW + LANE * len(lanes) + LANE / 2
                lanes[vid] = Lane(vid, timeline.names.get(vid, "?"), timeline.cohorts.get(vid, ""), y)
    return lanes


def _tenures(entries: list[Entry], lanes: dict[str, Lane], scale: Scale, end: datetime) -> None:
    """Walk the roster changes and give each lane its bars."""
    open_: dict[str, tuple[str, datetime]] = {}
    planned = {e.event_id: e for e in entries if e.kind == EntryKind.HANDOVER_PLANNED}

    def close(vid: str, at: datetime | None) -> None:
        if vid in open_:
            role, started = open_.pop(vid)
            x1, x2 = scale.x(started), scale.x(at or end)
            lanes[vid].bars.append(Bar(x1, max(x2 - x1, 2.0), role, at is None, started, at))

    for entry in entries:
        if entry.kind == EntryKind.ASSIGNED:
            close(entry.volunteer_ids[0], entry.occurred_at)
            open_[entry.volunteer_ids[0]] = (str(entry.data.get("role", "")), entry.occurred_at)
        elif entry.kind == EntryKind.UNASSIGNED:
            close(entry.volunteer_ids[0], entry.occurred_at)
        elif entry.kind == EntryKind.CLOSED:
            for vid in list(open_):
                close(vid, entry.occurred_at)
        elif entry.kind == EntryKind.HANDOVER_COMPLETED and str(entry.data.get("handover_id")) in planned:
            handover = planned[str(entry.data["handover_id"])]
            outgoing, incoming = (str(handover.data[k]) for k in ("outgoing_volunteer_id", "incoming_volunteer_id"))
            close(outgoing, entry.occurred_at)
            close(incoming, entry.occurred_at)
            open_[incoming] = (str(entry.data.get("incoming_role", "lead")), entry.occurred_at)
    for vid in list(open_):
        close(vid, None)


def _contacts(entries: list[Entry], lanes: dict[str, Lane], scale: Scale) -> list[Link]:
    links = []
    for entry in entries:
        if entry.kind not in (EntryKind.VISIT, EntryKind.MESSAGE):
            continue
        x = scale.x(entry.occurred_at)
        joint = entry.kind == EntryKind.VISIT and bool(entry.data.get("handover_id"))
        kind = "joint_visit" if joint else entry.kind
        for vid in entry.volunteer_ids:
            lanes[vid].marks.append(Mark(x, kind, entry.occurred_at, str(entry.data.get("summary", ""))))
        ys = [lanes[vid].y for vid in entry.volunteer_ids]
        if len(ys) > 1:
            links.append(Link(x, min(ys), max(ys)))
    return links


def _concerns(entries: list[Entry], scale: Scale) -> list[ConcernMark]:
    resolved = {str(e.data.get("concern_id")): e.occurred_at for e in entries if e.kind == EntryKind.CONCERN_RESOLVED}
    return [
        ConcernMark(
            scale.x(e.occurred_at),
            scale.x(resolved[e.event_id]) if e.event_id in resolved else None,
            str(e.data.get("level", "")),
            str(e.data.get("summary", "")),
            e.occurred_at,
        )
        for e in entries
        if e.kind == EntryKind.CONCERN_RAISED
    ]


def _ticks(start: datetime, end: datetime, scale: Scale, zone: ZoneInfo) -> list[Tick]:
    """Month starts (every few months on long timelines), labelled ``2025-03``."""
    first = start.astimezone(zone)
    month = (first.year, first.month)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = max(1, -(-months // 8))
    ticks: list[Tick] = []
    while True:
        year, number = divmod(month[0] * 12 + month[1] - 1 + step, 12)
        month = (year, number + 1)
        moment = datetime(month[0], month[1], 1, tzinfo=zone)
        if moment > end:
            return ticks
        ticks.append(Tick(scale.x(moment), f"{month[0]}-{month[1]:02d}"))


def _planned_on(bridge: Bridge, zone: ZoneInfo) -> datetime:
    """Noon of the day a handover is planned for."""
    return datetime.combine(date.fromisoformat(bridge.planned_on), time(12), zone)


def timeline_picture(timeline: Timeline, now: datetime, zone: ZoneInfo) -> Picture:
    """Lay out ``timeline`` from its first fact to ``now`` (or to the day of a handover still to come)."""
    entries = [e for e in timeline.entries if not e.retracted]
    planned = {b.handover_id: _planned_on(b, zone) for b in timeline.bridges if b.state == "planned"}
    start = min((e.occurred_at for e in entries), default=now)
    end = max([now, *(e.occurred_at for e in entries), *planned.values()]) + timedelta(days=1)
    scale = Scale(start, end)
    lanes = _lanes(entries, timeline)
    _tenures(entries, lanes, scale, end)
    links = _contacts(entries, lanes, scale)
    bridges = [
        BridgeShape(
            scale.x(b.opened_at),
            scale.x(b.closed_at or planned[b.handover_id]),
            lanes[b.outgoing_id].y,
            lanes[b.incoming_id].y,
            b.state,
            b.outgoing_name,
            b.incoming_name,
            b.joint_visits,
        )
        for b in timeline.bridges
        if b.outgoing_id in lanes and b.incoming_id in lanes
    ]
    return Picture(
        width=WIDTH,
        height=TOP + CONCERN_ROW + LANE * max(len(lanes), 1) + 8,
        left=LEFT,
        right=RIGHT,
        concern_y=TOP + CONCERN_ROW / 2,
        lanes=list(lanes.values()),
        links=links,
        bridges=bridges,
        concerns=_concerns(entries, scale),
        ticks=_ticks(start, end, scale, zone),
        chapter_xs=[scale.x(c.started_at) for c in timeline.chapters[1:]],
    )
