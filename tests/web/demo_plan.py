"""The demo's plan read without a store: its steps folded into the picture a coordinator would see on ``today``.

A cheap, independent reading of ``plan_demo``: who leads each family, which handovers are open, completed or
cancelled (and with how many joint visits), the last contact, the corrections and the compartment records.
It lets a test check the story on every day of a year in seconds, where loading it takes a second a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from web.demo.story import Step

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENSITIVE_LINES = frozenset({"anti_domestic_violence", "shelter"})
CLIFF_DAYS, QUIET_DAYS = 60, 30  # the dashboard's defaults


@dataclass
class PlannedHandover:
    """A handover as the plan leaves it: its people, its joint visits and how it ended, if it did."""

    family: str
    outgoing: str
    incoming: str
    joint_visits: int = 0
    state: str = "planned"
    no_joint_visit_reason: str = ""


@dataclass
class PlannedFamily:
    """A family as the plan leaves it."""

    lead: str | None = None
    closed: bool = False
    last_contact: datetime | None = None
    amended: bool = False
    retracted: bool = False
    compartment_records: int = 0


@dataclass
class Picture:
    """What the plan has recorded by the end of the story, folded step by step."""

    today: date
    cohort_ends: dict[str, date] = field(default_factory=dict)
    cohort_of: dict[str, str] = field(default_factory=dict)
    departed: dict[str, datetime] = field(default_factory=dict)
    alumni: set[str] = field(default_factory=set)
    alumni_messages: set[str] = field(default_factory=set)  # volunteers who wrote to a family after leaving
    families: dict[str, PlannedFamily] = field(default_factory=dict)
    handovers: dict[str, PlannedHandover] = field(default_factory=dict)

    def open_families(self) -> dict[str, PlannedFamily]:
        return {key: family for key, family in self.families.items() if not family.closed}

    def days_left(self, volunteer: str) -> int:
        return (self.cohort_ends[self.cohort_of[volunteer]] - self.today).days

    def open_handover_of(self, family: str) -> PlannedHandover | None:
        return next((h for h in self.handovers.values() if h.family == family and h.state == "planned"), None)

    def uncovered(self) -> list[str]:
        """Open families with no lead, or whose lead has left."""
        return [k for k, f in self.open_families().items() if f.lead is None or f.lead in self.departed]

    def cliff(self) -> list[str]:
        """Open families whose lead's cohort ends within the dashboard's days, with no handover planned."""
        covered = {k: f.lead for k, f in self.open_families().items() if k not in self.uncovered()}
        return [
            k
            for k, lead in covered.items()
            if lead and 0 < self.days_left(lead) <= CLIFF_DAYS and self.open_handover_of(k) is None
        ]

    def quiet(self) -> list[str]:
        """Open families with no visit or message for the dashboard's days."""
        return [
            k
            for k, f in self.open_families().items()
            if f.last_contact and (self.today - f.last_contact.astimezone(SHANGHAI).date()).days >= QUIET_DAYS
        ]

    def handovers_in(self, state: str) -> list[PlannedHandover]:
        return [h for h in self.handovers.values() if h.state == state]


def picture(steps: Sequence[Step], today: date) -> Picture:
    """The plan's steps, in the order they are recorded, folded into what stands at the end of the story."""
    seen = Picture(today)
    for step in steps:
        _fold(seen, step)
    return seen


def _fold(seen: Picture, step: Step) -> None:  # noqa: PLR0912 - one branch per command, read as a table
    fields, target, command = step.fields, step.target or "", step.command
    family = seen.families.get(target)
    if command == "open_cohort":
        seen.cohort_ends[str(step.save_as)] = fields["expected_end_on"]
    elif command == "register_volunteer":
        seen.cohort_of[str(step.save_as)] = fields["cohort_id"]
    elif command == "record_departure":
        seen.departed[target] = fields["occurred_at"]
    elif command == "set_alumni_contact" and fields["opted_in"]:
        seen.alumni.add(target)
    elif command == "enrol_family":
        seen.families[str(step.save_as)] = PlannedFamily()
    elif family is None:
        return
    elif command == "assign_volunteer" and fields["role"] == "lead":
        family.lead = fields["volunteer_id"]
    elif command == "unassign_volunteer" and fields["volunteer_id"] == family.lead:
        family.lead = None
    elif command in {"close_family", "reopen_family"}:
        family.closed = command == "close_family"
    elif command in {"log_visit", "log_message"}:
        _contact(seen, family, target, step)
    elif command == "plan_handover":
        out, inc = fields["outgoing_volunteer_id"], fields["incoming_volunteer_id"]
        seen.handovers[str(step.save_as)] = PlannedHandover(target, out, inc)
    elif command in {"complete_handover", "cancel_handover"}:
        _close_handover(seen, family, step)
    elif command in {"amend_fact", "retract_fact"}:
        family.amended |= command == "amend_fact"
        family.retracted |= command == "retract_fact"
    elif command in {"raise_concern", "make_referral"} and fields.get("service_line") in SENSITIVE_LINES:
        family.compartment_records += 1


def _contact(seen: Picture, family: PlannedFamily, key: str, step: Step) -> None:
    at: datetime = step.fields["occurred_at"]
    family.last_contact = max(at, family.last_contact or at)
    present = set(step.fields.get("volunteer_ids", [step.fields.get("volunteer_id")]))
    for handover in seen.handovers.values():
        if handover.family == key and handover.state == "planned" and {handover.outgoing, handover.incoming} <= present:
            handover.joint_visits += 1
    writer = step.fields.get("volunteer_id")
    if step.command == "log_message" and writer in seen.departed and seen.departed[writer] < at:
        seen.alumni_messages.add(writer)


def _close_handover(seen: Picture, family: PlannedFamily, step: Step) -> None:
    handover = seen.handovers[step.fields["handover_id"]]
    if step.command == "cancel_handover":
        handover.state = "cancelled"
        return
    handover.state = "completed"
    handover.no_joint_visit_reason = step.fields.get("no_joint_visit_reason", "")
    family.lead = handover.incoming


def missing_showcases(seen: Picture) -> list[str]:
    """The showcase situations the demo promises that this picture lacks (none, on every day)."""
    families = seen.open_families().values()
    completed = seen.handovers_in("completed")
    promised = {
        "a family on the cliff": seen.cliff(),
        "an uncovered family": seen.uncovered(),
        "a quiet family": seen.quiet(),
        "a planned handover without a joint visit yet": [h for h in seen.handovers_in("planned") if not h.joint_visits],
        "a planned handover under way, with a joint visit": [h for h in seen.handovers_in("planned") if h.joint_visits],
        "a handover completed after several joint visits": [h for h in completed if h.joint_visits >= 2],
        "a handover completed without a joint visit, saying why": [
            h for h in completed if not h.joint_visits and h.no_joint_visit_reason
        ],
        "a cancelled handover": seen.handovers_in("cancelled"),
        "an alumni still in touch": seen.alumni & seen.alumni_messages,
        "a correction (an amendment and a retraction)": [f for f in families if f.amended and f.retracted],
        "a compartment record": [f for f in families if f.compartment_records],
    }
    return [situation for situation, found in promised.items() if not found]
