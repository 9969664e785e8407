"""The key store: each record's data key, wrapped by the master key, apart from the event store.

It lives in its own SQLite file (``keys.sqlite3``) or PostgreSQL schema (``<prefix>_keys``), so
that a copy of the event store alone holds no key; the master key itself is never stored, only
a check value that tells a wrong master key at start. Unwrapped keys are kept in memory as
ready ciphers (bounded: the first cached is the first dropped; a destroyed key is dropped at once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import StoreSettings
from domain.encryption import Erasure, KeyErased, KeyUnavailable
from projections.db import MemoryViewDatabase, PostgresViewDatabase, Row, SQLiteViewDatabase, Tx, ViewDatabase

KEY_BYTES = 32
WRAP_CONTEXT = b"peiban-key/1"
CHECK_CONTEXT = b"peiban-master-key-check/1"

TABLES = (
    "CREATE TABLE IF NOT EXISTS master (name TEXT PRIMARY KEY, check_value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS data_keys (owner TEXT PRIMARY KEY, wrapped TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS erased (owner TEXT PRIMARY KEY, erased_at TEXT NOT NULL, reason TEXT NOT NULL)",
)


class WrongMasterKey(Exception):
    """The master key given is not the one this key store's keys are wrapped with."""

    def __init__(self) -> None:
        super().__init__(
            "主密钥不对：不是加密这些数据的那把 / wrong master key: not the key this data was encrypted with"
        )


def key_database(settings: StoreSettings) -> ViewDatabase:
    """The key store's own database: ``keys.sqlite3``, or the schema ``<prefix>_keys``."""
    if settings.backend == "postgres":
        return PostgresViewDatabase("keys", settings, f"{settings.postgres.schema or 'peiban'}_keys")
    if settings.backend == "sqlite":
        return SQLiteViewDatabase("keys", settings.sqlite_file("keys"), durable=True)
    return MemoryViewDatabase("keys")


def check_value(master: bytes) -> str:
    """A value that tells the master key again without revealing it."""
    return hmac.new(master, CHECK_CONTEXT, hashlib.sha256).hexdigest()


def wrap(master: bytes, owner: UUID, key: bytes) -> str:
    """``key`` encrypted under the master key, bound to its owner (a wrapped key moved to another fails)."""
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(master).encrypt(nonce, key, WRAP_CONTEXT + owner.bytes)).decode()


def unwrap(master: bytes, owner: UUID, wrapped: str) -> bytes:
    """The data key inside a wrapped one (an error if altered or moved)."""
    raw = base64.b64decode(wrapped)
    try:
        return AESGCM(master).decrypt(raw[:12], raw[12:], WRAP_CONTEXT + owner.bytes)
    except InvalidTag:
        raise KeyUnavailable(owner, "密钥记录被改动 / its wrapped key was altered") from None


#: owners asked for in one query (well under every database's limit on parameters)
CHUNK = 500


def _among(tx: Tx, select: str, owners: set[UUID]) -> list[Row]:
    """The rows of ``select`` whose owner is one of ``owners``, a chunk of owners per query."""
    ids = [str(owner) for owner in owners]
    rows: list[Row] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows += tx.query(f"{select} WHERE owner IN ({', '.join('?' * len(chunk))})", chunk)
    return rows


