"""HTTP API benchmark: visit throughput through the real WSGI server, next to the bare application's save rate.

In one run, on fresh SQLite stores:

1. the bare application: ``Peiban.log_visit`` in-process, one visit after another (visits/s);
2. the same visits POSTed to ``/api/v1/families/{id}/visits`` through ``peiban serve`` (waitress on
   127.0.0.1, in a process of its own) by ``--clients`` client threads, each with a keep-alive
   connection and families of its own (visits/s), and the ratio HTTP / bare;
3. GET ``/api/v1/families/{id}/timeline`` latency p50/p99 (one client, families of ``visits/families``
   entries), after a first read that folds every new fact into the view (timed apart).

    python benchmarks/api.py                                   # about a minute on 2 cores
    python benchmarks/api.py --visits 10000 --families 50 --clients 16 --threads 16
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Actor, StoreSettings  # noqa: E402
from web.infra.stores import open_accounts, open_application  # noqa: E402
from web.settings import Settings  # noqa: E402

VISIT = {"place": "home", "duration_minutes": 90, "summary": "一起做作业，聊了学校的事", "activities": ["作业"]}


def scene(folder: Path, families: int) -> tuple[list[tuple[UUID, UUID]], datetime]:
    """A store with ``families`` families, each with a lead of its own since a year ago: (family, lead) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    app = open_application(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)))
    started = datetime.now(tz=UTC) - timedelta(days=365)
    today = datetime.now(tz=UTC).date()
    cohort = app.open_cohort(
        name="2025级",
        intake_on=today - timedelta(days=400),
        expected_end_on=today + timedelta(days=200),
        recorded_by=Actor("c"),
    )
    pairs = []
    for i in range(families):
        lead = app.register_volunteer(
            cohort_id=cohort, name=f"义工{i}", contact="x", recorded_by=Actor("c"), occurred_at=started
        )
        app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=started)
        family = app.enrol_family(
            recorded_by=Actor("c"),
            occurred_at=started,
            display_name=f"家庭{i}",
            community="城东社区",
            referral_source="学校老师",
            household=[{"relation": "child", "birth_year": 2014, "alias": "小林"}],
            circumstances=["left_behind"],
            consent={"guardian_relation": "grandmother", "scopes": ["records"], "given_on": started.date()},
        )
        app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
        pairs.append((family, lead))
    app.close()
    return pairs, started


def visit_times(started: datetime, count: int) -> list[datetime]:
    """Distinct moments spread over the past year, one per visit."""
    step = timedelta(days=364) / count
    return [started + step * (i + 1) for i in range(count)]


def bare_rate(folder: Path, families: int, visits: int) -> float:
    """Visits/s of ``Peiban.log_visit`` in-process, one after another."""
    pairs, started = scene(folder, families)
    app = open_application(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)))
    moments = visit_times(started, visits)
    began = time.perf_counter()
    for i, at in enumerate(moments):
        family, lead = pairs[i % families]
        app.log_visit(family, volunteer_ids=[lead], occurred_at=at, recorded_by=Actor("bench"), **VISIT)
    elapsed = time.perf_counter() - began
    app.close()
    return visits / elapsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, port: int, threads: int, code: Path = ROOT) -> subprocess.Popen[bytes]:
    """``peiban serve`` (of the checkout ``code``) on 127.0.0.1:``port``, ready to answer."""
    command = [sys.executable, "-c", "from web.cli import main; main()", "--data-dir", str(folder), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--threads", str(threads)],
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("peiban serve did not answer within 60 s")


#: The benchmark's bearer token (a coordinator's), set once the store exists.
AUTH: dict[str, str] = {}


def bench_token(folder: Path) -> str:
    """A coordinator's API token on the store in ``folder`` (the API answers nobody anonymous)."""
    from web.access.passwords import hash_password
    from web.access.tokens import new_token

    accounts = open_accounts(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)))
    accounts.open_account(
        user_name="bench",
        display_name="bench",
        role="coordinator",
        password_hash=hash_password("bench-password-1"),
        recorded_by=Actor("bench"),
    )
    text, token_id, token_hash = new_token(accounts.get("bench"))
    accounts.issue_token(
        "bench", token_id=token_id, token_hash=token_hash, label="benchmark", recorded_by=Actor("bench")
    )
    accounts.close()
    return text


def request(connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    headers.update(AUTH)
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def http_rate(port: int, pairs: list[tuple[UUID, UUID]], started: datetime, visits: int, clients: int) -> float:
    """Visits/s POSTed by ``clients`` threads, each on families of its own."""
    moments = visit_times(started, visits)
    statuses: Counter[int] = Counter()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(index, visits, clients):
            family, lead = pairs[i % len(pairs)]
            body = {**VISIT, "occurred_at": moments[i].isoformat(), "volunteer_ids": [str(lead)]}
            status, _ = request(connection, "POST", f"/api/v1/families/{family}/visits", body)
            statuses[status] += 1
        connection.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    elapsed = time.perf_counter() - began
    print(f"  answers: {dict(statuses)}")
    return statuses[201] / elapsed


def timeline_latency(port: int, families: list[UUID], reads: int) -> tuple[float, list[float], int]:
    """(first read in ms, latencies in ms, entries in a timeline) of GET timeline, one client."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    began = time.perf_counter()
    status, body = request(connection, "GET", f"/api/v1/families/{families[0]}/timeline")
    first = (time.perf_counter() - began) * 1000
    assert status == 200, body
    entries = len(json.loads(body)["entries"])
    latencies = []
    for i in range(reads):
        began = time.perf_counter()
        status, body = request(connection, "GET", f"/api/v1/families/{families[i % len(families)]}/timeline")
        latencies.append((time.perf_counter() - began) * 1000)
        assert status == 200, body
    connection.close()
    return first, latencies, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=3000)
    parser.add_argument("--families", type=int, default=15, help="visits are spread over these (200 each by default)")
    parser.add_argument("--clients", type=int, default=8, help="client threads posting at once")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--reads", type=int, default=500, help="timeline GETs timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peiban-api-bench-") as tmp:
        print(f"1. bare application: {args.visits} visits, Peiban.log_visit in-process, SQLite")
        bare = bare_rate(Path(tmp) / "bare", args.families, args.visits)
        print(f"   {bare:,.0f} visits/s")

        print(f"2. HTTP: the same visits POSTed through peiban serve (waitress, {args.threads} threads), "
              f"{args.clients} clients")  # fmt: skip
        pairs, started = scene(Path(tmp) / "http", args.families)
        AUTH["Authorization"] = f"Bearer {bench_token(Path(tmp) / 'http')}"
        port = free_port()
        server = start_server(Path(tmp) / "http", port, args.threads)
        try:
            over_http = http_rate(port, pairs, started, args.visits, args.clients)
            print(f"   {over_http:,.0f} visits/s = {over_http / bare:.2f} × the bare application's save rate")

            print(f"3. GET timeline, {args.reads} reads over {args.families} families")
            first, latencies, entries = timeline_latency(port, [f for f, _ in pairs], args.reads)
            cuts = statistics.quantiles(latencies, n=100)
            print(f"   first read after the writes: {first:,.0f} ms")
            print(f"   {entries} entries per timeline page: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
