"""Random sequences of commands never break the domain's rules, and a rejected command records nothing.

Hypothesis drives the application with registrations, activations, departures, enrolments, closures,
assignments, handovers, visits and messages at random moments (late entries included) and corrections;
after every step the invariants in ``tests/domain/invariants.py`` are checked against what is stored.
Choices lean towards commands that can succeed (a volunteer on the family, the open handover), while
still trying ones that must be refused.

Roster facts (assign, unassign, close, reopen, handovers) are dated as randomly as any other, and the
outgoing volunteer of an open handover may be unassigned: backdating that would contradict recorded facts
must be refused (see test_late_entries.py), and a completion must never leave two leads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from domain import Actor, DomainError, Peiban
from domain.family import FIXED, Family
from domain.values import Role, VolunteerStatus
from tests.builders import StepClock, family_profile, message, visit
from tests.domain.invariants import check_family

SETTINGS = settings(
    max_examples=int(os.environ.get("PEIBAN_STATEFUL_EXAMPLES", "60")),
    stateful_step_count=30,
    deadline=None,
    database=None,  # never replay examples stored on a developer's machine
    suppress_health_check=[HealthCheck.too_slow],
)

#: Minutes before (negative) or after now that a fact is said to have happened; +6 is beyond the skew allowed.
OFFSETS = st.one_of(st.just(0), st.integers(-180, 0), st.integers(-3 * 24 * 60, 6))
MOST_VOLUNTEERS, MOST_FAMILIES = 9, 2
REJECTED = object()
T = TypeVar("T")


class OftenSnapshotted(Peiban):
    """Snapshots every few facts, so that reloading a family goes through one most of the time."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Family: 7}


def pick(data: st.DataObject, label: str, everyone: Sequence[T], preferred: Sequence[T] = ()) -> T:
    """Anyone, or (as often) one of those ``preferred``; both in a stable order, never by random id."""
    choices = [st.sampled_from(everyone)]
    if preferred:
        choices.append(st.sampled_from(preferred))
    return data.draw(st.one_of(choices), label=label)


