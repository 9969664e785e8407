"""The case file: a family's whole record in one document (JSON, a printable page, `peiban case-file`), stamped
with the seal position it was verified at and the export time, and itself a read in the read audit."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from click.testing import CliRunner
from flask import Flask

import web
from domain import StoreSettings
from tests.builders import visit
from tests.stores import cli_environment
from tests.web.access.conftest import app_on, open_account, peiban
from tests.web.access.scenes import BY, Where, ago, neighbourhood
from tests.web.api.conftest import signed_in
from tests.web.ui.conftest import browser
from tests.web.ui.conftest import open_account as open_page_account
from web.app import shutdown
from web.cli import main

API = "/api/v1"


def exports(app: Flask) -> list[tuple[str, str, str, str]]:
    """The read audit's export records: reader, role, family, address."""
    records = app.extensions["peiban.audit"].read_records()
    return [(r.reader, r.role, str(r.family_id), r.address) for _, r in records if r.what.value == "export"]


def test_an_auditors_case_file_is_stamped_with_the_position_the_seal_was_verified_at(data_dir: Path) -> None:
    app = app_on(data_dir)
    try:
        n = neighbourhood(peiban(app))
        family = n.families[Where.OWN]
        auditor = signed_in(app, "auditor")
        auditor.get(f"{API}/seal")  # seals what is recorded so far
        verified = CliRunner().invoke(main, ["--data-dir", str(data_dir), "verify"], env={"PEIBAN_STORE": "sqlite"})
        assert verified.exit_code == 0, verified.output
        at_verification = n.app.log_position()
        n.app.log_visit(
            UUID(family), volunteer_ids=[UUID(n.volunteer)], occurred_at=ago(hours=2), recorded_by=BY, **visit()
        )
        before = datetime.now(tz=UTC)

        answer = auditor.get(f"{API}/families/{family}/case-file")

        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"] == f'attachment; filename="peiban-case-file-{family}.json"'
        case_file = answer.get_json()
        assert case_file["format"] == "peiban-case-file/1" and case_file["family_id"] == family
        assert case_file["seal"]["state"] == "intact"
        assert case_file["seal"]["verified_position"] == at_verification
        assert case_file["seal"]["log_position"] == case_file["seal"]["sealed_position"] == at_verification + 1
        assert before <= datetime.fromisoformat(case_file["exported_at"]) <= datetime.now(tz=UTC)
        assert case_file["exported_by"] == "test-auditor" and case_file["compartments_included"] is True
        assert case_file["profile"]["display_name"] == "own"
        facts = case_file["facts"]
        assert [f["position"] for f in facts] == list(range(1, len(facts) + 1))
        assert facts[0]["kind"] == "Family.Enrolled" and facts[-1]["kind"] == "Family.VisitLogged"
        assert len([e for e in case_file["timeline"]["entries"] if e["kind"] == "visit"]) == 2
    finally:
        shutdown(app)


def test_exporting_a_case_file_is_a_read_in_the_read_audit(data_dir: Path) -> None:
    app = app_on(data_dir)
    try:
        n = neighbourhood(peiban(app))
        family = n.families[Where.OTHER]
        open_page_account(app, "审计员", "auditor")

        assert signed_in(app, "social_worker").get(f"{API}/families/{family}/case-file").status_code == 200
        assert browser(app, "审计员").get(f"/families/{family}/case-file").status_code == 200
        assert signed_in(app, "volunteer", n.volunteer).get(f"{API}/families/{family}/case-file").status_code == 403

        assert exports(app) == [
            ("test-social_worker", "social_worker", family, "127.0.0.1"),
            ("审计员", "auditor", family, "127.0.0.1"),
        ]
    finally:
        shutdown(app)


def test_the_printable_case_file_is_chinese_first_and_prints_only_the_record(data_dir: Path) -> None:
    app = app_on(data_dir)
    try:
        n = neighbourhood(peiban(app))
        open_page_account(app, "审计员", "auditor")
        client = browser(app, "审计员")
        family = n.families[Where.OWN]

        page = client.get(f"/families/{family}/case-file").get_data(as_text=True)
        family_page = client.get(f"/families/{family}").get_data(as_text=True)
        css = (Path(web.__file__).parent / "static" / "peiban.css").read_text(encoding="utf-8")

        assert "<h1>案卷: own</h1>" in page and "印证" in page and "封印" in page
        assert "一起做作业，聊了学校的事" in page, "the record itself"
        assert "Family.VisitLogged" in page and "一起做作业" in page.split("原始事实")[-1], "the raw facts, readable"
        assert f'href="/families/{family}/case-file"' in family_page
        printed = css.split("@media print")[1]
        assert "header.site" in printed and ".no-print" in printed and "display: none" in printed
    finally:
        shutdown(app)


def run_peiban(settings: StoreSettings, *args: str) -> subprocess.CompletedProcess[str]:
    """The `peiban` command in a process of its own (this worktree's code)."""
    env = {**os.environ, **cli_environment(settings)}
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_peiban_case_file_exports_for_an_account_and_records_the_read(data_dir: Path, tmp_path: Path) -> None:
    settings = StoreSettings(backend="sqlite", data_dir=data_dir)
    app = app_on(data_dir)
    try:
        n = neighbourhood(peiban(app))
        family = n.families[Where.OWN]
        open_account(app, "auditor-wang", "auditor")
        open_account(app, "volunteer-li", "volunteer", volunteer_id=n.volunteer)
    finally:
        shutdown(app)
    dest = tmp_path / "case.json"

    refused = run_peiban(settings, "case-file", family, str(tmp_path / "no.json"), "--for", "volunteer-li")
    done = run_peiban(settings, "case-file", family, str(dest), "--for", "auditor-wang")

    assert refused.returncode != 0 and "may not export case files" in refused.stderr
    assert not (tmp_path / "no.json").exists()
    assert done.returncode == 0, done.stderr
    assert "recorded in the read audit" in done.stdout
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    case_file = json.loads(dest.read_text(encoding="utf-8"))
    assert case_file["family_id"] == family and case_file["exported_by"] == "auditor-wang" and case_file["facts"]
    app = app_on(data_dir)
    try:
        assert exports(app) == [("auditor-wang", "auditor", family, "cli")]
    finally:
        shutdown(app)
