"""The promises made to families during visits, folded into the timeline view: each one open until someone
records it kept or let go (``Family.PromiseKept`` / ``PromiseLetGo``), or until an amendment of its visit
words it differently (``changed``). A retracted visit's promises are left out where they are read.

Promises are rows of their own, so that a briefing or a home page reads every open promise of a family in
one SELECT, however many visits ago it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.compartments import Clearance
from domain.family_base import promise_ids
from domain.values import PromiseState
from projections.db import Tx
from projections.plain import from_iso
from projections.timeline_compartments import visible

PROMISES_TABLE = (
    "CREATE TABLE IF NOT EXISTS timeline_promise ("
    " promise_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, visit_id TEXT NOT NULL,"
    " position INTEGER NOT NULL, text TEXT NOT NULL, state TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS timeline_promise_family ON timeline_promise (family_id, state);"
    "CREATE INDEX IF NOT EXISTS timeline_promise_visit ON timeline_promise (visit_id)"
)


@dataclass(frozen=True)
class OpenPromise:
    """A promise made during a visit, still open."""

    promise_id: str
    visit_id: str
    text: str
    promised_at: datetime
    volunteer_ids: tuple[str, ...]


def fold_promised(tx: Tx, family_id: str, visit_id: str, promised: list[str], *, logged: bool = False) -> None:
    """Fold a visit's promises as it is logged (``logged``: it has none yet) or amended, as the family keeps them
    (``domain.family_base.FamilyBase.promised``): words kept, where it stood; words gone, changed; worded again,
    open again."""
    if logged and not promised:
        return
    now = {str(p): text for p, text in zip(promise_ids(UUID(visit_id), promised), promised, strict=True)}
    if not logged:
        for (promise_id,) in tx.query(
            "SELECT promise_id FROM timeline_promise WHERE visit_id = ? AND state = 'open'", [visit_id]
        ):
            if promise_id not in now:
                settle(tx, promise_id, PromiseState.CHANGED)
    for position, (promise_id, text) in enumerate(now.items()):
        tx.execute(
            "INSERT INTO timeline_promise (promise_id, family_id, visit_id, position, text, state)"
            " VALUES (?, ?, ?, ?, ?, 'open') ON CONFLICT (promise_id) DO UPDATE SET position = excluded.position,"
            " state = CASE WHEN timeline_promise.state = 'changed' THEN 'open' ELSE timeline_promise.state END",
            [promise_id, family_id, visit_id, position, text],
        )


def settle(tx: Tx, promise_id: str, state: PromiseState) -> None:
    """A promise kept, let go, or changed away."""
    tx.execute("UPDATE timeline_promise SET state = ? WHERE promise_id = ?", [state.value, promise_id])


OPEN = (
    "FROM timeline_promise p JOIN timeline_entry e ON e.event_id = p.visit_id"
    " WHERE p.state = 'open' AND e.retracted = 0"
)


def open_promises(tx: Tx, family_id: str, clearance: Clearance) -> list[OpenPromise]:
    """The family's open promises that ``clearance`` sees (those of live visits), oldest first."""
    where, params = visible("e", clearance)
    rows = tx.query(
        f"SELECT p.promise_id, p.visit_id, p.text, e.occurred_at, e.volunteer_ids {OPEN} AND p.family_id = ?"
        f" AND {where} ORDER BY e.occurred_at, e.version, p.position",
        [family_id, *params],
    )
    return [OpenPromise(pid, vid, text, from_iso(at), tuple(vids.split())) for pid, vid, text, at, vids in rows]


def open_promise_counts(tx: Tx, family_ids: list[str], clearance: Clearance) -> dict[str, int]:
    """How many open promises each family has that ``clearance`` sees (a number only: no family's words)."""
    if not family_ids:
        return {}
    where, params = visible("e", clearance)
    marks = ", ".join("?" for _ in family_ids)
    rows = tx.query(
        f"SELECT p.family_id, COUNT(*) {OPEN} AND p.family_id IN ({marks}) AND {where} GROUP BY p.family_id",
        [*family_ids, *params],
    )
    return {str(family_id): int(count) for family_id, count in rows}
