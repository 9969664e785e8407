"""The backup drill: visits are logged through the served app while `peiban backup` runs in a process of its own;
the backup is restored into an empty directory by `peiban restore` (checked with the seal's public key kept apart),
the seal verifies, every restored view caught up equals the same view rebuilt from the restored log, and the restored
log ends where the manifest says. ``PEIBAN_DRILL_LOAD`` (default 1) multiplies the log's size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain import Actor, Peiban, StoreSettings
from projections.read_models import ReadModels
from tests.builders import family_profile, visit
from tests.stores import cli_environment
from tests.web.api.conftest import token_for
from tests.web.api.live_server import post_json, serving
from web.app import create_app, shutdown
from web.demo.generate import generate
from web.infra.stores import open_application
from web.settings import Settings

LOAD = int(os.environ.get("PEIBAN_DRILL_LOAD", "1"))


def peiban_command(settings: StoreSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **cli_environment(settings)}
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def a_family_with_a_lead(app: Peiban) -> tuple[UUID, UUID, datetime]:
    started = datetime.now(tz=UTC) - timedelta(days=10)
    today = started.date() + timedelta(days=10)
    cohort = app.open_cohort(
        name="2025级",
        intake_on=today - timedelta(days=300),
        expected_end_on=today + timedelta(days=100),
        recorded_by=Actor("c"),
    )
    lead = app.register_volunteer(
        cohort_id=cohort, name="王义工", contact="x", recorded_by=Actor("c"), occurred_at=started
    )
    app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=started)
    family = app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
    app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
    return family, lead, started


class Writer:
    """Logs visits through the served app until told to stop (after at least one more once told)."""

    def __init__(self, port: int, bearer: str, family: UUID, lead: UUID, started: datetime) -> None:
        self.port, self.bearer, self.family, self.lead, self.started = port, bearer, family, lead, started
        self.stop, self.first = threading.Event(), threading.Event()
        self.written = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while True:
            told = self.stop.is_set()
            at = self.started + timedelta(seconds=self.written + 1)
            body = {
                **visit(summary=f"演练 {self.written}"),
                "occurred_at": at.isoformat(),
                "volunteer_ids": [str(self.lead)],
            }
            status, answer = post_json(
                self.port, f"/api/v1/families/{self.family}/visits", body, Authorization=self.bearer
            )
            if status != 201:
                self.errors.append(f"{status} {answer}")
                return
            self.written += 1
            self.first.set()
            if told:
                return


def view_digests(models: ReadModels) -> dict[str, str]:
    return {name: projection.digest() for name, projection in models.projections.items()}


@pytest.mark.slow
def test_backup_while_visits_are_logged_restores_verified_with_views_equal_to_rebuilt_ones(tmp_path: Path) -> None:
    settings = StoreSettings(backend="sqlite", data_dir=tmp_path / "data")
    restored = StoreSettings(backend="sqlite", data_dir=tmp_path / "restored")
    backup, public_key = tmp_path / "backup", tmp_path / "seal-public-key.pem"
    assert peiban_command(settings, "init").returncode == 0
    app = create_app(Settings(store=settings), {"TESTING": True})
    peiban = app.extensions["peiban"]
    generate(peiban, families=20 * LOAD, facts_per_family=30)
    family, lead, started = a_family_with_a_lead(peiban)
    public_key.write_text(peiban_command(settings, "seal", "public-key").stdout, encoding="utf-8")

    # given visits being logged through the served app, when `peiban backup` runs meanwhile
    with serving(app) as port:
        writer = Writer(port, f"Bearer {token_for(app)}", family, lead, started)
        thread = threading.Thread(target=writer.run)
        thread.start()
        writer.first.wait(timeout=120)
        before, written_before = peiban.log_position(), writer.written
        taken = peiban_command(settings, "backup", str(backup))
        after, written_during = peiban.log_position(), writer.written - written_before
        writer.stop.set()
        thread.join(timeout=120)
    shutdown(app)
    assert taken.returncode == 0, taken.stderr
    assert writer.errors == []
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert after > before, "visits were logged while the backup ran"
    assert before <= manifest["log_position"] <= after

    # then it restores into an empty directory, checked with the public key kept apart, and the seal verifies
    done = peiban_command(restored, "restore", str(backup), "--public-key", str(public_key))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seal intact" in done.stdout
    # and, the key store and the master key (kept apart, not in the backup) put back, it reads as before
    for kept in ("keys.sqlite3", "master.key"):
        shutil.copy2(settings.data_dir / kept, restored.data_dir / kept)
    restored_app = open_application(Settings(store=restored))
    try:
        # the restored log ends where the manifest says; every copied view was at or behind it
        assert restored_app.log_position() == manifest["log_position"]
        models = ReadModels(restored_app, restored)
        tracked = {name: p.position() for name, p in models.projections.items()}
        assert all(position <= manifest["log_position"] for position in tracked.values()), tracked
        # a restored view, caught up, equals the same view rebuilt from the restored log
        models.catch_up()
        live = view_digests(models)
        models.rebuild()
        assert view_digests(models) == live
        models.close()
    finally:
        restored_app.close()
    print(
        f"\nbackup drill: log {before}→{after} facts while `peiban backup` ran ({written_during} visits logged"
        f" meanwhile), manifest log position {manifest['log_position']}, sealed {manifest['sealed_position']},"
        f" {len(manifest['files'])} files, {sum(f['bytes'] for f in manifest['files']):,} bytes;"
        f" restored, seal intact, views {sorted(live)} equal to rebuilt"
    )
