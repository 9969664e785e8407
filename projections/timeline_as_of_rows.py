"""The rows of a family's timeline view as they stood at an earlier moment, and whether they still tell it.

Facts are never edited, so what stood at a moment is the rows recorded by then that the reader sees. The one
thing a row keeps as it is now, not as it was, is its compartment: an amendment recorded since that changed a
fact's service line may have moved it into a compartment or out of one (``moved_since``), and then a read as
of the moment replays the record whole instead (``timeline_replay``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from domain.compartments import Clearance
from domain.kinds import EntryKind
from projections.db import Row, Tx
from projections.timeline import RECORDED_BY
from projections.timeline_compartments import visible


@dataclass(frozen=True)
class AsOf:
    """What a page read as of a moment works within: the family, the reader, the moment as stored text."""

    tx: Tx
    family_id: str
    clearance: Clearance
    cutoff: str

    def rows(self, columns: str, condition: str, params: list[Any], tail: str = "") -> list[Row]:
        """Rows of the family's entries recorded by the moment that the reader sees and that meet ``condition``."""
        where, shown = visible("e", self.clearance)
        return self.tx.query(
            f"SELECT {columns} FROM timeline_entry e WHERE e.family_id = ? AND {RECORDED_BY} AND {where}"
            f" AND {condition} {tail}",
            [self.family_id, self.cutoff, *shown, *params],
        )


def moved_since(tx: Tx, family_id: str, cutoff: str) -> bool:
    """Whether an amendment recorded after ``cutoff`` changed a fact's service line (and so maybe its compartment)."""
    rows = tx.query(
        "SELECT changes FROM timeline_correction WHERE family_id = ? AND recorded_at > ? AND action = 'amend'"
        " AND changes LIKE ?",
        [family_id, cutoff, '%"service_line"%'],
    )
    return any("service_line" in json.loads(changes) for (changes,) in rows)


def in_time(row: Row) -> tuple[str, int]:
    """A row's place in time, from its last two columns (``occurred_at``, ``version``).

    Rows of the kinds that are few in a family are sorted here, so that their index (not time's) is used."""
    return (row[-2], int(row[-1]))


def of_kinds(kinds: tuple[EntryKind, ...]) -> tuple[str, list[Any]]:
    """The condition that an entry is of one of ``kinds``, and its parameters."""
    return f"e.kind IN ({', '.join('?' for _ in kinds)})", [str(k) for k in kinds]
