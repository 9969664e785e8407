"""The seal's signing key pair: created by ``peiban init``, kept in a 0600 file, never in the event store."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class SealKeyError(Exception):
    """A seal key file that exists but cannot be used."""


def create_key(path: Path) -> bool:
    """Write a new Ed25519 private key to ``path`` (0600) unless one is there; True when created."""
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return True


def load_key(path: Path) -> Ed25519PrivateKey | None:
    """The private key at ``path``, or None when there is no file (the seal then signs nothing)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SealKeyError(f"{path}: 不是可用的封印密钥 / not a usable seal key ({error})") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SealKeyError(f"{path}: 封印密钥必须是 Ed25519 / the seal key must be Ed25519")
    return key
