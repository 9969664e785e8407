"""Where each family stands, as its record stands now: the rows the continuity dashboard pages through.

The dashboard's lists (open families, uncovered, cliff, quiet; handovers in progress and those completed
without a joint visit) are read a page at a time along indexes, and their sizes from a tally, so that a
dashboard costs the same at 100 families as at 100,000. Both are worked out from the continuity view's own
rows at the end of each batch of facts (``settle``): handlers note the families a fact touched, and each is
worked out once a batch, its share of the tally moved from what it was to what it is.

A family's standing is its record as it stands: a contact or a departure counts once it is on record (the
domain keeps ``occurred_at`` within a few minutes of the clock). The days are counted when the dashboard is
read; what is stored is days (cohort ends, the day of the last contact), never a count of days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, field, fields

from domain.values import FamilyStatus, HandoverState, Role
from projections.collation import pinyin_key
from projections.db import Row, Tx
from projections.plain import from_iso, local_day

#: An ``IN (…)`` list at most this long.
CHUNK = 500
#: Where a handover whose outgoing volunteer's cohort end is unknown sorts among those in progress (last).
NO_END = "9999-12-31"

STANDING = (
    "CREATE TABLE IF NOT EXISTS continuity_standing (family_id TEXT PRIMARY KEY, status TEXT NOT NULL,"
    " display_name TEXT NOT NULL, name_key TEXT COLLATE BINARY NOT NULL, enrolled_at TEXT NOT NULL, lead_id TEXT,"
    " lead_cohort_id TEXT, lead_departed INTEGER NOT NULL, successor_planned INTEGER NOT NULL,"
    " uncovered INTEGER NOT NULL, cliff_on TEXT, last_contact_at TEXT, last_plain_contact_at TEXT,"
    " quiet_since TEXT NOT NULL, plain_quiet_since TEXT NOT NULL)"
    ";CREATE INDEX IF NOT EXISTS continuity_standing_name ON continuity_standing (status, name_key, family_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_standing_uncovered"
    " ON continuity_standing (status, uncovered, name_key, family_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_standing_cliff"
    " ON continuity_standing (status, cliff_on, name_key, family_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_standing_quiet"
    " ON continuity_standing (status, quiet_since, name_key, family_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_standing_plain_quiet"
    " ON continuity_standing (status, plain_quiet_since, name_key, family_id)"
)
#: How many families (or handovers) count in each measure, by day (or cohort) where the count depends on one.
TALLY = (
    "CREATE TABLE IF NOT EXISTS continuity_tally (measure TEXT NOT NULL, tally_key TEXT NOT NULL,"
    " total BIGINT NOT NULL, PRIMARY KEY (measure, tally_key))"
)
#: The handover's columns this module keeps (beside the view's own).
HANDOVER_COLUMNS = (
    "joint_contacts INTEGER NOT NULL DEFAULT 0, plain_joint_contacts INTEGER NOT NULL DEFAULT 0,"
    " progress_on TEXT, unaccompanied INTEGER, plain_unaccompanied INTEGER"
)
HANDOVER_INDEXES = (
    ";CREATE INDEX IF NOT EXISTS continuity_handover_progress"
    " ON continuity_handover (progress_on, planned_on, handover_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_handover_unaccompanied"
    " ON continuity_handover (unaccompanied, closed_at, handover_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_handover_plain_unaccompanied"
    " ON continuity_handover (plain_unaccompanied, closed_at, handover_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_handover_outgoing_id ON continuity_handover (outgoing_id)"
    ";CREATE INDEX IF NOT EXISTS continuity_handover_incoming_id ON continuity_handover (incoming_id)"
)


def name_key(name: str) -> str:
    """The name's pinyin order (``projections.collation``) as text that sorts by code point: its syllables, each
    ended by U+0002, then U+0001 and the name itself. (U+0001 and U+0002 in a syllable sort as U+0003.)"""
    syllables, _ = pinyin_key(name)
    return "".join(s.translate(_LOW) + "\x02" for s in syllables) + "\x01" + name


_LOW = {0x01: 0x03, 0x02: 0x03}


@dataclass(frozen=True)
class Standing:
    """One family's row of ``continuity_standing``."""

    family_id: str
    status: str
    display_name: str
    name_key: str
    enrolled_at: str
    lead_id: str | None
    lead_cohort_id: str | None
    lead_departed: int
    successor_planned: int
    uncovered: int
    #: the day the lead's cohort ends, for a family whose lead is still in the programme with no successor
    #: planned ("" if that day is unknown): the cliff is every such family whose day is near
    cliff_on: str | None
    last_contact_at: str | None
    last_plain_contact_at: str | None
    #: the day (in Shanghai) of the last contact, or of the enrolment: quiet since then
    quiet_since: str
    plain_quiet_since: str

    def shares(self) -> Iterator[tuple[str, str]]:
        """The tallies this family counts in."""
        if self.status != FamilyStatus.OPEN.value:
            return
        yield "families", ""
        if self.uncovered:
            yield "uncovered", ""
        if self.cliff_on is not None:
            yield "cliff", self.cliff_on
        if self.lead_cohort_id is not None and not self.uncovered:
            yield "led", self.lead_cohort_id
        yield "quiet", self.quiet_since
        yield "plain_quiet", self.plain_quiet_since


