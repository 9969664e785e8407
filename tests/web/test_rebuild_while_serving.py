"""`peiban rebuild` while the app serves readers and writers: no errors, and after a restart nothing lost.

The load that corrupted views on f26dac1: 6 readers (report, dashboard, caseload, timeline), 2 writers
logging visits, and 3 rebuilds, each by the `peiban rebuild --apart` CLI in a process of its own (each view
in a worker process of its own), or, in one variant, in the serving process in one pass. It runs until the
rebuilds are done. ``PEIBAN_REBUILD_LOAD`` (default 1) multiplies the log's size and the number of rebuilds.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from flask import Flask

from domain import Actor, Peiban, StoreSettings
from projections.read_models import ReadModels
from tests.builders import family_profile, visit
from tests.stores import cli_environment
from tests.web.api.conftest import token_for
from tests.web.api.live_server import post_json, serving
from web.app import create_app, shutdown
from web.demo.generate import generate
from web.settings import Settings

pytestmark = pytest.mark.many_connections

LOAD = int(os.environ.get("PEIBAN_REBUILD_LOAD", "1"))
READERS, WRITERS, REBUILDS = 6, 2, 3 * LOAD


@dataclasses.dataclass
class Scene:
    families: list[UUID]
    lead: UUID
    started: datetime


def _scene(app: Peiban) -> Scene:
    """A log of some thousands of facts, and two families (one per writer) with a lead since ten days ago."""
    generate(app, families=30 * LOAD, facts_per_family=40)
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
    families = []
    for _ in range(WRITERS):
        family = app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
        app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
        families.append(family)
    return Scene(families, lead, started)


def _get(port: int, path: str, bearer: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": bearer})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _cli_rebuild(settings: StoreSettings) -> Callable[[], None]:
    def run() -> None:
        env = {**os.environ, **cli_environment(settings)}
        command = [sys.executable, "-c", "from web.cli import main; main()", "rebuild", "--apart"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr

    return run


def _in_process_rebuild(app: Flask) -> Callable[[], None]:
    def run() -> None:
        models = ReadModels(app.extensions["peiban"], app.config["PEIBAN_SETTINGS"].store)
        models.rebuild()
        models.close()

    return run


class Load:
    """Readers and writers against a served app, until ``stop`` is set; what went wrong, and what was written."""

    def __init__(self, port: int, bearer: str, scene: Scene, models: ReadModels) -> None:
        self.port, self.bearer, self.scene, self.models = port, bearer, scene, models
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.written: dict[UUID, list[str]] = {family: [] for family in scene.families}
        self.reads = 0

    def reader(self, n: int) -> None:
        family, lead = self.scene.families[n % WRITERS], self.scene.lead
        paths = [
            "/api/v1/reports/cohorts",
            "/api/v1/dashboard/continuity",
            f"/api/v1/volunteers/{lead}/caseload",
            f"/api/v1/families/{family}/timeline?limit=5",
        ]
        i = n
        while not self.stop.is_set():
            path = paths[i % len(paths)]
            status = _get(self.port, path, self.bearer)
            self.reads += 1
            if status != 200:
                self.errors.append(f"GET {path}: {status}")
            i += 1

    def writer(self, n: int) -> None:
        family, i = self.scene.families[n], 0
        while not self.stop.is_set():
            i += 1
            at = self.scene.started + timedelta(minutes=i)
            body = {
                **visit(summary=f"写入 {n}-{i}"),
                "occurred_at": at.isoformat(),
                "volunteer_ids": [str(self.scene.lead)],
            }
            status, answer = post_json(self.port, f"/api/v1/families/{family}/visits", body, Authorization=self.bearer)
            if status != 201:
                self.errors.append(f"POST visit: {status} {answer}")
                continue
            self.written[family].append(answer["event_id"])
            # read-your-writes: the serving process's views hold the visit once it is answered, switch or not
            for view, table in (("timeline", "timeline_entry"), ("continuity", "continuity_contact")):
                if _count_rows(self.models, view, table, answer["event_id"]) != 1:
                    self.errors.append(f"{view} lacks a visit just written")

    def run(self, rebuilds: Callable[[], None]) -> None:
        """Readers and writers run while ``rebuilds`` does; then they stop."""
        threads = [threading.Thread(target=self.reader, args=(n,)) for n in range(READERS)]
        threads += [threading.Thread(target=self.writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        try:
            rebuilds()
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=120)


def _elsewhere(settings: StoreSettings, tmp_path: Path) -> StoreSettings:
    if settings.backend == "postgres":
        return dataclasses.replace(
            settings, postgres=dataclasses.replace(settings.postgres, schema=f"{settings.postgres.schema}_fresh")
        )
    return dataclasses.replace(settings, data_dir=tmp_path / "fresh-views")


def _count_rows(models: ReadModels, view: str, table: str, event_id: str) -> int:
    with models[view].reading() as tx:
        row = tx.one(f"SELECT COUNT(*) FROM {table} WHERE event_id = ?", [event_id])
    return int(row[0]) if row else 0


@pytest.fixture(params=["rebuild in another process", "rebuild in the serving process"])
def where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def served(durable_store: StoreSettings, where: str) -> Iterator[tuple[Flask, StoreSettings]]:
    if durable_store.backend == "postgres" and where != "rebuild in another process":
        pytest.skip("one variant on PostgreSQL is enough: the switch-over is the same transaction")
    app = create_app(Settings(store=durable_store), {"TESTING": True})
    yield app, durable_store


def test_rebuilds_while_serving_answer_no_errors_and_lose_nothing(
    served: tuple[Flask, StoreSettings], where: str, tmp_path: Path
) -> None:
    app, settings = served
    scene = _scene(app.extensions["peiban"])
    bearer = f"Bearer {token_for(app)}"
    one_rebuild = _cli_rebuild(settings) if where == "rebuild in another process" else _in_process_rebuild(app)

    def rebuilds() -> None:
        for _ in range(REBUILDS):
            one_rebuild()

    # given a served app with 6 readers and 2 writers, when views are rebuilt 3 times meanwhile
    with serving(app) as port:
        load = Load(port, bearer, scene, app.extensions["peiban.read_models"])
        load.run(rebuilds)
    shutdown(app)

    # then no request failed, and the writers got somewhere
    assert load.errors == [], load.errors[:10]
    assert all(load.written.values()) and load.reads > 0

    # and after a restart, every view equals a fresh rebuild, holding each written visit once
    restarted = create_app(Settings(store=settings), {"TESTING": True})
    peiban: Peiban = restarted.extensions["peiban"]
    models: ReadModels = restarted.extensions["peiban.read_models"]
    models.catch_up()
    fresh = ReadModels(peiban, _elsewhere(settings, tmp_path))
    fresh.rebuild()
    for name, projection in models.projections.items():
        assert projection.position() == peiban.log_position() == fresh[name].position()
        assert projection.digest() == fresh[name].digest(), name
    for family, written in load.written.items():
        logged = [str(f.event_id) for f in peiban.family_facts(family) if type(f).__name__ == "VisitLogged"]
        assert sorted(logged) == sorted(written)  # the log: nothing lost, nothing twice
        for event_id in written:
            assert _count_rows(models, "timeline", "timeline_entry", event_id) == 1
            assert _count_rows(models, "continuity", "continuity_contact", event_id) == 1
    fresh.close()
    shutdown(restarted)
