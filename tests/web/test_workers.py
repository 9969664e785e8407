"""`peiban serve --workers N` beside `peiban project`, as production runs them: real processes on 127.0.0.1.

Concurrent writers log visits over HTTP, each with an ``Idempotency-Key``, retrying a conflict or a lost
answer with the same key; each reads its own write back (from whichever worker answers). Afterwards every
answered visit is in the log once, nothing else is, and every view equals a rebuild. The follower is also
killed (SIGKILL) and restarted while writes go on. PostgreSQL runs 4 workers; SQLite runs 2 on one data
directory (one writer at a time, but correct). ``PEIBAN_WORKERS_LOAD`` (default 1) multiplies the writes.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain import Peiban, StoreSettings
from domain.actor import Actor
from projections.read_models import ReadModels
from tests.builders import family_profile, visit
from tests.web.api.conftest import token_for
from tests.web.served import MASTER_KEY, ended, kill, left_running, peiban, request, stop, wait_until_said, workers
from tests.web.stores import encrypted_peiban
from web.app import create_app, shutdown
from web.demo.generate import generate
from web.settings import Settings

pytestmark = [pytest.mark.many_connections, pytest.mark.real_clock]

LOAD = int(os.environ.get("PEIBAN_WORKERS_LOAD", "1"))
WRITERS = 6
VISITS = 12 * LOAD  # per writer


@dataclasses.dataclass
class Scene:
    settings: StoreSettings
    bearer: str
    #: per writer: its family and the family's lead
    pairs: list[tuple[UUID, UUID]]
    started: datetime


@pytest.fixture
def scene(durable_store: StoreSettings) -> Iterator[Scene]:
    yield make_scene(durable_store)
    left_running()  # a test that failed half-way leaves no process behind


def make_scene(durable_store: StoreSettings, *, writers: int = WRITERS) -> Scene:
    """Some hundreds of facts, and one family per writer, each with a lead of its own since ten days ago."""
    app = create_app(Settings(store=durable_store, master_key=MASTER_KEY), {"TESTING": True})
    peiban_app: Peiban = app.extensions["peiban"]
    generate(peiban_app, families=10, facts_per_family=20)
    started = datetime.now(tz=UTC) - timedelta(days=10)
    today = started.date() + timedelta(days=10)
    cohort = peiban_app.open_cohort(
        name="2025级",
        intake_on=today - timedelta(days=300),
        expected_end_on=today + timedelta(days=100),
        recorded_by=Actor("c"),
    )
    pairs = []
    for n in range(writers):
        lead = peiban_app.register_volunteer(
            cohort_id=cohort, name=f"义工{n}", contact="x", recorded_by=Actor("c"), occurred_at=started
        )
        peiban_app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=started)
        family = peiban_app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
        peiban_app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
        pairs.append((family, lead))
    bearer = f"Bearer {token_for(app)}"
    shutdown(app)
    return Scene(durable_store, bearer, pairs, started)


def worker_count(settings: StoreSettings) -> int:
    return 4 if settings.backend == "postgres" else 2


class Writers:
    """``WRITERS`` threads logging ``VISITS`` visits each; what each key was answered, and what went wrong."""

    def __init__(self, port: int, scene: Scene, *, read_back: bool, until: threading.Event | None = None) -> None:
        self.port, self.scene, self.read_back = port, scene, read_back
        #: if given, each writer goes on past its ``VISITS`` until this is set
        self.until = until
        #: reading back, each writer has a family of its own; otherwise two writers share each family, and
        #: their saves conflict (retried by the worker, or answered 409 and sent again by the writer)
        self.families = WRITERS if read_back else WRITERS // 2
        self.answers: dict[str, str] = {}  # Idempotency-Key -> the visit's event id
        self.errors: list[str] = []
        self.conflicts = 0

    def run(self) -> None:
        threads = [threading.Thread(target=self.writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

    def writer(self, n: int) -> None:
        family, lead = self.scene.pairs[n % self.families]
        for i in itertools.count():
            if i >= VISITS and (self.until is None or self.until.is_set()):
                return
            at = self.scene.started + timedelta(minutes=i * WRITERS + n + 1)
            key = str(uuid.uuid4())
            body = {**visit(summary=f"写入 {n}-{i}"), "occurred_at": at.isoformat(), "volunteer_ids": [str(lead)]}
            event_id = self.post(f"/api/v1/families/{family}/visits", body, key)
            if event_id is None:
                return
            self.answers[key] = event_id
            if i % 3 == 0:  # the client did not hear the answer, and sends the same request again
                again = self.post(f"/api/v1/families/{family}/visits", body, key)
                if again != event_id:
                    self.errors.append(f"a retry of {key} was answered {again}, first {event_id}")
            if self.read_back:
                self.check_read_back(lead, family, at)

    def post(self, path: str, body: dict[str, object], key: str) -> str | None:
        """POST until answered 201 (a 409 conflict is retried with the same key, as a client would)."""
        for attempt in range(20):
            status, answer = request(
                self.port, "POST", path, body, Authorization=self.scene.bearer, **{"Idempotency-Key": key}
            )
            if status == 201:
                return str(answer["event_id"])
            if status != 409:
                self.errors.append(f"POST {path}: {status} {answer}")
                return None
            self.conflicts += 1
            time.sleep(random.uniform(0, 0.02 * attempt))  # back off, as a client should, so that no writer starves
        self.errors.append(f"POST {path}: still 409 after 20 tries: {answer}")
        return None

    def check_read_back(self, lead: UUID, family: UUID, at: datetime) -> None:
        """Whichever worker answers, the visit just answered is in the view it reads."""
        status, caseload = request(
            self.port, "GET", f"/api/v1/volunteers/{lead}/caseload", Authorization=self.scene.bearer
        )
        mine = [f for f in caseload["families"] if f["family_id"] == str(family)] if status == 200 else []
        if not mine or datetime.fromisoformat(mine[0]["last_visit_at"]) != at:
            self.errors.append(f"caseload of {lead} does not show the visit at {at}: {status} {caseload}")


def fresh_views(settings: StoreSettings, tmp_path: Path) -> StoreSettings:
    """The same log, with views kept in another place (another folder, or another schema prefix)."""
    if settings.backend == "postgres":
        return dataclasses.replace(
            settings, postgres=dataclasses.replace(settings.postgres, schema=f"{settings.postgres.schema}_fresh")
        )
    return dataclasses.replace(settings, data_dir=tmp_path / "fresh-views")


def wait_for_follower(models: ReadModels, head: int) -> None:
    """Until the follower (another process) has folded every view up to ``head``; this process folds nothing."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(p.position() >= head for p in models.projections.values()):
            return
        time.sleep(0.05)
    raise AssertionError({name: p.position() for name, p in models.projections.items()})


