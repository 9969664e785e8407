"""How each family's standing (``projections.continuity_standing``) is kept: the continuity view's handlers
note the families a fact touched (and the latest contact each had), and at the end of the batch each is worked
out once from the view's rows, its share of the tally moved from what it was to what it is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field

from domain.values import FamilyStatus, HandoverState, Role
from projections.continuity_standing import COLUMNS, NO_END, HandoverMarks, Standing, standing_of
from projections.db import Row, Tx

#: An ``IN (…)`` list at most this long.
CHUNK = 500


@dataclass
class Unsettled:
    """What the handlers of one batch of facts left to work out."""

    families: set[str] = field(default_factory=set)
    #: the latest contact each family had in this batch: (any, outside the compartments)
    contacts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: families whose contacts were corrected: their last contact is looked up again
    recount: set[str] = field(default_factory=set)


def unsettled(tx: Tx) -> Unsettled:
    found = tx.notes.get("continuity_standing")
    if found is None:
        found = tx.notes["continuity_standing"] = Unsettled()
    assert isinstance(found, Unsettled)
    return found


def touched(tx: Tx, family_id: str) -> None:
    """Note that a fact changed the family's rows."""
    unsettled(tx).families.add(family_id)


def contacted(tx: Tx, family_id: str, occurred_at: str, sensitive: bool) -> None:
    """Note a contact with the family."""
    notes = unsettled(tx)
    notes.families.add(family_id)
    latest, plain = notes.contacts.get(family_id, (occurred_at, None))
    plain = plain if sensitive else _later(plain, occurred_at)
    notes.contacts[family_id] = (max(latest, occurred_at), plain)


def corrected(tx: Tx, family_id: str) -> None:
    """Note that a fact of the family was amended or retracted (a contact's last may have gone back)."""
    notes = unsettled(tx)
    notes.families.add(family_id)
    notes.recount.add(family_id)


