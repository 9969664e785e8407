"""Erasure (crypto-shredding): a family's record made unreadable for good by destroying its key.

The log is never edited: the ``Family.Erased`` fact is appended first (under the erasure register's
key, as it holds no personal data), then the family's key is destroyed. Every fact of the family
still stands in the log, in its place, as ciphertext nobody can read; the seal, which hashes the
stored bytes, still verifies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.aggregate import CommandId, Entry
from domain.app_base import PeibanBase, require_id
from domain.errors import ErasureUnavailable
from domain.family import Family
from domain.volunteer import Volunteer


class _ErasedBefore(Exception):
    """The record's ``Erased`` fact is already stored: nothing more is recorded."""


class ErasureCommands(PeibanBase):
    #: the facts that say a record was erased stay readable after its key is gone
    register_topics = frozenset({Family.Erased.TOPIC, Volunteer.Erased.TOPIC})

    def erase_family(
        self, family_id: UUID, *, reason: str, recorded_by: Actor, command_id: CommandId | None = None
    ) -> UUID:
        """Erase a family's record: record why (no personal data), then destroy the family's key."""
        now = self.clock()
        return self._erase(
            Family,
            family_id,
            "family_id",
            lambda family: family.erase(Entry(recorded_by, None, now, command_id), reason=reason),
            command_id,
        )

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
        now = self.clock()
        entry = Entry(recorded_by, None, now, command_id)
        return self._erase(
            Volunteer,
            volunteer_id,
            "volunteer_id",
            lambda volunteer: volunteer.erase(entry, reason=reason, account_ids=account_ids),
            command_id,
        )

    def _erase(
        self,
        kind: type[Family] | type[Volunteer],
        record_id: UUID,
        field: str,
        erase: Callable[[Any], UUID],
        command_id: CommandId | None,
    ) -> UUID:
        """Record the ``Erased`` fact once, then destroy the key, at the time and for the reason that fact says.
        A record whose ``Erased`` fact is stored but whose key still stands (the process died in between, or
        another erasure of it was saved first) records nothing more: its erasure is finished."""
        if self.keys is None:
            raise ErasureUnavailable()
        rid = require_id(record_id, field)

        def once(record: Any) -> UUID:
            if record.erasure_reason:
                raise _ErasedBefore()
            return erase(record)

        with contextlib.suppress(_ErasedBefore):
            self._change(kind, rid, once, field, command_id)
        fact = self._erasure_fact(rid)
        # Destroyed after the fact is stored: a crash in between leaves a key to destroy on the next try.
        self.keys.destroy(rid, at=fact.timestamp, reason=fact.reason)
        self._forget(rid)
        return fact.event_id

    def _erasure_fact(self, record_id: UUID) -> Family.Erased | Volunteer.Erased:
        """The record's ``Erased`` fact, readable under the register's key (the newest, should there be two)."""
        for fact in self.events.get(record_id, desc=True):
            if isinstance(fact, Family.Erased | Volunteer.Erased):
                return fact
        raise AssertionError(f"no erasure of {record_id} is stored")  # _erase stored or found one just before

    def erased_volunteer(self, volunteer_id: UUID) -> Volunteer.Erased | None:
        """The fact that erased the volunteer (readable under the register's key), if they were erased."""
        for fact in self.events.get(volunteer_id, desc=True, limit=1):
            if isinstance(fact, Volunteer.Erased):
                return fact
        return None

    def _forget(self, record_id: UUID) -> None:
        """Drop an erased record from the aggregate cache: its plaintext should not outlive its key in memory."""
        self.shared.forget(record_id)
