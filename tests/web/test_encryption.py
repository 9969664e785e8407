"""Encryption at rest: no family's words in the store's bytes, each payload bound to its row, and a store
that does not open without its master key."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import MapperDeserialisationError

from domain import Actor, Peiban, StoreSettings
from domain.audit import ReadKind
from tests.builders import StepClock, family_profile, message, scene, visit
from tests.stores import cli_environment
from web.infra.keys import open_keys
from web.infra.stores import open_accounts, open_application, open_audit
from web.settings import Settings
from web.settings.master_key import MasterKeyError

#: Words that appear in the facts below and nowhere else: none may be found in the store's bytes.
CANARIES = {
    "family": "金丝雀家",
    "child": "小金丝雀",
    "visit": "家访金丝雀",
    "message": "短信金丝雀",
    "concern": "担心金丝雀",
    "referral": "转介金丝雀",
    "letter": "交接信金丝雀",
    "volunteer": "义工金丝雀",
    "contact": "canary-wechat-77",
    "account": "账号金丝雀",
    "totp": "CANARYTOTPSECRET",
    "audit": "audit-canary-detail",
}


@dataclass
class Written:
    settings: Settings
    family: UUID
    visit: UUID
    lead: UUID


def configured(store: StoreSettings) -> Settings:
    """The store with a master key given by value (PostgreSQL tests keep no data directory)."""
    if store.backend == "postgres":
        return Settings(store=store, master_key=base64.b64encode(os.urandom(32)).decode())
    return Settings(store=store)


def write_every_kind(settings: Settings) -> Written:
    """Facts of every kind with canary words: family, visit, message, concern, referral, letter, volunteer,
    an account with a second factor, a read in the audit; a snapshot of the family too."""
    clock = StepClock()
    keys = open_keys(settings)
    app = Peiban(settings.store.env(Peiban.name), clock=clock, keys=keys)
    app.also_close.append(keys.close)
    s = scene(app, clock)
    fid = app.enrol_family(
        recorded_by=Actor("coord"),
        **family_profile(
            display_name=CANARIES["family"],
            household=[{"relation": "child", "birth_year": 2014, "alias": CANARIES["child"]}],
        ),
    )
    app.assign_volunteer(fid, volunteer_id=s.lead, role="lead", recorded_by=Actor("coord"))
    clock.advance(days=1)
    visited = app.log_visit(fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary=CANARIES["visit"]))
    app.log_visit(fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary="第二次家访"))
    app.log_message(fid, volunteer_id=s.lead, recorded_by=Actor("v1"), **message(summary=CANARIES["message"]))
    concern = app.raise_concern(
        fid, category="education", level="medium", summary=CANARIES["concern"], recorded_by=Actor("s")
    )
    app.make_referral(
        fid, concern_id=concern, service_line="charity_shop", reason=CANARIES["referral"], recorded_by=Actor("s")
    )
    app.register_volunteer(
        cohort_id=s.cohort, name=CANARIES["volunteer"], contact=CANARIES["contact"], recorded_by=Actor("c")
    )
    incoming = s.volunteers[1]
    app.plan_handover(
        fid,
        outgoing_volunteer_id=s.lead,
        incoming_volunteer_id=incoming,
        planned_on=date(2025, 3, 20),
        letter=CANARIES["letter"],
        recorded_by=Actor("coord"),
    )
    app.take_snapshot(fid)
    app.close()
    accounts = open_accounts(settings)
    accounts.open_account(
        user_name="canary",
        display_name=CANARIES["account"],
        role="coordinator",
        password_hash="x",
        recorded_by=Actor("c"),
    )
    accounts.set_second_factor("canary", totp_secret=CANARIES["totp"], recorded_by=Actor("c"))
    accounts.close()
    audit = open_audit(settings)
    audit.record_read(
        reader="r", role="auditor", family_id=fid, what=ReadKind.TIMELINE, address="::1", detail=CANARIES["audit"]
    )
    audit.close()
    return Written(settings, fid, visited, s.lead)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Settings]:
    data = tmp_path / "data"
    yield Settings(store=StoreSettings(backend="sqlite", data_dir=data))


def test_no_canary_is_in_the_bytes_of_any_store_file(sqlite_store: Settings) -> None:
    # given facts of every kind, with canary words, written
    written = write_every_kind(sqlite_store)
    # and one more while the store stays open, so that its -wal file holds it
    app = open_application(sqlite_store)
    app.log_message(
        written.family, volunteer_id=written.lead, recorded_by=Actor("v1"), **message(summary=CANARIES["message"])
    )
    files = [p for p in sqlite_store.store.data_dir.iterdir() if p.is_file()]
    names = {p.name for p in files}
    assert {"peiban.sqlite3", "peiban_accounts.sqlite3", "peiban_audit.sqlite3", "keys.sqlite3"} <= names
    assert sqlite_store.store.sqlite_file("peiban").with_name("peiban.sqlite3-wal").stat().st_size > 0
    # then no file in the data directory (event stores, key store, their -wal files) holds any canary
    for path in files:
        raw = path.read_bytes()
        for kind, canary in CANARIES.items():
            assert canary.encode() not in raw, f"{kind} canary in {path.name}"
    app.close()
    # and every stored state, snapshots included, is encrypted
    with sqlite3.connect(sqlite_store.store.sqlite_file("peiban")) as db:
        states = [
            r[0] for r in db.execute("SELECT state FROM stored_events UNION ALL SELECT state FROM stored_snapshots")
        ]
    assert states and all(bytes(s).startswith(b"\x00pb1") for s in states)


def test_a_new_process_reads_everything_back(sqlite_store: Settings) -> None:
    # given facts of every kind written by this process
    written = write_every_kind(sqlite_store)
    # when another process prints the family's facts
    env = {**os.environ, **cli_environment(sqlite_store.store), "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "events", "--family", str(written.family)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # then it reads them all, decrypted
    assert done.returncode == 0, done.stderr
    for kind in ("family", "child", "visit", "message", "concern", "referral", "letter"):
        assert CANARIES[kind] in done.stdout, kind
    # and the family comes back from its snapshot, the account with its second factor
    app = open_application(sqlite_store)
    assert app.get_family(written.family).display_name == CANARIES["family"]
    app.close()
    accounts = open_accounts(sqlite_store)
    assert accounts.get("canary").totp_secret == CANARIES["totp"]
    accounts.close()


def test_a_payload_copied_into_another_row_does_not_decrypt(sqlite_store: Settings) -> None:
    # given two visits of one family
    written = write_every_kind(sqlite_store)
    path = sqlite_store.store.sqlite_file("peiban")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT rowid, originator_version, state FROM stored_events WHERE originator_id = ? AND topic LIKE ?"
            " ORDER BY rowid",
            [written.family.hex, "%VisitLogged"],
        ).fetchall()
        assert len(rows) == 2
        # when someone copies the first visit's encrypted payload over the second
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [rows[0][2], rows[1][0]])
    # then reading the second fails with a clear error naming the row, rather than showing the first visit
    app = open_application(sqlite_store)
    moved = app.recorder.select_notifications(rows[1][0], 1)[0]
    with pytest.raises(MapperDeserialisationError, match="moved from another row"):
        app.mapper.to_domain_event(moved)
    app.close()


def test_the_same_payload_in_a_row_of_another_family_does_not_decrypt(sqlite_store: Settings) -> None:
    written = write_every_kind(sqlite_store)
    app = open_application(sqlite_store)
    first = app.recorder.select_notifications(0, 1)[0]
    visited = next(
        n
        for n in app.recorder.select_notifications(0, 1000)
        if n.originator_id == written.family and n.topic.endswith("VisitLogged")
    )
    # the visit's payload, claimed by another record at the same version and topic
    forged = replace(visited, originator_id=first.originator_id)
    with pytest.raises(Exception, match=r"cannot be decrypted|unavailable"):
        app.mapper.to_domain_event(forged)
    app.close()


def test_a_wrong_master_key_stops_the_start(sqlite_store: Settings) -> None:
    # given an encrypted store
    write_every_kind(sqlite_store)
    # when it is opened with another master key, then it does not open, and says why, in Chinese first
    wrong = replace(sqlite_store, master_key=base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(MasterKeyError, match=r"^主密钥不对.*wrong master key"):
        open_keys(wrong)
    from web.app import create_app

    with pytest.raises(MasterKeyError, match="wrong master key"):
        create_app(wrong)


def test_a_missing_master_key_stops_the_start_in_a_new_process(sqlite_store: Settings) -> None:
    # given an encrypted store whose master key file was taken away
    write_every_kind(sqlite_store)
    sqlite_store.master_key_path().rename(sqlite_store.store.data_dir.parent / "elsewhere.key")
    env = {**os.environ, **cli_environment(sqlite_store.store), "PYTHONPATH": os.getcwd()}
    env.pop("PEIBAN_MASTER_KEY", None)
    # when a new process starts on it
    done = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "events"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # then it stops with a clear error, and no new key is made in its place
    assert done.returncode != 0
    assert "缺少主密钥" in done.stderr and "master key is missing" in done.stderr
    assert not sqlite_store.master_key_path().exists()


def test_a_store_written_unencrypted_does_not_open_until_migrated(sqlite_store: Settings) -> None:
    # given a store written by the code before encryption (no key ring)
    sqlite_store.store.data_dir.mkdir(parents=True)
    old = Peiban(sqlite_store.store.env(Peiban.name))
    scene(old)
    old.close()
    # then the web layer refuses to read it as it is, and names the command that migrates it
    with pytest.raises(MasterKeyError, match="peiban encrypt"):
        open_application(sqlite_store)


@pytest.mark.postgres
def test_postgres_stores_only_ciphertext_and_reads_it_back(tmp_path: Path) -> None:
    from tests.stores import postgres_store

    with postgres_store() as store:
        settings = configured(store)
        written = write_every_kind(settings)
        import psycopg

        pg = store.postgres
        with psycopg.connect(dbname=pg.dbname, host=pg.host, port=pg.port, user=pg.user) as conn:
            tables = conn.execute(
                "SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'state'"
                " AND table_schema LIKE %s",
                [f"{pg.schema}%"],
            ).fetchall()
            assert tables
            for schema, table in tables:
                for (state,) in conn.execute(f'SELECT state FROM "{schema}"."{table}"').fetchall():
                    assert bytes(state).startswith(b"\x00pb1")
                    for canary in CANARIES.values():
                        assert canary.encode() not in bytes(state)
        app = open_application(settings)
        assert app.get_family(written.family).display_name == CANARIES["family"]
        app.close()
        with pytest.raises(MasterKeyError, match="wrong master key"):
            open_application(replace(settings, master_key=base64.b64encode(os.urandom(32)).decode()))


def test_rotating_the_master_key_keeps_every_fact_readable_under_the_new_key_only(sqlite_store: Settings) -> None:
    from click.testing import CliRunner

    from web.cli import main

    # given an encrypted store
    written = write_every_kind(sqlite_store)
    new_key = sqlite_store.store.data_dir.parent / "new-master.key"
    # when its master key is rotated
    env = {**cli_environment(sqlite_store.store)}
    result = CliRunner().invoke(main, ["rotate-master-key", str(new_key)], env=env)
    assert result.exit_code == 0, result.output
    assert new_key.stat().st_mode & 0o777 == 0o600
    # then the store opens with the new key and reads back, and no longer with the old one
    rotated = replace(sqlite_store, master_key_file=new_key)
    app = open_application(rotated)
    assert app.get_family(written.family).display_name == CANARIES["family"]
    app.close()
    with pytest.raises(MasterKeyError, match="wrong master key"):
        open_keys(sqlite_store)


def test_the_seal_verifies_an_encrypted_log_without_the_master_key_and_finds_a_tampered_first_row(
    sqlite_store: Settings,
) -> None:
    from click.testing import CliRunner

    from web.cli import main
    from web.settings.seal_keys import create_key

    # given an encrypted, sealed store, its master key kept elsewhere
    create_key(sqlite_store.seal_key_path())
    write_every_kind(sqlite_store)
    env = cli_environment(sqlite_store.store)
    assert CliRunner().invoke(main, ["seal", "checkpoint"], env=env).exit_code == 0
    sqlite_store.master_key_path().rename(sqlite_store.store.data_dir.parent / "elsewhere.key")
    # then the seal verifies without it
    intact = CliRunner().invoke(main, ["verify"], env=env)
    assert intact.exit_code == 0, intact.output
    # and when the first fact's stored bytes are replaced by plaintext, verify names the position
    with sqlite3.connect(sqlite_store.store.sqlite_file("peiban")) as db:
        db.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid = 1")
    broken = CliRunner().invoke(main, ["verify"], env=env)
    assert broken.exit_code == 1
    assert "position 1" in broken.output
