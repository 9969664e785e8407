"""Encryption at rest: every stored fact's state sealed with the key of the record it belongs to.

A family's facts (and its snapshots) are encrypted with the family's own key, a volunteer's
with the volunteer's, an account's with the account's: destroying one key makes one record
unreadable and leaves every other untouched. The keys come from a ``KeyRing`` that the web
layer wires (this module reads no configuration); ids, versions and topics stay in clear,
as the log's order and the seal need them.

The associated data binds each ciphertext to its row (aggregate id, version, topic), so a
payload copied into another row, or another position of the same record, fails to decrypt.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.application import Application
from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    IntegrityError,
    InternalError,
    Mapper,
    MapperDeserialisationError,
    Recording,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic

#: The first bytes of every encrypted state: a zero byte never starts the JSON of a plaintext state.
MAGIC = b"\x00pb1"
NONCE_BYTES = 12
#: ids parsed from their stored text, kept for the next fact of the same record
PARSED_IDS = 4096


class KeyUnavailable(Exception):
    """No key for a record: never created in this key store, or destroyed (erased)."""

    def __init__(self, owner: UUID, why: str) -> None:
        super().__init__(f"记录 {owner} 的密钥不可用 / the key of record {owner} is unavailable: {why}")
        self.owner = owner


class KeyErased(KeyUnavailable):
    """The record's key was destroyed on purpose (erasure): its facts are gone for good."""

    def __init__(self, owner: UUID, erasure: Erasure) -> None:
        super().__init__(
            owner, f"已于 {erasure.erased_at.isoformat()} 删除 / erased on {erasure.erased_at.isoformat()}"
        )
        self.erasure = erasure


@dataclass(frozen=True)
class Erasure:
    """When and why a record's key was destroyed (kept in the key store in place of the key)."""

    erased_at: datetime
    reason: str


@dataclass(frozen=True)
class Shredded:
    """What an erased record's stored fact reads as: only where it stood in the log, no content."""

    originator_id: UUID
    originator_version: int
    topic: str


#: The key of the erasure register: the facts that say a record was erased (no personal data in them)
#: are kept under it, not under the erased record's own key, so they stay readable after the erasure.
REGISTER_KEY = UUID("00000000-0000-4000-8000-00000000e1a5")


class FactUnreadable(MapperDeserialisationError):
    """A stored state that cannot be decrypted where it is: a wrong key, a moved or altered payload."""


class KeyRing(Protocol):
    """Where the cipher of a record's 256-bit data key comes from (the key made on the record's first write)."""

    def cipher(self, owner: UUID, *, create: bool) -> AESGCM: ...

    def load(self, owners: Iterable[UUID], *, create: bool) -> Mapping[UUID, AESGCM]: ...

    def destroy(self, owner: UUID, *, at: datetime, reason: str) -> None: ...

    def erasure(self, owner: UUID) -> Erasure | None: ...


#: Which key a stored row belongs to, from its originator id.
Owner = Callable[[UUID], UUID]


def is_encrypted(state: bytes) -> bool:
    """Whether a stored state was written by the encrypting mapper."""
    return bytes(state[: len(MAGIC)]) == MAGIC


def associated_data(originator_id: UUID | str, version: int, topic: str) -> bytes:
    """What binds a ciphertext to its row: aggregate id, version and topic (authenticated, not encrypted)."""
    return _ad(_uuid(originator_id), version, topic)


def _ad(uid: UUID, version: int, topic: str) -> bytes:
    return _ID_AND_VERSION(uid.bytes, version) + topic.encode()


_ID_AND_VERSION = struct.Struct(">16sQ").pack
_SEALED = len(MAGIC) + NONCE_BYTES


