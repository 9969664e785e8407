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
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from api import AUTH, VISIT, bench_token, http_rate, scene, start_server, visit_times  # noqa: E402
from load import free_port, settings_for  # noqa: E402
from scale import raw_sqlite_rate  # noqa: E402

from domain import Actor  # noqa: E402
from web.infra.stores import open_application  # noqa: E402


def processor_seconds(pid: int) -> float:
    """Processor time (user + system) a process has used so far, from ``/proc`` (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_turn(folder: Path, visits: int) -> tuple[float, float]:
    """``Peiban.log_visit`` in-process, one visit after another: (visits/s, processor ms a visit)."""
    pairs, started = scene(folder, 15)
    app = open_application(settings_for(folder))
    moments = visit_times(started, visits)
    began, cpu = time.perf_counter(), time.process_time()
    for i, at in enumerate(moments):
        family, lead = pairs[i % len(pairs)]
        app.log_visit(family, volunteer_ids=[lead], occurred_at=at, recorded_by=Actor("bench"), **VISIT)
    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - began
    app.close()
    return visits / elapsed, cpu * 1000 / visits


def over_http(folder: Path, visits: int, code: Path) -> tuple[float, float]:
    """POSTed by one client through ``peiban serve`` of the checkout ``code``, on a fresh store: (visits/s, the
    server's processor ms a visit)."""
    pairs, started = scene(folder, 15)
    AUTH["Authorization"] = f"Bearer {bench_token(folder)}"
    port = free_port()
    server = start_server(folder, port, 8, code)
    try:
        cpu = processor_seconds(server.pid)
        rate = http_rate(port, pairs, started, visits, 1)
        return rate, (processor_seconds(server.pid) - cpu) * 1000 / visits
    finally:
        server.terminate()
        server.wait(timeout=30)


class Phases:
    """Processor time per phase of the requests made while it is installed (ms, summed; the machine's other work
    weighs less on it than on the wall clock)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] += (time.thread_time() - began) * 1000

        return run


def in_process(folder: Path, visits: int, profile: bool) -> tuple[dict[str, float], str]:
    """Processor ms a request by phase, POSTing visits through the Flask test client; cProfile's top functions."""
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
    parts = {"_standing": "the volunteer's standing", "save": "saving the fact", "joint_visit_of": "joint_visit_of"}
    for method, what in parts.items():  # parts of the command, and of the view (those this checkout has)
        if hasattr(peiban, method):
            setattr(peiban, method, phases.timed(f"  {what} (Peiban.{method})", getattr(peiban, method)))
    for follower in ("peiban.departures", "peiban.seal"):  # parts of settle_new_facts
        found = app.extensions[follower]
        found.catch_up = phases.timed(f"  {follower.split('.')[1]}: catch_up", found.catch_up)
    timeline = app.extensions["peiban.read_models"]["timeline"]  # folded by a request only if the view reads it
    timeline.catch_up = phases.timed("  timeline: catch_up", timeline.catch_up)
    parser.parse = phases.timed("reading the body (webargs, marshmallow)", parser.parse)  # type: ignore[method-assign]
    before = app.before_request_funcs[None]
    before[0] = phases.timed("guard (token, policy, scope)", before[0])
    after = app.after_request_funcs[None]
    for i, function in enumerate(after):
        after[i] = phases.timed(f"after: {function.__name__}", function)
    began = time.thread_time()
    for i in range(visits, 2 * visits):
        post(i)
    total = (time.thread_time() - began) * 1000
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
    cpu: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="peiban-post-visit-", dir=args.dir) as scratch:
        for round_ in range(args.rounds):
            where = Path(scratch) / f"round-{round_}"
            where.mkdir()
            rates["raw sqlite3 (1 row/commit)"].append(raw_sqlite_rate(where, args.visits))
            measures = [("Peiban.log_visit", partial(in_turn, where / "bare", args.visits))]
            measures.append(("HTTP POST visit", partial(over_http, where / "http", args.visits, HERE.parent)))
            if args.before:
                measures.append(
                    ("HTTP POST visit, before", partial(over_http, where / "before", args.visits, args.before))
                )
            for name, measure in measures:
                rate, ms = measure()
                rates[name].append(rate)
                cpu[name].append(ms)
            print(f"  round {round_ + 1} done", flush=True)
        phases, report = in_process(Path(scratch) / "phases", args.visits, args.profile)
    bare, bare_cpu = statistics.median(rates["Peiban.log_visit"]), statistics.median(cpu["Peiban.log_visit"])
    print(f"\n| one after another ({args.visits}, median of {args.rounds}) | visits/s | runs | × log_visit "
          "| processor ms a visit (server's) | × log_visit's |")  # fmt: skip
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for name, runs in rates.items():
        rate, shown = statistics.median(runs), ", ".join(f"{r:,.0f}" for r in runs)
        used = (
            f"{statistics.median(cpu[name]):.2f} | {bare_cpu / statistics.median(cpu[name]):.2f}" if cpu[name] else "|"
        )
        print(f"| {name} | {rate:,.0f} | {shown} | {rate / bare:.2f} | {used} |")
    print(f"\n| a POST visit in-process, by phase ({args.visits} requests) | processor ms a request |")
    print("| --- | ---: |")
    for name, value in phases.items():
        print(f"| {name} | {value:.3f} |")
    if report:
        print(report)


if __name__ == "__main__":
    main()