class PeibanUnderRandomCommands(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = StepClock()
        self.app = OftenSnapshotted({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=self.clock)
        self.cohort = self.app.open_cohort(
            name="2024级", intake_on=date(2024, 9, 1), expected_end_on=date(2026, 1, 31), recorded_by=Actor("coord")
        )
        self.recorded = 1  # facts in the log, by our own count
        self.volunteers: list[UUID] = []
        self.families: dict[UUID, int] = {}  # each family with the number of its facts

    @initialize(handing_over=st.booleans())
    def a_family_with_a_lead_and_two_more_volunteers(self, handing_over: bool) -> None:
        """Start where the interesting rules apply (a handover under way, half the time); rules add more."""
        for _ in range(3):
            self.register_volunteer(offset=0, activate=True)
        family = self.attempt(lambda: self.app.enrol_family(recorded_by=Actor("coord"), **family_profile()))
        self.families[family] = 1
        lead = self.volunteers[0]
        self.attempt(
            lambda: self.app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c")), family
        )
        if handing_over:
            incoming = self.volunteers[1]
            self.attempt(
                lambda: self.app.plan_handover(
                    family,
                    outgoing_volunteer_id=lead,
                    incoming_volunteer_id=incoming,
                    planned_on=date(2025, 6, 1),
                    recorded_by=Actor("c"),
                ),
                family,
            )

    def teardown(self) -> None:
        self.app.close()

    # ---- trying a command -------------------------------------------------------------------------

    def attempt(self, command: Callable[[], Any], family: UUID | None = None) -> Any:
        """Run one command an hour after the last; a rejection must leave the log where it was."""
        self.clock.advance(hours=1)
        position = self.app.log_position()
        try:
            result = command()
        except DomainError:
            assert self.app.log_position() == position, "a rejected command recorded something"
            return REJECTED
        assert self.app.log_position() == position + 1, "an accepted command records exactly one fact"
        self.recorded += 1
        if family is not None:
            self.families[family] += 1
        return result

    def at(self, offset: int) -> datetime:
        return self.clock.now + timedelta(minutes=offset)

    def roster_time(self, family: UUID, offset: int) -> datetime:
        """A moment for a roster fact: as random as any other (backdated ones must be refused or stay consistent)."""
        return self.at(offset)

    # ---- choosing what a command is about ---------------------------------------------------------

    def family(self, data: st.DataObject) -> UUID:
        return pick(data, "family", list(self.families))

    def volunteer(self, data: st.DataObject, preferred: Callable[[UUID], bool]) -> UUID:
        return pick(data, "volunteer", self.volunteers, [v for v in self.volunteers if preferred(v)])

    def with_status(self, *statuses: VolunteerStatus) -> Callable[[UUID], bool]:
        return lambda v: self.app.get_volunteer(v).status in statuses

    def on_family(self, family: UUID) -> Callable[[UUID], bool]:
        """Assigned now, or part of the open handover."""
        roster = self.app.get_family(family).roster
        handover = roster.open_handover()
        now = {a.volunteer_id for a in roster.current()} | (
            {handover.outgoing_id, handover.incoming_id} if handover else set()
        )
        return lambda v: v in now

    def ever_on(self, family: UUID) -> Callable[[UUID], bool]:
        involved = self.app.get_family(family).volunteers_involved()
        return lambda v: v in involved

    def still_here(self) -> int:
        return sum(self.app.get_volunteer(v).status is not VolunteerStatus.DEPARTED for v in self.volunteers)

    def handovers(self) -> bool:
        return any(self.app.get_family(f).roster.handovers for f in self.families)

    # ---- volunteers -------------------------------------------------------------------------------

    @precondition(lambda self: len(self.volunteers) < MOST_VOLUNTEERS and self.still_here() < 4)
    @rule(offset=OFFSETS, activate=st.sampled_from([True, True, True, False]))
    def register_volunteer(self, offset: int, activate: bool) -> None:
        vid = self.attempt(
            lambda: self.app.register_volunteer(
                cohort_id=self.cohort,
                name="义工",
                contact="wechat:x",
                recorded_by=Actor("coord"),
                occurred_at=self.at(offset),
            )
        )
        if vid is not REJECTED:
            self.volunteers.append(vid)
            if activate:
                self.attempt(lambda: self.app.activate_volunteer(vid, recorded_by=Actor("coord")))

    @rule(data=st.data(), offset=OFFSETS, by=st.just(Actor("coord")))
    def activate(self, data: st.DataObject, offset: int, by: Actor) -> None:
        volunteer = self.volunteer(data, self.with_status(VolunteerStatus.REGISTERED))
        self.attempt(lambda: self.app.activate_volunteer(volunteer, recorded_by=by, occurred_at=self.at(offset)))

    @rule(data=st.data(), in_days=st.integers(min_value=0, max_value=90))
    def announce_departure(self, data: st.DataObject, in_days: int) -> None:
        volunteer = self.volunteer(data, self.with_status(VolunteerStatus.ACTIVE))
        expected = (self.clock.now + timedelta(days=in_days)).date()
        self.attempt(lambda: self.app.announce_departure(volunteer, expected_on=expected, recorded_by=Actor("coord")))

    @rule(data=st.data(), offset=OFFSETS, reason=st.sampled_from(["graduated", "withdrew"]))
    def depart(self, data: st.DataObject, offset: int, reason: str) -> None:
        volunteer = self.volunteer(data, self.with_status(VolunteerStatus.DEPARTING))
        self.attempt(
            lambda: self.app.record_departure(
                volunteer, reason=reason, recorded_by=Actor("coord"), occurred_at=self.at(offset)
            )
        )

    @rule(data=st.data(), opted_in=st.booleans())
    def choose_alumni_contact(self, data: st.DataObject, opted_in: bool) -> None:
        volunteer = self.volunteer(data, self.with_status(VolunteerStatus.DEPARTED))
        self.attempt(lambda: self.app.set_alumni_contact(volunteer, opted_in=opted_in, recorded_by=Actor("v")))

    # ---- a family's case and roster ---------------------------------------------------------------

    @precondition(lambda self: len(self.families) < MOST_FAMILIES)
    @rule(offset=OFFSETS)
    def enrol_family(self, offset: int) -> None:
        fid = self.attempt(
            lambda: self.app.enrol_family(recorded_by=Actor("coord"), occurred_at=self.at(offset), **family_profile())
        )
        if fid is not REJECTED:
            self.families[fid] = 1

    @rule(data=st.data(), offset=OFFSETS, reopen=st.booleans())
    def close_or_reopen_family(self, data: st.DataObject, offset: int, reopen: bool) -> None:
        family = self.family(data)
        when = self.roster_time(family, offset)
        change = self.app.reopen_family if reopen else self.app.close_family
        self.attempt(lambda: change(family, reason="r", recorded_by=Actor("c"), occurred_at=when), family)

    @rule(data=st.data(), role=st.sampled_from(list(Role)), offset=OFFSETS)
    def assign(self, data: st.DataObject, role: Role, offset: int) -> None:
        family = self.family(data)
        volunteer = self.volunteer(data, self.with_status(VolunteerStatus.ACTIVE))
        when = self.roster_time(family, offset)
        self.attempt(
            lambda: self.app.assign_volunteer(
                family, volunteer_id=volunteer, role=role, recorded_by=Actor("c"), occurred_at=when
            ),
            family,
        )

    @rule(data=st.data(), offset=OFFSETS)
    def unassign(self, data: st.DataObject, offset: int) -> None:
        family = self.family(data)
        volunteer = self.volunteer(data, self.on_family(family))
        when = self.roster_time(family, offset)
        self.attempt(
            lambda: self.app.unassign_volunteer(
                family, volunteer_id=volunteer, reason="r", recorded_by=Actor("c"), occurred_at=when
            ),
            family,
        )

    @rule(data=st.data())
    def plan_handover(self, data: st.DataObject) -> None:
        offset = data.draw(OFFSETS, label="offset")
        family = self.family(data)
        outgoing = self.volunteer(data, self.on_family(family))
        incoming = self.volunteer(data, self.with_status(VolunteerStatus.ACTIVE))
        when = self.roster_time(family, offset)
        self.attempt(
            lambda: self.app.plan_handover(
                family,
                outgoing_volunteer_id=outgoing,
                incoming_volunteer_id=incoming,
                planned_on=date(2025, 6, 1),
                recorded_by=Actor("c"),
                occurred_at=when,
            ),
            family,
        )

    @precondition(handovers)
    @rule(data=st.data())
    def close_a_handover(self, data: st.DataObject) -> None:
        how = data.draw(st.sampled_from(["complete", "complete", "cancel"]), label="how")
        offset = data.draw(OFFSETS, label="offset")
        family = pick(data, "family", [f for f in self.families if self.app.get_family(f).roster.handovers])
        roster = self.app.get_family(family).roster
        handover = pick(data, "handover", roster.handovers, [h for h in roster.handovers if h.is_open]).handover_id
        keep_in_touch, reason = data.draw(st.booleans(), label="keep in touch"), data.draw(st.sampled_from(["", "r"]))
        when = self.roster_time(family, offset)
        if how == "cancel":
            self.attempt(
                lambda: self.app.cancel_handover(
                    family, handover_id=handover, reason="r", recorded_by=Actor("c"), occurred_at=when
                ),
                family,
            )
            return
        self.attempt(
            lambda: self.app.complete_handover(
                family,
                handover_id=handover,
                keep_in_touch=keep_in_touch,
                no_joint_visit_reason=reason,
                recorded_by=Actor("c"),
                occurred_at=when,
            ),
            family,
        )

    # ---- records and corrections ------------------------------------------------------------------

    @rule(data=st.data())
    def log_visit(self, data: st.DataObject) -> None:
        offset = data.draw(OFFSETS, label="offset")
        family = self.family(data)
        on_family = self.on_family(family)
        present = [self.volunteer(data, on_family) for _ in range(data.draw(st.integers(1, 3), label="how many"))]
        self.attempt(
            lambda: self.app.log_visit(
                family, volunteer_ids=present, recorded_by=Actor("v"), occurred_at=self.at(offset), **visit()
            ),
            family,
        )

    @rule(data=st.data(), offset=OFFSETS)
    def log_message(self, data: st.DataObject, offset: int) -> None:
        family = self.family(data)
        volunteer = self.volunteer(data, self.ever_on(family))
        self.attempt(
            lambda: self.app.log_message(
                family, volunteer_id=volunteer, recorded_by=Actor("v"), occurred_at=self.at(offset), **message()
            ),
            family,
        )

    @rule(data=st.data(), offset=OFFSETS)
    def raise_concern(self, data: st.DataObject, offset: int) -> None:
        family = self.family(data)
        self.attempt(
            lambda: self.app.raise_concern(
                family,
                category="health",
                level="low",
                summary="s",
                recorded_by=Actor("sw"),
                occurred_at=self.at(offset),
            ),
            family,
        )

    @rule(data=st.data(), retract=st.booleans(), summary=st.sampled_from(["更正后的记录", "更正后的记录", ""]))
    def correct(self, data: st.DataObject, retract: bool, summary: str) -> None:
        """Amend or retract mostly a live record; sometimes any fact, structural ones included."""
        family = self.family(data)
        facts = [f.event_id for f in self.app.family_facts(family)]
        records = self.app.get_family(family).facts
        live = [f for f in facts if f.hex in records and records[f.hex].kind != FIXED and not records[f.hex].retracted]
        target = pick(data, "target", facts, live)

        def command() -> Any:
            if retract:
                return self.app.retract_fact(family, target_event_id=target, reason="r", recorded_by=Actor("c"))
            return self.app.amend_fact(
                family, target_event_id=target, changes={"summary": summary}, reason="r", recorded_by=Actor("c")
            )

        self.attempt(command, family)

    @rule(days=st.integers(min_value=1, max_value=20), hours=st.integers(min_value=0, max_value=23))
    def time_passes(self, days: int, hours: int) -> None:
        self.clock.advance(days=days, hours=hours)

    # ---- what must always hold --------------------------------------------------------------------

    @invariant()
    def the_log_holds_exactly_the_accepted_commands(self) -> None:
        assert self.app.log_position() == self.recorded

    @invariant()
    def every_family_keeps_the_rules(self) -> None:
        for family, facts_recorded in self.families.items():
            check_family(self.app, family, facts_recorded)


def test_random_command_sequences_keep_every_rule() -> None:
    run_state_machine_as_test(PeibanUnderRandomCommands, settings=SETTINGS)
