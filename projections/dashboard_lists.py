"""The continuity dashboard's lists, a page at a time: each read along its own index, from where the last page
ended (its sort key), never more rows than shown; and how long each list is, from the tally.

Rows come from ``continuity_standing`` and the handovers' marks (``projections.continuity_standing``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from projections.db import Row, Tx


class DashboardList(StrEnum):
    """The lists of the continuity dashboard, each in the order that needs action first."""

    #: every open family, by name
    FAMILIES = "families"
    #: families without a lead still in the programme, by name
    UNCOVERED = "uncovered"
    #: families whose lead's cohort ends within the cliff's days and no successor planned: soonest end first
    CLIFF = "cliff"
    #: families with no visit or message for the quiet days: quietest first
    QUIET = "quiet"
    #: planned handovers not yet completed: soonest end of the outgoing volunteer's cohort first
    IN_PROGRESS = "in_progress"
    #: completed handovers in which the two volunteers never visited together: earliest first
    WITHOUT_JOINT_VISIT = "without_joint_visit"


#: A row's place in its list: the values it is sorted by (a page starts after the last row of the one before).
Position = tuple[str, ...]


@dataclass(frozen=True)
class Filters:
    """What the lists are drawn with: the day, the thresholds, the reader's clearance, one family or all."""

    today: date
    cliff_days: int
    quiet_days: int
    sensitive: bool
    only: str | None = None

    @property
    def horizon(self) -> str:
        """The last cohort end that puts a family on the cliff."""
        return (self.today + timedelta(days=self.cliff_days)).isoformat()

    @property
    def quiet_before(self) -> str:
        """The last day of contact that leaves a family quiet today."""
        return (self.today - timedelta(days=self.quiet_days)).isoformat()

    @property
    def quiet_column(self) -> str:
        return "quiet_since" if self.sensitive else "plain_quiet_since"


@dataclass(frozen=True)
class Spec:
    """One list: the rows it holds, the order along its index, and the tally that counts them."""

    where: str
    order: tuple[str, ...]
    measure: str


def spec(which: DashboardList, given: Filters) -> tuple[Spec, list[Any]]:
    """The list's specification and the parameters of its ``where``."""
    plain = "" if given.sensitive else "plain_"
    if which is DashboardList.FAMILIES:
        return Spec("s.status = 'open'", ("s.name_key", "s.family_id"), "families"), []
    if which is DashboardList.UNCOVERED:
        return Spec("s.status = 'open' AND s.uncovered = 1", ("s.name_key", "s.family_id"), "uncovered"), []
    if which is DashboardList.CLIFF:
        order: tuple[str, ...] = ("s.cliff_on", "s.name_key", "s.family_id")
        return Spec("s.status = 'open' AND s.cliff_on <= ?", order, "cliff"), [given.horizon]
    if which is DashboardList.QUIET:
        column = f"s.{given.quiet_column}"
        where = f"s.status = 'open' AND {column} <= ?"
        return Spec(where, (column, "s.name_key", "s.family_id"), f"{plain}quiet"), [given.quiet_before]
    if which is DashboardList.IN_PROGRESS:
        order = ("h.progress_on", "h.planned_on", "h.handover_id")
        return Spec("h.progress_on IS NOT NULL", order, "in_progress"), []
    order = ("h.closed_at", "h.handover_id")
    return Spec(f"h.{plain}unaccompanied = 1", order, f"{plain}without_joint_visit"), []


def arity(which: DashboardList) -> int:
    """How many values a position in the list holds."""
    return len(spec(which, Filters(date(2000, 1, 1), 0, 1, True))[0].order)


def _page_clause(chosen: Spec, params: list[Any], given: Filters, after: Position | None, limit: int) -> str:
    """``where`` narrowed to one family and to after ``after``, in order, at most ``limit`` rows."""
    alias = chosen.order[0].split(".")[0]
    where = chosen.where
    if given.only is not None:
        where += f" AND {alias}.family_id = ?"
        params.append(given.only)
    if after is not None:
        where += f" AND ({', '.join(chosen.order)}) > ({', '.join('?' for _ in after)})"
        params.extend(after)
    params.append(limit)
    return f" WHERE {where} ORDER BY {', '.join(chosen.order)} LIMIT ?"


FAMILY_ROW = (
    "SELECT s.family_id, s.display_name, s.lead_id, v.name, s.lead_departed, c.cohort_id, c.name,"
    " c.expected_end_on, s.successor_planned, s.last_{plain}contact_at, s.{quiet}, {order}"
    " FROM continuity_standing s LEFT JOIN continuity_volunteer v ON v.volunteer_id = s.lead_id"
    " LEFT JOIN continuity_cohort c ON c.cohort_id = v.cohort_id"
)


def family_rows(
    tx: Tx, which: DashboardList, given: Filters, after: Position | None, limit: int
) -> tuple[list[Row], list[Position]]:
    """A page of one of the lists of families: their rows and their positions."""
    chosen, params = spec(which, given)
    select = FAMILY_ROW.format(
        plain="" if given.sensitive else "plain_",
        quiet=given.quiet_column,
        order=", ".join(chosen.order),
    )
    rows = tx.query(select + _page_clause(chosen, params, given, after, limit), params)
    width = len(chosen.order)
    return [r[:-width] for r in rows], [tuple(str(v) for v in r[-width:]) for r in rows]


