"""Lists and lookups of cohorts, volunteers and families, from the continuity view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from projections.db import Tx
from projections.plain import from_iso, moment


@dataclass(frozen=True)
class CohortRow:
    cohort_id: str
    name: str
    intake_on: date
    expected_end_on: date
    closed_at: datetime | None
    volunteers: int


@dataclass(frozen=True)
class VolunteerRow:
    volunteer_id: str
    name: str
    cohort_id: str
    cohort_name: str
    status: str
    registered_at: datetime
    departed_at: datetime | None
    alumni_opted_in: bool


@dataclass(frozen=True)
class FamilyRow:
    family_id: str
    display_name: str
    community: str
    status: str
    enrolled_at: datetime
    lead_id: str | None
    lead_name: str | None


def cohorts(tx: Tx) -> list[CohortRow]:
    """Every cohort, newest intake first, with its number of volunteers."""
    rows = tx.query(
        "SELECT c.cohort_id, c.name, c.intake_on, c.expected_end_on, c.closed_at,"
        " (SELECT COUNT(*) FROM continuity_volunteer v WHERE v.cohort_id = c.cohort_id)"
        " FROM continuity_cohort c ORDER BY c.intake_on DESC, c.cohort_id"
    )
    return [
        CohortRow(r[0], r[1], date.fromisoformat(r[2]), date.fromisoformat(r[3]), moment(r[4]), int(r[5])) for r in rows
    ]


VOLUNTEER_SELECT = (
    "SELECT v.volunteer_id, v.name, v.cohort_id, COALESCE(c.name, ''), v.status, v.registered_at, v.departed_at,"
    " v.alumni_opted_in FROM continuity_volunteer v LEFT JOIN continuity_cohort c ON c.cohort_id = v.cohort_id"
)


def volunteers(
    tx: Tx,
    *,
    cohort_id: str | None = None,
    status: str | None = None,
    search: str = "",
    after: tuple[str, str] = ("", ""),
    limit: int,
) -> list[VolunteerRow]:
    """Volunteers by name in pinyin order (then id), filtered; ``after`` is the last (name, id) seen."""
    clauses, params = (
        ["(v.name COLLATE pinyin > ? OR (v.name = ? AND v.volunteer_id > ?))"],
        [after[0], after[0], after[1]],
    )
    if cohort_id:
        clauses.append("v.cohort_id = ?")
        params.append(cohort_id)
    if status:
        clauses.append("v.status = ?")
        params.append(status)
    if search:
        clauses.append("v.name LIKE ?")
        params.append(f"%{search}%")
    rows = tx.query(
        f"{VOLUNTEER_SELECT} WHERE {' AND '.join(clauses)} ORDER BY v.name COLLATE pinyin, v.volunteer_id LIMIT ?",
        [*params, limit],
    )
    return [_volunteer(r) for r in rows]


def volunteer(tx: Tx, volunteer_id: str) -> VolunteerRow | None:
    row = tx.one(f"{VOLUNTEER_SELECT} WHERE v.volunteer_id = ?", [volunteer_id])
    return _volunteer(row) if row else None


def _volunteer(r: tuple[object, ...]) -> VolunteerRow:
    return VolunteerRow(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        from_iso(str(r[5])),
        from_iso(str(r[6])) if r[6] else None,
        bool(r[7]),
    )


FAMILY_SELECT = (
    "SELECT f.family_id, f.display_name, f.community, f.status, f.enrolled_at, a.volunteer_id, v.name"
    " FROM continuity_family f"
    " LEFT JOIN continuity_assignment a ON a.family_id = f.family_id AND a.role = 'lead' AND a.ended_at IS NULL"
    " LEFT JOIN continuity_volunteer v ON v.volunteer_id = a.volunteer_id"
)


def families(
    tx: Tx,
    *,
    status: str | None = None,
    search: str = "",
    only: set[str] | None = None,
    uncovered: bool = False,
    after: tuple[str, str] = ("", ""),
    limit: int,
) -> list[FamilyRow]:
    """Families by display name in pinyin order (then id), filtered by status, name or community, a set of ids, or
    (``uncovered``) having no lead who is still in the programme."""
    clauses = ["(f.display_name COLLATE pinyin > ? OR (f.display_name = ? AND f.family_id > ?))"]
    params = [after[0], after[0], after[1]]
    if status:
        clauses.append("f.status = ?")
        params.append(status)
    if search:
        clauses.append("(f.display_name LIKE ? OR f.community LIKE ?)")
        params += [f"%{search}%", f"%{search}%"]
    if uncovered:
        clauses.append("(a.volunteer_id IS NULL OR v.status = 'departed')")
    if only is not None:
        if not only:
            return []
        clauses.append(f"f.family_id IN ({', '.join('?' for _ in only)})")
        params += sorted(only)
    rows = tx.query(
        f"{FAMILY_SELECT} WHERE {' AND '.join(clauses)} ORDER BY f.display_name COLLATE pinyin, f.family_id LIMIT ?",
        [*params, limit],
    )
    return [_family(r) for r in rows]


def family(tx: Tx, family_id: str) -> FamilyRow | None:
    row = tx.one(f"{FAMILY_SELECT} WHERE f.family_id = ?", [family_id])
    return _family(row) if row else None


def _family(r: tuple[object, ...]) -> FamilyRow:
    return FamilyRow(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        from_iso(str(r[4])),
        str(r[5]) if r[5] else None,
        str(r[6]) if r[6] else None,
    )


def family_roster(tx: Tx, family_id: str) -> list[tuple[str, str, str]]:
    """Who accompanies the family now: (volunteer id, name, role), in the order they were assigned."""
    rows = tx.query(
        "SELECT a.volunteer_id, v.name, a.role FROM continuity_assignment a"
        " JOIN continuity_volunteer v ON v.volunteer_id = a.volunteer_id"
        " WHERE a.family_id = ? AND a.ended_at IS NULL ORDER BY a.started_at, a.volunteer_id",
        [family_id],
    )
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def volunteer_families(tx: Tx, volunteer_id: str) -> tuple[set[str], set[str]]:
    """The families a volunteer accompanies now (assigned, or in an open handover), and those that
    agreed to keep in touch with them as alumni."""
    own = tx.query(
        "SELECT family_id FROM continuity_assignment WHERE volunteer_id = ? AND ended_at IS NULL"
        " UNION SELECT family_id FROM continuity_handover"
        " WHERE state = 'planned' AND (outgoing_id = ? OR incoming_id = ?)",
        [volunteer_id, volunteer_id, volunteer_id],
    )
    alumni = tx.query(
        "SELECT family_id FROM continuity_handover WHERE state = 'completed' AND keep_in_touch = 1 AND outgoing_id = ?",
        [volunteer_id],
    )
    return {str(r[0]) for r in own}, {str(r[0]) for r in alumni}
