"""One link of the seal's hash chain: the head after a fact = SHA-256(previous head, the fact as stored)."""

from __future__ import annotations

import hashlib
import struct
from typing import Protocol
from uuid import UUID

#: The head before the first fact: a fixed value naming the chain's format.
GENESIS = hashlib.sha256(b"peiban-seal/1").hexdigest()


class StoredFact(Protocol):
    """What the chain reads of a notification: its position and its stored bytes, never the decoded fact."""

    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


def _framed(data: bytes) -> bytes:
    """A field with its length in front, so that no two different facts hash the same bytes."""
    return struct.pack(">Q", len(data)) + data


def link(head: str, fact: StoredFact) -> str:
    """The chain's head after ``fact``, given the head before it."""
    originator = fact.originator_id if isinstance(fact.originator_id, UUID) else UUID(str(fact.originator_id))
    sha = hashlib.sha256(bytes.fromhex(head))
    sha.update(struct.pack(">QQ", fact.id, fact.originator_version))
    sha.update(originator.bytes)
    sha.update(_framed(fact.topic.encode()))
    sha.update(_framed(bytes(fact.state)))
    return sha.hexdigest()
