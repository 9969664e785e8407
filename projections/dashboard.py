"""The coordinator's continuity dashboard: which open families are uncovered, near a cliff, or quiet.

Read from the continuity view. ``now`` is given by the caller (never read here), and
days are counted between calendar days in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.values import FamilyStatus, HandoverState, Role
from projections.collation import pinyin_key
from projections.db import Tx
from projections.plain import from_iso, iso, local_day, moment
from projections.transition import Step


@dataclass(frozen=True)
class OpenHandover:
    """A handover planned and not yet completed or cancelled."""

    handover_id: str
    outgoing_id: str
    incoming_id: str
    incoming_name: str
    planned_on: date
    state: HandoverState
    family_agreed: bool
    joint_visits: int


@dataclass(frozen=True)
class FamilyContinuity:
    """One open family's continuity at a glance."""

    family_id: str
    display_name: str
    lead_id: str | None
    lead_name: str | None
    lead_departed: bool
    cohort_id: str | None
    cohort_name: str | None
    cohort_ends_on: date | None
    days_left: int | None
    successor_planned: bool
    handover: OpenHandover | None
    last_contact_at: datetime | None
    days_since_contact: int | None
    #: days since the last contact, or since enrolment for a family never contacted
    days_quiet: int
    open_concerns: int

    @property
    def is_covered(self) -> bool:
        """Has a lead who has not left the programme."""
        return self.lead_id is not None and not self.lead_departed


@dataclass(frozen=True)
class HandoverWithoutJointVisit:
    """A completed handover in which outgoing and incoming volunteers never visited together."""

    family_id: str
    display_name: str
    handover_id: str
    outgoing_name: str
    incoming_name: str
    completed_at: datetime
    reason: str


@dataclass(frozen=True)
class HandoverInProgress:
    """A planned handover not yet completed: its step, joint visits, and the days left to the outgoing
    volunteer's cohort's end."""

    family_id: str
    display_name: str
    handover_id: str
    outgoing_name: str
    incoming_name: str
    planned_on: date
    joint_visits: int
    agreed: bool
    cohort_id: str | None
    days_left: int | None

    @property
    def step(self) -> Step:
        if self.agreed:
            return Step.AGREED
        return Step.JOINT_VISITS if self.joint_visits else Step.PLANNED


#: The most handovers in progress a dashboard lists (soonest cohort end first); ``in_progress_total`` counts all.
IN_PROGRESS_LIMIT = 50


@dataclass(frozen=True)
class Dashboard:
    """The continuity dashboard at ``now``, with the thresholds it was drawn with."""

    now: datetime
    cliff_days: int
    quiet_days: int
    families: tuple[FamilyContinuity, ...]
    uncovered: tuple[FamilyContinuity, ...]
    cliff: tuple[FamilyContinuity, ...]
    quiet: tuple[FamilyContinuity, ...]
    without_joint_visit: tuple[HandoverWithoutJointVisit, ...]
    #: handovers planned and not yet completed, soonest cohort end first (at most ``IN_PROGRESS_LIMIT``)
    in_progress: tuple[HandoverInProgress, ...] = ()
    in_progress_total: int = 0


def _shown(sensitive: bool) -> str:
    """The condition a contact or concern must meet to count: none, or being outside the compartments."""
    return "" if sensitive else " AND sensitive = 0"


def _open_handovers(tx: Tx, sensitive: bool) -> dict[str, OpenHandover]:
    rows = tx.query(
        "SELECT h.family_id, h.handover_id, h.outgoing_id, h.incoming_id, v.name, h.planned_on, h.family_agreed,"
        " (SELECT COUNT(*) FROM continuity_contact c WHERE c.handover_id = h.handover_id AND c.retracted = 0"
        f"{_shown(sensitive)})"
        " FROM continuity_handover h JOIN continuity_volunteer v ON v.volunteer_id = h.incoming_id"
        " WHERE h.state = ?",
        [HandoverState.PLANNED.value],
    )
    return {
        r[0]: OpenHandover(r[1], r[2], r[3], r[4], date.fromisoformat(r[5]), HandoverState.PLANNED, bool(r[6]), r[7])
        for r in rows
    }


