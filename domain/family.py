"""Family: the accompanied household and every fact of its relationship with volunteers.

The Family is the consistency boundary for the rules that must never break: one
lead at a time, visits only by volunteers on the family when it happened, one
open handover, corrections only of live facts. Volunteer facts that a rule needs
(active? departed?) arrive as ``VolunteerStanding`` values from the application.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import CommandId, PeibanAggregate, check_actor, derived_fact_id
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance, compartment_of
from domain.errors import FactNotFound, HandoverNotFound, Problem
from domain.facts import FIELDS, check_changes, check_fields
from domain.family_profile import check_consent, check_household
from domain.family_state import AlumniContact, Fact, Handover, Roster
from domain.rules import (
    AlreadyAssigned,
    ConcernAlreadyResolved,
    FactAlreadyRetracted,
    FactNotCorrectable,
    FamilyAlreadyClosed,
    FamilyClosed,
    FamilyNotClosed,
    FollowUpAlreadyDone,
    HandoverAlreadyOpen,
    HandoverNeedsJointVisit,
    HandoverNotOpen,
    HandoverSameVolunteer,
    LeadAlreadyAssigned,
    NotAnAlumniContact,
    NotAssigned,
    VolunteerNotActive,
    VolunteerNotOnFamily,
)
from domain.values import (
    Circumstance,
    ConsentScope,
    FamilyStatus,
    GuardianConsent,
    HandoverState,
    HouseholdMember,
    Role,
    ServiceLine,
    VolunteerStatus,
)
from domain.volunteer import Departure, VolunteerStanding

Event = PeibanAggregate.Event
#: The kind kept for facts that no correction may target (enrolment, assignments, handover steps...).
FIXED = "fixed"
#: The kinds of fact that are contacts with the family.
CONTACTS = frozenset({"visit", "message"})
BEFORE_LAST_CONTACT = Problem("before_contact")


class Family(PeibanAggregate, created_event_name="Enrolled"):
    """A family in the companionship programme, from enrolment on."""

    TOPIC = "peiban.Family"

    class Created(PeibanAggregate.Created, Event):
        TOPIC = "peiban.Family.Created"

    class Enrolled(Created):
        TOPIC = "peiban.Family.Enrolled"
        display_name: str
        community: str
        referral_source: str
        household: list[HouseholdMember]
        circumstances: list[Circumstance]
        consent: GuardianConsent

    class ProfileUpdated(Event):
        TOPIC = "peiban.Family.ProfileUpdated"
        changes: dict[str, Any]

        def apply(self, family: Family) -> None:
            for name, value in self.changes.items():
                setattr(family, name, value)

    class ConsentRecorded(Event):
        TOPIC = "peiban.Family.ConsentRecorded"
        consent: GuardianConsent

        def apply(self, family: Family) -> None:
            family.consent_scopes = sorted({*family.consent_scopes, *self.consent.scopes}, key=lambda s: s.value)

    class ConsentWithdrawn(Event):
        TOPIC = "peiban.Family.ConsentWithdrawn"
        scopes: list[ConsentScope]
        reason: str

        def apply(self, family: Family) -> None:
            family.consent_scopes = [s for s in family.consent_scopes if s not in self.scopes]

    class Closed(Event):
        TOPIC = "peiban.Family.Closed"
        reason: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.status = FamilyStatus.CLOSED
            family.closed_at = self.occurred_at
            family.roster.end_all(self.occurred_at)

    class Erased(Event):
        """The family's key was destroyed: a fact without personal data, kept readable under the erasure
        register's key (see ``domain.erasure``), so that views and auditors still learn when and why."""

        TOPIC = "peiban.Family.Erased"
        reason: str

        def apply(self, family: Family) -> None:
            family.erasure_reason = self.reason

    class Reopened(Event):
        TOPIC = "peiban.Family.Reopened"
        reason: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.status = FamilyStatus.OPEN
            family.closed_at = None

    class VolunteerAssigned(Event):
        TOPIC = "peiban.Family.VolunteerAssigned"
        volunteer_id: UUID
        role: Role

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.start(self.volunteer_id, self.role, self.occurred_at)

    class VolunteerUnassigned(Event):
        TOPIC = "peiban.Family.VolunteerUnassigned"
        volunteer_id: UUID
        reason: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.end(self.volunteer_id, self.occurred_at)

    class AssignmentEnded(Event):
        """An assignment the system ended because of another fact: the volunteer's departure (``caused_by``)."""

        TOPIC = "peiban.Family.AssignmentEnded"
        volunteer_id: UUID
        caused_by: UUID

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.end(self.volunteer_id, self.occurred_at)

    class VisitLogged(Event):
        TOPIC = "peiban.Family.VisitLogged"
        volunteer_ids: list[UUID]
        place: Any
        duration_minutes: int
        summary: str
        wellbeing: Any
        activities: list[str]
        follow_ups_promised: list[str]
        social_worker: str
        service_line: Any
        handover_id: UUID | None

        def apply(self, family: Family) -> None:
            for volunteer_id in self.volunteer_ids:
                family.saw(volunteer_id, self.occurred_at)
            family.facts[self.event_id.hex] = Fact(
                "visit",
                service_line=self.service_line,
                folded=True,
                occurred_at=self.occurred_at,
                volunteers=list(self.volunteer_ids),
            )
            handover = family.roster.handover(self.handover_id) if self.handover_id else None
            if handover is not None:
                handover.joint_visit_ids.append(self.event_id)

    class MessageLogged(Event):
        TOPIC = "peiban.Family.MessageLogged"
        volunteer_id: UUID
        direction: Any
        channel: Any
        family_member: str
        summary: str
        service_line: Any

        def apply(self, family: Family) -> None:
            family.saw(self.volunteer_id, self.occurred_at)
            family.facts[self.event_id.hex] = Fact(
                "message",
                service_line=self.service_line,
                folded=True,
                occurred_at=self.occurred_at,
                volunteers=[self.volunteer_id],
            )

    class HandoverPlanned(Event):
        TOPIC = "peiban.Family.HandoverPlanned"
        outgoing_volunteer_id: UUID
        incoming_volunteer_id: UUID
        planned_on: date
        letter: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.roster.handovers.append(
                Handover(
                    self.event_id,
                    self.outgoing_volunteer_id,
                    self.incoming_volunteer_id,
                    self.planned_on,
                    self.occurred_at,
                )
            )

    class HandoverAgreed(Event):
        """The family agreed to the incoming volunteer."""

        TOPIC = "peiban.Family.HandoverAgreed"
        handover_id: UUID
        note: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            family.handover(self.handover_id).family_agreed = True

    class HandoverCompleted(Event):
        TOPIC = "peiban.Family.HandoverCompleted"
        handover_id: UUID
        incoming_role: Role
        keep_in_touch: bool
        no_joint_visit_reason: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            handover = family.handover(self.handover_id)
            handover.state, handover.closed_at = HandoverState.COMPLETED, self.occurred_at
            family.roster.end(handover.outgoing_id, self.occurred_at)
            family.roster.end(handover.incoming_id, self.occurred_at)
            family.roster.start(handover.incoming_id, self.incoming_role, self.occurred_at)
            if self.keep_in_touch:
                family.roster.alumni.append(AlumniContact(handover.outgoing_id, self.occurred_at))

    class HandoverCancelled(Event):
        TOPIC = "peiban.Family.HandoverCancelled"
        handover_id: UUID
        reason: str

        def apply(self, family: Family) -> None:
            family.roster_changed_at = max(family.roster_changed_at, self.occurred_at)
            handover = family.handover(self.handover_id)
            handover.state, handover.closed_at = HandoverState.CANCELLED, self.occurred_at

    class ConcernRaised(Event):
        TOPIC = "peiban.Family.ConcernRaised"
        category: Any
        level: Any
        service_line: Any
        summary: str

        def apply(self, family: Family) -> None:
            family.facts[self.event_id.hex] = Fact("concern", service_line=self.service_line, folded=True)
            family.open_concerns.append(self.event_id)

    class ConcernResolved(Event):
        TOPIC = "peiban.Family.ConcernResolved"
        concern_id: UUID
        resolution: str

        def apply(self, family: Family) -> None:
            family.open_concerns.remove(self.concern_id)
            family.trace(self.event_id, self.concern_id)

    class ReferralMade(Event):
        TOPIC = "peiban.Family.ReferralMade"
        service_line: Any
        reason: str
        concern_id: UUID | None

        def apply(self, family: Family) -> None:
            family.facts[self.event_id.hex] = Fact(
                "referral", service_line=self.service_line, follows=self.concern_id, folded=True
            )

    class FollowUpScheduled(Event):
        TOPIC = "peiban.Family.FollowUpScheduled"
        action: str
        due_on: date
        volunteer_id: UUID | None
        concern_id: UUID | None

        def apply(self, family: Family) -> None:
            family.facts[self.event_id.hex] = Fact("follow_up", follows=self.concern_id, folded=True)
            family.open_follow_ups.append(self.event_id)

    class FollowUpDone(Event):
        TOPIC = "peiban.Family.FollowUpDone"
        follow_up_id: UUID
        note: str

        def apply(self, family: Family) -> None:
            family.open_follow_ups.remove(self.follow_up_id)
            family.trace(self.event_id, self.follow_up_id)

    class FactAmended(Event):
        TOPIC = "peiban.Family.FactAmended"
        target_event_id: UUID
        changes: dict[str, Any]
        reason: str

        def apply(self, family: Family) -> None:
            family.trace(self.event_id, self.target_event_id)
            if "service_line" in self.changes:  # an amendment may move a fact into a compartment, or out of one
                line = self.changes["service_line"]
                family.facts[self.target_event_id.hex].service_line = ServiceLine(line) if line else None

    class FactRetracted(Event):
        TOPIC = "peiban.Family.FactRetracted"
        target_event_id: UUID
        reason: str

        def apply(self, family: Family) -> None:
            family.trace(self.event_id, self.target_event_id)
            family.facts[self.target_event_id.hex].retracted = True
            for handover in family.roster.handovers:
                if self.target_event_id in handover.joint_visit_ids:
                    handover.joint_visit_ids.remove(self.target_event_id)
            for pending in (family.open_concerns, family.open_follow_ups):
                if self.target_event_id in pending:
                    pending.remove(self.target_event_id)

    class Snapshot(LibrarySnapshot):
        TOPIC = "peiban.Family.Snapshot"

    #: 2: facts keep their service line and what they follow from, and traces are kept (see domain.compartments)
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot from before compartments were folded: what it cannot tell is taken as sensitive."""
        state["traces"] = None

    def __init__(
        self,
        recorded_by: str,
        occurred_at: datetime,
        display_name: str,
        community: str,
        referral_source: str,
        household: list[HouseholdMember],
        circumstances: list[Circumstance],
        consent: GuardianConsent,
    ) -> None:
        self.display_name = display_name
        self.community = community
        self.referral_source = referral_source
        self.household = household
        self.circumstances = circumstances
        self.consent_scopes: list[ConsentScope] = list(consent.scopes)
        self.enrolled_at = occurred_at
        self.status = FamilyStatus.OPEN
        self.closed_at: datetime | None = None
        #: why the record was erased (only ever seen on the aggregate that records it: it is then never loaded)
        self.erasure_reason = ""
        #: when who-accompanies-the-family last changed; such changes are recorded in time order
        self.roster_changed_at = occurred_at
        #: each volunteer's latest visit or message (by volunteer id hex)
        self.last_seen: dict[str, datetime] = {}
        self.roster = Roster()
        self.facts: dict[str, Fact] = {}
        #: fact -> the fact it resolves, completes or corrects (None: not kept, in a snapshot older than that)
        self.traces: dict[str, UUID] | None = {}
        self.open_concerns: list[UUID] = []
        self.open_follow_ups: list[UUID] = []

    # ---- queries the rules and the application use -------------------------------

    @property
    def is_closed(self) -> bool:
        return self.status is FamilyStatus.CLOSED

    def saw(self, volunteer_id: UUID, when: datetime) -> None:
        previous = self.last_seen.get(volunteer_id.hex)
        self.last_seen[volunteer_id.hex] = when if previous is None else max(previous, when)

    def handover(self, handover_id: UUID) -> Handover:
        handover = self.roster.handover(handover_id)
        if handover is None:
            raise HandoverNotFound()
        return handover

    def trace(self, event_id: UUID, target: UUID) -> None:
        """Keep which fact a resolution, completion or correction points at: it shares that fact's compartment."""
        if self.traces is not None:
            self.traces[event_id.hex] = target

    def volunteers_involved(self) -> set[UUID]:
        """Everyone the family has ever had: assigned, in a handover, or alumni."""
        ids = {a.volunteer_id for a in self.roster.assignments}
        ids |= {v for h in self.roster.handovers for v in (h.outgoing_id, h.incoming_id)}
        return ids | {c.volunteer_id for c in self.roster.alumni}

    # ---- commands ------------------------------------------------------------

    @classmethod
    def enrol(
        cls,
        *,
        display_name: Any,
        community: Any,
        referral_source: Any,
        household: Any,
        circumstances: Any,
        consent: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> Family:
        """Enrol a family with its household and its guardian's consent."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        values = dict(
            display_name=checks.text("display_name", display_name),
            community=checks.text("community", community),
            referral_source=checks.text("referral_source", referral_source, required=False),
            household=check_household(checks, household, now),
            circumstances=checks.choices("circumstances", circumstances, Circumstance),
            consent=check_consent(checks, consent, now),
        )
        when = checks.moment("occurred_at", occurred_at, now=now)
        checks.done()
        return cls._create(
            cls.Enrolled,
            id=cls.new_id(command_id),
            timestamp=now,
            fact_id=uuid4(),
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            **values,
        )

    def _begin(self, checks: Checks, recorded_by: Any, occurred_at: Any, now: datetime) -> tuple[str, datetime]:
        by = check_actor(checks, recorded_by)
        when = checks.moment("occurred_at", occurred_at, now=now, not_before=self.enrolled_at)
        return by, when

    def _roster_change(
        self,
        checks: Checks,
        when: datetime,
        now: datetime,
        *,
        seen: tuple[UUID, ...] = (),
        after: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
    ) -> None:
        """A change to who accompanies the family comes no earlier than the last such change, nor than
        the visits and messages it would otherwise contradict (so late entries stay consistent)."""
        latest = max((b for b in (self.roster_changed_at, after) if b is not None), default=self.enrolled_at)
        if when < latest:
            checks.moment("occurred_at", when, now=now, not_before=latest)
            return
        last_contact = self._last_contact(seen, clearance)
        if last_contact is not None and when < last_contact:
            checks.add("occurred_at", BEFORE_LAST_CONTACT)

    def _last_contact(self, seen: tuple[UUID, ...], clearance: Clearance) -> datetime | None:
        """The latest visit or message with any of ``seen`` that the caller may see. A contact of a compartment
        the caller is not cleared for bounds nothing they do: were it to, trying moments would date it."""
        everything = [c for c in (self.last_seen.get(v.hex) for v in seen) if c is not None]
        if clearance == EVERY_COMPARTMENT or not everything:
            return max(everything, default=None)
        wanted, latest = set(seen), None
        for key, fact in self.facts.items():
            if fact.kind not in CONTACTS:
                continue
            if fact.occurred_at is None or fact.volunteers is None:
                return max(everything)  # kept before contacts were: no telling which were hidden
            if wanted.isdisjoint(fact.volunteers) or (latest is not None and fact.occurred_at <= latest):
                continue
            if clearance.sees(compartment_of(UUID(hex=key), self.facts, self.traces)):
                latest = fact.occurred_at
        return latest

    def update_profile(
        self,
        *,
        changes: dict[str, Any],
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Change who the family is: name shown, community, household, circumstances."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        known: dict[str, Callable[[Any], Any]] = {
            "display_name": lambda v: checks.text("display_name", v),
            "community": lambda v: checks.text("community", v),
            "referral_source": lambda v: checks.text("referral_source", v, required=False),
            "household": lambda v: check_household(checks, v, now),
            "circumstances": lambda v: checks.choices("circumstances", v, Circumstance),
        }
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name in known:
                checked[name] = known[name](value)
            else:
                checks.add(name, Problem("unknown", "profile_field"))
        if not changes:
            checks.add("changes", Problem("required", "a_change"))
        checks.done()
        return self._record(
            self.ProfileUpdated, now=now, command_id=command_id, recorded_by=by, occurred_at=when, changes=checked
        )

    def record_consent(
        self, *, consent: Any, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """Record a guardian's (further) consent."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        given = check_consent(checks, consent, now, enrolling=False)
        checks.done()
        return self._record(
            self.ConsentRecorded, now=now, command_id=command_id, recorded_by=by, occurred_at=when, consent=given
        )

    def withdraw_consent(
        self,
        *,
        scopes: Any,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the guardian withdrew consent for some scopes."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        withdrawn = checks.choices("scopes", scopes, ConsentScope, required=True)
        why = checks.text("reason", reason)
        checks.done()
        return self._record(
            self.ConsentWithdrawn,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            scopes=withdrawn,
            reason=why,
        )

    def close(
        self,
        *,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Close the family's case; its assignments end with it."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, seen=tuple(UUID(v) for v in self.last_seen), clearance=clearance)
        why = checks.text("reason", reason)
        checks.done()
        if self.is_closed:
            raise FamilyAlreadyClosed()
        if self.roster.open_handover() is not None:
            raise HandoverAlreadyOpen()
        return self._record(self.Closed, now=now, command_id=command_id, recorded_by=by, occurred_at=when, reason=why)

    def erase(self, *, reason: Any, recorded_by: Any, now: datetime, command_id: CommandId | None = None) -> UUID:
        """Record that the family's record is erased (the application then destroys its key)."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        checks.done()
        return self._record(self.Erased, now=now, command_id=command_id, recorded_by=by, occurred_at=now, reason=why)

    def reopen(
        self, *, reason: Any, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """Reopen a closed family's case."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now)
        why = checks.text("reason", reason)
        checks.done()
        if not self.is_closed:
            raise FamilyNotClosed()
        return self._record(self.Reopened, now=now, command_id=command_id, recorded_by=by, occurred_at=when, reason=why)

    def assign(
        self,
        *,
        volunteer: VolunteerStanding,
        role: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Assign an active volunteer as lead, co or shadow."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, after=volunteer.active_since)
        chosen = checks.choice("role", role, Role)
        last_lead_end = self.roster.last_lead_end()
        if chosen is Role.LEAD and last_lead_end and when < last_lead_end:
            checks.moment("occurred_at", when, now=now, not_before=last_lead_end)
        if volunteer.active_since is not None and when < volunteer.active_since:
            checks.moment("occurred_at", when, now=now, not_before=volunteer.active_since)
        checks.done()
        if self.is_closed:
            raise FamilyClosed()
        if volunteer.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=volunteer.name, status=volunteer.status)
        if self.roster.current_of(volunteer.volunteer_id) is not None:
            raise AlreadyAssigned()
        lead = self.roster.lead()
        if chosen is Role.LEAD and lead is not None:
            raise LeadAlreadyAssigned(lead=lead.volunteer_id)
        return self._record(
            self.VolunteerAssigned,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_id=volunteer.volunteer_id,
            role=chosen,
        )

    def unassign(
        self,
        *,
        volunteer_id: UUID,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """End a volunteer's assignment, with the reason."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, seen=(volunteer_id,), clearance=clearance)
        why = checks.text("reason", reason)
        assignment = self.roster.current_of(volunteer_id)
        if assignment is not None:
            checks.moment("occurred_at", when, now=now, not_before=assignment.started_at)
        checks.done()
        if assignment is None:
            raise NotAssigned()
        return self._record(
            self.VolunteerUnassigned,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_id=volunteer_id,
            reason=why,
        )

    def end_assignment_on_departure(
        self, departure: Departure, *, recorded_by: str, now: datetime, command_id: CommandId | None = None
    ) -> UUID | None:
        """End the assignment a departed volunteer still holds, if any (else record nothing). It ends at the
        departure, or later if the family's record already shows a later roster change or contact of theirs:
        a roster is told in time order, and a departure entered late must still end the assignment."""
        assignment = self.roster.current_of(departure.volunteer_id)
        if assignment is None:
            return None
        seen = self.last_seen.get(departure.volunteer_id.hex)
        moments = (departure.occurred_at, self.roster_changed_at, assignment.started_at, seen)
        return self._record(
            self.AssignmentEnded,
            now=now,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=max(m for m in moments if m is not None),
            volunteer_id=departure.volunteer_id,
            caused_by=departure.fact_id,
        )

    def log_visit(
        self,
        *,
        volunteers: Sequence[VolunteerStanding],
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Log a visit; a visit with both sides of a handover present is a joint visit."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        values = check_fields(checks, "visit", fields)
        self._reject_unknown(checks, fields, "visit")
        if not volunteers:
            checks.add("volunteer_ids", Problem("required", "a_volunteer"))
        checks.done()
        if self.closed_at is not None and when >= self.closed_at:
            raise FamilyClosed()  # a visit from before the closure, written up late, is still welcome
        for volunteer in volunteers:
            if not (volunteer.was_present_at(when) and self.roster.on_family_at(volunteer.volunteer_id, when)):
                raise VolunteerNotOnFamily(name=volunteer.name, when=when)
        ids = list(dict.fromkeys(v.volunteer_id for v in volunteers))
        handover = self.roster.joint_handover_at(ids, when)
        return self._record(
            self.VisitLogged,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_ids=ids,
            handover_id=handover.handover_id if handover else None,
            **values,
        )

    def log_message(
        self,
        *,
        volunteer: VolunteerStanding,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Log a message between the family and a volunteer (alumni included)."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        values = check_fields(checks, "message", fields)
        self._reject_unknown(checks, fields, "message")
        checks.done()
        vid = volunteer.volunteer_id
        on_family = volunteer.was_present_at(when) and self.roster.on_family_at(vid, when)
        alumni = volunteer.alumni_opted_in and self.roster.is_alumni_contact(vid, when)
        if not (on_family or alumni):
            raise NotAnAlumniContact(name=volunteer.name)
        return self._record(
            self.MessageLogged,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_id=vid,
            **values,
        )

    def plan_handover(
        self,
        *,
        outgoing_volunteer_id: UUID,
        incoming: VolunteerStanding,
        planned_on: Any,
        letter: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Plan a handover from a volunteer on the family to an active newcomer."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now, after=incoming.active_since)
        target = checks.day("planned_on", planned_on)
        text = checks.text("letter", letter, required=False)
        checks.done()
        if self.is_closed:
            raise FamilyClosed()
        if self.roster.open_handover() is not None:
            raise HandoverAlreadyOpen()
        if outgoing_volunteer_id == incoming.volunteer_id:
            raise HandoverSameVolunteer()
        if self.roster.current_of(outgoing_volunteer_id) is None:
            raise NotAssigned()
        if incoming.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=incoming.name, status=incoming.status)
        lead = self.roster.lead()
        if lead is not None and lead.volunteer_id == incoming.volunteer_id:
            raise AlreadyAssigned()
        return self._record(
            self.HandoverPlanned,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            outgoing_volunteer_id=outgoing_volunteer_id,
            incoming_volunteer_id=incoming.volunteer_id,
            planned_on=target,
            letter=text,
        )

    def _open_handover(self, checks: Checks, handover_id: UUID, when: datetime, now: datetime) -> Handover:
        handover = self.handover(handover_id)
        checks.moment("occurred_at", when, now=now, not_before=handover.opened_at)
        checks.done()
        if not handover.is_open:
            raise HandoverNotOpen(state=handover.state)
        return handover

    def record_family_agreement(
        self,
        *,
        handover_id: UUID,
        note: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the family agreed to the incoming volunteer."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        self._roster_change(checks, when, now)
        text = checks.text("note", note, required=False)
        self._open_handover(checks, handover_id, when, now)
        return self._record(
            self.HandoverAgreed,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            handover_id=handover_id,
            note=text,
        )

    def complete_handover(
        self,
        *,
        handover_id: UUID,
        incoming: VolunteerStanding,
        keep_in_touch: Any,
        no_joint_visit_reason: Any = "",
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Complete a handover: the incoming volunteer takes over, the outgoing one leaves or stays in touch.
        Only joint visits the caller may see count: a joint visit of a compartment must not be told by a
        completion that needs no reason."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        reason = checks.text("no_joint_visit_reason", no_joint_visit_reason, required=False)
        if not isinstance(keep_in_touch, bool):
            checks.add("keep_in_touch", Problem("type", "yes_or_no"))
        known = self.roster.handover(handover_id)
        if known is not None:
            self._roster_change(checks, when, now, seen=(known.outgoing_id, known.incoming_id), clearance=clearance)
        handover = self._open_handover(checks, handover_id, when, now)
        seen = [v for v in handover.joint_visit_ids if clearance.sees(compartment_of(v, self.facts, self.traces))]
        if not seen and not reason:
            raise HandoverNeedsJointVisit()
        if incoming.status is not VolunteerStatus.ACTIVE:
            raise VolunteerNotActive(name=incoming.name, status=incoming.status)
        outgoing = self.roster.current_of(handover.outgoing_id)
        lead = self.roster.lead()
        takes_lead = lead is None or (outgoing is not None and outgoing.role is Role.LEAD)
        role = Role.LEAD if takes_lead else (outgoing.role if outgoing is not None else Role.CO)
        return self._record(
            self.HandoverCompleted,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            handover_id=handover_id,
            incoming_role=role,
            keep_in_touch=keep_in_touch,
            no_joint_visit_reason=reason,
        )

    def cancel_handover(
        self,
        *,
        handover_id: UUID,
        reason: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Cancel a planned handover, with the reason (no earlier than a visit or message of either volunteer
        that the caller may see: the incoming volunteer's visits during the handover relied on it)."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        known = self.roster.handover(handover_id)
        seen = (known.outgoing_id, known.incoming_id) if known is not None else ()
        self._roster_change(checks, when, now, seen=seen, clearance=clearance)
        why = checks.text("reason", reason)
        self._open_handover(checks, handover_id, when, now)
        return self._record(
            self.HandoverCancelled,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            handover_id=handover_id,
            reason=why,
        )

    def raise_concern(
        self, *, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None, **fields: Any
    ) -> UUID:
        """Raise a concern about the family (category, level, service line)."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        values = check_fields(checks, "concern", fields)
        self._reject_unknown(checks, fields, "concern")
        checks.done()
        return self._record(
            self.ConcernRaised, now=now, command_id=command_id, recorded_by=by, occurred_at=when, **values
        )

    def resolve_concern(
        self,
        *,
        concern_id: UUID,
        resolution: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Resolve an open concern, saying how."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        text = checks.text("resolution", resolution)
        checks.done()
        self._live_fact(concern_id, "concern", clearance)
        if concern_id not in self.open_concerns:
            raise ConcernAlreadyResolved()
        return self._record(
            self.ConcernResolved,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            concern_id=concern_id,
            resolution=text,
        )

    def make_referral(
        self,
        *,
        concern_id: UUID | None = None,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Refer the family to one of the centre's service lines."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        values = check_fields(checks, "referral", fields)
        self._reject_unknown(checks, fields, "referral")
        checks.done()
        if concern_id is not None:
            self._live_fact(concern_id, "concern", clearance)
        return self._record(
            self.ReferralMade,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            concern_id=concern_id,
            **values,
        )

    def schedule_follow_up(
        self,
        *,
        volunteer_id: UUID | None = None,
        concern_id: UUID | None = None,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        """Schedule a follow-up: what, by when, and optionally by whom and for which concern."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        values = check_fields(checks, "follow_up", fields)
        self._reject_unknown(checks, fields, "follow_up")
        checks.done()
        if concern_id is not None:
            self._live_fact(concern_id, "concern", clearance)
        if volunteer_id is not None and volunteer_id not in self.volunteers_involved():
            raise NotAssigned()
        return self._record(
            self.FollowUpScheduled,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            volunteer_id=volunteer_id,
            concern_id=concern_id,
            **values,
        )

    def complete_follow_up(
        self,
        *,
        follow_up_id: UUID,
        note: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Mark a scheduled follow-up as done."""
        checks = Checks()
        by, when = self._begin(checks, recorded_by, occurred_at, now)
        text = checks.text("note", note, required=False)
        checks.done()
        self._live_fact(follow_up_id, "follow_up", clearance)
        if follow_up_id not in self.open_follow_ups:
            raise FollowUpAlreadyDone()
        return self._record(
            self.FollowUpDone,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            follow_up_id=follow_up_id,
            note=text,
        )

    def amend(
        self,
        *,
        target_event_id: UUID,
        changes: Any,
        reason: Any,
        recorded_by: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Amend descriptive fields of a recorded fact; the original stays visible."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        fact = self._live_fact(target_event_id, clearance=clearance)
        checked = check_changes(checks, fact.kind, changes)
        checks.done()
        return self._record(
            self.FactAmended,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=now,
            target_event_id=target_event_id,
            changes=checked,
            reason=why,
        )

    def retract(
        self,
        *,
        target_event_id: UUID,
        reason: Any,
        recorded_by: Any,
        now: datetime,
        clearance: Clearance = EVERY_COMPARTMENT,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Retract a recorded fact; it stays visible to auditors, marked as retracted."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        checks.done()
        self._live_fact(target_event_id, clearance=clearance)
        return self._record(
            self.FactRetracted,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=now,
            target_event_id=target_event_id,
            reason=why,
        )

    # ---- helpers -------------------------------------------------------------

    def _live_fact(self, event_id: UUID, kind: str | None = None, clearance: Clearance = EVERY_COMPARTMENT) -> Fact:
        """The correctable fact with this id, not retracted (and of ``kind``, if given). A fact of a compartment
        the caller is not cleared for is, to them, not there: it answers as a fact that does not exist."""
        if not clearance.sees(compartment_of(event_id, self.facts, self.traces)):
            raise FactNotFound()
        fact = self.facts.get(event_id.hex)
        if fact is None or fact.kind == FIXED or (kind is not None and fact.kind != kind):
            if kind is None and (fact is not None or self._derived_fact(event_id)):
                raise FactNotCorrectable()
            raise FactNotFound()
        if fact.retracted:
            raise FactAlreadyRetracted()
        return fact

    def _derived_fact(self, event_id: UUID) -> bool:
        """Whether ``event_id`` is the derived id of one of this family's facts stored before facts recorded
        their own ids (such facts, on families snapshotted back then, are not all in ``facts``)."""
        return any(derived_fact_id(self.id, v) == event_id for v in range(1, self.version + 1))

    def noted(self, fact: PeibanAggregate.Event) -> None:
        """Also keep every fact that cannot be corrected, so that naming one is told apart from a missing fact."""
        super().noted(fact)
        self.facts.setdefault(fact.event_id.hex, Fact(FIXED, folded=True))

    @staticmethod
    def _reject_unknown(checks: Checks, fields: dict[str, Any], kind: str) -> None:
        for name in fields.keys() - FIELDS[kind].keys():
            checks.add(name, Problem("unknown"))