def assert_accounted_for(scene: Scene, writers: Writers, tmp_path: Path) -> None:
    """Every answered visit is in the log once and nothing else is; every view equals a rebuild of the log."""
    assert writers.errors == [], writers.errors[:10]
    assert len(writers.answers) >= WRITERS * VISITS
    assert len(set(writers.answers.values())) == len(writers.answers)  # one fact per key, none shared
    app = encrypted_peiban(scene.settings, master_key=MASTER_KEY)
    logged = [
        str(fact.event_id)
        for family, _ in scene.pairs
        for fact in app.family_facts(family)
        if type(fact).__name__ == "VisitLogged"
    ]
    assert sorted(logged) == sorted(writers.answers.values())  # 0 lost, 0 twice
    models = ReadModels(app, scene.settings)
    wait_for_follower(models, app.log_position())
    fresh = ReadModels(app, fresh_views(scene.settings, tmp_path))
    fresh.rebuild()
    for name, projection in models.projections.items():
        assert projection.position() == app.log_position() == fresh[name].position(), name
        assert projection.digest() == fresh[name].digest(), name
    fresh.close()
    models.close()
    app.close()


def verify_seal(settings: StoreSettings) -> None:
    verified = peiban(settings, "verify")
    errors = ended(verified, 120)
    assert verified.returncode == 0, errors[-3000:]


def test_workers_and_a_follower_record_every_visit_once_and_views_equal_a_rebuild(scene: Scene, tmp_path: Path) -> None:
    # given N worker processes and a follower, when writers log visits, retry some, and read each back
    follower = following(scene.settings, batch_size=1000)
    with workers(scene.settings, worker_count(scene.settings)) as port:
        writers = Writers(port, scene, read_back=True)
        writers.run()
    # then every visit is accounted for, every view equals a rebuild, and the seal holds every fact
    assert_accounted_for(scene, writers, tmp_path)
    stop(follower)
    verify_seal(scene.settings)


def test_a_follower_killed_under_load_and_restarted_misses_no_fact(scene: Scene, tmp_path: Path) -> None:
    # given workers taking writes that nobody reads (so that only the follower folds the timeline view), and
    # go on until told to stop
    follower = following(scene.settings)
    with workers(scene.settings, worker_count(scene.settings)) as port:
        enough = threading.Event()
        writers = Writers(port, scene, read_back=False, until=enough)
        load = threading.Thread(target=writers.run)
        load.start()
        # when the follower is killed with SIGKILL twice while the writes go on (each time after it has been
        # following some writes), and started again each time
        for _ in range(2):
            wait_for_answers(writers, len(writers.answers) + WRITERS * 2)
            kill(follower)
            follower = following(scene.settings)
        wait_for_answers(writers, max(len(writers.answers) + WRITERS * 2, WRITERS * VISITS))
        enough.set()
        load.join(timeout=300)
    # then, once it has caught up, nothing was missed or folded twice
    assert_accounted_for(scene, writers, tmp_path)
    stop(follower)
    verify_seal(scene.settings)


def following(settings: StoreSettings, *, batch_size: int = 7) -> subprocess.Popen[str]:
    """A `peiban project` that has opened its stores and follows the log (so that it can be stopped cleanly)."""
    follower = peiban(settings, "project", "--interval", "0.2", "--batch-size", str(batch_size))
    wait_until_said(follower, "following the log")
    return follower


def wait_for_answers(writers: Writers, count: int) -> None:
    """Until the writers have been answered ``count`` visits."""
    deadline = time.monotonic() + 300
    while len(writers.answers) < count:
        assert not writers.errors, writers.errors[:10]
        assert time.monotonic() < deadline, f"{len(writers.answers)} visits answered in 300 s, not {count}"
        time.sleep(0.02)


def test_a_follower_asked_with_sigusr1_tells_where_each_thread_is_and_goes_on(durable_store: StoreSettings) -> None:
    """What an operator (or a test that waits too long) does with a process that seems to hang."""
    follower = following(durable_store)
    follower.send_signal(signal.SIGUSR1)
    time.sleep(1)
    assert follower.poll() is None, "it goes on"
    said = stop(follower)
    assert "Current thread" in said or "Thread 0x" in said, said[-2000:]
    assert "web/cli/views.py" in said, said[-2000:]
