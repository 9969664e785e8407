"""Restart/rebuild soak: a served app under writers and readers, repeated `peiban rebuild`s and kill -9 restarts.

Each round starts ``peiban serve`` (waitress, 127.0.0.1 only, a process of its own), runs writers (visits)
and readers (report, dashboard, caseload, timeline) against it while ``--rebuilds`` rebuilds run one
after another in processes of their own, then kills the server with SIGKILL mid-load. After the last
round the server is started once more and read, then the log and the views are checked from a fresh
process's point of view. It prints: facts written (answered 201), facts found in the log and in each
view, lost, duplicated, errors (5xx or unexpected answers), rebuilds and restarts. It stops by itself.

    python benchmarks/soak.py                                  # about a minute on 2 cores
    python benchmarks/soak.py --rounds 10 --rebuilds 3 --families 400

``--crash-retry`` adds the crash-retry phase: after each restart, every write the kill left unanswered
is sent again with the same ``Idempotency-Key`` and body; a correct store records it once (issue 10,
item 7, is owned elsewhere; this is the hook that measures it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Actor, StoreSettings  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from web.demo.generate import generate  # noqa: E402
from web.infra.stores import open_accounts, open_application  # noqa: E402
from web.settings import Settings  # noqa: E402

CLI = [sys.executable, "-c", "from web.cli import main; main()"]
VISIT = {"place": "home", "duration_minutes": 60, "summary": ""}


@dataclass
class Tally:
    written: dict[str, str] = field(default_factory=dict)  # event id -> summary, answered 201
    unanswered: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # path, body, key
    errors: list[str] = field(default_factory=list)
    reads: int = 0
    rebuilds: int = 0
    restarts: int = 0
    retried: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def scene(folder: Path, families: int, written: int) -> tuple[list[UUID], UUID, datetime]:
    """A log of ``families`` synthetic families (so rebuilds take a while) and ``written`` families with a lead."""
    app = open_application(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)))
    generate(app, families=families, facts_per_family=50)
    started = datetime.now(tz=UTC) - timedelta(days=30)
    today = started.date() + timedelta(days=30)
    cohort = app.open_cohort(
        name="浸泡",
        intake_on=today - timedelta(days=300),
        expected_end_on=today + timedelta(days=100),
        recorded_by=Actor("c"),
    )
    lead = app.register_volunteer(
        cohort_id=cohort, name="义工", contact="x", recorded_by=Actor("c"), occurred_at=started
    )
    app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=started)
    ids = []
    for i in range(written):
        family = app.enrol_family(
            recorded_by=Actor("c"),
            occurred_at=started,
            display_name=f"浸泡家庭{i}",
            community="城东社区",
            referral_source="学校老师",
            household=[{"relation": "child", "birth_year": 2014, "alias": "小林"}],
            circumstances=["left_behind"],
            consent={"guardian_relation": "grandmother", "scopes": ["records"], "given_on": started.date()},
        )
        app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
        ids.append(family)
    app.close()
    return ids, lead, started


def bearer(folder: Path) -> str:
    from web.access.passwords import hash_password
    from web.access.tokens import new_token

    accounts = open_accounts(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)))
    accounts.open_account(
        user_name="soak", display_name="soak", role="coordinator", password_hash=hash_password("soak-pass-1"),
        recorded_by=Actor("soak"),
    )  # fmt: skip
    text, token_id, token_hash = new_token(accounts.get("soak"))
    accounts.issue_token("soak", token_id=token_id, token_hash=token_hash, label="soak", recorded_by=Actor("soak"))
    accounts.close()
    return f"Bearer {text}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(port: int, method: str, path: str, auth: str, body: Any = None, key: str = "") -> tuple[int, Any]:
    headers = {"Authorization": auth, **({"Content-Type": "application/json"} if body is not None else {})}
    if key:
        headers["Idempotency-Key"] = key
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data.startswith(b"{") else None
    finally:
        connection.close()


def serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``peiban serve`` on 127.0.0.1:``port``, once it answers."""
    command = [*CLI, "--data-dir", str(folder), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (folder.parent / "server.log").open("ab")  # its tracebacks, for the errors printed at the end
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/healthz", "")[0] == 200:
                return server
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    server.kill()
    raise SystemExit("peiban serve did not answer within 60 s")


def reader(port: int, auth: str, paths: list[str], stop: threading.Event, tally: Tally) -> None:
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        try:
            status, _ = call(port, "GET", path, auth)
        except (OSError, http.client.HTTPException):
            if stop.is_set():
                return  # the server was killed under us: expected
            raise
        with tally.lock:
            tally.reads += 1
            if status != 200:
                tally.errors.append(f"GET {path}: {status}")


def writer(
    port: int, auth: str, families: list[UUID], lead: UUID, at: datetime, stop: threading.Event, tally: Tally
) -> None:
    while not stop.is_set():
        family = families[len(tally.written) % len(families)]
        summary, key = f"浸泡 {uuid.uuid4()}", str(uuid.uuid4())
        with tally.lock:
            at += timedelta(seconds=len(tally.written) + 1)
        body = {**VISIT, "summary": summary, "occurred_at": at.isoformat(), "volunteer_ids": [str(lead)]}
        path = f"/api/v1/families/{family}/visits"
        try:
            status, answer = call(port, "POST", path, auth, body, key)
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.unanswered.append((path, body, key))  # saved or not: the kill decides
            if stop.is_set():
                return
            raise
        with tally.lock:
            if status == 201:
                tally.written[answer["event_id"]] = summary
            else:
                tally.errors.append(f"POST visit: {status} {answer}")


def crash_retry(port: int, auth: str, tally: Tally) -> None:
    """The crash-retry phase (``--crash-retry``): resend each unanswered write with its key and body."""
    pending, tally.unanswered = tally.unanswered, []
    for path, body, key in pending:
        status, answer = call(port, "POST", path, auth, body, key)
        tally.retried += 1
        if status == 201:
            tally.written[answer["event_id"]] = body["summary"]
        else:
            tally.errors.append(f"retried POST visit: {status} {answer}")


def round_(
    folder: Path, args: argparse.Namespace, auth: str, world: tuple[list[UUID], UUID, datetime], tally: Tally
) -> None:
    """One server life: load while ``args.rebuilds`` rebuilds run, then kill -9."""
    families, lead, started = world
    port = free_port()
    server = serve(folder, port)
    if args.crash_retry:
        crash_retry(port, auth, tally)
    paths = ["/api/v1/reports/cohorts", "/api/v1/dashboard/continuity", f"/api/v1/volunteers/{lead}/caseload"]
    paths += [f"/api/v1/families/{f}/timeline?limit=5" for f in families]
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=reader, args=(port, auth, paths[i % len(paths) :] + paths[: i % len(paths)], stop, tally)
        )
        for i in range(args.readers)
    ]
    threads += [
        threading.Thread(
            target=writer,
            args=(port, auth, families[i :: args.writers], lead, started + timedelta(days=1), stop, tally),
        )
        for i in range(args.writers)
    ]
    for thread in threads:
        thread.start()
    env = {**os.environ, "PEIBAN_STORE": "sqlite", "PEIBAN_DATA_DIR": str(folder)}
    for _ in range(args.rebuilds):
        done = subprocess.run([*CLI, "rebuild"], env=env, capture_output=True, text=True, check=False)
        tally.rebuilds += 1
        if done.returncode != 0:
            tally.errors.append(f"rebuild exited {done.returncode}: {done.stderr[-300:]}")
    stop.set()
    server.send_signal(signal.SIGKILL)  # mid-load: writes in flight stay unanswered
    server.wait()
    tally.restarts += 1
    for thread in threads:
        thread.join()


