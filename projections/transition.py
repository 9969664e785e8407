"""A cohort's transition: every family its volunteers lead, a proposed successor for each, and each
handover's step (planned → joint visits → agreed → completed) against the days left to the cohort's end.

Read from the continuity view; the proposal is ``projections.succession``'s. ``now`` is given by the
caller, and days are counted between calendar days in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.values import FamilyStatus, HandoverState, Role, VolunteerStatus
from projections.collation import pinyin_key
from projections.db import Tx
from projections.plain import local_day, moment
from projections.succession import Candidate, Need, propose_successors, slots

#: At most this many families and candidates are read for one cohort (a cohort is far smaller).
MOST = 1000


class Step(StrEnum):
    """Where a family stands in the transition."""

    TO_PLAN = "to_plan"
    PLANNED = "planned"
    JOINT_VISITS = "joint_visits"
    AGREED = "agreed"
    COMPLETED = "completed"


class Risk(StrEnum):
    """Why a family is at risk of losing its companionship at the cohort's end."""

    NO_SUCCESSOR = "no_successor"  # nobody can take it over (no candidate with room)
    NOT_PLANNED = "not_planned"  # no handover planned, and few days left
    NO_JOINT_VISIT = "no_joint_visit"  # a handover planned, no joint visit yet, and few days left


@dataclass(frozen=True)
class Successor:
    """A volunteer who could take families over: their cohort, caseload and room under the maximum."""

    volunteer_id: str
    name: str
    cohort_id: str
    cohort_name: str
    caseload: int
    room: int
    incoming: bool


@dataclass(frozen=True)
class TransitionFamily:
    """One family of the leaving cohort: its lead, its handover (if any) and step, or a proposed successor."""

    family_id: str
    display_name: str
    lead_id: str
    lead_name: str
    step: Step
    handover_id: str | None
    incoming_id: str | None
    incoming_name: str | None
    planned_on: date | None
    joint_visits: int
    agreed: bool
    completed_at: datetime | None
    #: volunteers who served the family as co or shadow (now or before)
    served_by: frozenset[str]
    #: the proposed successor of a family still to plan (None: nobody available)
    proposed_id: str | None
    risks: tuple[Risk, ...]


@dataclass(frozen=True)
class Transition:
    """A cohort's transition at ``now``, with the maximum caseload and risk threshold it was drawn with."""

    cohort_id: str
    cohort_name: str
    ends_on: date
    days_left: int
    max_caseload: int
    risk_days: int
    incoming_cohort_name: str | None
    families: tuple[TransitionFamily, ...]
    candidates: tuple[Successor, ...]

    @property
    def to_plan(self) -> tuple[TransitionFamily, ...]:
        return tuple(f for f in self.families if f.step is Step.TO_PLAN)

    @property
    def in_progress(self) -> tuple[TransitionFamily, ...]:
        """The families with a handover: those still under way first, then those completed."""
        return tuple(
            sorted((f for f in self.families if f.step is not Step.TO_PLAN), key=lambda f: f.step is Step.COMPLETED)
        )

    @property
    def at_risk(self) -> tuple[TransitionFamily, ...]:
        return tuple(f for f in self.families if f.risks)

    def candidate(self, volunteer_id: str | None) -> Successor | None:
        return next((c for c in self.candidates if c.volunteer_id == volunteer_id), None)


@dataclass(frozen=True)
class _Handover:
    handover_id: str
    incoming_id: str
    incoming_name: str
    planned_on: date
    agreed: bool
    completed_at: datetime | None
    joint_visits: int


@dataclass
class _Row:
    family_id: str
    display_name: str
    lead_id: str
    lead_name: str
    handover: _Handover | None = None


_LED = (
    "SELECT a.family_id FROM continuity_assignment a JOIN continuity_volunteer v ON v.volunteer_id = a.volunteer_id"
    " JOIN continuity_family f ON f.family_id = a.family_id"
    " WHERE a.role = 'lead' AND a.ended_at IS NULL AND v.cohort_id = ? AND f.status = 'open'"
)


