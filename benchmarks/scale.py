"""Scale benchmark: one table of where issue 14's goals stand, each figure beside its baseline from the same run.

1. For 100 / 1,000 / 10,000 families (and 100,000 with ``--big``) over ``--years`` years, each store made by
   ``peiban demo --scale`` (its rate printed): GET dashboard (the first page of each list), a page further down
   the dashboard's list of every open family (its ``more`` link, then each page's ``next``) and GET timeline,
   p50 through ``peiban serve``, and each as a multiple of the 100-family store's p50.
2. Single-fact appends, one after another: raw sqlite3 (one row per transaction, WAL), the bare application
   (``Peiban.log_visit``, encrypted) and HTTP (POST visit through ``peiban serve``), as ratios.
3. ``--profile``: cProfile of one dashboard request (in-process, after a warm-up) on the largest store: the
   functions that take the most time.

    python benchmarks/scale.py                  # ~15 min on 2 shared cores (10k families: ~500k facts)
    python benchmarks/scale.py --sizes 100 1000 --reads 20
    python benchmarks/scale.py --big --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from api import AUTH, bare_rate, bench_token, http_rate, scene, start_server  # noqa: E402
from load import CLI, Client, Results, cast, free_port, serve, settings_for, tokens  # noqa: E402


def generate(folder: Path, families: int, years: float) -> tuple[int, float]:
    """``peiban demo --scale`` into ``folder``: (facts, seconds of the whole command)."""
    began = time.perf_counter()
    command = [*CLI, "--data-dir", str(folder), "demo", "--scale", str(families), "--years", str(years)]
    done = subprocess.run(command, cwd=HERE.parent, check=True, capture_output=True, text=True)
    facts = int(done.stdout.split(" 条事实 facts")[0].rsplit(" ", 1)[-1])
    return facts, time.perf_counter() - began


@dataclass
class Served:
    """One store served by ``peiban serve``, read as a coordinator."""

    server: subprocess.Popen[bytes]
    client: Client
    families: list[str]
    #: the next page of the dashboard's list of every open family to ask for (its walk starts again at the end)
    following: str | None = None
    first: str | None = None

    def list_page(self) -> None:
        address = self.following or self.first
        if address is None:
            return
        page = self.client.call("list page", "GET", address)
        base = urlsplit(address)
        query = {k: v[0] for k, v in parse_qs(base.query).items()}
        self.following = f"{base.path}?{urlencode({**query, 'after': page['next']})}" if page["next"] else None


def serve_store(folder: Path, results: Results) -> Served:
    leads, _ = cast(folder, 50)
    auth = tokens(folder, [("bench-coordinator", "coordinator", None)])["bench-coordinator"]
    port = free_port()
    served = Served(serve(folder, port, 4), Client(port, auth, results), [f for fs in leads.values() for f in fs])
    for _ in range(3):  # warm-up: the server's first answers, and the pages of the view it reads
        board = served.client.call("warm-up", "GET", "/api/v1/dashboard/continuity")
        served.client.call("warm-up", "GET", f"/api/v1/families/{served.families[0]}/timeline")
    served.first = board.get("more", {}).get("families")  # (a dashboard from before its lists were paged: none)
    return served


def read_p50(folders: list[Path], reads: int) -> list[tuple[float, float, float]]:
    """(dashboard p50, list page p50, timeline p50) in ms of each store, through ``peiban serve``, as a coordinator.
    Every store is served at once and read in turns (a request to each in turn), so that whatever else the machine
    is doing weighs on every store alike."""
    stores: list[tuple[Served, Results]] = []
    try:
        for folder in folders:
            results = Results(time.monotonic() + 3600, sys.maxsize)
            stores.append((serve_store(folder, results), results))
        rng = random.Random(7)
        for turn in range(reads):
            for served, _ in stores:
                served.client.call("timeline", "GET", f"/api/v1/families/{rng.choice(served.families)}/timeline")
                if turn % 4 == 0:
                    served.client.call("dashboard", "GET", "/api/v1/dashboard/continuity")
                    served.list_page()
    finally:
        for served, _ in stores:
            served.server.terminate()
            served.server.wait(timeout=30)
    figures = []
    for _, results in stores:
        assert not results.errors, dict(results.errors)
        p50 = {route: statistics.median(times) for route, times in results.latencies.items()}
        figures.append((p50["dashboard"], p50.get("list page", float("nan")), p50["timeline"]))
    return figures


def raw_sqlite_rate(folder: Path, count: int) -> float:
    """Rows/s of one INSERT and COMMIT after another into a plain table (WAL), a visit-sized payload each."""
    connection = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE facts (id INTEGER PRIMARY KEY, originator_id TEXT, version INT, state BLOB)")
    payload = os.urandom(400)
    began = time.perf_counter()
    for i in range(count):
        connection.execute("BEGIN")
        connection.execute("INSERT INTO facts (originator_id, version, state) VALUES (?, ?, ?)", ("f", i, payload))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - began
    connection.close()
    return count / elapsed


def appends(tmp: Path, visits: int) -> list[tuple[str, float]]:
    """Single-fact append rates: raw sqlite3, the bare application, HTTP."""
    raw = raw_sqlite_rate(tmp, visits)
    bare = bare_rate(tmp / "bare", 15, visits)
    pairs, started = scene(tmp / "http", 15)
    AUTH["Authorization"] = f"Bearer {bench_token(tmp / 'http')}"
    port = free_port()
    server = start_server(tmp / "http", port, 8)
    try:
        over_http = http_rate(port, pairs, started, visits, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [("raw sqlite3 (1 row/commit)", raw), ("bare app (Peiban.log_visit)", bare), ("HTTP POST visit", over_http)]


def profile_dashboard(folder: Path, top: int) -> str:
    """cProfile of one dashboard request, in-process through the WSGI app, after a warm-up request."""
    from web.app import create_app, shutdown

    auth = tokens(folder, [("bench-profiler", "coordinator", None)])["bench-profiler"]
    app = create_app(settings_for(folder))
    client = app.test_client()
    headers = {"Authorization": auth}
    assert client.get("/api/v1/dashboard/continuity", headers=headers).status_code == 200
    profiler = cProfile.Profile()
    profiler.enable()
    client.get("/api/v1/dashboard/continuity", headers=headers)
    profiler.disable()
    shutdown(app)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000], help="families per store")
    parser.add_argument("--big", action="store_true", help="also 100,000 families (hours)")
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument(
        "--reads", type=int, default=60, help="timeline GETs per store (dashboards and list pages: a quarter)"
    )
    parser.add_argument("--visits", type=int, default=1000, help="appends per kind")
    parser.add_argument("--profile", action="store_true", help="cProfile one dashboard request on the largest store")
    parser.add_argument("--keep", type=Path, help="keep the generated stores in this folder (reused if there)")
    args = parser.parse_args()
    sizes = sorted({100, *args.sizes, *([100_000] if args.big else [])})
    print(f"machine: {os.cpu_count()} cores (shared); Python {sys.version.split()[0]}; SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory(prefix="peiban-scale-") as scratch:
        where = args.keep or Path(scratch)
        made = []
        for size in sizes:
            folder = where / f"families-{size}-years-{args.years:g}"
            if folder.exists() and any(folder.glob("*.sqlite3")):
                facts, seconds = -1, 0.0
            else:
                facts, seconds = generate(folder, size, args.years)
            made.append((size, facts, seconds, folder))
            print(f"  {size} families ready", flush=True)
        figures = read_p50([folder for *_, folder in made], args.reads)
        rows = [(size, facts, seconds, *read) for (size, facts, seconds, _), read in zip(made, figures, strict=True)]
        base = rows[0]
        print("\n| families | facts | generated in | dashboard p50 | × 100 fam. | list page p50 | × 100 fam. "
              "| timeline p50 | × 100 fam. |")  # fmt: skip
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in rows:
            size, facts, seconds = row[:3]
            generated = f"{seconds:.0f} s ({facts / seconds:,.0f} facts/s)" if facts > 0 else "(kept)"
            shown = [f"{value:.1f} ms | {value / base[i]:.2f}" for i, value in enumerate(row[3:], start=3)]
            print(f"| {size:,} | {max(facts, 0):,} | {generated} | {' | '.join(shown)} |")
        rates = appends(Path(scratch), args.visits)
        print(f"\n| single-fact appends, one after another ({args.visits}) | facts/s | × raw sqlite3 | × bare app |")
        print("| --- | ---: | ---: | ---: |")
        for name, rate in rates:
            print(f"| {name} | {rate:,.0f} | {rate / rates[0][1]:.3f} | {rate / rates[1][1]:.2f} |")
        if args.profile:
            print(f"\ncProfile of one dashboard request at {sizes[-1]:,} families (by own time):")
            print(profile_dashboard(where / f"families-{sizes[-1]}-years-{args.years:g}", 15))


if __name__ == "__main__":
    main()