def check(folder: Path, tally: Tally) -> dict[str, Any]:
    """What a fresh process finds: the written facts in the log and in each view, and views equal to a rebuild."""
    settings = StoreSettings(backend="sqlite", data_dir=folder)
    app = open_application(Settings(store=settings))
    models = ReadModels(app, settings)
    models.catch_up()
    fresh = ReadModels(app, StoreSettings(backend="sqlite", data_dir=folder / "fresh-views"))
    fresh.rebuild()
    same = all(p.digest() == fresh[name].digest() for name, p in models.projections.items())
    summaries: Counter[str] = Counter()
    in_log: set[str] = set()
    for n in app.recorder.select_notifications(0, app.log_position() + 1):
        event = app.mapper.to_domain_event(n)
        if type(event).__name__ == "VisitLogged" and event.summary.startswith("浸泡"):
            summaries[event.summary] += 1
            in_log.add(str(event.event_id))
    in_views: dict[str, Counter[str]] = {}
    for view, table in (("timeline", "timeline_entry"), ("continuity", "continuity_contact")):
        with models[view].reading() as tx:
            in_views[view] = Counter(str(row[0]) for row in tx.query(f"SELECT event_id FROM {table}"))
    found = {"log": sum(1 for e in tally.written if e in in_log)}
    found |= {view: sum(1 for e in tally.written if ids[e]) for view, ids in in_views.items()}
    lost = sum(1 for e in tally.written if e not in in_log or not all(ids[e] for ids in in_views.values()))
    duplicated = sum(c - 1 for c in summaries.values()) + sum(
        c - 1 for ids in in_views.values() for e, c in ids.items() if e in in_log
    )
    fresh.close()
    models.close()
    app.close()
    saved = sum(1 for _, body, _ in tally.unanswered if summaries[body["summary"]])
    return {"found": found, "lost": lost, "duplicated": duplicated, "views equal a fresh rebuild": same, "saved": saved}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="server lives, each ended by kill -9 (default 3)")
    parser.add_argument("--rebuilds", type=int, default=2, help="rebuilds per round (default 2)")
    parser.add_argument("--families", type=int, default=100, help="synthetic families, 50 facts each (default 100)")
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument(
        "--written-families",
        type=int,
        default=20,
        help="families the writers share (default 20); past 100 facts a family is snapshotted (issue 10, item 2)",
    )
    parser.add_argument("--crash-retry", action="store_true", help="resend unanswered writes after each restart")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peiban-soak-") as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        world = scene(folder, args.families, args.written_families)
        auth, tally = bearer(folder), Tally()
        began = time.monotonic()
        for n in range(args.rounds):
            round_(folder, args, auth, world, tally)
            print(
                f"  round {n + 1}/{args.rounds}: {len(tally.written)} written, {len(tally.errors)} errors", flush=True
            )
        port = free_port()
        server = serve(folder, port)  # a last restart: every read answers
        for path in ["/api/v1/reports/cohorts", "/api/v1/dashboard/continuity"]:
            status, _ = call(port, "GET", path, auth)
            if status != 200:
                tally.errors.append(f"after the last restart, GET {path}: {status}")
        server.send_signal(signal.SIGTERM)
        server.wait()
        result = check(folder, tally)
        leftovers = sorted(p.name for p in folder.glob("*.rebuild-*"))
        tracebacks = [line for line in (folder.parent / "server.log").read_text().splitlines() if "Error" in line]
    print(f"facts written (201):       {len(tally.written)}")
    print(
        f"unanswered at kill -9:     {len(tally.unanswered)} ({result['saved']} saved anyway; retried: {tally.retried})"
    )
    print(f"found in log / timeline / continuity: {result['found']['log']} / {result['found']['timeline']}"
          f" / {result['found']['continuity']}")  # fmt: skip
    print(f"lost:                      {result['lost']}")
    print(f"duplicated:                {result['duplicated']}")
    print(f"errors:                    {len(tally.errors)}")
    for error in [*tally.errors[:5], *sorted(set(tracebacks))[:5]]:
        print(f"  {error[:300]}")
    print(f"reads:                     {tally.reads}")
    print(f"rebuilds:                  {tally.rebuilds}")
    print(f"restarts (kill -9):        {tally.restarts}")
    print(f"views equal a fresh rebuild: {result['views equal a fresh rebuild']}")
    print(f"rebuild files left over:   {len(leftovers)}")
    print(f"time:                      {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
