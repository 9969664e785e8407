"""The coordinator's continuity dashboard: which open families are uncovered, near a cliff, or quiet.

Read from the continuity view, a page of each list at a time (``projections.dashboard_lists``): what a
dashboard costs depends on the rows it shows, not on how many families there are. ``now`` is given by the
caller (never read here), and days are counted between calendar days in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from domain.values import HandoverState
from projections import dashboard_lists as lists
from projections.dashboard_lists import DashboardList, Filters, Position
from projections.db import Row, Tx
from projections.plain import from_iso, iso, local_day, moment
from projections.transition import Step

T = TypeVar("T")


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


#: The rows of each list a dashboard shows unless told otherwise (each list's ``total`` counts them all).
LIMIT = 50
#: A family is on the cliff when its lead's cohort ends within these days, quiet after these days without contact.
CLIFF_DAYS, QUIET_DAYS = 60, 30


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """A page of one of the dashboard's lists: its rows, how many the whole list holds, and where the next
    page starts (None: this is the last)."""

    items: tuple[T, ...]
    total: int
    after: Position | None


@dataclass(frozen=True)
class Dashboard:
    """The continuity dashboard at ``now``, with the thresholds it was drawn with: the first page of each list."""

    now: datetime
    cliff_days: int
    quiet_days: int
    pages: Mapping[DashboardList, ListPage[Any]]

    @property
    def families(self) -> tuple[FamilyContinuity, ...]:
        return self.pages[DashboardList.FAMILIES].items

    @property
    def uncovered(self) -> tuple[FamilyContinuity, ...]:
        return self.pages[DashboardList.UNCOVERED].items

    @property
    def cliff(self) -> tuple[FamilyContinuity, ...]:
        return self.pages[DashboardList.CLIFF].items

    @property
    def quiet(self) -> tuple[FamilyContinuity, ...]:
        return self.pages[DashboardList.QUIET].items

    @property
    def without_joint_visit(self) -> tuple[HandoverWithoutJointVisit, ...]:
        return self.pages[DashboardList.WITHOUT_JOINT_VISIT].items

    @property
    def in_progress(self) -> tuple[HandoverInProgress, ...]:
        """Handovers planned and not yet completed, soonest cohort end first."""
        return self.pages[DashboardList.IN_PROGRESS].items

    @property
    def in_progress_total(self) -> int:
        return self.pages[DashboardList.IN_PROGRESS].total

    @property
    def totals(self) -> dict[str, int]:
        """How many rows each list holds in all."""
        return {which.value: page.total for which, page in self.pages.items()}


@dataclass(frozen=True)
class Details:
    """What the rows of the lists of families show beside their standing: each family's open handover and how
    many concerns it has open (looked up once for every list a dashboard shows)."""

    handovers: Mapping[str, Row]
    concerns: Mapping[str, int]


def _details(tx: Tx, family_ids: Sequence[str], given: Filters, now: datetime) -> Details:
    handovers = {str(h[0]): h for h in lists.open_handovers(tx, family_ids)}
    return Details(handovers, lists.open_concerns(tx, family_ids, iso(now), given.sensitive))


def _family(r: Row, details: Details, given: Filters) -> FamilyContinuity:
    fid, name, lead, lead_name, departed, cohort_id, cohort, ends, successor, last, quiet_since = r
    h = details.handovers.get(fid)
    today = given.today
    ends_on = date.fromisoformat(ends) if ends else None
    contact = moment(last)
    return FamilyContinuity(
        family_id=fid,
        display_name=name,
        lead_id=lead,
        lead_name=lead_name,
        lead_departed=bool(departed),
        cohort_id=cohort_id,
        cohort_name=cohort,
        cohort_ends_on=ends_on,
        days_left=(ends_on - today).days if ends_on else None,
        successor_planned=bool(successor),
        handover=_handover(h, given.sensitive) if h else None,
        last_contact_at=contact,
        days_since_contact=max((today - local_day(contact)).days, 0) if contact else None,
        days_quiet=max((today - date.fromisoformat(quiet_since)).days, 0),
        open_concerns=details.concerns.get(fid, 0),
    )


def _handover(r: Row, sensitive: bool) -> OpenHandover:
    joint = r[7] if sensitive else r[8]
    return OpenHandover(r[1], r[2], r[3], r[4], date.fromisoformat(r[5]), HandoverState.PLANNED, bool(r[6]), joint)


def _in_progress(r: Row, given: Filters) -> HandoverInProgress:
    joint = r[6] if given.sensitive else r[7]
    days_left = (date.fromisoformat(r[10]) - given.today).days if r[10] else None
    planned_on = date.fromisoformat(r[5])
    return HandoverInProgress(r[0], r[1], r[2], r[3], r[4], planned_on, joint, bool(r[8]), r[9], days_left)


def _without_joint_visit(r: Row) -> HandoverWithoutJointVisit:
    return HandoverWithoutJointVisit(r[0], r[1], r[2], r[3], r[4], from_iso(r[5]), r[6] or "")


def _rows(
    tx: Tx, which: DashboardList, given: Filters, after: Position | None, limit: int
) -> tuple[list[Row], Position | None]:
    """A page of ``which``'s rows and where the next page starts (one row more is read to know if there is one)."""
    if which is DashboardList.IN_PROGRESS:
        rows, positions = lists.in_progress_rows(tx, given, after, limit + 1)
    elif which is DashboardList.WITHOUT_JOINT_VISIT:
        rows, positions = lists.without_joint_visit_rows(tx, given, after, limit + 1)
    else:
        rows, positions = lists.family_rows(tx, which, given, after, limit + 1)
    return rows[:limit], positions[limit - 1] if len(rows) > limit else None


