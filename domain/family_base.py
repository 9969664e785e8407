"""The state of a Family and the queries and checks its commands share (see ``domain.family``).

Each subject of the family's story (case, roster, handovers, contacts, concerns, corrections) is a mixin of
``FamilyBase`` holding its facts beside its commands; ``Family`` puts them together. Only ``Family`` is an
aggregate: it registers every mixin's facts under their stored topics (``peiban.Family.VisitLogged``...).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from domain.aggregate import Draft, Entry, derived_fact_id
from domain.checks import Checks
from domain.compartments import EVERY_COMPARTMENT, Clearance, compartment_of
from domain.errors import FactNotFound, HandoverNotFound, NotYourEntry, Problem, PromiseNotFound
from domain.facts import FIELDS
from domain.family_state import Fact, Handover, Promise, Roster
from domain.rules import FactAlreadyRetracted, FactNotCorrectable, PromiseNotOpen
from domain.values import Circumstance, ConsentScope, FamilyStatus, HouseholdMember, PromiseState

if TYPE_CHECKING:  # the mixins are the aggregate's parts: typed as one, built as plain classes
    from domain.aggregate import Draft, Entry
    from domain.aggregate import PeibanAggregate as _Aggregate
else:
    _Aggregate = object

#: The kind kept for facts that no correction may target (enrolment, assignments, handover steps...).
FIXED = "fixed"
#: The kinds of fact that are contacts with the family.
CONTACTS = frozenset({"visit", "message"})
BEFORE_LAST_CONTACT = Problem("before_contact")


def promise_ids(visit_id: UUID, promised: Sequence[str]) -> list[UUID]:
    """The id of each promise of a visit, derived (uuid5) from the visit's id, the promise's words and how many
    promises with the same words come before it in the visit. Old visits' promises get ids without anything
    rewritten; an amendment that keeps a promise's words keeps its id (and where it stands), even when a
    promise before it is struck out; one whose words change is a new promise, the old one closed as changed."""
    seen: Counter[str] = Counter()
    ids = []
    for text in promised:
        ids.append(uuid5(visit_id, f"promise:{seen[text]}:{text}"))
        seen[text] += 1
    return ids


class FamilyBase(_Aggregate):
    """A family's state, as the commands of every subject of its story consult and change it."""

    display_name: str
    community: str
    referral_source: str
    household: list[HouseholdMember]
    circumstances: list[Circumstance]
    consent_scopes: list[ConsentScope]
    enrolled_at: datetime
    status: FamilyStatus
    closed_at: datetime | None
    erasure_reason: str
    roster_changed_at: datetime
    last_seen: dict[str, datetime]
    roster: Roster
    facts: dict[str, Fact]
    traces: dict[str, UUID] | None
    open_concerns: list[UUID]
    open_follow_ups: list[UUID]
    #: every promise made during a visit, by id hex (None: restored from a snapshot older than promises)
    promises: dict[str, Promise] | None

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

    def roster_changed(self, when: datetime) -> None:
        """Note a change to who accompanies the family (changes are told in time order)."""
        self.roster_changed_at = max(self.roster_changed_at, when)

    def trace(self, event_id: UUID, target: UUID) -> None:
        """Keep which fact a resolution, completion or correction points at: it shares that fact's compartment."""
        if self.traces is not None:
            self.traces[event_id.hex] = target

    def promised(self, visit_id: UUID, promised: Sequence[str]) -> None:
        """Keep a visit's promises as it is logged, or as an amendment words them again: a promise still worded
        keeps where it stands (one changed away and worded again is open again); one no longer worded is
        closed as changed."""
        if self.promises is None:
            return
        now = {p.hex: text for p, text in zip(promise_ids(visit_id, promised), promised, strict=True)}
        for key, promise in self.promises.items():
            if promise.visit_id == visit_id and key not in now and promise.state is PromiseState.OPEN:
                promise.state = PromiseState.CHANGED
        for key, text in now.items():
            kept = self.promises.setdefault(key, Promise(visit_id, text))
            if kept.state is PromiseState.CHANGED:
                kept.state = PromiseState.OPEN

    def settle_promise(self, promise_id: UUID, state: PromiseState) -> None:
        if self.promises is not None:
            self.promises[promise_id.hex].state = state

    def volunteers_involved(self) -> set[UUID]:
        """Everyone the family has ever had: assigned, in a handover, or alumni."""
        ids = {a.volunteer_id for a in self.roster.assignments}
        ids |= {v for h in self.roster.handovers for v in (h.outgoing_id, h.incoming_id)}
        return ids | {c.volunteer_id for c in self.roster.alumni}

    def _draft(self, entry: Entry) -> Draft:
        """A command's checks on this family: its facts happen no earlier than the enrolment."""
        return Draft(entry, not_before=self.enrolled_at)

    def _roster_change(
        self,
        draft: Draft,
        *,
        seen: tuple[UUID, ...] = (),
        after: datetime | None = None,
        clearance: Clearance = EVERY_COMPARTMENT,
    ) -> None:
        """A change to who accompanies the family comes no earlier than the last such change, nor than
        the visits and messages it would otherwise contradict (so late entries stay consistent)."""
        latest = max((b for b in (self.roster_changed_at, after) if b is not None), default=self.enrolled_at)
        if draft.when < latest:
            draft.not_before(latest)
            return
        last_contact = self._last_contact(seen, clearance)
        if last_contact is not None and draft.when < last_contact:
            draft.add("occurred_at", BEFORE_LAST_CONTACT)

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

    def _open_promise(self, promise_id: UUID, clearance: Clearance) -> Fact:
        """The visit of an open promise of this family (the promise: ``promises[promise_id.hex]``). A promise of
        a visit the caller may not see is, to them, not there; one of a retracted visit, or already kept, let go
        or changed, is not open."""
        promise = (self.promises or {}).get(promise_id.hex)
        if promise is None or not clearance.sees(compartment_of(promise.visit_id, self.facts, self.traces)):
            raise PromiseNotFound()
        visit = self.facts[promise.visit_id.hex]
        if visit.retracted:
            raise FactAlreadyRetracted()
        if promise.state is not PromiseState.OPEN:
            raise PromiseNotOpen(state=promise.state)
        return visit

    @staticmethod
    def _authored(fact: Fact, author: str | None) -> None:
        """With an ``author``, only a fact they recorded themselves may be corrected (volunteers correct their own
        entries). A fact kept before authors were is nobody's own."""
        if author is not None and fact.recorded_by != author:
            raise NotYourEntry()

    def _derived_fact(self, event_id: UUID) -> bool:
        """Whether ``event_id`` is the derived id of one of this family's facts stored before facts recorded
        their own ids (such facts, on families snapshotted back then, are not all in ``facts``)."""
        return any(derived_fact_id(self.id, v) == event_id for v in range(1, self.version + 1))

    @staticmethod
    def _reject_unknown(checks: Checks, fields: Mapping[str, object], kind: str) -> None:
        for name in fields.keys() - FIELDS[kind].keys():
            checks.add(name, Problem("unknown"))
