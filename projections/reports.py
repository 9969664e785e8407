"""The funders' continuity report: how each cohort handed its families over, and service per quarter.

A cohort's transition is every completed handover whose outgoing volunteer belongs to
it. Gap at handover: calendar days (Asia/Shanghai) between the outgoing volunteer's last
visit to the family up to completion and the incoming volunteer's first visit from
completion on; a handover whose newcomer has not visited yet has no gap yet. Quarters
are calendar quarters in Asia/Shanghai; volunteer hours count each volunteer present.

Without ``include_sensitive``, contacts of the sensitive compartments count for nothing (the
flag is folded into the continuity view when the fact arrives, and kept current by amendments):
a reader not cleared for them must not learn from a count, an hour or a gap that they exist.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from domain.values import HandoverState
from projections.db import Tx
from projections.plain import from_iso, local_day

LOST_WITHIN = timedelta(days=90)


@dataclass(frozen=True)
class CohortTransition:
    """How one cohort handed its families over to the next volunteers."""

    cohort_id: str
    cohort_name: str
    expected_end_on: date
    handovers: int
    families_handed_over: int
    with_joint_visit: int
    joint_visit_share: float
    gap_days_median: float | None
    gap_days_max: int | None
    families_lost: int
    alumni_in_touch: int


@dataclass(frozen=True)
class PeriodFigures:
    """Service in one calendar quarter."""

    period: str
    starts_on: date
    ends_on: date
    families_served: int
    visits: int
    messages: int
    volunteer_hours: float


@dataclass(frozen=True)
class CohortReport:
    """Cohort transitions, oldest cohort first, and quarters, oldest first."""

    transitions: tuple[CohortTransition, ...]
    periods: tuple[PeriodFigures, ...]


@dataclass(frozen=True)
class _Handover:
    family_id: str
    outgoing_id: str
    incoming_id: str
    completed_at: str
    joint_visits: int


def _gap(visits: list[tuple[str, str]], handover: _Handover) -> int | None:
    """Days from the outgoing volunteer's last visit to the incoming one's first after completion."""
    done = handover.completed_at
    last_out = max((at for at, v in visits if v == handover.outgoing_id and at <= done), default=None)
    first_in = min((at for at, v in visits if v == handover.incoming_id and at >= done), default=None)
    if last_out is None or first_in is None:
        return None
    return (local_day(from_iso(first_in)) - local_day(from_iso(last_out))).days


def _shown(sensitive: bool, alias: str = "c") -> str:
    """The condition a contact must meet to count: none, or (for readers not cleared) being outside the compartments."""
    return "" if sensitive else f" AND {alias}.sensitive = 0"


def _transitions(tx: Tx, sensitive: bool) -> tuple[CohortTransition, ...]:
    rows = tx.query(
        "SELECT c.cohort_id, c.name, c.expected_end_on, h.family_id, h.outgoing_id, h.incoming_id, h.closed_at,"
        " (SELECT COUNT(*) FROM continuity_contact j WHERE j.handover_id = h.handover_id AND j.retracted = 0"
        f"{_shown(sensitive, 'j')})"
        " FROM continuity_handover h JOIN continuity_volunteer v ON v.volunteer_id = h.outgoing_id"
        " JOIN continuity_cohort c ON c.cohort_id = v.cohort_id WHERE h.state = ?"
        " ORDER BY c.expected_end_on, c.name, c.cohort_id, h.closed_at, h.handover_id",
        [HandoverState.COMPLETED.value],
    )
    visits: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for family_id, at, volunteer_id in tx.query(
        "SELECT c.family_id, c.occurred_at, cv.volunteer_id FROM continuity_contact c"
        " JOIN continuity_contact_volunteer cv ON cv.event_id = c.event_id WHERE c.kind = 'visit' AND c.retracted = 0"
        f"{_shown(sensitive)}"
    ):
        visits[family_id].append((at, volunteer_id))
    closures: dict[str, list[datetime]] = defaultdict(list)
    for family_id, closed_at in tx.query("SELECT family_id, closed_at FROM continuity_closure"):
        closures[family_id].append(from_iso(closed_at))
    alumni = {
        r[0]
        for r in tx.query(
            "SELECT DISTINCT cv.volunteer_id FROM continuity_contact c"
            " JOIN continuity_contact_volunteer cv ON cv.event_id = c.event_id"
            " JOIN continuity_volunteer v ON v.volunteer_id = cv.volunteer_id"
            " WHERE c.kind = 'message' AND c.retracted = 0 AND v.departed_at IS NOT NULL"
            f" AND c.occurred_at > v.departed_at{_shown(sensitive)}"
        )
    }
    cohorts: dict[tuple[str, str, str], list[_Handover]] = defaultdict(list)
    for cohort_id, name, ends, *handover in rows:
        cohorts[(cohort_id, name, ends)].append(_Handover(*handover))
    return tuple(_transition(key, handovers, visits, closures, alumni) for key, handovers in cohorts.items())


def _transition(
    cohort: tuple[str, str, str],
    handovers: list[_Handover],
    visits: dict[str, list[tuple[str, str]]],
    closures: dict[str, list[datetime]],
    alumni: set[str],
) -> CohortTransition:
    gaps = [g for h in handovers if (g := _gap(visits[h.family_id], h)) is not None]
    joint = sum(1 for h in handovers if h.joint_visits)
    lost = {
        h.family_id
        for h in handovers
        for closed in closures[h.family_id]
        if from_iso(h.completed_at) <= closed <= from_iso(h.completed_at) + LOST_WITHIN
    }
    return CohortTransition(
        cohort_id=cohort[0],
        cohort_name=cohort[1],
        expected_end_on=date.fromisoformat(cohort[2]),
        handovers=len(handovers),
        families_handed_over=len({h.family_id for h in handovers}),
        with_joint_visit=joint,
        joint_visit_share=joint / len(handovers),
        gap_days_median=float(median(gaps)) if gaps else None,
        gap_days_max=max(gaps, default=None),
        families_lost=len(lost),
        alumni_in_touch=len({h.outgoing_id for h in handovers} & alumni),
    )


def _quarter(day: date) -> tuple[str, date, date]:
    index = (day.month - 1) // 3
    starts = date(day.year, 3 * index + 1, 1)
    following = date(day.year + 1, 1, 1) if index == 3 else date(day.year, 3 * index + 4, 1)
    return f"{day.year}Q{index + 1}", starts, following - timedelta(days=1)


def _periods(tx: Tx, sensitive: bool) -> tuple[PeriodFigures, ...]:
    rows = tx.query(
        "SELECT c.family_id, c.occurred_at, c.kind, c.minutes,"
        " (SELECT COUNT(*) FROM continuity_contact_volunteer cv WHERE cv.event_id = c.event_id)"
        f" FROM continuity_contact c WHERE c.retracted = 0{_shown(sensitive)}"
    )
    families: dict[tuple[str, date, date], set[str]] = defaultdict(set)
    counts: dict[tuple[str, date, date], dict[str, int]] = defaultdict(lambda: {"visit": 0, "message": 0, "minutes": 0})
    for family_id, at, kind, minutes, present in rows:
        quarter = _quarter(local_day(from_iso(at)))
        families[quarter].add(family_id)
        counts[quarter][kind] += 1
        counts[quarter]["minutes"] += (minutes or 0) * int(present)
    return tuple(
        PeriodFigures(q[0], q[1], q[2], len(families[q]), c["visit"], c["message"], c["minutes"] / 60)
        for q, c in sorted(counts.items())
    )


@dataclass(frozen=True)
class MonthVisits:
    """Visits in one calendar month (Asia/Shanghai), ``2025-03``."""

    month: str
    visits: int


def visits_per_month(tx: Tx, *, include_sensitive: bool = True) -> tuple[MonthVisits, ...]:
    """Visits in each calendar month from the first visit's to the latest's, months without a visit included."""
    counted: Counter[int] = Counter()
    shown = _shown(include_sensitive)
    for (at,) in tx.query(
        f"SELECT occurred_at FROM continuity_contact c WHERE kind = 'visit' AND retracted = 0{shown}"
    ):
        day = local_day(from_iso(at))
        counted[day.year * 12 + day.month - 1] += 1
    months = range(min(counted), max(counted) + 1) if counted else range(0)
    return tuple(MonthVisits(f"{m // 12}-{m % 12 + 1:02d}", counted[m]) for m in months)


def cohort_report(tx: Tx, *, include_sensitive: bool = True) -> CohortReport:
    """Each cohort's handovers (joint visits, gaps, families lost, alumni in touch) and each quarter's service
    (contacts of the sensitive compartments counted only if ``include_sensitive``)."""
    return CohortReport(_transitions(tx, include_sensitive), _periods(tx, include_sensitive))


TRANSITION_COLUMNS = (
    "期次 / Cohort",
    "预计结束日期 / Expected end",
    "交接次数 / Handovers",
    "交接家庭数 / Families handed over",
    "有共同探访的交接 / With joint visit",
    "共同探访比例 / Joint visit share",
    "空档天数中位数 / Gap days median",
    "空档天数最大值 / Gap days max",
    "90天内结案家庭 / Families lost within 90 days",
    "仍有联系的校友 / Alumni in touch",
)
PERIOD_COLUMNS = (
    "季度 / Quarter",
    "开始日期 / Starts on",
    "结束日期 / Ends on",
    "服务家庭数 / Families served",
    "探访次数 / Visits",
    "消息数 / Messages",
    "义工时数 / Volunteer hours",
)


def _number(value: float | None, places: int = 0) -> str:
    return "" if value is None else f"{value:.{places}f}"


def spreadsheet_text(text: str) -> str:
    """Typed text as a spreadsheet shows it, never as a formula it would run (=, +, -, @ lead a formula)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def cohort_report_csv(report: CohortReport) -> str:
    """The report as CSV text (encode as UTF-8): one titled section per table, bilingual headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([["期次交接 / Cohort transitions"], TRANSITION_COLUMNS])
    writer.writerows(
        [
            spreadsheet_text(t.cohort_name),
            t.expected_end_on.isoformat(),
            t.handovers,
            t.families_handed_over,
            t.with_joint_visit,
            _number(t.joint_visit_share, 2),
            _number(t.gap_days_median, 1),
            _number(t.gap_days_max),
            t.families_lost,
            t.alumni_in_touch,
        ]
        for t in report.transitions
    )
    writer.writerows([[], ["季度服务 / Service per quarter"], PERIOD_COLUMNS])
    writer.writerows(
        [
            p.period,
            p.starts_on.isoformat(),
            p.ends_on.isoformat(),
            p.families_served,
            p.visits,
            p.messages,
            _number(p.volunteer_hours, 2),
        ]
        for p in report.periods
    )
    return out.getvalue()