def _without_joint_visit(tx: Tx, only: str | None, sensitive: bool) -> tuple[HandoverWithoutJointVisit, ...]:
    rows = tx.query(
        "SELECT h.family_id, f.display_name, h.handover_id, o.name, i.name, h.closed_at, h.no_joint_visit_reason"
        " FROM continuity_handover h JOIN continuity_family f ON f.family_id = h.family_id"
        " JOIN continuity_volunteer o ON o.volunteer_id = h.outgoing_id"
        " JOIN continuity_volunteer i ON i.volunteer_id = h.incoming_id"
        " WHERE h.state = ? AND NOT EXISTS (SELECT 1 FROM continuity_contact c"
        f" WHERE c.handover_id = h.handover_id AND c.retracted = 0{_shown(sensitive)})"
        f"{' AND h.family_id = ?' if only else ''} ORDER BY h.closed_at, h.handover_id",
        [HandoverState.COMPLETED.value, *([only] if only else [])],
    )
    return tuple(HandoverWithoutJointVisit(r[0], r[1], r[2], r[3], r[4], from_iso(r[5]), r[6] or "") for r in rows)


def _in_progress(
    tx: Tx, today: date, only: str | None, sensitive: bool, limit: int
) -> tuple[tuple[HandoverInProgress, ...], int]:
    """Open families' planned handovers, soonest end of the outgoing volunteer's cohort first, and how many."""
    where = f" WHERE h.state = ? AND f.status = ?{' AND h.family_id = ?' if only else ''}"
    params = [HandoverState.PLANNED.value, FamilyStatus.OPEN.value, *([only] if only else [])]
    joined = (
        " FROM continuity_handover h JOIN continuity_family f ON f.family_id = h.family_id"
        " JOIN continuity_volunteer o ON o.volunteer_id = h.outgoing_id"
        " JOIN continuity_volunteer i ON i.volunteer_id = h.incoming_id"
        " LEFT JOIN continuity_cohort c ON c.cohort_id = o.cohort_id"
    )
    rows = tx.query(
        "SELECT h.family_id, f.display_name, h.handover_id, o.name, i.name, h.planned_on,"
        " (SELECT COUNT(*) FROM continuity_contact x WHERE x.handover_id = h.handover_id AND x.kind = 'visit'"
        f" AND x.retracted = 0{'' if sensitive else ' AND x.sensitive = 0'}),"
        f" h.family_agreed, c.cohort_id, c.expected_end_on{joined}{where}"
        " ORDER BY COALESCE(c.expected_end_on, '9999-12-31'), h.planned_on, h.handover_id LIMIT ?",
        [*params, limit],
    )
    total = tx.one(f"SELECT COUNT(*){joined}{where}", params)
    shown = tuple(
        HandoverInProgress(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            date.fromisoformat(r[5]),
            int(r[6]),
            bool(r[7]),
            r[8],
            (date.fromisoformat(r[9]) - today).days if r[9] else None,
        )
        for r in rows
    )
    return shown, int(total[0]) if total else 0


def _last_contacts(tx: Tx, until: str, sensitive: bool) -> dict[str, str]:
    rows = tx.query(
        "SELECT family_id, MAX(occurred_at) FROM continuity_contact WHERE retracted = 0 AND occurred_at <= ?"
        f"{_shown(sensitive)} GROUP BY family_id",
        [until],
    )
    return {r[0]: r[1] for r in rows}


def _open_concerns(tx: Tx, until: str, sensitive: bool) -> dict[str, int]:
    rows = tx.query(
        "SELECT family_id, COUNT(*) FROM continuity_concern WHERE retracted = 0 AND resolved_at IS NULL"
        f" AND raised_at <= ?{_shown(sensitive)} GROUP BY family_id",
        [until],
    )
    return {r[0]: int(r[1]) for r in rows}


