"""POST visit benchmark: what a visit costs over HTTP beside ``Peiban.log_visit``, and where a request's time goes.

In one run, on fresh SQLite stores in one folder (``--dir``; on ``/dev/shm`` a commit costs next to nothing, so
the code's own cost shows):

1. raw sqlite3 (one row a transaction, WAL) and ``Peiban.log_visit`` in-process, one visit after another;
2. the same visits POSTed through ``peiban serve`` (waitress) by one client, and with ``--before DIR`` through the
   server of an older checkout too (on a store of its own, made by this code); each ``--rounds`` times, in turns;
3. one request's time by phase (in-process, the Flask test client on the real app): the guard (who is calling,
   the policy), reading the body, the command, the rest of the view, the followers after the answer (departures,
   seal), and what is left (Flask, the test client); ``--profile``: cProfile's top functions too.

    python benchmarks/post_visit.py --dir /dev/shm --visits 500 --rounds 3 --before ../peiban-before --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from api import AUTH, VISIT, bare_rate, bench_token, http_rate, scene, start_server, visit_times  # noqa: E402
from load import free_port, settings_for  # noqa: E402
from scale import raw_sqlite_rate  # noqa: E402


def over_http(folder: Path, visits: int, code: Path) -> float:
    """Visits/s POSTed by one client through ``peiban serve`` of the checkout ``code``, on a fresh store."""
    pairs, started = scene(folder, 15)
    AUTH["Authorization"] = f"Bearer {bench_token(folder)}"
    port = free_port()
    server = start_server(folder, port, 8, code)
    try:
        return http_rate(port, pairs, started, visits, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)


class Phases:
    """Wall time per phase of the requests made while it is installed (ms, summed)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] += (time.perf_counter() - began) * 1000

        return run


def in_process(folder: Path, visits: int, profile: bool) -> tuple[dict[str, float], str]:
    """ms per request by phase, POSTing visits through the Flask test client; and cProfile's top functions."""
    from web.api.common import Blueprint
    from web.app import create_app, shutdown

    pairs, started = scene(folder, 15)
    headers = {"Authorization": f"Bearer {bench_token(folder)}"}
    app = create_app(settings_for(folder))
    client, moments = app.test_client(), visit_times(started, 3 * visits)

    def post(i: int) -> None:
        family, lead = pairs[i % len(pairs)]
        body = {**VISIT, "occurred_at": moments[i].isoformat(), "volunteer_ids": [str(lead)]}
        answer = client.post(f"/api/v1/families/{family}/visits", json=body, headers=headers)
        assert answer.status_code == 201, answer.data

    for i in range(visits):  # warm-up: caches, the views' pages
        post(i)
    phases = Phases()
    peiban, parser = app.extensions["peiban"], Blueprint.ARGUMENTS_PARSER
    peiban.log_visit = phases.timed("command (Peiban.log_visit)", peiban.log_visit)
    parser.parse = phases.timed("reading the body (webargs, marshmallow)", parser.parse)  # type: ignore[method-assign]
    before = app.before_request_funcs[None]
    before[0] = phases.timed("guard (token, policy, scope)", before[0])
    after = app.after_request_funcs[None]
    for i, function in enumerate(after):
        after[i] = phases.timed(f"after: {function.__name__}", function)
    began = time.perf_counter()
    for i in range(visits, 2 * visits):
        post(i)
    total = (time.perf_counter() - began) * 1000
    ms = {name: spent / visits for name, spent in phases.spent.items()}
    ms["whole request (test client)"] = total / visits
    report = ""
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(2 * visits, 3 * visits):
            post(i)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        report = out.getvalue()
    shutdown(app)
    return ms, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=500, help="visits per measure")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measure, in turns (medians shown)")
    parser.add_argument("--dir", type=Path, default=None, help="where the stores go (default: the temp folder)")
    parser.add_argument("--before", type=Path, help="an older checkout whose server is measured too, in turns")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of the requests")
    args = parser.parse_args()
    rates: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="peiban-post-visit-", dir=args.dir) as scratch:
        for round_ in range(args.rounds):
            where = Path(scratch) / f"round-{round_}"
            where.mkdir()
            rates["raw sqlite3 (1 row/commit)"].append(raw_sqlite_rate(where, args.visits))
            rates["Peiban.log_visit"].append(bare_rate(where / "bare", 15, args.visits))
            rates["HTTP POST visit"].append(over_http(where / "http", args.visits, HERE.parent))
            if args.before:
                rates["HTTP POST visit, before"].append(over_http(where / "before", args.visits, args.before))
            print(f"  round {round_ + 1} done", flush=True)
        ms, report = in_process(Path(scratch) / "phases", args.visits, args.profile)
    bare = statistics.median(rates["Peiban.log_visit"])
    print(f"\n| one after another ({args.visits}, median of {args.rounds}) | visits/s | runs | × log_visit |")
    print("| --- | ---: | --- | ---: |")
    for name, runs in rates.items():
        shown = ", ".join(f"{r:,.0f}" for r in runs)
        print(f"| {name} | {statistics.median(runs):,.0f} | {shown} | {statistics.median(runs) / bare:.2f} |")
    print(f"\n| a POST visit in-process, by phase ({args.visits} requests) | ms a request |")
    print("| --- | ---: |")
    for name, value in ms.items():
        print(f"| {name} | {value:.3f} |")
    if report:
        print(report)


if __name__ == "__main__":
    main()
