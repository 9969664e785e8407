"""Signed checkpoints: (position, chain head, time) signed with the server's Ed25519 seal key.

An auditor exports them as one JSON document, with the public key, and keeps it off the
server; ``verify`` later proves the log up to each position is the log that was signed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "peiban-seal-checkpoints/1"


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be read as one."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at a position, as signed at a time."""

    position: int
    head: str
    signed_at: str  # ISO 8601, UTC: signed as written
    signature: str  # base64

    def message(self) -> bytes:
        """The bytes that are signed: every field but the signature, in a fixed form."""
        return f"{FORMAT}\n{self.position}\n{self.head}\n{self.signed_at}".encode()

    def signed_by(self, public_key: Ed25519PublicKey) -> bool:
        """Whether the signature is this key's signature of this checkpoint."""
        try:
            public_key.verify(base64.b64decode(self.signature, validate=True), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True


def sign(key: Ed25519PrivateKey, position: int, head: str, at: datetime) -> Checkpoint:
    """A checkpoint of the chain's head at ``position``, signed now with the seal key."""
    unsigned = Checkpoint(position, head, at.isoformat(), "")
    return Checkpoint(position, head, unsigned.signed_at, base64.b64encode(key.sign(unsigned.message())).decode())


def public_pem(key: Ed25519PublicKey) -> str:
    """The public key as PEM text, to hand to auditors."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_pem(text: str) -> Ed25519PublicKey:
    """A public seal key from PEM text (an error unless it is an Ed25519 key)."""
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError) as error:
        raise CheckpointFileError(f"not a public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointFileError("the seal key must be an Ed25519 key")
    return key


def document(checkpoints: Sequence[Checkpoint], public_key: Ed25519PublicKey | None) -> dict[str, Any]:
    """The export an auditor keeps: the public key (None before ``peiban init`` made one) and every checkpoint."""
    return {
        "format": FORMAT,
        "chain": "sha256(previous head, position, version, originator, topic, stored state)",
        "public_key": None if public_key is None else public_pem(public_key),
        "checkpoints": [
            {"position": c.position, "head": c.head, "signed_at": c.signed_at, "signature": c.signature}
            for c in checkpoints
        ],
    }


def read_document(text: str) -> tuple[Ed25519PublicKey, list[Checkpoint]]:
    """The public key and checkpoints of an exported file."""
    try:
        found = json.loads(text)
        if found.get("format") != FORMAT:
            raise CheckpointFileError(f"not a {FORMAT} file")
        checkpoints = [
            Checkpoint(int(c["position"]), str(c["head"]), str(c["signed_at"]), str(c["signature"]))
            for c in found["checkpoints"]
        ]
        return load_public_pem(str(found["public_key"])), checkpoints
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, CheckpointFileError):
            raise
        raise CheckpointFileError(f"cannot read the checkpoint file: {error}") from error
