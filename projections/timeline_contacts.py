"""A family's visits and messages counted in SQL by volunteers, kind and month of the display zone.

A month of the display zone begins at a moment worked out here, in Python, for each month the record spans; the
entries are joined to that small table of months by their time (stored as UTC text, whose order is time's), so a
month's edge is exact in any zone. Each group also sums its times, in whole seconds and micro-seconds after the
start of its UTC month (so its rows are split by UTC month too), from which its mean time is worked out exactly.
(A month begins at the first moment of its first day: in a zone whose clocks went back across midnight into the
month before, the hour lived twice would count in the month begun; the entry by entry fold counts it in the one
it reads.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.kinds import EntryKind
from projections.db import Row, Tx
from projections.plain import from_iso, iso
from projections.timeline_sketch import ContactMonth, Together, mean_of, micros

#: The seconds of an entry's time after the start of the day before its UTC month's first (a day of the month
#: counted from 1), and its micro-seconds; from the stored text, so that any store sums them alike.
SECONDS = (
    "((CAST(substr(e.occurred_at, 9, 2) AS INTEGER) * 24 + CAST(substr(e.occurred_at, 12, 2) AS INTEGER)) * 60"
    " + CAST(substr(e.occurred_at, 15, 2) AS INTEGER)) * 60 + CAST(substr(e.occurred_at, 18, 2) AS INTEGER)"
)
MICROS = "CAST(substr(e.occurred_at, 21, 6) AS INTEGER)"
#: A visit or a message that is not a joint visit of a handover.
CONTACT = "e.kind IN ('visit', 'message') AND e.handover_id IS NULL"


@dataclass(frozen=True)
class Scope:
    """The entries of a family a read covers (those the reader sees; for a replay, recorded by its moment), and the
    SQL telling whether one counts as retracted."""

    tx: Tx
    family_id: str
    where: str
    params: list[Any]
    retracted: str = "e.retracted"
    retracted_params: tuple[Any, ...] = ()


def month_table(first: datetime, last: datetime, zone: ZoneInfo) -> list[tuple[int, str, str]]:
    """Each month of ``zone`` from ``first``'s to ``last``'s: its number (``year * 12 + month - 1``), and when it
    begins and the next begins, as stored text."""
    since, until = first.astimezone(zone), last.astimezone(zone)
    index, end = since.year * 12 + since.month - 1, until.year * 12 + until.month - 1

    def start(number: int) -> str:
        year, month = divmod(number, 12)
        return iso(datetime(year, month + 1, 1, tzinfo=zone))

    return [(n, start(n), start(n + 1)) for n in range(index, end + 1)]


@dataclass
class _Group:
    """Contacts merged from rows of the grouped read: how many, the first (time, version, id), the last, the sum."""

    count: int = 0
    #: the first contact's time, version, id and volunteers
    first: tuple[str, int, str, str] | None = None
    last: str = ""
    total: int = 0

    def add(self, count: int, first: tuple[str, int, str, str], last: str, total: int) -> None:
        self.count += count
        self.first = first if self.first is None else min(self.first, first)
        self.last = max(self.last, last)
        self.total += total

    def mean(self) -> datetime:
        assert self.first is not None
        return mean_of(from_iso(self.first[0]), self.count, self.total)


@dataclass(frozen=True)
class Contacts:
    """The contacts of a record by lane, kind and month; where volunteers made them together; where each volunteer
    first appears on one (time, version, place); their span; how many; and every volunteer on one (retracted too)."""

    months: list[ContactMonth]
    together: list[Together]
    first_seen: dict[str, tuple[str, int, int]]
    first_at: str | None
    last_at: str | None
    count: int
    volunteers: set[str]


def _grouped(scope: Scope, months: list[tuple[int, str, str]]) -> list[Row]:
    table = ", ".join("(?, ?, ?)" for _ in months)
    return scope.tx.query(
        f"WITH m(idx, start_at, stop_at) AS (VALUES {table}) SELECT m.idx, substr(e.occurred_at, 1, 7), e.kind,"
        f" e.volunteer_ids, {scope.retracted}, COUNT(*), MIN(e.occurred_at), MAX(e.occurred_at), SUM({SECONDS}),"
        f" SUM({MICROS}) FROM m JOIN timeline_entry e ON e.family_id = ? AND e.occurred_at >= m.start_at"
        f" AND e.occurred_at < m.stop_at WHERE {CONTACT} AND {scope.where} GROUP BY 1, 2, 3, 4, 5",
        [*(v for month in months for v in month), *scope.retracted_params, scope.family_id, *scope.params],
    )


def _firsts(scope: Scope, times: Iterable[str]) -> dict[tuple[str, str, str], tuple[int, str]]:
    """The first (version, id) of the contacts at each of ``times``, by kind, volunteers and time."""
    wanted = sorted(set(times))
    found: dict[tuple[str, str, str], tuple[int, str]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = scope.tx.query(
            f"SELECT e.kind, e.volunteer_ids, e.occurred_at, e.version, e.event_id, {scope.retracted}"
            f" FROM timeline_entry e WHERE e.family_id = ? AND {CONTACT} AND {scope.where}"
            f" AND e.occurred_at IN ({', '.join('?' for _ in chunk)})",
            [*scope.retracted_params, scope.family_id, *scope.params, *chunk],
        )
        for kind, vids, at, version, event_id, retracted in rows:
            key = (kind, vids, at)
            if not retracted and (key not in found or (int(version), event_id) < found[key]):
                found[key] = (int(version), event_id)
    return found


def _merged(scope: Scope, live: list[Row]) -> tuple[dict[tuple[str, str, int], _Group], dict[tuple[str, int], _Group]]:
    """The grouped rows not retracted merged by volunteer, kind and month (a row of several volunteers counts on the
    lane of each), and by the volunteers on contacts made together and month."""
    firsts = _firsts(scope, (row[6] for row in live))
    lanes: dict[tuple[str, str, int], _Group] = {}
    together: dict[tuple[str, int], _Group] = {}
    for idx, utc_month, kind, vids, _, count, first, last, seconds, micro in live:
        version, event_id = firsts[(kind, vids, first)]
        # the seconds summed are counted from the start of the day before the first of the rows' UTC month
        base = micros(datetime.fromisoformat(f"{utc_month}-01T00:00:00+00:00") - timedelta(days=1))
        total = int(count) * base + int(seconds) * 1_000_000 + int(micro)
        earliest = (first, version, event_id, vids)
        for vid in vids.split():
            lanes.setdefault((vid, kind, idx), _Group()).add(int(count), earliest, last, total)
        if len(vids.split()) > 1:
            together.setdefault((vids, idx), _Group()).add(int(count), earliest, last, total)
    return lanes, together


def read_contacts(scope: Scope, zone: ZoneInfo) -> Contacts:
    """The family's contacts in ``scope``, grouped in SQL by lane, kind and month of ``zone``."""
    span = scope.tx.one(
        "SELECT (SELECT MIN(occurred_at) FROM timeline_entry WHERE family_id = ?),"
        " (SELECT MAX(occurred_at) FROM timeline_entry WHERE family_id = ?)",
        [scope.family_id, scope.family_id],
    )
    if span is None or span[0] is None:
        return Contacts([], [], {}, None, None, 0, set())
    rows = _grouped(scope, month_table(from_iso(span[0]), from_iso(span[1]), zone))
    live = [row for row in rows if not row[4]]
    lanes, together = _merged(scope, live)
    ordered = sorted(together.items(), key=lambda item: item[1].first or ())
    return Contacts(
        _months(lanes),
        [Together(tuple(vids.split()), group.mean()) for (vids, _), group in ordered],
        _first_seen(lanes),
        min((row[6] for row in live), default=None),
        max((row[7] for row in live), default=None),
        sum(int(row[5]) for row in live),
        {v for row in rows for v in row[3].split()},
    )


