"""The timeline picture: a family's years with its volunteers, laid out for a server-rendered SVG.

One lane per volunteer (in the order they came to the family, so cohorts follow one
another down the picture), with their tenure bars by role, visits and messages as
marks, joint visits joined across lanes, handover boxes from the outgoing to the
incoming lane, and concerns on a row of their own above the lanes. Time's edges are
drawn too: a line for today (or the day replayed) and each cohort's expected end.
Retracted facts are left out of the picture (the list below it shows them struck through).

The picture is drawn at one pixel per unit, never scaled down: its text keeps its size
on a phone, where it scrolls sideways beside the lane names (an HTML column of their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import log2
from zoneinfo import ZoneInfo

from domain.kinds import EntryKind
from projections.timeline import Bridge, Entry, Timeline
from projections.timeline_sketch import ContactMonth, Sketch
from web.i18n import NP_, _, ngettext

PX_PER_MONTH, MIN_WIDTH, EDGE = 20.0, 840.0, 14.0
TOP, CONCERN_ROW, LANE = 30.0, 36.0, 44.0
#: Months between ticks: the fewest of these that keeps labels (``2026年10月``) apart.
TICK_STEPS, TICK_GAP = (1, 2, 3, 6, 12), 96.0
#: Room kept after the newest fact or today, so that the newest marks are not pressed against the edge.
AFTER_TODAY, AFTER_SHARE = timedelta(days=21), 0.04
#: A cohort's end further ahead than this is not drawn (it would squeeze the years that happened).
COHORT_HORIZON = timedelta(days=183)
#: How a mark of several contacts of a kind in a month reads.
TALLIES = {
    "visit": NP_("%(month)s: %(num)s visit", "%(month)s: %(num)s visits"),
    "message": NP_("%(month)s: %(num)s message", "%(month)s: %(num)s messages"),
}


@dataclass(frozen=True)
class Bar:
    """A stretch of an assignment in one role."""

    key: str
    x: float
    width: float
    role: str
    ongoing: bool
    started: datetime
    ended: datetime | None
    event_id: str


@dataclass(frozen=True)
class Mark:
    """A visit or a message on a volunteer's lane; or, where the lane has several of a kind in a month, one mark
    for them all (``count`` of them, from ``at`` to ``last``), so that the picture grows with months, not entries."""

    key: str
    x: float
    kind: str  # visit | joint_visit | message
    at: datetime
    summary: str
    event_id: str  # the first of them
    count: int = 1
    last: datetime | None = None
    #: for a mark of several, the month and how many, in words: ``2026年10月：12 次探访``
    tally: str = ""

    @property
    def size(self) -> float:
        """Half the mark's width: a mark of several grows with their number (up to a lane's room)."""
        if self.kind == "joint_visit":
            return 6.0
        base = 4.5 if self.kind == "visit" else 3.5
        return round(min(base + 1.2 * log2(self.count), base + 4.5), 1) if self.count > 1 else base


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

    key: str
    x1: float
    x2: float
    y_out: float
    y_in: float
    state: str
    outgoing: str
    incoming: str
    joint_visits: int
    opened_at: datetime
    closed_at: datetime | None
    handover_id: str


@dataclass(frozen=True)
class ConcernMark:
    """A concern on the concerns row: raised at ``x``, resolved at ``x_resolved``."""

    key: str
    x: float
    x_resolved: float | None
    level: str
    summary: str
    at: datetime
    event_id: str


@dataclass(frozen=True)
class CohortEnd:
    """A cohort's expected end, drawn across the lanes of its volunteers."""

    key: str
    x: float
    cohort: str
    day: date
    ys: list[float]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Picture:
    width: float
    height: float
    concern_y: float
    today_x: float
    lanes: list[Lane]
    links: list[Link]
    bridges: list[BridgeShape]
    concerns: list[ConcernMark]
    cohort_ends: list[CohortEnd]
    ticks: list[Tick]
    chapter_xs: list[float]
    #: how many visits and messages (not retracted) the record holds
    contacts: int = 0

    @property
    def drawn(self) -> set[str]:
        """What the picture draws, as the legend names it (so the legend lists all of it, and no more)."""
        kinds = {"today"}
        kinds |= {f"bar-{bar.role}" for lane in self.lanes for bar in lane.bars}
        kinds |= {mark.kind if mark.count == 1 else f"{mark.kind}-month" for lane in self.lanes for mark in lane.marks}
        kinds |= {f"bridge-{bridge.state}" for bridge in self.bridges}
        kinds |= {_concern_key(c) for c in self.concerns}
        if self.cohort_ends:
            kinds.add("cohort-end")
        if self.chapter_xs:
            kinds.add("chapter")
        return kinds


