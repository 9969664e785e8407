"""`peiban backup` copies every store into a private directory with a manifest, keys only when asked and the master
key never; `peiban restore` writes only into an empty data directory, checks every file first, then verifies the
seal and reports it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain import Actor, Peiban, StoreSettings
from projections.read_models import ReadModels
from tests.builders import family_profile
from web.app import create_app, shutdown
from web.cli import main
from web.demo.generate import generate
from web.infra.stores import open_application
from web.settings import Settings

#: Files no backup may hold, whatever the options: a master key, a rebuild's leftover.
MASTER_KEY = "master.key"
LEFTOVER = "view_timeline.rebuild-x1y2.sqlite3"


def run(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args], env={"PEIBAN_STORE": "sqlite"})
    return result.exit_code, result.output


def a_store(tmp_path: Path) -> Path:
    """`peiban init` (with its master key and key store), a few families, every store and view opened once, and a
    rebuild's leftover."""
    data = tmp_path / "data"
    assert run(data, "init")[0] == 0
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=data))
    app = open_application(settings)
    generate(app, families=5, facts_per_family=8)
    app.close()
    shutdown(create_app(settings, {"TESTING": True}))
    assert (data / MASTER_KEY).exists() and (data / "keys.sqlite3").exists()
    sqlite3.connect(data / LEFTOVER).close()
    return data


def manifest_of(backup: Path) -> dict[str, object]:
    found = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(found, dict)
    return found


