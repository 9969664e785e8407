"""`peiban init` makes the seal key; `peiban seal export` hands auditors the signed checkpoints;
`peiban verify` checks the log against the seal and a kept checkpoint file, and exits non-zero with
the first broken position on any mismatch."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

from click.testing import CliRunner

from tests.web.stores import encrypted_peiban
from web.cli import main
from web.demo.generate import generate


def run(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args], env={"PEIBAN_STORE": "sqlite"})
    return result.exit_code, result.output


def sealed_store(tmp_path: Path) -> Path:
    """`peiban init`, a few families of facts, and their checkpoints exported to a file."""
    data = tmp_path / "data"
    code, out = run(data, "init")
    assert code == 0, out
    app = encrypted_peiban(data)
    generate(app, families=4, facts_per_family=6)
    app.close()
    code, out = run(data, "seal", "export", str(tmp_path / "kept.json"))
    assert code == 0, out
    return data


def test_init_creates_a_private_seal_key_outside_the_event_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = run(data, "init")
    assert code == 0 and "seal-signing-key.pem" in out
    key = data / "seal-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    # a second init keeps the key
    before = key.read_bytes()
    assert run(data, "init")[0] == 0 and key.read_bytes() == before
    # and the public key can be handed out
    code, public = run(data, "seal", "public-key")
    assert code == 0 and public.startswith("-----BEGIN PUBLIC KEY-----")


def test_verify_passes_on_an_intact_store_and_with_the_kept_checkpoint_file(tmp_path: Path) -> None:
    data = sealed_store(tmp_path)
    kept = json.loads((tmp_path / "kept.json").read_text(encoding="utf-8"))
    assert kept["public_key"].startswith("-----BEGIN PUBLIC KEY-----") and kept["checkpoints"]
    code, out = run(data, "verify", "--checkpoint", str(tmp_path / "kept.json"))
    assert code == 0, out
    assert "seal intact" in out


def test_verify_names_the_first_broken_position_and_exits_non_zero(tmp_path: Path) -> None:
    data = sealed_store(tmp_path)
    events = sqlite3.connect(data / "peiban.sqlite3")
    with events:
        events.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid IN (9, 12)")
    events.close()
    code, out = run(data, "verify", "--checkpoint", str(tmp_path / "kept.json"))
    assert code == 1
    assert "SEAL BROKEN at position 9" in out


def test_verify_refuses_an_edited_checkpoint_file(tmp_path: Path) -> None:
    data = sealed_store(tmp_path)
    kept = json.loads((tmp_path / "kept.json").read_text(encoding="utf-8"))
    kept["checkpoints"][-1]["head"] = "0" * 64
    (tmp_path / "edited.json").write_text(json.dumps(kept), encoding="utf-8")
    code, out = run(data, "verify", "--checkpoint", str(tmp_path / "edited.json"))
    assert code == 1
    assert "not signed by the seal key" in out
    (tmp_path / "garbled.json").write_text("{not json", encoding="utf-8")
    code, out = run(data, "verify", "--checkpoint", str(tmp_path / "garbled.json"))
    assert code != 0 and "cannot read the checkpoint file" in out
