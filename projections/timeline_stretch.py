"""Where a stretch of a family page's entries lies, counted in SQL: no list of every entry's id.

The entries a page lists are in the order things happened (``occurred_at``, ``version``). A stretch from an entry
is the rows from its key on; one up to an entry, the rows before its key, newest first, turned; the newest, the
last rows. Where a stretch begins among all entries is a count of the rows before its key; each chapter's count
and first entry are one ``GROUP BY``. This is what ``timeline_outline.bounds`` and ``stretch_of`` work out from
the outline's list of ids, read from the view.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.db import Row
from projections.timeline import ENTRY_COLUMNS
from projections.timeline_contacts import Scope

#: An entry's key is before the key given (``occurred_at``, ``version``), written so that any store reads it.
BEFORE = "(e.occurred_at < ? OR (e.occurred_at = ? AND e.version < ?))"


@dataclass(frozen=True)
class Placed:
    """A stretch's rows (``ENTRY_COLUMNS``), the first listed if entries come before it, the entry after it if any;
    and each chapter's count and first entry."""

    rows: list[Row]
    earlier: str | None
    later: str | None
    counts: dict[int, int]
    firsts: dict[int, str]


def _key(scope: Scope, event_id: str | None) -> tuple[str, int] | None:
    if event_id is None:
        return None
    found = scope.tx.one(
        f"SELECT e.occurred_at, e.version FROM timeline_entry e WHERE e.event_id = ? AND e.family_id = ?"
        f" AND {scope.where}",
        [event_id, scope.family_id, *scope.params],
    )
    return (found[0], int(found[1])) if found else None


def _rank(scope: Scope, key: tuple[str, int]) -> int:
    """How many entries come before ``key``."""
    found = scope.tx.one(
        f"SELECT COUNT(*) FROM timeline_entry e WHERE e.family_id = ? AND {scope.where} AND {BEFORE}",
        [scope.family_id, *scope.params, key[0], key[0], key[1]],
    )
    return int(found[0]) if found else 0


def _rows(scope: Scope, key: tuple[str, int] | None, limit: int, *, after: bool) -> list[Row]:
    """Up to ``limit`` rows from ``key`` on (``after``), or the last before it (before none: the newest), in order."""
    if limit <= 0:
        return []
    sql = f"SELECT {ENTRY_COLUMNS} FROM timeline_entry e WHERE e.family_id = ? AND {scope.where}"
    args: list[object] = [scope.family_id, *scope.params]
    if key is not None:
        sql += f" AND NOT {BEFORE}" if after else f" AND {BEFORE}"
        args += [key[0], key[0], key[1]]
    sql += (
        " ORDER BY e.occurred_at, e.version LIMIT ?"
        if after
        else " ORDER BY e.occurred_at DESC, e.version DESC LIMIT ?"
    )
    rows = scope.tx.query(sql, [*args, limit])
    return rows if after else rows[::-1]


def chapter_counts(scope: Scope, chapter: str, params: list[object]) -> tuple[dict[int, int], dict[int, str]]:
    """How many entries each chapter holds (``chapter``: the SQL telling an entry's), and the first of them."""
    rows = scope.tx.query(
        f"SELECT {chapter}, COUNT(*), MIN(e.occurred_at) FROM timeline_entry e WHERE e.family_id = ?"
        f" AND {scope.where} GROUP BY 1",
        [*params, scope.family_id, *scope.params],
    )
    counts = {int(r[0]): int(r[1]) for r in rows}
    earliest = {int(r[0]): r[2] for r in rows}
    times = sorted(set(earliest.values()))
    if not times:
        return counts, {}
    # in the order of the family's index of time, which this order makes the planner walk (a seek for each time)
    found = scope.tx.query(
        f"SELECT {chapter}, e.occurred_at, e.event_id FROM timeline_entry e WHERE e.family_id = ?"
        f" AND e.occurred_at IN ({', '.join('?' for _ in times)}) AND {scope.where} ORDER BY e.occurred_at, e.version",
        [*params, scope.family_id, *times, *scope.params],
    )
    firsts: dict[int, str] = {}
    for index, at, event_id in found:
        if earliest.get(int(index)) == at:
            firsts.setdefault(int(index), event_id)
    return counts, firsts


def place(
    scope: Scope,
    chapter: tuple[str, list[object]],
    *,
    start: str | None = None,
    until: str | None = None,
    showing: str | None = None,
    size: int,
) -> Placed:
    """The ``size`` entries from ``start`` on, or those up to ``until``; by default (or if neither is an entry the
    reader sees) the newest ``size``; from ``showing`` if it would not be among them (as ``bounds`` places them)."""
    counts, firsts = chapter_counts(scope, *chapter)
    total = sum(counts.values())
    first, end, origin = max(total - size, 0), total, None
    started, ended = _key(scope, start), _key(scope, until)
    if started is not None:
        first = _rank(scope, started)
        end, origin = min(first + size, total), started
    elif ended is not None:
        end = _rank(scope, ended)
        first = max(end - size, 0)
    shown = _key(scope, showing)
    if shown is not None:
        at = _rank(scope, shown)
        if not first <= at < end:
            first, end, origin = at, min(at + size, total), shown
    if origin is not None:
        rows = _rows(scope, origin, end - first + 1, after=True)
        later = rows[end - first][0] if len(rows) > end - first else None
        rows = rows[: end - first]
    else:
        rows = _rows(scope, ended if started is None else None, end - first, after=False)
        later = until if ended is not None and started is None and end < total else None
    return Placed(rows, rows[0][0] if first > 0 and rows else None, later, counts, firsts)