def _later(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else max(a, b)


def settle(tx: Tx) -> None:
    """Work out again the standing of every family the batch touched, and move the tally with it."""
    notes = tx.notes.pop("continuity_standing", None)
    if not isinstance(notes, Unsettled) or not notes.families:
        return
    shares: Counter[tuple[str, str]] = Counter()
    ids = sorted(notes.families)
    for start in range(0, len(ids), CHUNK):
        _settle(tx, ids[start : start + CHUNK], notes, shares)
    _tally(tx, shares)


def forget(tx: Tx, family_id: str) -> None:
    """Take an erased family out of the tally and the standings (before its rows go)."""
    shares: Counter[tuple[str, str]] = Counter()
    for old in _standings(tx, [family_id]).values():
        shares.subtract(old.shares())
    for marks in _marks(tx, [family_id]).values():
        shares.subtract(marks.shares())
    tx.execute("DELETE FROM continuity_standing WHERE family_id = ?", [family_id])
    _tally(tx, shares)
    notes = unsettled(tx)
    notes.families.discard(family_id)
    notes.contacts.pop(family_id, None)
    notes.recount.discard(family_id)


def _in(ids: list[str]) -> str:
    return f"({', '.join('?' for _ in ids)})"


def _standings(tx: Tx, ids: list[str]) -> dict[str, Standing]:
    rows = tx.query(f"SELECT {', '.join(COLUMNS)} FROM continuity_standing WHERE family_id IN {_in(ids)}", ids)
    return {r[0]: Standing(*r) for r in rows}


def _marks(tx: Tx, ids: list[str]) -> dict[str, HandoverMarks]:
    rows = tx.query(
        "SELECT handover_id, progress_on, unaccompanied, plain_unaccompanied FROM continuity_handover"
        f" WHERE family_id IN {_in(ids)}",
        ids,
    )
    return {r[0]: HandoverMarks(*r) for r in rows}


def _settle(tx: Tx, ids: list[str], notes: Unsettled, shares: Counter[tuple[str, str]]) -> None:
    old = _standings(tx, ids)
    last = _last_contacts(tx, ids, notes, old)
    planned = _planned_outgoing(tx, ids)
    changed, gone, seen = [], [], set()
    for row in _families(tx, ids):
        if row[0] in seen:  # a second lead: the domain allows one at a time
            continue
        seen.add(row[0])
        new = standing_of(row, last.get(row[0], (None, None)), planned.get(row[0], set()))
        before = old.pop(new.family_id, None)
        if new != before:
            shares.update(new.shares())
            shares.subtract(before.shares() if before else ())
            changed.append(new)
    for before in old.values():  # no family row: erased (``forget`` has taken it out already)
        shares.subtract(before.shares())
        gone.append(before.family_id)
    names = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    for new in changed:
        tx.execute(
            f"INSERT INTO continuity_standing ({names}) VALUES ({', '.join('?' for _ in COLUMNS)})"
            f" ON CONFLICT (family_id) DO UPDATE SET {updates}",
            astuple(new),
        )
    for family_id in gone:
        tx.execute("DELETE FROM continuity_standing WHERE family_id = ?", [family_id])
    _settle_handovers(tx, ids, shares)


def _families(tx: Tx, ids: list[str]) -> list[Row]:
    """Each family with its lead (if any): whether the lead has left, their cohort and its end."""
    return tx.query(
        "SELECT f.family_id, f.status, f.display_name, f.enrolled_at, a.volunteer_id, v.departed_at, c.cohort_id,"
        " c.expected_end_on FROM continuity_family f"
        " LEFT JOIN continuity_assignment a ON a.family_id = f.family_id AND a.ended_at IS NULL AND a.role = ?"
        " LEFT JOIN continuity_volunteer v ON v.volunteer_id = a.volunteer_id"
        " LEFT JOIN continuity_cohort c ON c.cohort_id = v.cohort_id"
        f" WHERE f.family_id IN {_in(ids)} ORDER BY f.family_id, a.volunteer_id",
        [Role.LEAD.value, *ids],
    )


def _last_contacts(
    tx: Tx, ids: list[str], notes: Unsettled, old: dict[str, Standing]
) -> dict[str, tuple[str | None, str | None]]:
    """Each family's last contact (any; outside the compartments): the one before the batch or in it, or, for
    a family whose contacts were corrected, looked up again."""
    last: dict[str, tuple[str | None, str | None]] = {}
    for family_id in ids:
        before = old.get(family_id)
        kept = (before.last_contact_at, before.last_plain_contact_at) if before else (None, None)
        batch = notes.contacts.get(family_id, (None, None))
        last[family_id] = (_later(kept[0], batch[0]), _later(kept[1], batch[1]))
    recount = [i for i in ids if i in notes.recount]
    if recount:
        for family_id in recount:
            last[family_id] = (None, None)
        rows = tx.query(
            "SELECT family_id, MAX(occurred_at), MAX(CASE WHEN sensitive = 0 THEN occurred_at END)"
            f" FROM continuity_contact WHERE retracted = 0 AND family_id IN {_in(recount)} GROUP BY family_id",
            recount,
        )
        last.update({r[0]: (r[1], r[2]) for r in rows})
    return last


def _planned_outgoing(tx: Tx, ids: list[str]) -> dict[str, set[str]]:
    rows = tx.query(
        f"SELECT family_id, outgoing_id FROM continuity_handover WHERE state = ? AND family_id IN {_in(ids)}",
        [HandoverState.PLANNED.value, *ids],
    )
    planned: dict[str, set[str]] = {}
    for family_id, outgoing in rows:
        planned.setdefault(family_id, set()).add(outgoing)
    return planned


def _settle_handovers(tx: Tx, ids: list[str], shares: Counter[tuple[str, str]]) -> None:
    """Mark each handover of these families as in progress, or completed without a joint visit, or neither."""
    rows = tx.query(
        "SELECT h.handover_id, h.state, f.status, c.expected_end_on, CASE WHEN o.volunteer_id IS NOT NULL"
        " AND i.volunteer_id IS NOT NULL THEN 1 ELSE 0 END, h.joint_contacts, h.plain_joint_contacts,"
        " h.progress_on, h.unaccompanied, h.plain_unaccompanied FROM continuity_handover h"
        " JOIN continuity_family f ON f.family_id = h.family_id"
        " LEFT JOIN continuity_volunteer o ON o.volunteer_id = h.outgoing_id"
        " LEFT JOIN continuity_volunteer i ON i.volunteer_id = h.incoming_id"
        " LEFT JOIN continuity_cohort c ON c.cohort_id = o.cohort_id"
        f" WHERE h.family_id IN {_in(ids)}",
        ids,
    )
    for handover_id, state, status, ends, named, joint, plain_joint, *before in rows:
        old = HandoverMarks(handover_id, *before)
        completed = bool(named) and state == HandoverState.COMPLETED.value
        in_progress = bool(named) and state == HandoverState.PLANNED.value and status == FamilyStatus.OPEN.value
        new = HandoverMarks(
            handover_id,
            (ends or NO_END) if in_progress else None,
            1 if completed and not joint else None,
            1 if completed and not plain_joint else None,
        )
        if new != old:
            shares.update(new.shares())
            shares.subtract(old.shares())
            tx.execute(
                "UPDATE continuity_handover SET progress_on = ?, unaccompanied = ?, plain_unaccompanied = ?"
                " WHERE handover_id = ?",
                [new.progress_on, new.unaccompanied, new.plain_unaccompanied, handover_id],
            )


def _tally(tx: Tx, shares: Counter[tuple[str, str]]) -> None:
    moved = [(measure, key, n) for (measure, key), n in sorted(shares.items()) if n]
    for measure, key, n in moved:
        tx.execute(
            "INSERT INTO continuity_tally (measure, tally_key, total) VALUES (?, ?, ?)"
            " ON CONFLICT (measure, tally_key) DO UPDATE SET total = continuity_tally.total + excluded.total",
            [measure, key, n],
        )
    if any(n < 0 for *_, n in moved):
        tx.execute("DELETE FROM continuity_tally WHERE total = 0")


def recount_joint_contacts(tx: Tx, family_id: str, event_id: str) -> None:
    """Count again the contacts of the handover a corrected contact of the family belonged to (if a joint one)."""
    tx.execute(
        "UPDATE continuity_handover SET"
        " joint_contacts = (SELECT COUNT(*) FROM continuity_contact c"
        " WHERE c.handover_id = continuity_handover.handover_id AND c.retracted = 0),"
        " plain_joint_contacts = (SELECT COUNT(*) FROM continuity_contact c"
        " WHERE c.handover_id = continuity_handover.handover_id AND c.retracted = 0 AND c.sensitive = 0)"
        " WHERE handover_id = (SELECT handover_id FROM continuity_contact WHERE family_id = ? AND event_id = ?)",
        [family_id, event_id],
    )


def volunteer_families(tx: Tx, volunteer_id: str) -> Iterable[str]:
    """The families whose standing names the volunteer: those they lead, and those of their open handovers."""
    rows = tx.query(
        "SELECT family_id FROM continuity_assignment WHERE volunteer_id = ? AND ended_at IS NULL"
        " UNION SELECT family_id FROM continuity_handover WHERE outgoing_id = ? OR incoming_id = ?",
        [volunteer_id] * 3,
    )
    return [r[0] for r in rows]
