"""`peiban demo --scale`: a valid store (the log holds what it printed, views folded fact by fact equal the
rebuilt ones, departures already settled, the seal intact), and the load test running end to end on one.

``PEIBAN_SCALE_TEST_FAMILIES`` makes the store bigger (default 25 families over two years).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from domain import StoreSettings
from projections.departures import departure_policy
from projections.read_models import ReadModels
from tests.web.stores import encrypted_peiban
from web.cli import main

FAMILIES = int(os.environ.get("PEIBAN_SCALE_TEST_FAMILIES", "25"))
ROOT = Path(__file__).resolve().parents[2]


def run(data: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args], env={"PEIBAN_STORE": "sqlite"})
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_scale_records_a_store_that_is_valid_end_to_end(tmp_path: Path) -> None:
    # given a store generated at scale
    data = tmp_path / "store"
    out = run(data, "demo", "--scale", str(FAMILIES), "--years", "2")
    printed = re.search(
        r"(\d+) 期义工 cohorts, (\d+) 名义工 volunteers, (\d+) 个家庭 families, (\d+) 条事实 facts", out
    )
    assert printed is not None, out
    cohorts, volunteers, families, facts = map(int, printed.groups())
    kinds = dict((k, int(n)) for k, n in re.findall(r"(\w+) (\d+)", out.splitlines()[-1]))
    app = encrypted_peiban(data)
    # then the log holds exactly what it printed, kind by kind
    assert app.log_position() == facts == sum(kinds.values())
    assert (kinds["Opened"], kinds["Registered"], kinds["Enrolled"]) == (cohorts, volunteers, FAMILIES) == (
        cohorts, volunteers, families,
    )  # fmt: skip
    assert kinds["VisitLogged"] > FAMILIES * 24 * 2  # two visits a month at least, over two years
    assert kinds["HandoverCompleted"] > 0 and kinds["HandoverPlanned"] >= kinds["HandoverCompleted"]
    assert kinds["Departed"] > 0
    # and every departed volunteer's assignments had ended: the departure policy finds nothing to record
    settings = StoreSettings(backend="sqlite", data_dir=data)
    policy = departure_policy(app, settings)
    policy.catch_up()
    policy.db.close()
    assert app.log_position() == facts
    # and the views it rebuilt equal views folded fact by fact in small batches
    rebuilt = ReadModels(app, settings)
    folded = ReadModels(app, StoreSettings(backend="sqlite", data_dir=tmp_path / "folded"), batch_size=97)
    folded.catch_up()
    assert {n: p.position() for n, p in rebuilt.projections.items()} == {n: facts for n in rebuilt.projections}
    assert {n: p.digest() for n, p in folded.projections.items()} == {
        n: p.digest() for n, p in rebuilt.projections.items()
    }
    folded.close()
    rebuilt.close()
    app.close()
    # and the seal over the whole log verifies
    assert f"seal intact: 日志 log {facts}, 已核验到 verified up to {facts}" in run(data, "verify")


def test_demo_scale_refuses_a_store_that_holds_facts(tmp_path: Path) -> None:
    data = tmp_path / "store"
    run(data, "demo", "--scale", "2", "--years", "0.5")
    app = encrypted_peiban(data)
    before = app.log_position()
    app.close()
    result = CliRunner().invoke(main, ["--data-dir", str(data), "demo", "--scale", "2"], env={"PEIBAN_STORE": "sqlite"})
    assert result.exit_code != 0 and "demo loads only into an empty store" in result.output
    app = encrypted_peiban(data)
    assert app.log_position() == before
    app.close()


def test_the_load_test_runs_end_to_end_and_stops_by_itself(tmp_path: Path) -> None:
    # given a tiny generated store, when the load test runs for two seconds
    command = [sys.executable, "benchmarks/load.py", "--families", "12", "--years", "1", "--duration", "2"]
    done = subprocess.run(
        [*command, "--data-dir", str(tmp_path / "store"), "--volunteers", "2", "--coordinators", "1"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PEIBAN_STORE": "sqlite"},
    )
    # then it ends cleanly, with every route it drove answered and a projection lag measured
    assert done.returncode == 0, done.stdout + done.stderr
    routes = {line.split("  ")[0] for line in done.stdout.splitlines()}
    assert {"GET dashboard", "GET timeline", "GET timeline as_of", "POST visit (probe)"} <= routes, done.stdout
    assert re.search(r"projection lag .*, [1-9]\d* probes: p50 [\d.]+ ms", done.stdout), done.stdout
    assert re.search(r"^all +\d+ +[\d.]+ +in [\d.]+ s +0$", done.stdout, re.MULTILINE), done.stdout
