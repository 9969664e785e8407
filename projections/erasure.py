"""What is left of an erased record on the read side: a tombstone saying when, by whom and why.

An erased family leaves only its tombstone. An erased volunteer stays where they were in every family's
history (a visit still shows that a volunteer came), under a neutral name, and the user names of their
accounts give way to the same name wherever they recorded or read something.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.accounts import account_id
from domain.errors import FamilyErased, VolunteerErased
from projections.db import Tx
from projections.plain import from_iso

#: What an erased volunteer (and their accounts' user names) is called in every view: Chinese, then English.
ERASED_VOLUNTEER = "已删除的义工 / erased volunteer"


def refuse_erased(tx: Tx, family_id: str) -> None:
    """Raise ``FamilyErased`` (when and why) if the timeline view holds the family's tombstone."""
    row = tx.one("SELECT erased_at, reason FROM timeline_erasure WHERE family_id = ?", [family_id])
    if row is not None:
        raise FamilyErased(erased_at=from_iso(str(row[0])), reason=str(row[1]))


def refuse_erased_volunteer(tx: Tx, volunteer_id: str) -> None:
    """Raise ``VolunteerErased`` (when and why) if the continuity view holds the volunteer's tombstone."""
    row = tx.one("SELECT erased_at, reason FROM continuity_volunteer_erasure WHERE volunteer_id = ?", [volunteer_id])
    if row is not None:
        raise VolunteerErased(erased_at=from_iso(str(row[0])), reason=str(row[1]))


def forget_actors(tx: Tx, accounts: Iterable[UUID], columns: Iterable[tuple[str, str]]) -> None:
    """Replace, in each ``(table, column)``, the user names of ``accounts`` with the neutral name. A user name is
    found by its account id (derived from the name), so the fact that erases needs to name no one."""
    erased = set(accounts)
    for table, column in columns:
        for (name,) in tx.query(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"):
            if account_id(str(name)) in erased:
                tx.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [ERASED_VOLUNTEER, name])