def _concern_key(concern: ConcernMark) -> str:
    if concern.x_resolved is not None:
        return "concern-resolved"
    return "concern-high" if concern.level in ("high", "urgent") else "concern"


class Scale:
    """Moments to x positions between ``start`` and ``end``, ``width`` wide."""

    def __init__(self, start: datetime, end: datetime, width: float) -> None:
        self.start = start
        self.span = max((end - start).total_seconds(), 86400.0)
        self.width = width

    def x(self, moment: datetime) -> float:
        share = min(max((moment - self.start).total_seconds() / self.span, 0.0), 1.0)
        return round(EDGE + share * (self.width - 2 * EDGE), 1)


def _lanes(sketch: Sketch) -> dict[str, Lane]:
    """A lane for each volunteer on an entry not retracted, in the order they first appear on one."""
    timeline = sketch.timeline
    return {
        vid: Lane(
            vid, timeline.names.get(vid, "?"), timeline.cohorts.get(vid, ""), TOP + CONCERN_ROW + LANE * i + LANE / 2
        )
        for i, vid in enumerate(sketch.lanes)
    }


def _tenures(entries: list[Entry], lanes: dict[str, Lane], scale: Scale, now: datetime) -> None:
    """Walk the roster changes and give each lane its bars (an ongoing one runs to ``now``)."""
    open_: dict[str, tuple[str, datetime, str]] = {}
    planned = {e.event_id: e for e in entries if e.kind == EntryKind.HANDOVER_PLANNED}

    def close(vid: str, at: datetime | None) -> None:
        if vid in open_:
            role, started, event_id = open_.pop(vid)
            x1, x2 = scale.x(started), scale.x(at or now)
            bar = Bar(f"bar-{event_id}-{vid}", x1, max(x2 - x1, 2.0), role, at is None, started, at, event_id)
            lanes[vid].bars.append(bar)

    for entry in entries:
        if entry.kind == EntryKind.ASSIGNED:
            close(entry.volunteer_ids[0], entry.occurred_at)
            open_[entry.volunteer_ids[0]] = (str(entry.data.get("role", "")), entry.occurred_at, entry.event_id)
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
            open_[incoming] = (str(entry.data.get("incoming_role", "lead")), entry.occurred_at, entry.event_id)
    for vid in list(open_):
        close(vid, None)


def _contacts(sketch: Sketch, entries: list[Entry], lanes: dict[str, Lane], scale: Scale) -> list[Link]:
    """The marks of visits and messages, and the links of visits made together: a joint visit of a handover
    each on its own, the others one mark per lane, kind and month where a month has several."""
    links = []
    for entry in entries:
        if entry.kind == EntryKind.VISIT and entry.data.get("handover_id"):
            x = scale.x(entry.occurred_at)
            for vid in entry.volunteer_ids:
                key = f"joint_visit-{entry.event_id}-{vid}"
                lanes[vid].marks.append(Mark(key, x, "joint_visit", entry.occurred_at, _summary(entry), entry.event_id))
            links.append(_link(x, [lanes[vid].y for vid in entry.volunteer_ids]))
    for month in sketch.months:
        lanes[month.volunteer_id].marks.append(_month_mark(month, scale))
    for together in sketch.together:
        links.append(_link(scale.x(together.mean_at), [lanes[vid].y for vid in together.volunteer_ids]))
    for lane in lanes.values():
        lane.marks.sort(key=lambda mark: mark.at)
    return links


def _summary(entry: Entry) -> str:
    return str(entry.data.get("summary", ""))


def _link(x: float, ys: list[float]) -> Link:
    return Link(x, min(ys), max(ys))


def _month_mark(month: ContactMonth, scale: Scale) -> Mark:
    """One contact as it is; several of a kind in a month as one mark where they happened on average."""
    kind, vid = str(month.kind), month.volunteer_id
    if month.count == 1:
        return Mark(
            f"{kind}-{month.first_id}-{vid}",
            scale.x(month.first_at),
            kind,
            month.first_at,
            month.summary,
            month.first_id,
        )
    return Mark(
        f"{kind}-{month.year}-{month.month:02d}-{vid}",
        scale.x(month.mean_at),
        kind,
        month.first_at,
        "",
        month.first_id,
        month.count,
        month.last_at,
        ngettext(*TALLIES[kind], month.count, month=month_label(month.year, month.month)),
    )


def _concerns(entries: list[Entry], scale: Scale) -> list[ConcernMark]:
    resolved = {str(e.data.get("concern_id")): e.occurred_at for e in entries if e.kind == EntryKind.CONCERN_RESOLVED}
    return [
        ConcernMark(
            f"concern-{e.event_id}",
            scale.x(e.occurred_at),
            scale.x(resolved[e.event_id]) if e.event_id in resolved else None,
            str(e.data.get("level", "")),
            str(e.data.get("summary", "")),
            e.occurred_at,
            e.event_id,
        )
        for e in entries
        if e.kind == EntryKind.CONCERN_RAISED
    ]