def in_progress_rows(tx: Tx, given: Filters, after: Position | None, limit: int) -> tuple[list[Row], list[Position]]:
    """A page of the handovers in progress (the page is chosen along the index before anything is joined). Only
    visits name a handover, so its joint contacts are its joint visits."""
    chosen, params = spec(DashboardList.IN_PROGRESS, given)
    rows = tx.query(
        "SELECT h.family_id, f.display_name, h.handover_id, o.name, i.name, h.planned_on, h.joint_contacts,"
        " h.plain_joint_contacts, h.family_agreed, c.cohort_id, c.expected_end_on,"
        " h.progress_on, h.planned_on, h.handover_id"
        " FROM (SELECT h.handover_id, h.family_id, h.outgoing_id, h.incoming_id, h.planned_on, h.family_agreed,"
        " h.joint_contacts, h.plain_joint_contacts,"
        f" h.progress_on FROM continuity_handover h{_page_clause(chosen, params, given, after, limit)}) h"
        " JOIN continuity_family f ON f.family_id = h.family_id"
        " JOIN continuity_volunteer o ON o.volunteer_id = h.outgoing_id"
        " JOIN continuity_volunteer i ON i.volunteer_id = h.incoming_id"
        " LEFT JOIN continuity_cohort c ON c.cohort_id = o.cohort_id"
        " ORDER BY h.progress_on, h.planned_on, h.handover_id",
        params,
    )
    return [r[:-3] for r in rows], [tuple(str(v) for v in r[-3:]) for r in rows]


def without_joint_visit_rows(
    tx: Tx, given: Filters, after: Position | None, limit: int
) -> tuple[list[Row], list[Position]]:
    """A page of the handovers completed without a joint visit, earliest completion first."""
    chosen, params = spec(DashboardList.WITHOUT_JOINT_VISIT, given)
    rows = tx.query(
        "SELECT h.family_id, f.display_name, h.handover_id, o.name, i.name, h.closed_at, h.no_joint_visit_reason"
        " FROM (SELECT h.handover_id, h.family_id, h.outgoing_id, h.incoming_id, h.closed_at, h.no_joint_visit_reason"
        f" FROM continuity_handover h{_page_clause(chosen, params, given, after, limit)}) h"
        " JOIN continuity_family f ON f.family_id = h.family_id"
        " JOIN continuity_volunteer o ON o.volunteer_id = h.outgoing_id"
        " JOIN continuity_volunteer i ON i.volunteer_id = h.incoming_id"
        " ORDER BY h.closed_at, h.handover_id",
        params,
    )
    return list(rows), [(str(r[5]), str(r[2])) for r in rows]


def totals(tx: Tx, given: Filters) -> Mapping[DashboardList, int]:
    """How many rows each list holds, from the tally (a few rows: one a day, or a cohort, at most)."""
    measures = {which: spec(which, given)[0].measure for which in DashboardList}
    by_day = {DashboardList.CLIFF: given.horizon, DashboardList.QUIET: given.quiet_before}
    whole = [measure for which, measure in measures.items() if which not in by_day]
    rows = tx.query(
        f"SELECT measure, SUM(total) FROM continuity_tally WHERE measure IN ({', '.join('?' for _ in whole)})"
        " OR (measure = ? AND tally_key <= ?) OR (measure = ? AND tally_key <= ?) GROUP BY measure",
        [*whole, *(value for which, day in by_day.items() for value in (measures[which], day))],
    )
    found = {str(r[0]): int(r[1]) for r in rows}
    return {which: found.get(measure, 0) for which, measure in measures.items()}


def open_handovers(tx: Tx, family_ids: Sequence[str]) -> list[Row]:
    """The planned handover of each of these families, with its incoming volunteer's name and joint contacts."""
    if not family_ids:
        return []
    return tx.query(
        "SELECT h.family_id, h.handover_id, h.outgoing_id, h.incoming_id, v.name, h.planned_on, h.family_agreed,"
        " h.joint_contacts, h.plain_joint_contacts FROM continuity_handover h"
        " JOIN continuity_volunteer v ON v.volunteer_id = h.incoming_id"
        f" WHERE h.state = 'planned' AND h.family_id IN ({', '.join('?' for _ in family_ids)})",
        list(family_ids),
    )


def open_concerns(tx: Tx, family_ids: Sequence[str], until: str, sensitive: bool) -> dict[str, int]:
    """How many concerns raised by ``until`` each of these families has open."""
    if not family_ids:
        return {}
    rows = tx.query(
        "SELECT family_id, COUNT(*) FROM continuity_concern WHERE retracted = 0 AND resolved_at IS NULL"
        f" AND raised_at <= ?{'' if sensitive else ' AND sensitive = 0'}"
        f" AND family_id IN ({', '.join('?' for _ in family_ids)}) GROUP BY family_id",
        [until, *family_ids],
    )
    return {str(r[0]): int(r[1]) for r in rows}
