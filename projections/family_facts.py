"""Lookups of one family's recorded facts in the timeline view: its profile, and what a visit was part of.

The profile is folded from the family's enrolment, profile updates and consents as
the view holds them, so answering "who is this family" never replays the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.kinds import EntryKind
from projections.db import Tx
from projections.erasure import refuse_erased
from projections.plain import from_iso

PROFILE_KINDS = (EntryKind.ENROLLED, EntryKind.PROFILE_UPDATED, EntryKind.CONSENT_RECORDED, EntryKind.CONSENT_WITHDRAWN)


@dataclass(frozen=True)
class FamilyProfile:
    """Who the family is, as recorded: name shown, community, household, circumstances, consent."""

    family_id: str
    display_name: str
    community: str
    referral_source: str
    household: list[dict[str, Any]]
    circumstances: list[str]
    consent_scopes: list[str]
    enrolled_at: datetime


def family_profile(tx: Tx, family_id: str) -> FamilyProfile | None:
    """The family's profile as it stands now; None if no such family was enrolled (``FamilyErased``: erased)."""
    refuse_erased(tx, family_id)
    marks = ", ".join("?" for _ in PROFILE_KINDS)
    rows = tx.query(
        f"SELECT kind, occurred_at, data FROM timeline_entry WHERE family_id = ? AND kind IN ({marks})"
        " ORDER BY version",
        [family_id, *PROFILE_KINDS],
    )
    if not rows or rows[0][0] != EntryKind.ENROLLED:
        return None
    enrolled = json.loads(rows[0][2])
    profile = {name: enrolled[name] for name in ("display_name", "community", "referral_source", "household")}
    profile["circumstances"] = list(enrolled["circumstances"])
    scopes = set(enrolled["consent"]["scopes"])
    for kind, _, data in rows[1:]:
        fields = json.loads(data)
        if kind == EntryKind.PROFILE_UPDATED:
            profile.update(fields["changes"])
        elif kind == EntryKind.CONSENT_RECORDED:
            scopes |= set(fields["consent"]["scopes"])
        else:
            scopes -= set(fields["scopes"])
    return FamilyProfile(
        family_id=family_id, consent_scopes=sorted(scopes), enrolled_at=from_iso(rows[0][1]), **profile
    )
