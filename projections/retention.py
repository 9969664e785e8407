"""The retention list: families a coordinator should consider erasing, each with the reason.

Two reasons: the case was closed longer ago than the retention period, or the guardian withdrew
consent to records. Read from the continuity view in one SELECT; erased families are not in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from projections.db import Tx
from projections.plain import from_iso, iso


class RetentionReason(Enum):
    CLOSED_LONG_AGO = "closed_long_ago"
    CONSENT_WITHDRAWN = "consent_withdrawn"


@dataclass(frozen=True)
class RetentionCandidate:
    """A family that may be erased, and why (since when)."""

    family_id: str
    display_name: str
    reason: RetentionReason
    since: datetime


CANDIDATES = (
    "SELECT f.family_id, f.display_name,"
    " (SELECT MAX(c.closed_at) FROM continuity_closure c WHERE c.family_id = f.family_id) AS closed_at,"
    " k.records_withdrawn_at"
    " FROM continuity_family f LEFT JOIN continuity_consent k ON k.family_id = f.family_id"
    " WHERE k.records_withdrawn_at IS NOT NULL OR (f.status = 'closed' AND"
    " (SELECT MAX(c.closed_at) FROM continuity_closure c WHERE c.family_id = f.family_id) <= ?)"
    " ORDER BY f.family_id"
)


def retention_candidates(tx: Tx, *, now: datetime, retention_days: int) -> list[RetentionCandidate]:
    """Families closed more than ``retention_days`` ago, or without consent to records; oldest reason first."""
    cutoff = iso(now - timedelta(days=retention_days))
    found = []
    for family_id, name, closed_at, withdrawn_at in tx.query(CANDIDATES, [cutoff]):
        if withdrawn_at is not None:
            reason, since = RetentionReason.CONSENT_WITHDRAWN, str(withdrawn_at)
        else:
            reason, since = RetentionReason.CLOSED_LONG_AGO, str(closed_at)
        found.append(RetentionCandidate(str(family_id), str(name), reason, from_iso(since)))
    return sorted(found, key=lambda c: (c.since, c.family_id))
