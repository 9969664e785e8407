"""What a volunteer's departure does to the families they served: every assignment they still hold ends.

The Volunteer does not know its families; the families know their volunteers. So the end is not decided
with the departure: a policy following the log (``projections.departures``) sends, for each family the
departed volunteer was on, one command to end their assignment there. Its id derives from the departure
and the family, so a policy run twice, or resumed after a crash, ends each assignment exactly once.
"""

from __future__ import annotations

from uuid import UUID

from domain.actor import DEPARTURE_POLICY
from domain.app_base import PeibanBase, Recording
from domain.volunteer import Departure


class DepartureCommands(PeibanBase):
    def end_assignment_on_departure(self, family_id: UUID, departure: Departure) -> UUID | None:
        """End, on the family, the assignment the departed volunteer still holds there, with the departure as its
        cause; returns the fact's id, or None when they hold none. Sent again, it records nothing new."""
        if self.is_erased(family_id):
            return None  # an erased family's record holds nothing anyone can end (nor read)
        recording = Recording(recorded_by=DEPARTURE_POLICY, command_id=departure.command_for(family_id))
        return self._on_family(family_id, recording, lambda f, e: f.end_assignment_on_departure(e, departure))
