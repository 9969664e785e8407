"""Compartments: the sensitive service line a family's fact belongs to, and who may name it.

A fact belongs to a compartment when it is tagged with a sensitive service line
(anti-domestic-violence, shelter), or follows from a fact that is: a follow-up or a
referral for a concern of the compartment, the completion of such a follow-up, the
resolution, amendment or retraction of such a fact. A caller names facts with their
``Clearance``; to a caller not cleared for its compartment a fact is not there at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from domain.family_state import Fact
from domain.values import SENSITIVE_SERVICE_LINES, ServiceLine


@dataclass(frozen=True)
class Clearance:
    """The sensitive compartments (by service line) a caller may see."""

    lines: frozenset[ServiceLine]

    def sees(self, compartment: frozenset[ServiceLine]) -> bool:
        """Whether a fact in ``compartment`` (empty: in none) is there for this caller."""
        return compartment <= self.lines


#: Cleared staff (social workers, auditors), and the programme's own tools (the CLI, the demo).
EVERY_COMPARTMENT = Clearance(SENSITIVE_SERVICE_LINES)
#: Everyone else: coordinators and volunteers.
NO_COMPARTMENT = Clearance(frozenset())
#: The compartment of a fact whose service line is not known (folded before compartments were): taken as
#: any sensitive one, so that only readers cleared for every compartment may name it.
UNKNOWN = SENSITIVE_SERVICE_LINES


def sensitive(line: object) -> frozenset[ServiceLine]:
    """The compartment a service line opens: itself if sensitive, else none."""
    return frozenset({line}) if isinstance(line, ServiceLine) and line.is_sensitive else frozenset()


def compartment_of(
    event_id: UUID, facts: Mapping[str, Fact], traces: Mapping[str, UUID] | None
) -> frozenset[ServiceLine]:
    """The compartment of a fact of the family, walking from a trace or a follow-up to the fact it follows from
    (``traces`` is None when the traces were not kept: then an id found nowhere may be a hidden trace)."""
    key: str | None = event_id.hex
    while key is not None:
        # A trace (resolution, completion, amendment, retraction) belongs where the fact it points at does,
        # even when it is also kept among the facts as one that no correction may target.
        target = traces.get(key) if traces is not None else None
        if target is not None:
            key = target.hex
            continue
        fact = facts.get(key)
        if fact is None:
            return UNKNOWN if traces is None else frozenset()
        if not fact.folded:
            return UNKNOWN
        if (found := sensitive(fact.service_line)) or fact.follows is None:
            return found
        key = fact.follows.hex
    return frozenset()
