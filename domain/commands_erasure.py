"""Erasure (crypto-shredding): a family's record made unreadable for good by destroying its key.

The log is never edited: the ``Family.Erased`` fact is appended first (under the erasure register's
key, as it holds no personal data), then the family's key is destroyed. Every fact of the family
still stands in the log, in its place, as ciphertext nobody can read; the seal, which hashes the
stored bytes, still verifies.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from domain.actor import Actor
from domain.aggregate import CommandId, Entry
from domain.app_base import PeibanBase, require_id
from domain.errors import ErasureUnavailable
from domain.family import Family
from domain.volunteer import Volunteer


class ErasureCommands(PeibanBase):
    #: the facts that say a record was erased stay readable after its key is gone
    register_topics = frozenset({Family.Erased.TOPIC, Volunteer.Erased.TOPIC})

    def erase_family(
        self, family_id: UUID, *, reason: str, recorded_by: Actor, command_id: CommandId | None = None
    ) -> UUID:
        """Erase a family's record: record why (no personal data), then destroy the family's key."""
        if self.keys is None:
            raise ErasureUnavailable()
        fid = require_id(family_id, "family_id")
        now = self.clock()
        reasons: list[str] = []

        def erase(family: Family) -> UUID:
            fact = family.erase(Entry(recorded_by, None, now, command_id), reason=reason)
            reasons.append(family.erasure_reason)
            return fact

        fact = self._change(Family, fid, erase, "family_id", command_id)
        # Destroyed after the fact is stored: a crash in between leaves a key to destroy on the next try.
        self.keys.destroy(fid, at=now, reason=reasons[0] if reasons else str(reason).strip())
        self._forget(fid)
        return fact

    def erase_volunteer(
        self,
        volunteer_id: UUID,
        *,
        reason: str,
        account_ids: list[UUID],
        recorded_by: Actor,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Erase a departed volunteer's personal data: record why and which accounts were theirs (ids, no personal
        data), then destroy the volunteer's key. Their accounts' keys are the accounts store's to destroy."""
        if self.keys is None:
            raise ErasureUnavailable()
        vid = require_id(volunteer_id, "volunteer_id")
        now = self.clock()
        reasons: list[str] = []

        def erase(volunteer: Volunteer) -> UUID:
            fact = volunteer.erase(Entry(recorded_by, None, now, command_id), reason=reason, account_ids=account_ids)
            reasons.append(volunteer.erasure_reason)
            return fact

        fact = self._change(Volunteer, vid, erase, "volunteer_id", command_id)
        self.keys.destroy(vid, at=now, reason=reasons[0] if reasons else str(reason).strip())
        self._forget(vid)
        return fact

    def erased_volunteer(self, volunteer_id: UUID) -> Volunteer.Erased | None:
        """The fact that erased the volunteer (readable under the register's key), if they were erased."""
        for fact in self.events.get(volunteer_id, desc=True, limit=1):
            if isinstance(fact, Volunteer.Erased):
                return fact
        return None

    def _forget(self, record_id: UUID) -> None:
        """Drop an erased record from the aggregate cache: its plaintext should not outlive its key in memory."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(record_id, evict=True)
