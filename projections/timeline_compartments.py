"""The compartment of a timeline entry, decided by the domain's one rule (``domain.compartments``).

The rule walks from a fact to what it follows from (a referral or a follow-up to its concern)
or traces (a resolution to its concern, a completion to its follow-up). Here it walks the
timeline view's rows instead of the aggregate's state; the view stores each entry's compartment
when the entry is folded, and again when an amendment moves a fact into or out of one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from uuid import UUID

from domain.compartments import Clearance, compartment_of
from domain.family_state import Fact
from domain.kinds import EntryKind
from domain.values import SENSITIVE_SERVICE_LINES, ServiceLine

#: The field naming the fact an entry follows from, or traces.
FOLLOWS: Mapping[EntryKind, str] = {
    EntryKind.CONCERN_RESOLVED: "concern_id",
    EntryKind.REFERRAL: "concern_id",
    EntryKind.FOLLOW_UP_SCHEDULED: "concern_id",
    EntryKind.FOLLOW_UP_DONE: "follow_up_id",
    EntryKind.PROMISE_KEPT: "visit_id",
    EntryKind.PROMISE_LET_GO: "visit_id",
}
#: Entries that trace the fact they point at (it is resolved or done) rather than follow from it.
TRACES = frozenset(
    {EntryKind.CONCERN_RESOLVED, EntryKind.FOLLOW_UP_DONE, EntryKind.PROMISE_KEPT, EntryKind.PROMISE_LET_GO}
)


@dataclass(frozen=True)
class Link:
    """What the rule needs of an entry: its kind, its service line (as amended), what it points at."""

    kind: EntryKind
    service_line: str | None
    follows: str | None


Find = Callable[[str], Link | None]


class _Rows:
    """Entries looked up by id (``str(UUID)``), each once."""

    def __init__(self, find: Find) -> None:
        self.find = find
        self.seen: dict[str, Link | None] = {}

    def __call__(self, key: str) -> Link | None:
        if key not in self.seen:
            self.seen[key] = self.find(str(UUID(hex=key)))
        return self.seen[key]


class _Facts(Mapping[str, Fact]):
    """The entries the rule sees as facts (by id hex): all but traces. Only looked up, never listed."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows

    def __getitem__(self, key: str) -> Fact:
        link = self.rows(key)
        if link is None or link.kind in TRACES:
            raise KeyError(key)
        line = ServiceLine(link.service_line) if link.service_line else None
        return Fact(link.kind, service_line=line, follows=UUID(link.follows) if link.follows else None, folded=True)

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in self.rows.seen.items() if v is not None and v.kind not in TRACES])

    def __len__(self) -> int:
        return len(list(iter(self)))


class _Traces(Mapping[str, UUID]):
    """The entries that trace another (by id hex): the fact each points at. Only looked up, never listed."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows

    def __getitem__(self, key: str) -> UUID:
        link = self.rows(key)
        if link is None or link.kind not in TRACES or not link.follows:
            raise KeyError(key)
        return UUID(link.follows)

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in self.rows.seen.items() if v is not None and v.kind in TRACES and v.follows])

    def __len__(self) -> int:
        return len(list(iter(self)))


def compartment(event_id: str, find: Find) -> frozenset[ServiceLine]:
    """The compartment of the entry ``event_id``, walking the entries ``find`` returns."""
    rows = _Rows(find)
    return compartment_of(UUID(event_id), _Facts(rows), _Traces(rows))


def stored(lines: frozenset[ServiceLine]) -> str:
    """A compartment as the view stores it: its service lines' values, sorted, space-separated ('' for none)."""
    return " ".join(sorted(line.value for line in lines))


def shown_to(clearance: Clearance) -> list[str] | None:
    """The stored compartments ``clearance`` sees (None: every one)."""
    if clearance.lines >= SENSITIVE_SERVICE_LINES:
        return None
    lines = sorted(clearance.lines, key=lambda line: line.value)
    return [stored(frozenset(c)) for n in range(len(lines) + 1) for c in combinations(lines, n)]


def visible(alias: str, clearance: Clearance) -> tuple[str, list[str]]:
    """An SQL condition (and its parameters) keeping the entries ``alias`` that ``clearance`` sees."""
    shown = shown_to(clearance)
    if shown is None:
        return "1 = 1", []
    return f"{alias}.compartment IN ({', '.join('?' for _ in shown)})", shown
