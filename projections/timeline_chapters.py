"""Chapters of a family's timeline: one per lead volunteer's tenure, or a stretch without a lead.

One rule (``turn``) says whether a fact opens a chapter; the timeline view applies it to each
fact as it arrives, and refolds a family's chapters with ``fold_chapters`` when a fact that may
open one arrives late (before facts already folded). A replay of the record as it stood on an
earlier date folds the facts recorded by then with the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.kinds import EntryKind

#: The kinds of fact that may open a chapter (whether one does depends on the chapter it falls in).
TURNING = frozenset({EntryKind.ASSIGNED, EntryKind.UNASSIGNED, EntryKind.CLOSED, EntryKind.HANDOVER_COMPLETED})


@dataclass(frozen=True)
class Turn:
    """A fact that opens a chapter, led by ``lead_id`` (None: a stretch without a lead)."""

    lead_id: str | None


@dataclass(frozen=True)
class Span:
    """A chapter as folded: its lead and when it started and ended (None: still open)."""

    index: int
    lead_id: str | None
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Placed:
    """What the chapter rule needs of a fact, in the order things happened."""

    event_id: str
    kind: EntryKind
    occurred_at: datetime
    volunteer_ids: Sequence[str]
    data: Mapping[str, Any]


def turn(fact: Placed, lead_id: str | None, incoming_of: Callable[[str], str | None]) -> Turn | None:
    """Whether ``fact``, falling in a chapter led by ``lead_id``, opens a new one: a lead assigned, the lead's
    assignment ended or the family closed, or a handover completed with the incoming volunteer as lead
    (``incoming_of`` names the incoming volunteer of a planned handover)."""
    if fact.kind == EntryKind.ASSIGNED and fact.data.get("role") == "lead":
        return Turn(fact.volunteer_ids[0])
    ends_lead = fact.kind == EntryKind.CLOSED or (
        fact.kind == EntryKind.UNASSIGNED and fact.volunteer_ids[0] == lead_id
    )
    if lead_id and ends_lead:
        return Turn(None)
    if fact.kind == EntryKind.HANDOVER_COMPLETED and fact.data.get("incoming_role") == "lead":
        incoming = incoming_of(str(fact.data.get("handover_id")))
        if incoming is not None:
            return Turn(incoming)
    return None


def fold_chapters(facts: Iterable[Placed]) -> tuple[list[Span], list[int]]:
    """The chapters of facts given in the order things happened, and the chapter each fact falls in."""
    ordered = list(facts)
    incoming = {
        f.event_id: str(f.data["incoming_volunteer_id"]) for f in ordered if f.kind == EntryKind.HANDOVER_PLANNED
    }
    spans: list[Span] = []
    placed: list[int] = []
    for fact in ordered:
        if not spans:
            spans.append(Span(0, None, fact.occurred_at, None))
        opened = turn(fact, spans[-1].lead_id, incoming.get)
        if opened is not None:
            spans[-1] = Span(spans[-1].index, spans[-1].lead_id, spans[-1].started_at, fact.occurred_at)
            spans.append(Span(len(spans), opened.lead_id, fact.occurred_at, None))
        placed.append(spans[-1].index)
    return spans, placed
