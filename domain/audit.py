"""The read audit: every read of a family's record, kept as a fact in a store of its own.

Each read is a one-event record with its own id, so readers never contend with each
other; the store's log gives the global order, and a view indexes it by family and
by reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import Environment, register_topic

from domain.encryption import EncryptedApplication, KeyRing
from domain.transcodings import EnumAsValue

#: The audit store's one key (an owner in the key store like any record).
AUDIT_KEY = uuid5(NAMESPACE_URL, "peiban:audit")


class ReadKind(Enum):
    """What part of a family's record was read (stored data: never rename a value)."""

    PROFILE = "profile"
    TIMELINE = "timeline"
    BRIEFING = "briefing"
    RAW_FACTS = "raw_facts"
    EXPORT = "export"
    AS_OF = "as_of"


class FamilyRead(DomainEvent):
    """Someone read part of a family's record."""

    TOPIC = "peiban.audit.FamilyRead"
    reader: str
    role: str
    family_id: UUID
    what: ReadKind
    address: str
    detail: str


class ReadersErased(DomainEvent):
    """The personal data of these accounts' volunteer was erased: the access log shows their reads under a
    neutral name from here on (ids only: an account's id is derived from its user name)."""

    TOPIC = "peiban.audit.ReadersErased"
    account_ids: list[UUID]


register_topic(FamilyRead.TOPIC, FamilyRead)
register_topic(ReadersErased.TOPIC, ReadersErased)


class AuditTrail(EncryptedApplication):
    """Append-only record of reads, in its own store (``name`` is stored data)."""

    name = "peiban_audit"

    def __init__(
        self, env: Mapping[str, str] | None = None, *, clock: Callable[[], datetime], keys: KeyRing | None = None
    ) -> None:
        self.clock = clock
        self.keys = keys
        super().__init__(env)

    def key_owner(self, originator_id: UUID) -> UUID:
        """One key for the whole audit store: who read a family must stay on record after the family is
        erased, and a key per family would need the family named in clear beside every record."""
        return AUDIT_KEY

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(EnumAsValue(ReadKind))

    def record_read(
        self, *, reader: str, role: str, family_id: UUID, what: ReadKind, address: str, detail: str = ""
    ) -> UUID:
        """Record that ``reader`` read ``what`` of a family, from ``address``; returns the record's id."""
        record = FamilyRead(  # type: ignore[call-arg]
            originator_id=uuid4(),
            originator_version=1,
            timestamp=self.clock(),
            reader=reader,
            role=role,
            family_id=family_id,
            what=what,
            address=address[:100],
            detail=detail[:200],
        )
        self.save(record)
        return record.originator_id

    def record_readers_erased(self, account_ids: list[UUID]) -> None:
        """Record that the reads of these accounts are to be shown without their user names."""
        record = ReadersErased(  # type: ignore[call-arg]
            originator_id=uuid4(), originator_version=1, timestamp=self.clock(), account_ids=sorted(set(account_ids))
        )
        self.save(record)

    def log_position(self) -> int:
        """The id of the last record (0 when none)."""
        return self.recorder.max_notification_id() or 0

    def read_records(self, after: int = 0, limit: int = 1000) -> list[tuple[int, Any]]:
        """The records after position ``after``, with their positions."""
        notifications = self.recorder.select_notifications(after, limit, inclusive_of_start=False)
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]