def _families(tx: Tx, now: datetime, only: str | None, sensitive: bool) -> list[FamilyContinuity]:
    today, until = local_day(now), iso(now)
    families = tx.query(
        "SELECT f.family_id, f.display_name, f.enrolled_at, a.volunteer_id, v.name, v.departed_at, c.cohort_id,"
        " c.name, c.expected_end_on FROM continuity_family f"
        " LEFT JOIN continuity_assignment a ON a.family_id = f.family_id AND a.ended_at IS NULL AND a.role = ?"
        " LEFT JOIN continuity_volunteer v ON v.volunteer_id = a.volunteer_id"
        " LEFT JOIN continuity_cohort c ON c.cohort_id = v.cohort_id"
        f" WHERE f.status = ?{' AND f.family_id = ?' if only else ''}"
        " ORDER BY f.display_name COLLATE pinyin, f.family_id",
        [Role.LEAD.value, FamilyStatus.OPEN.value, *([only] if only else [])],
    )
    handovers = _open_handovers(tx, sensitive)
    last_contacts, concerns = _last_contacts(tx, until, sensitive), _open_concerns(tx, until, sensitive)
    rows = []
    for fid, name, enrolled, lead, lead_name, departed, cohort_id, cohort, ends in families:
        handover = handovers.get(fid)
        ends_on = date.fromisoformat(ends) if ends else None
        last = moment(last_contacts.get(fid))
        rows.append(
            FamilyContinuity(
                family_id=fid,
                display_name=name,
                lead_id=lead,
                lead_name=lead_name,
                lead_departed=departed is not None and departed <= until,
                cohort_id=cohort_id,
                cohort_name=cohort,
                cohort_ends_on=ends_on,
                days_left=(ends_on - today).days if ends_on else None,
                successor_planned=handover is not None and lead is not None and handover.outgoing_id == lead,
                handover=handover,
                last_contact_at=last,
                days_since_contact=(today - local_day(last)).days if last else None,
                days_quiet=(today - local_day(last or from_iso(enrolled))).days,
                open_concerns=concerns.get(fid, 0),
            )
        )
    return rows


def continuity_dashboard(
    tx: Tx,
    *,
    now: datetime,
    cliff_days: int = 60,
    quiet_days: int = 30,
    only: str | None = None,
    include_sensitive: bool = True,
    in_progress_limit: int = IN_PROGRESS_LIMIT,
) -> Dashboard:
    """Every open family's lead, cohort end, handover and last contact, with the lists that need action
    (``only``: the dashboard of that one family, as its page shows it). Without ``include_sensitive``,
    contacts and concerns of the sensitive compartments count for nothing: a reader not cleared for
    them must not learn from "last contact" or a count that they exist."""
    rows = _families(tx, now, only, include_sensitive)
    cliff = [r for r in rows if r.is_covered and not r.successor_planned and (r.days_left or 0) <= cliff_days]
    quiet = [r for r in rows if r.days_quiet >= quiet_days]
    in_progress, in_progress_total = _in_progress(tx, local_day(now), only, include_sensitive, in_progress_limit)
    return Dashboard(
        now=now,
        cliff_days=cliff_days,
        quiet_days=quiet_days,
        families=tuple(rows),
        uncovered=tuple(r for r in rows if not r.is_covered),
        cliff=tuple(sorted(cliff, key=lambda r: (r.days_left or 0, pinyin_key(r.display_name)))),
        quiet=tuple(sorted(quiet, key=lambda r: (-r.days_quiet, pinyin_key(r.display_name)))),
        without_joint_visit=_without_joint_visit(tx, only, include_sensitive),
        in_progress=in_progress,
        in_progress_total=in_progress_total,
    )
