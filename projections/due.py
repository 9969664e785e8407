"""What is due for a volunteer, family by family: follow-ups, handover days, and their own last visit.

Dates and counts only (no family's words), so that a volunteer's home page can say what
needs doing without reading anyone's record; the record itself is read, and the read
audited, when the volunteer opens the family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from projections.db import Tx
from projections.plain import from_iso


@dataclass(frozen=True)
class Due:
    """One family's due items for one volunteer."""

    family_id: str
    follow_ups: int  # open follow-ups for this volunteer (or for anyone on the family)
    overdue: int
    next_due_on: date | None  # the next day a follow-up falls due (overdue ones left aside)
    handover_on: date | None  # a planned handover this volunteer is part of
    my_last_visit_at: datetime | None  # None: the volunteer has not visited this family yet

    @property
    def is_new_to_me(self) -> bool:
        return self.my_last_visit_at is None


def due_for(tx: Tx, volunteer_id: str, family_ids: list[str], *, today: date) -> dict[str, Due]:
    """What is due in each of ``family_ids`` for ``volunteer_id`` (sensitive compartments left out)."""
    found: dict[str, Due] = {}
    for family_id in family_ids:
        follow_ups = tx.query(
            "SELECT due_on FROM continuity_follow_up WHERE family_id = ? AND done_at IS NULL AND retracted = 0"
            " AND sensitive = 0 AND (volunteer_id IS NULL OR volunteer_id = ?) ORDER BY due_on",
            [family_id, volunteer_id],
        )
        days = [date.fromisoformat(str(r[0])) for r in follow_ups]
        handover = tx.one(
            "SELECT MIN(planned_on) FROM continuity_handover WHERE family_id = ? AND state = 'planned'"
            " AND (outgoing_id = ? OR incoming_id = ?)",
            [family_id, volunteer_id, volunteer_id],
        )
        visited = tx.one(
            "SELECT MAX(c.occurred_at) FROM continuity_contact c"
            " JOIN continuity_contact_volunteer cv ON cv.event_id = c.event_id"
            " WHERE c.family_id = ? AND cv.volunteer_id = ? AND c.kind = 'visit' AND c.retracted = 0",
            [family_id, volunteer_id],
        )
        found[family_id] = Due(
            family_id=family_id,
            follow_ups=len(days),
            overdue=sum(1 for d in days if d < today),
            next_due_on=min((d for d in days if d >= today), default=None),
            handover_on=date.fromisoformat(str(handover[0])) if handover and handover[0] else None,
            my_last_visit_at=from_iso(str(visited[0])) if visited and visited[0] else None,
        )
    return found