COLUMNS = tuple(f.name for f in fields(Standing))


@dataclass(frozen=True)
class HandoverMarks:
    """Which of the dashboard's handover lists a handover is on."""

    handover_id: str
    #: the sort key of a handover in progress: its outgoing volunteer's cohort end (None: not in progress)
    progress_on: str | None
    unaccompanied: int | None
    plain_unaccompanied: int | None

    def shares(self) -> Iterator[tuple[str, str]]:
        if self.progress_on is not None:
            yield "in_progress", ""
        if self.unaccompanied:
            yield "without_joint_visit", ""
        if self.plain_unaccompanied:
            yield "plain_without_joint_visit", ""


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
        new = _standing(row, last.get(row[0], (None, None)), planned.get(row[0], set()))
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


def _standing(row: Row, last: tuple[str | None, str | None], planned: set[str]) -> Standing:
    family_id, status, name, enrolled, lead, departed, cohort, ends = row
    departed_lead = lead is not None and departed is not None
    covered = lead is not None and not departed_lead
    successor = lead is not None and lead in planned
    since = from_iso(enrolled)
    return Standing(
        family_id=family_id,
        status=status,
        display_name=name,
        name_key=name_key(name),
        enrolled_at=enrolled,
        lead_id=lead,
        lead_cohort_id=cohort,
        lead_departed=int(departed_lead),
        successor_planned=int(successor),
        uncovered=int(not covered),
        cliff_on=(ends or "") if covered and not successor else None,
        last_contact_at=last[0],
        last_plain_contact_at=last[1],
        quiet_since=local_day(from_iso(last[0]) if last[0] else since).isoformat(),
        plain_quiet_since=local_day(from_iso(last[1]) if last[1] else since).isoformat(),
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


def recount_joint_contacts(tx: Tx, event_id: str) -> None:
    """Count again the contacts of the handover a corrected contact belonged to (if it was a joint one)."""
    tx.execute(
        "UPDATE continuity_handover SET"
        " joint_contacts = (SELECT COUNT(*) FROM continuity_contact c"
        " WHERE c.handover_id = continuity_handover.handover_id AND c.retracted = 0),"
        " plain_joint_contacts = (SELECT COUNT(*) FROM continuity_contact c"
        " WHERE c.handover_id = continuity_handover.handover_id AND c.retracted = 0 AND c.sensitive = 0)"
        " WHERE handover_id = (SELECT handover_id FROM continuity_contact WHERE event_id = ?)",
        [event_id],
    )


def volunteer_families(tx: Tx, volunteer_id: str) -> Iterable[str]:
    """The families whose standing names the volunteer: those they lead, and those of their open handovers."""
    rows = tx.query(
        "SELECT family_id FROM continuity_assignment WHERE volunteer_id = ? AND ended_at IS NULL"
        " UNION SELECT family_id FROM continuity_handover WHERE outgoing_id = ? OR incoming_id = ?",
        [volunteer_id] * 3,
    )
    return [r[0] for r in rows]