def test_a_backup_holds_every_store_privately_with_a_manifest_to_check_it_by(tmp_path: Path) -> None:
    data, backup = a_store(tmp_path), tmp_path / "backup"

    code, out = run(data, "backup", str(backup))

    assert code == 0, out
    manifest = manifest_of(backup)
    files = {f["name"]: f for f in manifest["files"]}  # type: ignore[attr-defined]
    stores = {p.name for p in data.glob("*.sqlite3")} - {"keys.sqlite3", LEFTOVER}
    assert set(files) == stores >= {"peiban.sqlite3", "peiban_accounts.sqlite3", "peiban_audit.sqlite3", "seal.sqlite3"}
    assert {files[n]["part"] for n in files} == {"events", "accounts", "audit", "seal", "view"}
    for name, described in files.items():
        copied = backup / name
        assert copied.stat().st_size == described["bytes"]
        assert hashlib.sha256(copied.read_bytes()).hexdigest() == described["sha256"]
        assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert stat.S_IMODE((backup / "manifest.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in backup.iterdir()) == sorted([*files, "manifest.json"]), "nothing else: no -wal"
    assert manifest["log_position"] == manifest["sealed_position"] == 45
    assert manifest["keys_included"] is False and manifest["format"] == "peiban-backup/1"
    assert str(manifest["seal_public_key"]).startswith("-----BEGIN PUBLIC KEY-----")
    assert manifest["peiban_version"] and manifest["created_at"]
    assert "keys are not in this backup" in out and str(data / "keys.sqlite3") in out


def test_with_keys_the_key_store_and_seal_key_go_in_with_a_warning_and_the_master_key_never(tmp_path: Path) -> None:
    data, backup = a_store(tmp_path), tmp_path / "backup"

    code, out = run(data, "backup", "--with-keys", str(backup))

    assert code == 0, out
    parts = {f["name"]: f["part"] for f in manifest_of(backup)["files"]}  # type: ignore[attr-defined]
    assert parts["keys.sqlite3"] == "keys" and parts["seal-signing-key.pem"] == "seal_key"
    assert manifest_of(backup)["keys_included"] is True
    assert not (backup / MASTER_KEY).exists() and not (backup / LEFTOVER).exists()
    warning = out[out.index("警告") :]
    assert warning.index("持有它的人能解密全部记录") < warning.index("WARNING: this backup holds the key store")


def test_a_backup_goes_only_into_a_new_or_empty_directory(tmp_path: Path) -> None:
    data, backup = a_store(tmp_path), tmp_path / "backup"
    backup.mkdir()
    (backup / "older.txt").write_text("an older backup", encoding="utf-8")

    code, out = run(data, "backup", str(backup))

    assert code != 0 and "is not empty" in out
    assert [p.name for p in backup.iterdir()] == ["older.txt"]


def test_a_restore_is_checked_private_and_verified_against_the_seal(tmp_path: Path) -> None:
    data, backup, restored = a_store(tmp_path), tmp_path / "backup", tmp_path / "restored"
    assert run(data, "backup", str(backup))[0] == 0

    code, out = run(restored, "restore", str(backup))

    assert code == 0, out
    assert "verifying the seal with: 备份清单中的公钥 / the public key in the backup's manifest" in out
    assert "seal intact" in out and "log position: 45（备份清单 / manifest: 45）" in out
    assert "put the key store and the seal signing key back before serving" in out
    assert stat.S_IMODE(restored.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in restored.iterdir()} == {0o600}
    app = Peiban(StoreSettings(backend="sqlite", data_dir=restored).env(Peiban.name))
    assert app.log_position() == 45
    app.close()


def test_restore_writes_only_into_an_empty_data_directory(tmp_path: Path) -> None:
    data, backup = a_store(tmp_path), tmp_path / "backup"
    assert run(data, "backup", str(backup))[0] == 0
    before = sorted(p.name for p in data.iterdir())

    code, out = run(data, "restore", str(backup))

    assert code != 0 and "the data directory is not empty" in out
    assert sorted(p.name for p in data.iterdir()) == before


@pytest.mark.parametrize("damage", ["a changed byte", "a missing file", "a name outside the backup"])
def test_restore_checks_every_file_against_the_manifest_before_writing_anything(tmp_path: Path, damage: str) -> None:
    data, backup, restored = a_store(tmp_path), tmp_path / "backup", tmp_path / "restored"
    assert run(data, "backup", str(backup))[0] == 0
    if damage == "a changed byte":
        events = bytearray((backup / "peiban.sqlite3").read_bytes())
        events[-100] ^= 0xFF
        (backup / "peiban.sqlite3").write_bytes(bytes(events))
    elif damage == "a missing file":
        (backup / "seal.sqlite3").unlink()
    else:
        manifest = manifest_of(backup)
        manifest["files"][0]["name"] = "../escaped.sqlite3"  # type: ignore[index]
        (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    code, out = run(restored, "restore", str(backup))

    expected = {
        "a changed byte": "peiban.sqlite3 does not match the manifest",
        "a missing file": "the backup lacks a file: seal.sqlite3",
        "a name outside the backup": "the manifest names an unusable file",
    }
    assert code != 0 and expected[damage] in out
    assert not restored.exists() and not (tmp_path / "escaped.sqlite3").exists()


def test_restore_verifies_the_seal_and_reports_a_log_altered_in_the_backup(tmp_path: Path) -> None:
    # someone who can rewrite the backup's files and its manifest still cannot get past the seal
    data, backup, restored = a_store(tmp_path), tmp_path / "backup", tmp_path / "restored"
    assert run(data, "backup", str(backup))[0] == 0
    with sqlite3.connect(backup / "peiban.sqlite3") as events:
        events.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid = 7")
    events.close()
    manifest = manifest_of(backup)
    for described in manifest["files"]:  # type: ignore[attr-defined]
        if described["name"] == "peiban.sqlite3":
            described["bytes"] = (backup / "peiban.sqlite3").stat().st_size
            described["sha256"] = hashlib.sha256((backup / "peiban.sqlite3").read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    code, out = run(restored, "restore", str(backup))

    assert code == 1
    assert "files checked against the manifest and restored" in out
    assert "SEAL BROKEN at position 7" in out


def test_backup_and_restore_are_for_sqlite_and_point_postgresql_to_pg_dump(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "b")], env={"PEIBAN_STORE": "postgres"})

    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "b").exists()


CANARY = "金丝雀-canary-7f3a"


def test_an_erased_family_stays_erased_through_backup_and_restore(tmp_path: Path) -> None:
    data, backup, restored = a_store(tmp_path), tmp_path / "backup", tmp_path / "restored"
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=data))
    app = open_application(settings)
    family = app.enrol_family(recorded_by=Actor("c"), **family_profile(display_name=CANARY, community=CANARY))
    models = ReadModels(app, settings.store)
    models.catch_up()
    models.close()
    app.close()
    assert any(CANARY.encode() in p.read_bytes() for p in data.iterdir() if p.is_file()), "the views hold it"

    erased = run(data, "erase", str(family), "--reason", "监护人撤回同意")
    assert erased[0] == 0, erased[1]
    assert run(data, "backup", str(backup))[0] == 0
    assert run(restored, "restore", str(backup))[0] == 0

    needle = CANARY.encode()
    holding = [p.name for folder in (backup, restored) for p in folder.iterdir() if needle in p.read_bytes()]
    assert holding == []