def _joint_visits(sensitive: bool) -> str:
    shown = "" if sensitive else " AND c.sensitive = 0"
    return (
        "(SELECT COUNT(*) FROM continuity_contact c WHERE c.handover_id = h.handover_id AND c.kind = 'visit'"
        f" AND c.retracted = 0{shown})"
    )


def _rows(tx: Tx, cohort_id: str, sensitive: bool) -> list[_Row]:
    led = tx.query(
        "SELECT f.family_id, f.display_name, a.volunteer_id, v.name FROM continuity_assignment a"
        " JOIN continuity_volunteer v ON v.volunteer_id = a.volunteer_id"
        " JOIN continuity_family f ON f.family_id = a.family_id"
        " WHERE a.role = ? AND a.ended_at IS NULL AND v.cohort_id = ? AND f.status = ?"
        " ORDER BY f.display_name COLLATE pinyin, f.family_id LIMIT ?",
        [Role.LEAD.value, cohort_id, FamilyStatus.OPEN.value, MOST],
    )
    rows = {r[0]: _Row(r[0], r[1], r[2], r[3]) for r in led}
    handovers = tx.query(
        "SELECT h.family_id, f.display_name, h.outgoing_id, o.name, h.handover_id, h.incoming_id, i.name,"
        f" h.planned_on, h.state, h.family_agreed, h.closed_at, {_joint_visits(sensitive)}"
        " FROM continuity_handover h JOIN continuity_family f ON f.family_id = h.family_id"
        " JOIN continuity_volunteer o ON o.volunteer_id = h.outgoing_id"
        " JOIN continuity_volunteer i ON i.volunteer_id = h.incoming_id"
        f" WHERE (h.state = ? AND h.family_id IN ({_LED}))"
        " OR (h.state = ? AND h.incoming_role = ? AND o.cohort_id = ?)"
        " ORDER BY h.opened_at, h.handover_id LIMIT ?",
        [
            HandoverState.PLANNED.value,
            cohort_id,
            HandoverState.COMPLETED.value,
            Role.LEAD.value,
            cohort_id,
            MOST,
        ],
    )
    led_now = set(rows)
    for fid, name, out_id, out_name, hid, in_id, in_name, planned_on, state, agreed, closed, joint in handovers:
        completed = moment(closed) if state == HandoverState.COMPLETED.value else None
        if completed is not None and fid in led_now:  # handed over inside the cohort: its lead still leaves
            continue
        row = rows.setdefault(fid, _Row(fid, name, out_id, out_name))
        row.handover = _Handover(hid, in_id, in_name, date.fromisoformat(planned_on), bool(agreed), completed, joint)
    return sorted(rows.values(), key=lambda r: (pinyin_key(r.display_name), r.family_id))


def _served_by(tx: Tx, cohort_id: str) -> dict[str, set[str]]:
    found = tx.query(
        f"SELECT family_id, volunteer_id FROM continuity_assignment WHERE role IN (?, ?) AND family_id IN ({_LED})",
        [Role.CO.value, Role.SHADOW.value, cohort_id],
    )
    served: dict[str, set[str]] = {}
    for family_id, volunteer_id in found:
        served.setdefault(family_id, set()).add(volunteer_id)
    return served


def _candidates(tx: Tx, cohort_id: str, ends_on: date, max_caseload: int) -> tuple[Successor, ...]:
    """Active volunteers of open cohorts that end after this one, with how many families they lead or take over."""
    found = tx.query(
        "SELECT v.volunteer_id, v.name, c.cohort_id, c.name, c.intake_on,"
        " (SELECT COUNT(*) FROM continuity_assignment a JOIN continuity_family f ON f.family_id = a.family_id"
        "  WHERE a.volunteer_id = v.volunteer_id AND a.role = ? AND a.ended_at IS NULL AND f.status = ?)"
        " + (SELECT COUNT(*) FROM continuity_handover h WHERE h.incoming_id = v.volunteer_id AND h.state = ?)"
        " FROM continuity_volunteer v JOIN continuity_cohort c ON c.cohort_id = v.cohort_id"
        " WHERE v.status = ? AND v.cohort_id <> ? AND c.expected_end_on > ? AND c.closed_at IS NULL"
        " ORDER BY v.name COLLATE pinyin, v.volunteer_id LIMIT ?",
        [
            Role.LEAD.value,
            FamilyStatus.OPEN.value,
            HandoverState.PLANNED.value,
            VolunteerStatus.ACTIVE.value,
            cohort_id,
            ends_on.isoformat(),
            MOST,
        ],
    )
    newest = max((r[4] for r in found), default=None)
    return tuple(
        Successor(r[0], r[1], r[2], r[3], int(r[5]), slots(Candidate(r[0], int(r[5])), max_caseload), r[4] == newest)
        for r in found
    )


