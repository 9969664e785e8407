"""The departure policy: follows the log and, for each volunteer's departure, ends every assignment they hold.

The Volunteer does not know its families, so the policy keeps an index of its own (which volunteers each
family has had, which volunteers have left) and, when it reaches a departure, sends each of those families
the command that ends the departed volunteer's assignment there (``Peiban.end_assignment_on_departure``).
Its position is tracked like a view's. The commands it sends are named by the departure and the family, so
whatever it sends again (after a crash before its position committed, or by a second follower) records
nothing: each assignment ends exactly once. It also catches an assignment that raced a departure (decided
while the volunteer was still active, saved after they left): that one ends as soon as the policy sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from uuid import UUID

from domain import Peiban, StoreSettings
from domain.family import Family
from domain.volunteer import Departure, Volunteer
from projections.db import Tx, view_database
from projections.engine import Handler, Projection, View
from projections.plain import from_iso, iso


class DepartureIndex(View):
    """Which families each volunteer has been on, and who has left: what the policy needs to find, and end,
    a departed volunteer's assignments."""

    name = "departures"
    tables: ClassVar[Mapping[str, str]] = {
        "departure_family": (
            "CREATE TABLE IF NOT EXISTS departure_family ("
            " volunteer_id TEXT NOT NULL, family_id TEXT NOT NULL, PRIMARY KEY (volunteer_id, family_id))"
        ),
        "departure_departed": (
            "CREATE TABLE IF NOT EXISTS departure_departed ("
            " volunteer_id TEXT PRIMARY KEY, fact_id TEXT NOT NULL, occurred_at TEXT NOT NULL)"
        ),
        "departure_handover": (
            "CREATE TABLE IF NOT EXISTS departure_handover (handover_id TEXT PRIMARY KEY, incoming_id TEXT NOT NULL)"
        ),
    }

    def __init__(self, app: Peiban) -> None:
        self.app = app

    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            Family.VolunteerAssigned: lambda tx, e: self.joined(tx, e.originator_id, e.volunteer_id),
            Family.HandoverPlanned: self.handover_planned,
            Family.HandoverCompleted: self.handover_completed,
            Volunteer.Departed: self.departed,
            Family.Erased: lambda tx, e: tx.execute(
                "DELETE FROM departure_family WHERE family_id = ?", [str(e.originator_id)]
            ),
            # erased only once gone and off every family: nothing of theirs is left to end
            Volunteer.Erased: lambda tx, e: tx.execute(
                "DELETE FROM departure_family WHERE volunteer_id = ?", [str(e.originator_id)]
            ),
        }

    def handover_planned(self, tx: Tx, e: Family.HandoverPlanned) -> None:
        tx.execute(
            "INSERT INTO departure_handover (handover_id, incoming_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [e.event_key, str(e.incoming_volunteer_id)],
        )

    def handover_completed(self, tx: Tx, e: Family.HandoverCompleted) -> None:
        """The incoming volunteer is now assigned to the family (as lead, or in the outgoing one's role)."""
        row = tx.one("SELECT incoming_id FROM departure_handover WHERE handover_id = ?", [str(e.handover_id)])
        if row is not None:
            self.joined(tx, e.originator_id, UUID(row[0]))

    def joined(self, tx: Tx, family_id: UUID, volunteer_id: UUID) -> None:
        """A volunteer took an assignment on a family; if they had already left (the assignment was decided just
        before the departure was saved), it ends at once."""
        tx.execute(
            "INSERT INTO departure_family (volunteer_id, family_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [str(volunteer_id), str(family_id)],
        )
        row = tx.one("SELECT fact_id, occurred_at FROM departure_departed WHERE volunteer_id = ?", [str(volunteer_id)])
        if row is not None:
            self.app.end_assignment_on_departure(family_id, Departure(volunteer_id, UUID(row[0]), from_iso(row[1])))

    def departed(self, tx: Tx, e: Volunteer.Departed) -> None:
        """End the departed volunteer's assignment on every family they have been on (those still holding one)."""
        departure = Departure.of(e)
        tx.execute(
            "INSERT INTO departure_departed (volunteer_id, fact_id, occurred_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [str(departure.volunteer_id), str(departure.fact_id), iso(departure.occurred_at)],
        )
        rows = tx.query(
            "SELECT family_id FROM departure_family WHERE volunteer_id = ? ORDER BY family_id",
            [str(departure.volunteer_id)],
        )
        for (family_id,) in rows:
            self.app.end_assignment_on_departure(UUID(family_id), departure)


def departure_policy(app: Peiban, settings: StoreSettings, *, batch_size: int = 1000) -> Projection:
    """The departure policy on ``app``'s log, its index and position kept in a store of its own:
    ``catch_up()`` ends whatever departures recorded since it last ran have not ended yet."""
    return Projection(app, DepartureIndex(app), view_database(settings, DepartureIndex.name), batch_size=batch_size)
