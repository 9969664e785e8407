"""What every Peiban aggregate and fact has in common.

Every fact records who recorded it (``recorded_by``), when it was recorded (the
event's ``timestamp``) and, apart from that, when it happened (``occurred_at``).
Topics are set explicitly on every class: they are stored data and must not
follow the Python module layout.

Every new fact records its own id, a random UUID, so that nobody can guess the id of
a fact they were not shown; facts stored before that keep the id derived from their
place in the log. A fact may also record the command it answers (``command_id``,
derived at the edge from the caller and their idempotency key): the aggregate keeps
which commands it has answered, so the same command sent again records nothing new.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime
from hashlib import sha1
from typing import Any, ClassVar, NewType, TypedDict, TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import register_topic

from domain.actor import Actor
from domain.checks import EARLIEST, Checks
from domain.errors import Problem

#: Which request a command answers: the same caller's same idempotency key gives the same id.
CommandId = NewType("CommandId", UUID)
A = TypeVar("A", bound="PeibanAggregate")


@dataclass(frozen=True)
class Entry:
    """What every command is given besides its own fields: who records the fact, when it happened (None: now),
    when it is recorded, and the command it answers."""

    recorded_by: Actor
    occurred_at: datetime | None
    now: datetime
    command_id: CommandId | None = None

    def as_recorded(self) -> Entry:
        """This entry for a fact that happens as it is recorded (a correction, an erasure): no other moment."""
        return replace(self, occurred_at=None)


class Stamp(TypedDict):
    """The fields every fact records about itself."""

    timestamp: datetime
    fact_id: UUID
    command_id: CommandId | None
    recorded_by: str
    occurred_at: datetime


class Draft(Checks):
    """A command's checks, begun with who records the fact and when it happened (``not_before`` the moment the
    aggregate's story allows). Its fields' problems are raised together by ``done()``, which recording calls."""

    def __init__(self, entry: Entry, *, not_before: datetime = EARLIEST) -> None:
        super().__init__()
        self.now = entry.now
        self.command_id = entry.command_id
        self.by = check_actor(self, entry.recorded_by)
        given = entry.now if entry.occurred_at is None else entry.occurred_at
        self.when = self.moment("occurred_at", given, now=entry.now, not_before=not_before)

    def stamp(self) -> Stamp:
        """The fields every fact records about itself: a new id, when and by whom, and the command it answers."""
        self.done()
        return Stamp(
            timestamp=self.now, fact_id=uuid4(), command_id=self.command_id, recorded_by=self.by, occurred_at=self.when
        )

    def not_before(self, moment: datetime) -> None:
        """The fact happened no earlier than ``moment`` (a problem with ``occurred_at`` otherwise)."""
        self.moment("occurred_at", self.when, now=self.now, not_before=moment)


def derived_fact_id(originator_id: UUID, version: int) -> UUID:
    """The id of a fact stored before facts recorded their own: derived from its place in the log (a UUID 5)."""
    return uuid5(originator_id, str(version))


def derived_fact_id_text(originator_id: UUID, version: int) -> str:
    """``str(derived_fact_id(...))`` computed directly, for views that fold many facts a second."""
    digest = bytearray(sha1(originator_id.bytes + str(version).encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def check_actor(checks: Checks, recorded_by: Actor) -> str:
    """Who records a fact, as its facts store it (a caller that passed no ``Actor`` is refused)."""
    if isinstance(recorded_by, Actor):
        return recorded_by.name
    checks.add("recorded_by", Problem("required"))
    return ""


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
        _: KW_ONLY
        #: The fact's own id (random); None on facts stored before facts recorded their id.
        fact_id: UUID | None = None
        #: The command this fact answers, if the caller named one.
        command_id: UUID | None = None

        @property
        def recorded_at(self) -> datetime:
            return self.timestamp

        @property
        def event_id(self) -> UUID:
            """The fact's id: the one it recorded, else (stored before ids were recorded) the derived one."""
            return self.fact_id or derived_fact_id(self.originator_id, self.originator_version)

        @property
        def event_key(self) -> str:
            """``str(event_id)``, computed fast (views fold many facts a second)."""
            return (
                str(self.fact_id) if self.fact_id else derived_fact_id_text(self.originator_id, self.originator_version)
            )

        def mutate(self, aggregate: Any) -> Any:
            mutated = super().mutate(aggregate)
            if isinstance(mutated, PeibanAggregate):
                mutated.noted(self)
            return mutated

    TOPIC: ClassVar[str]

    @classmethod
    def new_id(cls, command_id: CommandId | None) -> UUID:
        """A new aggregate's id: random, or derived from the command that creates it, so that the same
        command sent again names the aggregate it already created."""
        return uuid4() if command_id is None else uuid5(command_id, cls.TOPIC)

    def noted(self, fact: PeibanAggregate.Event) -> None:
        """Keep which command a fact answered (called for every fact, as it is applied)."""
        if fact.command_id is not None:
            self.__dict__.setdefault("answered_commands", {})[fact.command_id.hex] = fact.event_id

    def fact_of_command(self, command_id: CommandId) -> UUID | None:
        """The fact recorded for ``command_id``, if this aggregate recorded one."""
        answered: dict[str, UUID] = self.__dict__.get("answered_commands", {})
        return answered.get(command_id.hex)

    @classmethod
    def _begin_with(cls: type[A], event_class: type[Aggregate.Created], draft: Draft, **fields: object) -> A:
        """A new aggregate, begun with the fact that creates it (once the draft's checks pass)."""
        command_id = draft.command_id
        return cls._create(event_class, id=cls.new_id(command_id), **draft.stamp(), **fields)

    def _record(self, event_class: type[Aggregate.Event], draft: Draft, **fields: object) -> UUID:
        """Record one fact (once the draft's checks pass) and return its new id."""
        stamp = draft.stamp()
        self.trigger_event(event_class, **stamp, **fields)
        return stamp["fact_id"]
