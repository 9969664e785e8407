"""What is left of an erased family on the read side: a tombstone saying when, by whom and why."""

from __future__ import annotations

from domain.errors import FamilyErased
from projections.db import Tx
from projections.plain import from_iso


def refuse_erased(tx: Tx, family_id: str) -> None:
    """Raise ``FamilyErased`` (when and why) if the timeline view holds the family's tombstone."""
    row = tx.one("SELECT erased_at, reason FROM timeline_erasure WHERE family_id = ?", [family_id])
    if row is not None:
        raise FamilyErased(erased_at=from_iso(str(row[0])), reason=str(row[1]))
