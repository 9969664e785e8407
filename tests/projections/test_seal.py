"""The seal: a hash chain over the log as stored, kept by a follower in its own store, with signed
checkpoints; an intact log verifies on every store, and the first break is named."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import StoreSettings
from projections.seal.checkpoints import document, read_document
from projections.seal.verify import SignedBy
from tests.projections.seal_stores import KEY, fill, opened
from web.demo.generate import generate


def test_an_intact_log_verifies_against_its_chain_and_checkpoints_on_every_store(
    store_settings: StoreSettings,
) -> None:
    # given a log of a few hundred facts, sealed by the follower with a checkpoint every 50 facts
    with opened(store_settings) as sealed:
        fill(sealed)
        position = sealed.app.log_position()
        # when the log is verified against the stored chain and the stored checkpoints
        verdict = sealed.verify()
        # then every fact is verified, and every checkpoint was signed by the seal key and holds
        assert verdict.intact, verdict.reason
        assert verdict.verified_position == verdict.log_position == position > 100
        checkpoints = sealed.seal.checkpoints()
        assert [c.position for c in checkpoints] == list(range(50, position + 1, 50))
        assert verdict.checkpoints == len(checkpoints)


def test_the_seal_lives_apart_from_the_event_store_and_the_views(tmp_path: Path) -> None:
    settings = StoreSettings(backend="sqlite", data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    with opened(settings) as sealed:
        fill(sealed, families=2, facts=3)
    tables = sqlite3.connect(settings.sqlite_file("seal")).execute("SELECT name FROM sqlite_master").fetchall()
    assert {"chain", "checkpoints", "verifications"} <= {name for (name,) in tables}
    in_log = sqlite3.connect(settings.sqlite_file("peiban")).execute("SELECT name FROM sqlite_master").fetchall()
    assert not {"chain", "checkpoints"} & {name for (name,) in in_log}


def test_facts_recorded_after_the_last_seal_are_reported_as_not_yet_sealed(store_settings: StoreSettings) -> None:
    with opened(store_settings) as sealed:
        fill(sealed, families=3, facts=5)
        sealed_up_to = sealed.app.log_position()
        # when more facts are recorded but the follower has not run yet
        generate(sealed.app, families=1, facts_per_family=5, seed=8)
        verdict = sealed.verify()
        # then the log verifies up to the seal, and the rest is counted as not yet sealed
        assert verdict.intact and verdict.verified_position == sealed_up_to
        assert verdict.unsealed == sealed.app.log_position() - sealed_up_to > 0
        # and once the follower runs, everything is sealed
        assert sealed.seal.catch_up() == verdict.unsealed
        assert sealed.verify().unsealed == 0


def test_a_checkpoint_holds_only_under_the_seal_key_that_signed_it(store_settings: StoreSettings) -> None:
    with opened(store_settings) as sealed:
        fill(sealed, families=3, facts=5)
        sealed.seal.checkpoint()  # on demand: the log is shorter than the interval
        exported = document(sealed.seal.checkpoints(), KEY.public_key())
        key, kept = read_document(json.dumps(exported))
        assert [c.position for c in kept] == [sealed.app.log_position()]
        assert sealed.verify(SignedBy(kept, key, "auditor")).intact
        # when the same checkpoints are checked against another key, every one fails
        stranger = Ed25519PrivateKey.generate().public_key()
        verdict = sealed.verify(SignedBy(kept, stranger, "auditor"))
        assert not verdict.intact
        assert verdict.broken_at == kept[0].position
        assert "not signed by the seal key" in verdict.reason


def test_payloads_no_key_can_read_still_verify_because_the_chain_hashes_stored_bytes(tmp_path: Path) -> None:
    """The chain never decodes a fact: once a family's key is destroyed (crypto-shredding), its facts are
    bytes nobody can read, and the log must still verify."""
    settings = StoreSettings(backend="sqlite", data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    with opened(settings) as sealed:
        fill(sealed, families=3, facts=5)
    # given facts whose stored state is ciphertext with no key left (random bytes, not JSON)
    events = sqlite3.connect(settings.sqlite_file("peiban"))
    with events:
        events.execute(
            "INSERT INTO stored_events VALUES (?, 1, 'peiban.Family.Enrolled', ?)",
            ["0f" * 16, os.urandom(300)],
        )
        events.execute(
            "INSERT INTO stored_events VALUES (?, 2, 'peiban.Family.VisitLogged', ?)",
            ["0f" * 16, os.urandom(300)],
        )
    events.close()
    with opened(settings) as sealed:
        # when the follower seals them and the log is verified
        assert sealed.seal.catch_up() == 2
        verdict = sealed.verify()
    # then it verifies: nothing was decoded
    assert verdict.intact and verdict.unsealed == 0