def _step(handover: _Handover | None) -> Step:
    if handover is None:
        return Step.TO_PLAN
    if handover.completed_at is not None:
        return Step.COMPLETED
    if handover.agreed:
        return Step.AGREED
    return Step.JOINT_VISITS if handover.joint_visits else Step.PLANNED


def _risks(step: Step, proposed: str | None, joint_visits: int, days_left: int, risk_days: int) -> tuple[Risk, ...]:
    few_days = days_left < risk_days
    if step is Step.TO_PLAN:
        return tuple(r for r, hit in ((Risk.NO_SUCCESSOR, proposed is None), (Risk.NOT_PLANNED, few_days)) if hit)
    if step is not Step.COMPLETED and joint_visits == 0 and few_days:
        return (Risk.NO_JOINT_VISIT,)
    return ()


def cohort_transition(
    tx: Tx, cohort_id: str, *, now: datetime, max_caseload: int, risk_days: int, include_sensitive: bool = True
) -> Transition | None:
    """The transition of the cohort ``cohort_id`` at ``now`` (None if there is no such cohort): its families,
    each with its step or a proposed successor (caseloads under ``max_caseload``), and the families at risk
    (``risk_days``: fewer days left than this makes a missing plan or joint visit a risk). Without
    ``include_sensitive``, joint visits of the sensitive compartments count for nothing."""
    cohort = tx.one("SELECT name, expected_end_on FROM continuity_cohort WHERE cohort_id = ?", [cohort_id])
    if cohort is None:
        return None
    ends_on = date.fromisoformat(cohort[1])
    days_left = (ends_on - local_day(now)).days
    rows = _rows(tx, cohort_id, include_sensitive)
    served = _served_by(tx, cohort_id)
    candidates = _candidates(tx, cohort_id, ends_on, max_caseload)
    needs = [
        Need(r.family_id, frozenset(served.get(r.family_id, ())) - {r.lead_id}, frozenset({r.lead_id}))
        for r in rows
        if r.handover is None
    ]
    pool = [Candidate(c.volunteer_id, c.caseload, c.incoming) for c in candidates]
    proposal = propose_successors(needs, pool, max_caseload)
    families = []
    for r in rows:
        h, step = r.handover, _step(r.handover)
        proposed = proposal.get(r.family_id)
        families.append(
            TransitionFamily(
                family_id=r.family_id,
                display_name=r.display_name,
                lead_id=r.lead_id,
                lead_name=r.lead_name,
                step=step,
                handover_id=h.handover_id if h else None,
                incoming_id=h.incoming_id if h else None,
                incoming_name=h.incoming_name if h else None,
                planned_on=h.planned_on if h else None,
                joint_visits=h.joint_visits if h else 0,
                agreed=bool(h and h.agreed),
                completed_at=h.completed_at if h else None,
                served_by=frozenset(served.get(r.family_id, ())) - {r.lead_id},
                proposed_id=proposed,
                risks=_risks(step, proposed, h.joint_visits if h else 0, days_left, risk_days),
            )
        )
    incoming = next((c.cohort_name for c in candidates if c.incoming), None)
    return Transition(
        cohort_id, cohort[0], ends_on, days_left, max_caseload, risk_days, incoming, tuple(families), candidates
    )
