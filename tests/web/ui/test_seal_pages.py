"""The seal as auditors meet it: `GET /api/v1/seal` and the seal page show how far the chain reaches and
the last verification; the checkpoint file downloads and verifies offline; nobody else may read it; and
facts recorded through the app are sealed as soon as they are answered."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from domain import StoreSettings
from tests.web.api.conftest import cohort, signed_in
from tests.web.api.scenes import family
from tests.web.ui.conftest import browser, open_account, text
from web.app import create_app, shutdown
from web.cli import main
from web.settings import Settings
from web.settings.seal_keys import create_key


@pytest.fixture
def sealed_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a SQLite store whose seal key `peiban init` made."""
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    create_key(settings.seal_key_path())
    app = create_app(settings, {"TESTING": True})
    yield app
    shutdown(app)


def verify(app: Flask, *args: str) -> tuple[int, str]:
    data = app.config["PEIBAN_SETTINGS"].store.data_dir
    result = CliRunner().invoke(main, ["--data-dir", str(data), "verify", *args], env={"PEIBAN_STORE": "sqlite"})
    return result.exit_code, result.output


def test_facts_recorded_through_the_app_are_sealed_when_answered(sealed_app: Flask) -> None:
    coordinator = signed_in(sealed_app, "coordinator")
    family(coordinator, "王家")
    cohort(coordinator, "2025级")
    seal = sealed_app.extensions["peiban.seal"]
    assert seal.sealed_position() == sealed_app.extensions["peiban"].log_position() > 0


def test_auditors_read_the_seal_status_and_the_last_verified_position(sealed_app: Flask) -> None:
    family(signed_in(sealed_app, "coordinator"), "王家")
    auditor = signed_in(sealed_app, "auditor")
    status = auditor.get("/api/v1/seal").get_json()
    assert status["status"] == "unverified" and status["signing_key"] is True
    assert status["sealed_position"] == status["log_position"] > 0
    # when the log is verified on the server
    assert verify(sealed_app)[0] == 0
    status = auditor.get("/api/v1/seal").get_json()
    assert status["status"] == "intact"
    assert status["last_verification"]["verified_position"] == status["log_position"]
    # and when someone edits a stored fact, the next verification says where
    events = sqlite3.connect(sealed_app.config["PEIBAN_SETTINGS"].store.sqlite_file("peiban"))
    with events:
        events.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid = 1")
    events.close()
    assert verify(sealed_app)[0] == 1
    status = auditor.get("/api/v1/seal").get_json()
    assert status["status"] == "broken" and status["last_verification"]["broken_at"] == 1


def test_the_checkpoint_download_verifies_offline(sealed_app: Flask, tmp_path: Path) -> None:
    family(signed_in(sealed_app, "coordinator"), "王家")
    answer = signed_in(sealed_app, "auditor").get("/api/v1/seal/checkpoints")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    kept = answer.get_json()
    assert kept["checkpoints"][-1]["position"] == sealed_app.extensions["peiban"].log_position()
    (tmp_path / "kept.json").write_text(json.dumps(kept), encoding="utf-8")
    code, out = verify(sealed_app, "--checkpoint", str(tmp_path / "kept.json"))
    assert code == 0, out


@pytest.mark.parametrize("role", ["coordinator", "social_worker"])  # volunteers: the authorization matrix
def test_only_auditors_may_read_the_seal(sealed_app: Flask, role: str) -> None:
    client = signed_in(sealed_app, role)
    assert client.get("/api/v1/seal").status_code == 403
    assert client.get("/api/v1/seal/checkpoints").status_code == 403


def test_the_seal_page_shows_the_status_in_chinese_first_and_offers_the_file(sealed_app: Flask) -> None:
    wang = family(signed_in(sealed_app, "coordinator"), "王家")
    page = browser(sealed_app, open_account(sealed_app, "shen", "auditor"))
    shown = text(page.get("/seal"))
    assert "封印" in shown and "尚未核验" in shown and "下载签名检查点" in shown
    download = page.get("/seal/checkpoints.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(text(download))["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    # the family page's audit tools carry the same block, after a verification with its position
    assert verify(sealed_app)[0] == 0
    family_page = text(page.get(f"/families/{wang}"))
    assert "seal-status seal-intact" in family_page and "已核验到第" in family_page
    # a coordinator sees neither the block nor the section
    coordinator = browser(sealed_app, open_account(sealed_app, "lin", "coordinator"))
    assert "seal-status" not in text(coordinator.get(f"/families/{wang}"))
    assert 'href="/seal"' not in text(coordinator.get("/"))
    assert coordinator.get("/seal").status_code == 403
