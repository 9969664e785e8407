"""The master key: read from ``PEIBAN_MASTER_KEY`` (base64) or a 0600 file, made for a new store only.

It wraps every data key in the key store. Without it (or with another one) an encrypted store
does not open: Peiban stops at start with a clear message rather than run without its data.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from projections.keystore import KEY_BYTES
from web.settings import Settings


class MasterKeyError(Exception):
    """The store cannot be opened with the master key configured (missing, unreadable or wrong)."""


def create_master_key(path: Path) -> bool:
    """Write a new random 256-bit master key (base64) to ``path`` with 0600, unless one is there."""
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(base64.b64encode(os.urandom(KEY_BYTES)) + b"\n")
    return True


def parse_master_key(text: str, where: str) -> bytes:
    """32 bytes from their base64 text."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{where}: 主密钥须为 32 字节的 base64 / the master key must be 32 bytes in base64")
    return key


def read_master_key(settings: Settings) -> bytes | None:
    """The configured master key, or None when neither the variable nor the file gives one."""
    if settings.master_key:
        return parse_master_key(settings.master_key, "PEIBAN_MASTER_KEY")
    path = settings.master_key_path()
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise MasterKeyError(f"{path}: 主密钥无法读取 / cannot read the master key ({error})") from error
    return parse_master_key(text, str(path))


def missing(settings: Settings) -> MasterKeyError:
    """The error for an encrypted store opened without its master key."""
    return MasterKeyError(
        f"缺少主密钥：数据已加密，请设置 PEIBAN_MASTER_KEY 或提供 {settings.master_key_path()} / "
        f"the master key is missing: this store is encrypted; set PEIBAN_MASTER_KEY or provide "
        f"{settings.master_key_path()} (PEIBAN_MASTER_KEY_FILE)"
    )
