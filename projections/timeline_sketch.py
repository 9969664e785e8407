"""What a family page draws of a whole record, without an entry for each visit or message.

The picture draws a lane's visits (or messages) in one month of the display zone as one mark, each joint
visit of a handover on its own, and a link where volunteers made a contact together; it needs every other
entry (roster changes, handovers, concerns: few) whole. So a sketch holds those entries, and the contacts
counted by lane, kind and month with their first and last time and their mean; and what the picture needs of
every entry: the order in which the volunteers first appear, and the first and last moment.

``sketched`` folds a list of entries into a sketch (for a record replayed whole); ``timeline_sketch_read``
reads the same sketch from the view with the contacts grouped in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.kinds import EntryKind
from projections.timeline import Entry, Timeline

#: The moment micro-seconds are counted from when a mean time is worked out in whole numbers.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class ContactMonth:
    """A volunteer's visits (or messages) in one month of the display zone, not retracted, joint visits aside."""

    volunteer_id: str
    kind: EntryKind
    year: int
    month: int
    count: int
    first_id: str
    first_at: datetime
    last_at: datetime
    #: where they happened on average (``first_at`` plus the mean of each one's time after it)
    mean_at: datetime
    #: the first one's words, if the entries were read whole (an outline has none)
    summary: str = ""


@dataclass(frozen=True)
class Together:
    """The contacts several volunteers made together in a month (joint visits aside): where they happened on
    average."""

    volunteer_ids: tuple[str, ...]
    mean_at: datetime


@dataclass(frozen=True)
class Sketch:
    """A family's record as its page draws it: ``timeline`` with every entry but the contacts (and with the joint
    visits), the contacts by lane, kind and month, and what the picture needs of every entry not retracted."""

    timeline: Timeline
    months: list[ContactMonth] = field(default_factory=list)
    together: list[Together] = field(default_factory=list)
    #: the volunteers on an entry not retracted, in the order they first appear on one
    lanes: list[str] = field(default_factory=list)
    #: when the first and the last entry not retracted happened
    first_at: datetime | None = None
    last_at: datetime | None = None
    #: how many visits and messages (joint visits too) are not retracted
    contacts: int = 0


def is_drawn_alone(entry: Entry) -> bool:
    """Whether an entry is kept whole in a sketch: every entry but a visit or a message, and a joint visit."""
    return not entry.kind.is_contact or (entry.kind == EntryKind.VISIT and bool(entry.data.get("handover_id")))


def micros(moment: datetime) -> int:
    """A moment as whole micro-seconds since ``EPOCH``."""
    return (moment - EPOCH) // MICROSECOND


def mean_of(first: datetime, count: int, total: int) -> datetime:
    """The mean of ``count`` moments whose micro-seconds since ``EPOCH`` add up to ``total``, the first of them
    ``first``: ``first`` plus the mean of the times after it, rounded as ``timedelta`` rounds (exactly)."""
    return first + timedelta(microseconds=total - count * micros(first)) / count


def lane_order(first_seen: dict[str, tuple[str, int, int]]) -> list[str]:
    """Volunteers in the order of the entry each first appears on (its time, its version, their place on it)."""
    return sorted(first_seen, key=first_seen.__getitem__)


def sketched(timeline: Timeline, zone: ZoneInfo) -> Sketch:
    """The sketch of ``timeline``'s entries (every one the reader sees, in order), contacts by month in ``zone``."""
    groups: dict[tuple[str, str, int, int], list[Entry]] = {}
    together: dict[tuple[tuple[str, ...], int, int], list[Entry]] = {}
    seen: dict[str, tuple[str, int, int]] = {}
    live = [e for e in timeline.entries if not e.retracted]
    for order, entry in enumerate(live):
        for place, vid in enumerate(entry.volunteer_ids):
            seen.setdefault(vid, ("", order, place))
        if is_drawn_alone(entry):
            continue
        local = entry.occurred_at.astimezone(zone)
        for vid in entry.volunteer_ids:
            groups.setdefault((vid, str(entry.kind), local.year, local.month), []).append(entry)
        if len(entry.volunteer_ids) > 1:
            together.setdefault((entry.volunteer_ids, local.year, local.month), []).append(entry)
    months = [
        ContactMonth(
            vid,
            EntryKind(kind),
            year,
            month,
            len(contacts),
            contacts[0].event_id,
            contacts[0].occurred_at,
            contacts[-1].occurred_at,
            mean_of(contacts[0].occurred_at, len(contacts), sum(micros(c.occurred_at) for c in contacts)),
            str(contacts[0].data.get("summary", "")),
        )
        for (vid, kind, year, month), contacts in groups.items()
    ]
    links = [
        Together(vids, mean_of(contacts[0].occurred_at, len(contacts), sum(micros(c.occurred_at) for c in contacts)))
        for (vids, *_month), contacts in together.items()
    ]
    return Sketch(
        replace(timeline, entries=[e for e in timeline.entries if is_drawn_alone(e)]),
        months,
        links,
        lane_order(seen),
        min((e.occurred_at for e in live), default=None),
        max((e.occurred_at for e in live), default=None),
        sum(1 for e in live if e.kind.is_contact),
    )