class KeyStore:
    """Data keys per record, wrapped by the master key; opened with ``unlock`` before any use."""

    def __init__(self, db: ViewDatabase, *, clock: Callable[[], datetime], cache_size: int = 10_000) -> None:
        self.db = db
        self.clock = clock
        self.cache_size = cache_size
        self._master: bytes | None = None
        #: ready ciphers, by owner (a cipher holds its data key: dropped when the key is destroyed)
        self._cache: dict[UUID, AESGCM] = {}
        #: how many keys this process destroyed: a load that saw a destruction caches nothing
        self._destroyed = 0
        self._lock = threading.Lock()
        with self.db.write() as tx:
            for ddl in TABLES:
                tx.execute(ddl)

    def remembered_check(self) -> str | None:
        """The check value of the master key this store was first unlocked with (None: never)."""
        with self.db.read() as tx:
            row = tx.one("SELECT check_value FROM master WHERE name = 'master'")
        return None if row is None else str(row[0])

    def unlock(self, master: bytes) -> None:
        """Use ``master`` from now on: remembered the first time, refused if it is not the remembered one."""
        if len(master) != KEY_BYTES:
            raise WrongMasterKey()
        with self.db.write() as tx:
            row = tx.one("SELECT check_value FROM master WHERE name = 'master'")
            if row is None:
                tx.execute("INSERT INTO master (name, check_value) VALUES ('master', ?)", [check_value(master)])
            elif not hmac.compare_digest(str(row[0]), check_value(master)):
                raise WrongMasterKey()
        self._master = master

    def cipher(self, owner: UUID, *, create: bool) -> AESGCM:
        """The cipher of ``owner``'s data key, the key made (random, 256 bits) and stored wrapped on its first write."""
        found = self._cache.get(owner)  # a dict read is atomic: the lock only guards changes
        if found is not None:
            return found
        found = self._load({owner}, create=create).get(owner)
        if found is None:
            erasure = self.erasure(owner)
            if erasure is not None:
                raise KeyErased(owner, erasure)  # never a new key for an erased record
            raise KeyUnavailable(owner, "密钥库中没有它的密钥 / the key store holds no key for it")
        return found

    def load(self, owners: Iterable[UUID], *, create: bool) -> dict[UUID, AESGCM]:
        """The ciphers of ``owners``, those not in memory fetched in one query (a page of the log, a save).

        With ``create``, the missing keys are made in one transaction (one wait for the disk); an
        owner without a key (erased, or never written) is left out, for ``cipher`` to refuse.
        """
        found, wanted = {}, set()
        for owner in owners:
            cipher = self._cache.get(owner)
            if cipher is None:
                wanted.add(owner)
            else:
                found[owner] = cipher
        if wanted:
            found |= self._load(wanted, create=create)
        return found

    def _load(self, owners: set[UUID], *, create: bool) -> dict[UUID, AESGCM]:
        master = self._unlocked()
        destroyed = self._destroyed
        with self.db.read() as tx:
            wrapped = self._wrapped(tx, owners)
        missing = owners - wrapped.keys()
        if create and missing:
            wrapped |= self._create(master, missing)
        ciphers = {owner: AESGCM(unwrap(master, owner, key)) for owner, key in wrapped.items()}
        with self._lock:
            if self._destroyed == destroyed:  # a key destroyed meanwhile must not be cached after its destruction
                for owner, cipher in ciphers.items():
                    if len(self._cache) >= self.cache_size:
                        del self._cache[next(iter(self._cache))]  # the first cached goes first
                    self._cache[owner] = cipher
        return ciphers

    def _create(self, master: bytes, owners: set[UUID]) -> dict[UUID, str]:
        with self.db.write() as tx:
            erased = self._erased(tx, owners)  # erased by another process since the read above
            for owner in owners - erased:
                tx.execute(
                    "INSERT INTO data_keys (owner, wrapped, created_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (owner) DO NOTHING",
                    [str(owner), wrap(master, owner, os.urandom(KEY_BYTES)), self.clock().isoformat()],
                )
            return self._wrapped(tx, owners - erased)  # another writer's, where it came first

    def _wrapped(self, tx: Tx, owners: set[UUID]) -> dict[UUID, str]:
        """The wrapped keys of those of ``owners`` that have one."""
        return {UUID(str(owner)): str(key) for owner, key in _among(tx, "SELECT owner, wrapped FROM data_keys", owners)}

    def _erased(self, tx: Tx, owners: set[UUID]) -> set[UUID]:
        return {UUID(str(row[0])) for row in _among(tx, "SELECT owner FROM erased", owners)}

    def erasure(self, owner: UUID) -> Erasure | None:
        """When and why ``owner``'s key was destroyed (None: it was not). Asked before every command on a record
        (one query on its own: on PostgreSQL one round trip)."""
        rows = self.db.lookup(f"SELECT erased_at, reason FROM {self.db.table('erased')} WHERE owner = ?", [str(owner)])
        found = Erasure(datetime.fromisoformat(str(rows[0][0])), str(rows[0][1])) if rows else None
        if found is not None:  # erased by another process: its key must not live on in this one's memory
            with self._lock:
                self._destroyed += 1
                self._cache.pop(owner, None)
        return found

    def destroy(self, owner: UUID, *, at: datetime, reason: str) -> None:
        """Destroy ``owner``'s key for good and remember when and why, in one transaction (crypto-shredding)."""
        with self.db.write() as tx:
            tx.execute("DELETE FROM data_keys WHERE owner = ?", [str(owner)])
            tx.execute(
                "INSERT INTO erased (owner, erased_at, reason) VALUES (?, ?, ?) ON CONFLICT (owner) DO NOTHING",
                [str(owner), at.isoformat(), reason],
            )
        with self._lock:
            self._destroyed += 1
            self._cache.pop(owner, None)

    def _unlocked(self) -> bytes:
        if self._master is None:
            raise RuntimeError("the key store is used before it was unlocked")
        return self._master

    def rewrap(self, new_master: bytes) -> int:
        """Wrap every data key under ``new_master`` instead (rotation), in one transaction; returns how many."""
        old = self._unlocked()
        with self.db.write() as tx:
            rows = tx.query("SELECT owner, wrapped FROM data_keys")
            for owner, wrapped in rows:
                uid = UUID(str(owner))
                tx.execute(
                    "UPDATE data_keys SET wrapped = ? WHERE owner = ?",
                    [wrap(new_master, uid, unwrap(old, uid, str(wrapped))), str(owner)],
                )
            tx.execute("UPDATE master SET check_value = ? WHERE name = 'master'", [check_value(new_master)])
        self._master = new_master
        with self._lock:  # every key kept in memory from now on was unwrapped with the new master key
            self._cache.clear()
        return len(rows)

    def count(self) -> int:
        """How many data keys are kept."""
        with self.db.read() as tx:
            row = tx.one("SELECT COUNT(*) FROM data_keys")
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.db.close()