def month_label(year: int, month: int) -> str:
    """A month as a tick reads it, whole: ``2026年1月``, ``2026-01``."""
    return _("%(year)d-%(month)02d", year=year, month=month)


def _ticks(start: datetime, end: datetime, scale: Scale, zone: ZoneInfo, today_x: float) -> list[Tick]:
    """Month starts, every few months so that their labels stay apart; none where today's label sits."""
    first = start.astimezone(zone)
    months = (end.year - first.year) * 12 + end.month - first.month + 1
    per_month = (scale.width - 2 * EDGE) / max(months, 1)
    step = next((s for s in TICK_STEPS if s * per_month >= TICK_GAP), TICK_STEPS[-1])
    ticks: list[Tick] = []
    index = first.year * 12 + first.month - 1
    index += step - index % step  # ticks on months a multiple of the step from January: 1, 4, 7, 10
    while True:
        year, month = divmod(index, 12)
        moment = datetime(year, month + 1, 1, tzinfo=zone)
        if moment > end:
            return ticks
        x = scale.x(moment)
        if abs(x - today_x) >= TICK_GAP * 0.6:  # 今天 and a month label side by side, apart
            ticks.append(Tick(x, month_label(year, month + 1)))
        index += step


def _noon(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(12), zone)


def _planned_on(bridge: Bridge, zone: ZoneInfo) -> datetime:
    """Noon of the day a handover is planned for."""
    return _noon(date.fromisoformat(bridge.planned_on), zone)


def _cohort_ends(timeline: Timeline, lanes: dict[str, Lane], scale: Scale, zone: ZoneInfo) -> list[CohortEnd]:
    ends: list[CohortEnd] = []
    for cohort, day in sorted(timeline.cohort_ends.items(), key=lambda item: item[1]):
        moment = _noon(day, zone)
        ys = [lane.y for lane in lanes.values() if lane.cohort == cohort]
        if ys and scale.start <= moment <= scale.start + timedelta(seconds=scale.span):
            ends.append(CohortEnd(f"cohort-end-{len(ends)}", scale.x(moment), cohort, day, ys))
    return ends


def _span(sketch: Sketch, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the first fact to today, a handover still to come or a cohort ending soon, with room after it."""
    timeline = sketch.timeline
    planned = [_planned_on(b, zone) for b in timeline.bridges if b.state == "planned"]
    ends = [_noon(day, zone) for day in timeline.cohort_ends.values()]
    start = sketch.first_at or now
    ends = [moment for moment in ends if start <= moment <= now + COHORT_HORIZON]
    last = max([now, *([sketch.last_at] if sketch.last_at else []), *planned, *ends])
    return start, last + max(AFTER_TODAY, (last - start) * AFTER_SHARE)


def timeline_picture(sketch: Sketch, now: datetime, zone: ZoneInfo) -> Picture:
    """Lay out ``sketch``'s record from its first fact to ``now`` (or to what is still to come), with room after it."""
    timeline = sketch.timeline
    entries = [e for e in timeline.entries if not e.retracted]
    planned = {b.handover_id: _planned_on(b, zone) for b in timeline.bridges if b.state == "planned"}
    start, end = _span(sketch, now, zone)
    months = (end - start).days / 30.44
    scale = Scale(start, end, round(max(MIN_WIDTH, months * PX_PER_MONTH)))
    lanes = _lanes(sketch)
    _tenures(entries, lanes, scale, now)
    links = _contacts(sketch, entries, lanes, scale)
    bridges = [
        BridgeShape(
            f"handover-{b.handover_id}",
            scale.x(b.opened_at),
            scale.x(b.closed_at or planned[b.handover_id]),
            lanes[b.outgoing_id].y,
            lanes[b.incoming_id].y,
            b.state,
            b.outgoing_name,
            b.incoming_name,
            b.joint_visits,
            b.opened_at,
            b.closed_at,
            b.handover_id,
        )
        for b in timeline.bridges
        if b.outgoing_id in lanes and b.incoming_id in lanes
    ]
    today_x = scale.x(now)
    return Picture(
        width=scale.width,
        height=TOP + CONCERN_ROW + LANE * max(len(lanes), 1) + 6,
        concern_y=TOP + CONCERN_ROW / 2,
        today_x=today_x,
        lanes=list(lanes.values()),
        links=links,
        bridges=bridges,
        concerns=_concerns(entries, scale),
        cohort_ends=_cohort_ends(timeline, lanes, scale, zone),
        ticks=_ticks(start, end, scale, zone, today_x),
        chapter_xs=[scale.x(c.started_at) for c in timeline.chapters[1:]],
        contacts=sketch.contacts,
    )
