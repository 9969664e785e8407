"""`peiban serve --workers N` on PostgreSQL, with `peiban project` beside it: throughput, p95 and projection lag.

For each N (default 1, 2, 4) on a fresh schema of the test server: start `peiban project` and `peiban serve
--workers N` (N = 1 is the default single process, waitress; more run gunicorn), then ``--clients`` threads
each alternate logging a visit (POST, to a family of its own) and reading a caseload (GET) for ``--seconds``.
Meanwhile a probe notes the log's head every 0.2 s and how long the follower takes to fold the timeline view
up to it (nobody else folds that view here): the projection lag. Printed per N: requests/s, p50 and p95 of
each kind, errors, the lag's p50 and p95, and throughput as a ratio of the 1-worker run in the same run.

Throughput on a small machine is bounded by its cores, so each run also counts the processor time spent by
the server's processes and the follower (every process this script started, from /proc) per request, and
how busy that kept the machine's cores: if the processor time per request stays flat as workers are added,
the workers share nothing that makes them wait on each other, and throughput grows with the cores they
get; if it grows, or the cores idle while throughput falls, they wait on each other (locks, the store).

    python benchmarks/workers.py                       # about a minute and a half
    python benchmarks/workers.py --workers 1 2 4 8 --clients 16 --seconds 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from projections.read_models import ReadModels  # noqa: E402
from tests.builders import visit  # noqa: E402
from tests.stores import postgres_store, postgres_unreachable_reason  # noqa: E402
from tests.web.served import MASTER_KEY, peiban, request, stop, workers  # noqa: E402
from tests.web.stores import encrypted_peiban  # noqa: E402
from tests.web.test_workers import Scene, make_scene  # noqa: E402


@dataclass
class Run:
    workers: int
    seconds: float = 0.0
    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    errors: int = 0
    cpu: float = 0.0  # processor seconds of the server and the follower over the run
    server_cpu: float = 0.0  # of the PostgreSQL server processes serving them

    @property
    def requests(self) -> int:
        return len(self.writes) + len(self.reads)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu / max(self.requests, 1) * 1000

    @property
    def server_ms_per_request(self) -> float:
        return self.server_cpu / max(self.requests, 1) * 1000

    @property
    def cores_busy(self) -> float:
        return self.cpu / self.seconds / (os.cpu_count() or 1)


def descendants_cpu() -> float:
    """Processor seconds (user + system) used so far by the processes this one started, and theirs (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    mine, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in mine} - mine
        mine |= more
        grew = bool(more)
    return sum(times[pid] for pid in mine - {os.getpid()})


#: Every connection this script's processes open names itself so (libpq reads PGAPPNAME), for ``backends_cpu``.
APPLICATION_NAME = f"peiban-bench-{os.getpid()}"


def backends_cpu() -> float:
    """Processor seconds used so far by the PostgreSQL server processes serving this script's connections."""
    from tests.stores import _connect, postgres_settings

    with _connect(postgres_settings()) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION_NAME])
        pids = [pid for (pid,) in rows.fetchall()]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # another machine's server, or the connection closed meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else float("nan")


def client(port: int, scene: Scene, n: int, until: float, run: Run, lock: threading.Lock) -> None:
    family, lead = scene.pairs[n]
    i = 0
    while time.monotonic() < until:
        i += 1
        at = scene.started + timedelta(seconds=i)
        body = {**visit(summary=f"基准 {n}-{i}"), "occurred_at": at.isoformat(), "volunteer_ids": [str(lead)]}
        started = time.monotonic()
        status, _ = request(
            port,
            "POST",
            f"/api/v1/families/{family}/visits",
            body,
            Authorization=scene.bearer,
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
        wrote = time.monotonic()
        status_read, _ = request(port, "GET", f"/api/v1/volunteers/{lead}/caseload", Authorization=scene.bearer)
        read = time.monotonic()
        with lock:
            if status == 201:
                run.writes.append(wrote - started)
            if status_read == 200:
                run.reads.append(read - wrote)
            run.errors += (status != 201) + (status_read != 200)


def probe(scene: Scene, until: float, run: Run) -> None:
    """The follower's lag: from a head of the log being noted to the timeline view holding it."""
    app = encrypted_peiban(scene.settings, master_key=MASTER_KEY)
    models = ReadModels(app, scene.settings)
    timeline = models["timeline"]
    while time.monotonic() < until:
        head, noted = app.log_position(), time.monotonic()
        while timeline.position() < head and time.monotonic() < until + 30:
            time.sleep(0.005)
        run.lags.append(time.monotonic() - noted)
        time.sleep(0.2)
    models.close()
    app.close()


def measure(count: int, clients: int, seconds: float) -> Run:
    with postgres_store() as settings:
        scene = make_scene(settings, writers=clients)
        follower = peiban(settings, "project", "--interval", "0.5")
        run, lock = Run(count), threading.Lock()
        with workers(settings, count) as port:
            started, cpu, server_cpu = time.monotonic(), descendants_cpu(), backends_cpu()
            until = started + seconds
            threads = [threading.Thread(target=client, args=(port, scene, n, until, run, lock)) for n in range(clients)]
            threads.append(threading.Thread(target=probe, args=(scene, until, run)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            run.seconds = time.monotonic() - started
            run.cpu = descendants_cpu() - cpu
            run.server_cpu = backends_cpu() - server_cpu
        stop(follower)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    reason = postgres_unreachable_reason()
    if reason:
        sys.exit(reason)
    os.environ["PGAPPNAME"] = APPLICATION_NAME  # inherited by every process started below
    print(f"{os.cpu_count()} CPUs; {args.clients} clients, {args.seconds:.0f} s per run; POST visit + GET caseload")
    runs = [measure(n, args.clients, args.seconds) for n in args.workers]
    base = runs[0]
    print(
        f"{'workers':>7} {'req/s':>7} {'× base':>7} {'POST p50':>9} {'POST p95':>9} {'GET p50':>8} {'GET p95':>8}"
        f" {'lag p50':>8} {'lag p95':>8} {'errors':>6} {'cpu/req':>8} {'× base':>7} {'cores busy':>10} {'PG/req':>7}"
    )
    for run in runs:
        print(
            f"{run.workers:>7} {run.per_second:>7.1f} {run.per_second / base.per_second:>7.2f}"
            f" {p(run.writes, 50):>7.0f}ms {p(run.writes, 95):>7.0f}ms {p(run.reads, 50):>6.0f}ms"
            f" {p(run.reads, 95):>6.0f}ms {p(run.lags, 50):>6.0f}ms {p(run.lags, 95):>6.0f}ms {run.errors:>6}"
            f" {run.cpu_ms_per_request:>6.1f}ms {run.cpu_ms_per_request / base.cpu_ms_per_request:>7.2f}"
            f" {run.cores_busy:>10.0%} {run.server_ms_per_request:>5.1f}ms"
        )


if __name__ == "__main__":
    main()
