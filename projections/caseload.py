"""A volunteer's caseload: the families they accompany now, and their visits this month and this term.

"This month" is the calendar month of ``now`` in Asia/Shanghai; "this term" runs from
their cohort's intake day to its expected end day, both included. Only visits the
volunteer was on count towards their figures. The last visit shown for a family leaves
out facts of a sensitive service line unless the volunteer was on that visit: sensitive
compartments never reach a volunteer's screen. Read by anyone else not cleared for the
compartments (``include_sensitive`` false), the compartments' visits count for nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.values import Role, VolunteerStatus
from projections.db import Tx
from projections.plain import day_after_starts, day_starts, from_iso, iso, local_day, moment


@dataclass(frozen=True)
class CaseloadFamily:
    """A family the volunteer is assigned to now, in which role, and when it was last visited."""

    family_id: str
    display_name: str
    role: Role
    since: datetime
    last_visit_at: datetime | None


@dataclass(frozen=True)
class VisitTally:
    """Visits the volunteer was on in a stretch of days, and their length."""

    starts_on: date
    ends_on: date
    visits: int
    minutes: int

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class Caseload:
    """One volunteer's current families and recent effort."""

    volunteer_id: str
    name: str
    cohort_id: str
    cohort_name: str
    status: VolunteerStatus
    families: tuple[CaseloadFamily, ...]
    this_month: VisitTally
    this_term: VisitTally


def _month(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s calendar month."""
    first = day.replace(day=1)
    following = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return first, following - timedelta(days=1)


def _tally(tx: Tx, volunteer_id: str, starts_on: date, ends_on: date, sensitive: bool) -> VisitTally:
    row = tx.one(
        "SELECT COUNT(*), COALESCE(SUM(c.minutes), 0) FROM continuity_contact c"
        " JOIN continuity_contact_volunteer cv ON cv.event_id = c.event_id"
        " WHERE cv.volunteer_id = ? AND c.kind = 'visit' AND c.retracted = 0"
        f" AND c.occurred_at >= ? AND c.occurred_at < ?{'' if sensitive else ' AND c.sensitive = 0'}",
        [volunteer_id, day_starts(starts_on), day_after_starts(ends_on)],
    )
    visits, minutes = row if row else (0, 0)
    return VisitTally(starts_on, ends_on, int(visits), int(minutes))


def _families(tx: Tx, volunteer_id: str, now: datetime, sensitive: bool) -> tuple[CaseloadFamily, ...]:
    theirs = (
        " OR EXISTS (SELECT 1 FROM continuity_contact_volunteer cv"
        " WHERE cv.event_id = c.event_id AND cv.volunteer_id = a.volunteer_id)"
    )
    rows = tx.query(
        "SELECT a.family_id, f.display_name, a.role, a.started_at,"
        " (SELECT MAX(c.occurred_at) FROM continuity_contact c WHERE c.family_id = a.family_id"
        "  AND c.kind = 'visit' AND c.retracted = 0 AND c.occurred_at <= ?"
        f"  AND (c.sensitive = 0{theirs if sensitive else ''}))"
        " FROM continuity_assignment a JOIN continuity_family f ON f.family_id = a.family_id"
        " WHERE a.volunteer_id = ? AND a.ended_at IS NULL ORDER BY a.started_at, a.family_id",
        [iso(now), volunteer_id],
    )
    return tuple(CaseloadFamily(r[0], r[1], Role(r[2]), from_iso(r[3]), moment(r[4])) for r in rows)


def volunteer_caseload(tx: Tx, volunteer_id: str, *, now: datetime, include_sensitive: bool = True) -> Caseload | None:
    """A volunteer's current families (role, last visit) and visits and hours this month and term; None if unknown.
    ``include_sensitive``: the reader is the volunteer, or cleared for the compartments."""
    row = tx.one(
        "SELECT v.name, v.cohort_id, c.name, v.status, c.intake_on, c.expected_end_on FROM continuity_volunteer v"
        " JOIN continuity_cohort c ON c.cohort_id = v.cohort_id WHERE v.volunteer_id = ?",
        [str(volunteer_id)],
    )
    if row is None:
        return None
    name, cohort_id, cohort_name, status, intake_on, expected_end_on = row
    vid = str(volunteer_id)
    return Caseload(
        volunteer_id=vid,
        name=name,
        cohort_id=cohort_id,
        cohort_name=cohort_name,
        status=VolunteerStatus(status),
        families=_families(tx, vid, now, include_sensitive),
        this_month=_tally(tx, vid, *_month(local_day(now)), include_sensitive),
        this_term=_tally(
            tx, vid, date.fromisoformat(intake_on), date.fromisoformat(expected_end_on), include_sensitive
        ),
    )
