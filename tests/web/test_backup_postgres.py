"""PostgreSQL's backup route (README, "Backup and restore"): `pg_dump --schema 'PREFIX*'` of a served store, the
schemas lost, `pg_restore` — then the seal verifies, the log is whole, and a rebuilt view equals the restored one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domain import StoreSettings
from projections.read_models import ReadModels
from tests.stores import _connect, cli_environment, postgres_store
from web.app import create_app, shutdown
from web.demo.generate import generate
from web.infra.stores import open_application
from web.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.many_connections]


def client_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed here (PostgreSQL's client tools)")
    return found


def connection_options(settings: StoreSettings) -> tuple[list[str], dict[str, str]]:
    pg = settings.postgres
    options = ["--host", pg.host, "--port", str(pg.port), "--username", pg.user, "--dbname", pg.dbname]
    return options, {**os.environ, "PGPASSWORD": pg.password} if pg.password else dict(os.environ)


def peiban_command(settings: StoreSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **cli_environment(settings)}
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_pg_dump_and_pg_restore_bring_back_a_store_whose_seal_verifies(tmp_path: Path) -> None:
    pg_dump, pg_restore = client_tool("pg_dump"), client_tool("pg_restore")
    with postgres_store() as settings:
        app = create_app(Settings(store=settings), {"TESTING": True})
        generate(app.extensions["peiban"], families=4, facts_per_family=10)
        app.extensions["peiban.seal"].catch_up()
        app.extensions["peiban.read_models"].catch_up()
        position = app.extensions["peiban"].log_position()
        shutdown(app)
        schemas = f"{settings.postgres.schema}*"  # the application's schema, its views' and its seal's
        options, env = connection_options(settings)
        dump = tmp_path / "peiban.dump"

        dumped = subprocess.run(
            [pg_dump, *options, "--format=custom", f"--schema={schemas}", f"--file={dump}"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert dumped.returncode == 0, dumped.stderr
        with _connect(settings.postgres) as conn:  # the store is lost
            names = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [schemas[:-1] + "%"])
            for (name,) in names.fetchall():
                conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        restored = subprocess.run(
            [pg_restore, *options, "--exit-on-error", str(dump)],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert restored.returncode == 0, restored.stderr

        verified = peiban_command(settings, "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert f"seal intact: 日志 log {position}, 已核验到 verified up to {position}" in verified.stdout
        app_again = open_application(Settings(store=settings))
        models = ReadModels(app_again, settings)
        try:
            assert app_again.log_position() == position
            live = {name: p.digest() for name, p in models.projections.items()}
            assert all(p.position() == position for p in models.projections.values())
            models.rebuild()
            assert {name: p.digest() for name, p in models.projections.items()} == live
        finally:
            models.close()
            app_again.close()
