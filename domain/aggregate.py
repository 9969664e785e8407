"""What every Peiban aggregate and fact has in common.

Every fact records who recorded it (``recorded_by``), when it was recorded (the
event's ``timestamp``) and, apart from that, when it happened (``occurred_at``).
Topics are set explicitly on every class: they are stored data and must not
follow the Python module layout.
"""

from __future__ import annotations

from datetime import datetime
from hashlib import sha1
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import register_topic

from domain.checks import Checks


def fact_id(originator_id: UUID, version: int) -> UUID:
    """The stable id of one stored fact, derived from where it sits in the log (a UUID 5)."""
    return uuid5(originator_id, str(version))


def fact_id_text(originator_id: UUID, version: int) -> str:
    """``str(fact_id(...))`` computed directly, for views that fold many facts a second."""
    digest = bytearray(sha1(originator_id.bytes + str(version).encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def check_actor(checks: Checks, recorded_by: Any) -> str:
    """Who records a fact: a user name, required on every command."""
    return checks.text("recorded_by", recorded_by)


class PeibanAggregate(Aggregate):
    """Base for Family, Volunteer, Cohort and Account."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The library registers the explicit topics of an aggregate's events when the class is defined,
        # but not of its snapshot class: a fresh process could then not read the snapshots it finds stored.
        snapshot = cls.__dict__.get("Snapshot")
        if isinstance(snapshot, type) and issubclass(snapshot, Snapshot) and "TOPIC" in snapshot.__dict__:
            register_topic(snapshot.__dict__["TOPIC"], snapshot)

    class Event(Aggregate.Event):
        recorded_by: str
        occurred_at: datetime

        @property
        def recorded_at(self) -> datetime:
            return self.timestamp

        @property
        def event_id(self) -> UUID:
            return fact_id(self.originator_id, self.originator_version)

        @property
        def event_key(self) -> str:
            """``str(event_id)``, computed faster (views fold many facts a second)."""
            return fact_id_text(self.originator_id, self.originator_version)

    def _record(self, event_class: type[Aggregate.Event], *, now: datetime, **fields: Any) -> UUID:
        """Trigger one fact recorded at ``now`` and return its id."""
        self.trigger_event(event_class, timestamp=now, **fields)
        return fact_id(self.id, self.version)
