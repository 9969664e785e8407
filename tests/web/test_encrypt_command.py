"""`peiban encrypt`: a store written before encryption is encrypted in place, reads back the same, and its
seal still verifies (re-based, checked against the decrypted log)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from domain import Actor, Peiban, StoreSettings
from domain.accounts import Accounts
from domain.app_base import utc_now
from domain.audit import AuditTrail, ReadKind
from projections.seal.store import SealStore, seal_database
from tests.builders import StepClock, message, scene, visit
from tests.stores import cli_environment
from web.infra.stores import open_accounts, open_application
from web.settings import Settings
from web.settings.seal_keys import create_key, load_key

CANARY = "迁移金丝雀"


def peiban(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **cli_environment(StoreSettings(backend="sqlite", data_dir=data)), "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def facts(app: Peiban) -> list[tuple[int, str, dict[str, Any]]]:
    """Every fact in log order, decoded: position, topic and fields."""
    return [
        (n.id, n.topic, dict(vars(app.mapper.to_domain_event(n))))
        for n in app.recorder.select_notifications(0, 100_000)
    ]


def write_before_encryption(
    data: Path, store: StoreSettings | None = None
) -> tuple[StoreSettings, list[tuple[int, str, dict[str, Any]]]]:
    """A store as the code before encryption wrote it (no key ring), sealed, with a snapshot (SQLite files in
    ``data``, unless ``store`` names another; the seal's key is kept in ``data`` either way)."""
    store = store or StoreSettings(backend="sqlite", data_dir=data)
    data.mkdir(parents=True)
    create_key(data / "seal-signing-key.pem")
    clock = StepClock()
    app = Peiban(store.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    for i in range(12):
        clock.advance(hours=1)
        app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary=f"{CANARY}{i}"))
    app.log_message(s.fid, volunteer_id=s.lead, recorded_by=Actor("v1"), **message(summary=CANARY))
    app.take_snapshot(s.fid)
    seal = SealStore(
        app, seal_database(store), key=load_key(data / "seal-signing-key.pem"), clock=utc_now, checkpoint_every=5
    )
    seal.catch_up()
    seal.checkpoint()
    seal.db.close()
    before = facts(app)
    app.close()
    accounts = Accounts(store.env(Accounts.name), clock=utc_now)
    accounts.open_account(
        user_name="li", display_name=CANARY, role="coordinator", password_hash="x", recorded_by=Actor("t")
    )
    accounts.close()
    audit = AuditTrail(store.env(AuditTrail.name), clock=utc_now)
    audit.record_read(
        reader="li", role="auditor", family_id=s.fid, what=ReadKind.TIMELINE, address="::1", detail=CANARY
    )
    audit.close()
    return store, before


def test_encrypt_migrates_a_store_written_before_encryption(tmp_path: Path) -> None:
    # given a sealed store written before encryption, its plaintext in the file
    data = tmp_path / "data"
    store, before = write_before_encryption(data)
    assert CANARY.encode() in store.sqlite_file("peiban").read_bytes()
    # when it is encrypted, in another process
    done = peiban(data, "encrypt")
    # then the command succeeds, with progress, and says the seal was re-based and checked
    assert done.returncode == 0, done.stderr
    assert "re-based" in done.stdout and "100%" in done.stdout + done.stderr
    # and no plaintext is left in any event store's bytes
    for name in ("peiban", "peiban_accounts", "peiban_audit"):
        for path in data.glob(f"{name}.sqlite3*"):
            assert CANARY.encode() not in path.read_bytes(), path.name
    with sqlite3.connect(store.sqlite_file("peiban")) as db:
        states = [
            bytes(r[0])
            for r in db.execute("SELECT state FROM stored_events UNION ALL SELECT state FROM stored_snapshots")
        ]
    assert all(s.startswith(b"\x00pb1") for s in states)
    # and every fact reads back the same, at the same position
    settings = Settings(store=store)
    app = open_application(settings)
    assert facts(app) == before
    app.close()
    accounts = open_accounts(settings)
    assert accounts.get("li").display_name == CANARY
    accounts.close()
    # and the seal verifies over the encrypted log
    verified = peiban(data, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # and running it again changes nothing
    again = peiban(data, "encrypt")
    assert again.returncode == 0, again.stderr
    assert "已加密 0 条" in again.stdout


def test_encrypt_refuses_a_store_whose_seal_is_broken(tmp_path: Path) -> None:
    # given a sealed store written before encryption, one of its facts then edited
    data = tmp_path / "data"
    store, _ = write_before_encryption(data)
    with sqlite3.connect(store.sqlite_file("peiban")) as db:
        state = db.execute("SELECT state FROM stored_events WHERE rowid = 3").fetchone()[0]
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 3", [bytes(state).replace(b"coord", b"cOord")])
    # when it is to be encrypted, then nothing is, and the break is named
    done = peiban(data, "encrypt")
    assert done.returncode != 0
    assert "broken at position 3" in done.stderr
    assert CANARY.encode() in store.sqlite_file("peiban").read_bytes()
