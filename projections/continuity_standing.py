"""Where each family stands, as its record stands now: the rows the continuity dashboard pages through.

The dashboard's lists (open families, uncovered, cliff, quiet; handovers in progress and those completed
without a joint visit) are read a page at a time along indexes, and their sizes from a tally, so that a
dashboard costs the same at 100 families as at 100,000. Both are worked out from the continuity view's own
rows at the end of each batch of facts (``projections.continuity_settle``).

A family's standing is its record as it stands: a contact or a departure counts once it is on record (the
domain keeps ``occurred_at`` within a few minutes of the clock). The days are counted when the dashboard is
read; what is stored is days (cohort ends, the day of the last contact), never a count of days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields

from domain.values import FamilyStatus
from projections.collation import pinyin_key
from projections.db import Row
from projections.plain import from_iso, local_day

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


def standing_of(row: Row, last: tuple[str | None, str | None], planned: set[str]) -> Standing:
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
