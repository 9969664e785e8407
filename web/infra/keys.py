"""Opening the key store with the configured master key, and refusing a store it cannot read."""

from __future__ import annotations

import os
from typing import TypeVar

from domain.app_base import utc_now
from domain.encryption import EncryptedApplication, FactUnreadable, KeyUnavailable, is_encrypted
from projections.keystore import KEY_BYTES, KeyStore, WrongMasterKey, key_database
from web.settings import Settings
from web.settings.master_key import MasterKeyError, create_master_key, missing, read_master_key

E = TypeVar("E", bound=EncryptedApplication)


class NotEncrypted(MasterKeyError):
    """A store written before encryption: it is migrated by ``peiban encrypt``, never read as it is."""


def open_keys(settings: Settings) -> KeyStore:
    """The key store, unlocked with the configured master key; a new store gets a new master key."""
    keys = KeyStore(key_database(settings.store), clock=utc_now)
    try:
        master = read_master_key(settings)
        if master is None:
            if keys.remembered_check() is not None:
                raise missing(settings)
            master = _new_master_key(settings)
        keys.unlock(master)
    except WrongMasterKey as error:
        keys.close()
        raise MasterKeyError(f"{error} ({settings.master_key_path()} / PEIBAN_MASTER_KEY)") from error
    except MasterKeyError:
        keys.close()
        raise
    return keys


def _new_master_key(settings: Settings) -> bytes:
    """A master key for a key store that has never held a key: in memory for tests, else a new 0600 file."""
    if settings.store.backend == "memory":
        return os.urandom(KEY_BYTES)
    create_master_key(settings.master_key_path())
    master = read_master_key(settings)
    assert master is not None
    return master


def check_readable(app: EncryptedApplication, *, unencrypted_ok: bool = False) -> None:
    """Refuse, at start, a store whose facts this key store cannot read: written unencrypted (before
    ``peiban encrypt``), or encrypted with keys this key store does not hold (another or a lost key store)."""
    first = app.recorder.select_notifications(0, 1)
    if not first:
        return
    if not is_encrypted(first[0].state):
        if unencrypted_ok:
            return
        raise NotEncrypted(
            f"存储 {app.name} 尚未加密：请先停止服务并运行 peiban encrypt / the store {app.name} is not encrypted"
            " yet: stop the server and run `peiban encrypt` first"
        )
    try:
        app.mapper.to_domain_event(first[0])
    except (KeyUnavailable, FactUnreadable) as error:
        raise MasterKeyError(
            f"密钥库与存储 {app.name} 不符（密钥库丢失或换了）/ the key store does not match the store {app.name}"
            f" (lost or replaced): {error}"
        ) from error
