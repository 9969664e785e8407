"""The key store's memory: ciphers kept ready per record, fetched and made in bulk, and never
outliving a destroyed key."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.actor import Actor
from domain.aggregate import Entry
from domain.encryption import KeyErased, KeyUnavailable, to_domain_events
from domain.volunteer import Volunteer
from projections.db import SQLiteViewDatabase, Tx
from projections.keystore import KeyStore
from tests.builders import START, StepClock, memory_app


class CountedKeys(SQLiteViewDatabase):
    """The key store's real SQLite file, counting its transactions; ``after_read`` runs once, after a read."""

    def __init__(self, path: Path) -> None:
        super().__init__("keys", path, durable=True)
        self.reads = self.writes = 0
        self.after_read: Callable[[], None] | None = None

    @contextmanager
    def read(self) -> Iterator[Tx]:
        self.reads += 1
        with super().read() as tx:
            yield tx
        hook, self.after_read = self.after_read, None
        if hook is not None:
            hook()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        self.writes += 1
        with super().write() as tx:
            yield tx


MASTER = os.urandom(32)


def key_store(path: Path) -> tuple[KeyStore, CountedKeys]:
    db = CountedKeys(path / "keys.sqlite3")
    keys = KeyStore(db, clock=StepClock())
    keys.unlock(MASTER)
    return keys, db


def test_a_destroyed_key_is_not_served_from_memory_nor_made_again(tmp_path: Path) -> None:
    # given a record whose key is in use (its cipher kept ready)
    keys, _ = key_store(tmp_path)
    owner = uuid4()
    sealed = keys.cipher(owner, create=True).encrypt(b"\x00" * 12, b"words", b"")
    # when its key is destroyed
    keys.destroy(owner, at=START, reason="监护人撤回同意")
    # then no cipher is given for it, not even one made before, and a save of many records makes it no new key
    with pytest.raises(KeyErased):
        keys.cipher(owner, create=False)
    keys.load([owner, uuid4()], create=True)
    with pytest.raises(KeyErased):
        keys.cipher(owner, create=True)
    assert keys.count() == 1  # the other record's key only
    restarted, _ = key_store(tmp_path)
    with pytest.raises(KeyErased):
        restarted.cipher(owner, create=False)
    assert sealed  # it was readable once


def test_a_key_destroyed_while_its_page_was_being_fetched_is_not_kept(tmp_path: Path) -> None:
    # given two records with keys, read by a freshly started process
    first, _ = key_store(tmp_path)
    erased, kept = uuid4(), uuid4()
    first.load([erased, kept], create=True)
    keys, db = key_store(tmp_path)
    # when the key of one is destroyed just after a page's keys were read, before they are kept
    db.after_read = lambda: keys.destroy(erased, at=START, reason="监护人撤回同意")
    keys.load([erased, kept], create=False)
    # then the destroyed key is not served from memory afterwards; the other still reads
    with pytest.raises(KeyErased):
        keys.cipher(erased, create=False)
    assert (
        keys.cipher(kept, create=False).decrypt(*_sealed(first.cipher(kept, create=False), b"still here"))
        == b"still here"
    )


def test_a_page_of_records_has_its_keys_fetched_in_one_read(tmp_path: Path) -> None:
    # given 1,200 records with keys (more than one query's worth of owners), and a restarted process
    owners = [uuid4() for _ in range(1200)]
    key_store(tmp_path)[0].load(owners, create=True)
    keys, db = key_store(tmp_path)
    reads = db.reads
    # when a page of their facts is read
    keys.load([*owners, *owners[:10]], create=False)
    ciphers = [keys.cipher(owner, create=False) for owner in owners]
    # then one read fetched every key, and each record has its own
    assert db.reads == reads + 1
    assert len({id(c) for c in ciphers}) == len(owners)


def test_an_unknown_record_has_no_key_to_read_with(tmp_path: Path) -> None:
    keys, _ = key_store(tmp_path)
    stranger = uuid4()
    keys.load([stranger], create=False)
    with pytest.raises(KeyUnavailable) as refused:
        keys.cipher(stranger, create=False)
    assert not isinstance(refused.value, KeyErased)
    assert keys.count() == 0


def test_the_keys_of_many_records_saved_together_are_made_in_one_transaction(tmp_path: Path) -> None:
    # given an encrypted application
    keys, db = key_store(tmp_path)
    app = memory_app(keys=keys)
    writes = db.writes
    # when twenty volunteers are saved together
    volunteers = [
        Volunteer.register(Entry(Actor("coord"), START, START), name=f"义工{i}", cohort_id=uuid4(), contact="-")
        for i in range(20)
    ]
    app.save(*volunteers)
    # then their twenty keys were made in one write, and each volunteer reads back under its own
    assert db.writes == writes + 1
    assert keys.count() == 20
    rows = app.recorder.select_notifications(0, 100)
    assert [fact.name for fact in to_domain_events(app.mapper, rows)] == [f"义工{i}" for i in range(20)]


def _sealed(cipher: AESGCM, plaintext: bytes) -> tuple[bytes, bytes, bytes]:
    nonce = os.urandom(12)
    return nonce, cipher.encrypt(nonce, plaintext, b"ad"), b"ad"