def _items(which: DashboardList, rows: Sequence[Row], details: Details, given: Filters) -> tuple[Any, ...]:
    if which is DashboardList.IN_PROGRESS:
        return tuple(_in_progress(r, given) for r in rows)
    if which is DashboardList.WITHOUT_JOINT_VISIT:
        return tuple(_without_joint_visit(r) for r in rows)
    return tuple(_family(r, details, given) for r in rows)


def _families_in(found: Mapping[DashboardList, tuple[list[Row], Position | None]]) -> list[str]:
    """The families on the lists of families among ``found`` (each once)."""
    handovers = (DashboardList.IN_PROGRESS, DashboardList.WITHOUT_JOINT_VISIT)
    return sorted({str(r[0]) for which, (rows, _) in found.items() if which not in handovers for r in rows})


def _filters(now: datetime, cliff_days: int, quiet_days: int, include_sensitive: bool, only: str | None) -> Filters:
    return Filters(local_day(now), cliff_days, quiet_days, include_sensitive, only)


def continuity_dashboard(
    tx: Tx,
    *,
    now: datetime,
    cliff_days: int = CLIFF_DAYS,
    quiet_days: int = QUIET_DAYS,
    only: str | None = None,
    include_sensitive: bool = True,
    limit: int = LIMIT,
) -> Dashboard:
    """The first ``limit`` rows of each list that needs action, and how many each holds (``only``: the
    dashboard of that one family, as its page shows it). Without ``include_sensitive``, contacts and concerns
    of the sensitive compartments count for nothing: a reader not cleared for them must not learn from "last
    contact" or a count that they exist."""
    given = _filters(now, cliff_days, quiet_days, include_sensitive, only)
    found = {which: _rows(tx, which, given, None, limit) for which in DashboardList}
    details = _details(tx, _families_in(found), given, now)
    totals = lists.totals(tx, given) if only is None else {which: len(rows) for which, (rows, _) in found.items()}
    pages = {
        which: ListPage(_items(which, rows, details, given), totals[which], after)
        for which, (rows, after) in found.items()
    }
    return Dashboard(now=now, cliff_days=cliff_days, quiet_days=quiet_days, pages=pages)


def dashboard_page(
    tx: Tx,
    which: DashboardList,
    *,
    now: datetime,
    cliff_days: int = CLIFF_DAYS,
    quiet_days: int = QUIET_DAYS,
    include_sensitive: bool = True,
    after: Position | None = None,
    limit: int = LIMIT,
) -> ListPage[Any]:
    """A page of one of the dashboard's lists, from ``after`` (the position the page before ended at)."""
    given = _filters(now, cliff_days, quiet_days, include_sensitive, None)
    rows, following = _rows(tx, which, given, after, limit)
    details = _details(tx, _families_in({which: (rows, following)}), given, now)
    return ListPage(_items(which, rows, details, given), lists.totals(tx, given)[which], following)


@dataclass(frozen=True)
class CohortEnd:
    """A cohort whose volunteers lead open families, and when it ends."""

    cohort_id: str
    name: str
    ends_on: date | None
    days_left: int | None
    families: int


def cohort_ends(tx: Tx, *, now: datetime) -> list[CohortEnd]:
    """The cohorts whose volunteers lead open families (and are still in the programme), soonest end first."""
    today = local_day(now)
    rows = tx.query(
        "SELECT c.cohort_id, c.name, c.expected_end_on, t.total FROM continuity_tally t"
        " JOIN continuity_cohort c ON c.cohort_id = t.tally_key WHERE t.measure = 'led' AND t.total > 0"
    )
    found = []
    for cohort_id, name, ends, families in rows:
        ends_on = date.fromisoformat(ends) if ends else None
        found.append(CohortEnd(cohort_id, name, ends_on, (ends_on - today).days if ends_on else None, int(families)))
    return sorted(found, key=lambda c: (c.ends_on or date.max, c.name))


@dataclass(frozen=True)
class HandedOver:
    """An open family being handed over to a volunteer."""

    family_id: str
    display_name: str


def handed_over_to(tx: Tx, volunteer_id: str) -> list[HandedOver]:
    """The open families being handed over to the volunteer, by name."""
    rows = tx.query(
        "SELECT s.family_id, s.display_name FROM continuity_handover h"
        " JOIN continuity_standing s ON s.family_id = h.family_id"
        " WHERE h.incoming_id = ? AND h.state = 'planned' AND s.status = 'open' ORDER BY s.name_key, s.family_id",
        [volunteer_id],
    )
    return [HandedOver(str(r[0]), str(r[1])) for r in rows]
