"""The parts of a family's state that its rules consult: who accompanies it, and when.

These are plain dataclasses kept inside the Family aggregate (and so inside its
snapshots); ids are kept as UUIDs, collections as lists, so that a snapshot
round-trips through JSON unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.values import HandoverState, PromiseState, Role, ServiceLine


@dataclass
class Assignment:
    """A volunteer's time with the family in one role."""

    volunteer_id: UUID
    role: Role
    started_at: datetime
    ended_at: datetime | None = None

    def covers(self, when: datetime) -> bool:
        """On the family at ``when``; both ends count, so a visit at the moment of a change fits either side."""
        return self.started_at <= when and (self.ended_at is None or when <= self.ended_at)

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


@dataclass
class Handover:
    """A handover from an outgoing to an incoming volunteer, while it is planned and after."""

    handover_id: UUID
    outgoing_id: UUID
    incoming_id: UUID
    planned_on: date
    opened_at: datetime
    state: HandoverState = HandoverState.PLANNED
    closed_at: datetime | None = None
    joint_visit_ids: list[UUID] = field(default_factory=list)
    family_agreed: bool = False

    @property
    def is_open(self) -> bool:
        return self.state is HandoverState.PLANNED

    def was_open_at(self, when: datetime) -> bool:
        return self.opened_at <= when and (self.closed_at is None or when <= self.closed_at)

    def involves(self, volunteer_id: UUID) -> bool:
        return volunteer_id in (self.outgoing_id, self.incoming_id)


@dataclass
class AlumniContact:
    """An outgoing volunteer the family agreed to keep in touch with."""

    volunteer_id: UUID
    since: datetime


@dataclass
class Fact:
    """A fact of the family: what kind it is (``fixed`` for those no correction may target), whether it has
    been retracted, its service line (as amended) and the concern (or follow-up) it follows from, which decide
    its compartment."""

    kind: str
    retracted: bool = False
    service_line: ServiceLine | None = None
    follows: UUID | None = None
    #: False only for facts restored from a snapshot taken before service lines were kept here
    folded: bool = False
    #: for visits and messages: when the contact happened and with whom (None: kept before these were)
    occurred_at: datetime | None = None
    volunteers: list[UUID] | None = None
    #: who recorded it (None: kept before authors were, in a snapshot older than that)
    recorded_by: str | None = None


@dataclass
class Promise:
    """A promise made to the family during a visit (one of its ``follow_ups_promised``), and where it stands."""

    visit_id: UUID
    text: str
    state: PromiseState = PromiseState.OPEN


@dataclass
class Roster:
    """Who accompanies the family over time: assignments, handovers, alumni contacts."""

    assignments: list[Assignment] = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)
    alumni: list[AlumniContact] = field(default_factory=list)

    def current(self) -> list[Assignment]:
        return [a for a in self.assignments if a.is_current]

    def current_of(self, volunteer_id: UUID) -> Assignment | None:
        return next((a for a in self.current() if a.volunteer_id == volunteer_id), None)

    def lead(self) -> Assignment | None:
        return next((a for a in self.current() if a.role is Role.LEAD), None)

    def last_lead_end(self) -> datetime | None:
        ends = [a.ended_at for a in self.assignments if a.role is Role.LEAD and a.ended_at]
        return max(ends, default=None)

    def open_handover(self) -> Handover | None:
        return next((h for h in self.handovers if h.is_open), None)

    def handover(self, handover_id: UUID) -> Handover | None:
        return next((h for h in self.handovers if h.handover_id == handover_id), None)

    def on_family_at(self, volunteer_id: UUID, when: datetime) -> bool:
        """Assigned to the family, or part of a handover open, at ``when``."""
        return any(a.volunteer_id == volunteer_id and a.covers(when) for a in self.assignments) or any(
            h.involves(volunteer_id) and h.was_open_at(when) for h in self.handovers
        )

    def is_alumni_contact(self, volunteer_id: UUID, when: datetime) -> bool:
        return any(c.volunteer_id == volunteer_id and c.since <= when for c in self.alumni)

    def joint_handover_at(self, volunteer_ids: list[UUID], when: datetime) -> Handover | None:
        """The handover for which a visit with these volunteers at ``when`` is a joint visit."""
        present = set(volunteer_ids)
        return next(
            (
                h
                for h in self.handovers
                if h.state is not HandoverState.CANCELLED
                and h.was_open_at(when)
                and {h.outgoing_id, h.incoming_id} <= present
            ),
            None,
        )

    def start(self, volunteer_id: UUID, role: Role, when: datetime) -> None:
        self.assignments.append(Assignment(volunteer_id, role, when))

    def end(self, volunteer_id: UUID, when: datetime) -> Assignment | None:
        assignment = self.current_of(volunteer_id)
        if assignment is not None:
            assignment.ended_at = when
        return assignment

    def end_all(self, when: datetime) -> None:
        for assignment in self.current():
            assignment.ended_at = when