def _placed(vid: str, group: _Group) -> tuple[str, int, int]:
    """Where a lane's group first has its volunteer: its first contact's time and version, their place on it."""
    assert group.first is not None
    at, version, _, vids = group.first
    return at, version, vids.split().index(vid)


def _months(lanes: dict[tuple[str, str, int], _Group]) -> list[ContactMonth]:
    """Each lane's months, in the order of their first contact (and of the volunteers on it)."""
    found = []
    for (vid, kind, idx), group in lanes.items():
        assert group.first is not None
        year, month = divmod(idx, 12)
        month_of = ContactMonth(
            vid,
            EntryKind(kind),
            year,
            month + 1,
            group.count,
            group.first[2],
            from_iso(group.first[0]),
            from_iso(group.last),
            group.mean(),
        )
        found.append((_placed(vid, group), month_of))
    return [month for _, month in sorted(found, key=lambda pair: pair[0])]


def _first_seen(lanes: dict[tuple[str, str, int], _Group]) -> dict[str, tuple[str, int, int]]:
    """Where each volunteer first appears on a contact: its time and version, their place on it."""
    seen: dict[str, tuple[str, int, int]] = {}
    for (vid, _, _), group in lanes.items():
        placed = _placed(vid, group)
        seen[vid] = min(seen.get(vid, placed), placed)
    return seen