class EncryptingMapper(Mapper[UUID]):
    """eventsourcing's mapper, with every state encrypted (AES-256-GCM) under its record's key.

    The ciphers come from the key ring, which alone keeps them (so a destroyed key leaves memory
    with its cipher); a page of rows read together has its keys fetched in one query first.
    """

    def __init__(
        self, transcoder: Transcoder, keys: KeyRing, owner: Owner, register: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(transcoder)
        self.keys = keys
        self.owner = owner
        #: topics of the facts kept under the erasure register's key
        self.register = register

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        return _row(stored, self.encrypt(stored, stored.state))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self._fact(stored_event, None)

    def to_domain_events(self, rows: Sequence[StoredEvent]) -> list[Any]:
        """The facts of rows read together (a page of the log), their keys fetched in one query first."""
        owners = [self._key_owner(_uuid(row.originator_id), row.topic) for row in rows]
        ciphers = self.keys.load(set(owners), create=False)
        return [self._fact(row, ciphers.get(owner)) for row, owner in zip(rows, owners, strict=True)]

    def _fact(self, row: StoredEvent, aead: AESGCM | None) -> Any:
        try:
            state = self.decrypt(row, aead)
        except KeyErased:
            return Shredded(_uuid(row.originator_id), row.originator_version, row.topic)
        return super().to_domain_event(_row(row, state))

    def make_keys(self, domain_events: Sequence[Any]) -> None:
        """Make the keys of the records of one save in one transaction (one wait for the disk, not one each)."""
        owners = {self._key_owner(e.originator_id, get_topic(type(e))) for e in domain_events}
        if len(owners) > 1:  # one record: its first encryption makes its key just the same
            self.keys.load(owners, create=True)

    def _key_owner(self, uid: UUID, topic: str) -> UUID:
        return REGISTER_KEY if topic in self.register else self.owner(uid)

    def encrypt(self, row: StoredEvent, plaintext: bytes) -> bytes:
        """The stored form of ``plaintext`` for ``row`` (its key created if this is the record's first write)."""
        uid = _uuid(row.originator_id)
        aead = self.keys.cipher(self._key_owner(uid, row.topic), create=True)
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + aead.encrypt(nonce, plaintext, _ad(uid, row.originator_version, row.topic))

    def decrypt(self, row: StoredEvent, aead: AESGCM | None = None) -> bytes:
        """The plaintext state of a stored row (by ``aead``, when its key's cipher is at hand already);
        a clear error if it is not this row's ciphertext."""
        state = row.state if type(row.state) is bytes else bytes(row.state)  # PostgreSQL may give a memoryview
        if state[: len(MAGIC)] != MAGIC:
            raise FactUnreadable(f"事实未加密 / the fact is stored unencrypted: {_where(row)}")
        uid = _uuid(row.originator_id)
        if aead is None:
            aead = self.keys.cipher(self._key_owner(uid, row.topic), create=False)
        ad = _ad(uid, row.originator_version, row.topic)
        try:
            return aead.decrypt(state[len(MAGIC) : _SEALED], state[_SEALED:], ad)
        except InvalidTag:
            raise FactUnreadable(
                f"事实无法解密（密文被改动或被移到别的行）/ the fact cannot be decrypted"
                f" (altered, or moved from another row): {_where(row)}"
            ) from None


def to_domain_events(mapper: Mapper[UUID], rows: Sequence[StoredEvent]) -> list[Any]:
    """The facts of a page of the log, by any mapper (an encrypting one fetches the page's keys at once)."""
    if isinstance(mapper, EncryptingMapper):
        return mapper.to_domain_events(rows)
    return [mapper.to_domain_event(row) for row in rows]


def _where(row: StoredEvent) -> str:
    return f"{row.topic} {row.originator_id} v{row.originator_version}"


def _row(row: StoredEvent, state: bytes) -> StoredEvent:
    """The row with another state, made as the library makes its events: the frozen dataclass's
    ``__init__`` (or ``dataclasses.replace``) costs about as much as the cipher itself."""
    made: StoredEvent = _new(StoredEvent)
    _set(
        made,
        "__dict__",
        {
            "originator_id": row.originator_id,
            "originator_version": row.originator_version,
            "topic": row.topic,
            "state": state,
        },
    )
    return made


_new = object.__new__
_set = object.__setattr__


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else _parsed(str(value))


@lru_cache(maxsize=PARSED_IDS)
def _parsed(text: str) -> UUID:
    """An id as stored in SQLite (text), parsed once: a record's facts are read together."""
    return UUID(text)


class KeysFirstEventStore(EventStore[UUID]):
    """The library's event store, with the keys of every record in a save made together before encrypting."""

    def __init__(self, mapper: EncryptingMapper, recorder: AggregateRecorder) -> None:
        super().__init__(mapper, recorder)
        self.encrypting = mapper

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        self.encrypting.make_keys(domain_events)
        return super().put(domain_events, **kwargs)


class EncryptedApplication(Application[UUID]):
    """An application whose stored facts are encrypted when it is given a key ring (the web layer gives one)."""

    #: set before the library builds the mapper (in ``Application.__init__``)
    keys: KeyRing | None = None
    #: topics of facts kept under the erasure register's key (they say a record was erased, and nothing personal)
    register_topics: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        #: what else to close with the application (a key store it was given to own)
        self.also_close: list[Callable[[], None]] = []
        for attempt in range(8):
            try:
                super().__init__(env)
                return
            except (InternalError, IntegrityError):
                # Several processes starting at once (web workers, a follower) race to create or replace the
                # same tables, types and functions ("tuple concurrently updated"); the loser tries again.
                if attempt == 7:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def close(self) -> None:
        super().close()
        for close in self.also_close:
            close()
        self.also_close = []

    def key_owner(self, originator_id: UUID) -> UUID:
        """Whose key encrypts the facts of ``originator_id``: the aggregate's own."""
        return originator_id

    def construct_mapper(self) -> Mapper[UUID]:
        if self.keys is None:
            return super().construct_mapper()
        return EncryptingMapper(self.construct_transcoder(), self.keys, self.key_owner, self.register_topics)

    def construct_event_store(self) -> EventStore[UUID]:
        if isinstance(self.mapper, EncryptingMapper):
            return KeysFirstEventStore(self.mapper, self.recorder)
        return super().construct_event_store()
