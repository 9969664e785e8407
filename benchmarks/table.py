"""One command, one table: every figure of issue 14 beside its baseline from the same run, and the machine.

It runs the other benchmarks with explicit options (so that options they gain later change nothing here),
each in turn, and prints one Markdown table:

- single-fact appends (``stores.py``): HTTP beside the bare application beside the raw driver, on SQLite and on
  PostgreSQL, and PostgreSQL beside SQLite;
- rebuilding every view beside reading + deserialising the same log (``stores.py``), at each log size;
- the dashboard and a timeline (``scale.py``, through ``peiban serve``) at each number of families, beside 100;
- PostgreSQL with 1, 2, 4 web workers (``workers.py``): throughput, p95, projection lag, beside 1 worker;
- peak memory (``memory.py``) of ``peiban serve`` under the load test beside idle, of a rebuild beside a rebuild of
  a log 1/4 the size.

A piece that fails is shown as failed; the others still run. Progress goes to standard error.

    python benchmarks/table.py --quick      # a few minutes (the default)
    python benchmarks/table.py --full       # 20–40 minutes on 2 cores; --big adds 100,000 families (hours)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import memory  # noqa: E402
import stores  # noqa: E402

from tests.stores import _connect, postgres_settings  # noqa: E402


@dataclass(frozen=True)
class Plan:
    """How much each piece does."""

    visits: int
    rounds: int
    families: int
    rebuild_sizes: tuple[int, ...]
    postgres_up_to: int
    repeat: int
    scale_sizes: tuple[int, ...]
    scale_reads: int
    worker_counts: tuple[int, ...]
    worker_seconds: int
    served_families: int
    load_seconds: int
    rebuild_memory_facts: int


QUICK = Plan(
    visits=200, rounds=4, families=10, rebuild_sizes=(10_000,), postgres_up_to=10_000, repeat=1,
    scale_sizes=(100, 1000), scale_reads=20, worker_counts=(1, 2, 4), worker_seconds=5,
    served_families=100, load_seconds=15, rebuild_memory_facts=20_000,
)  # fmt: skip
FULL = Plan(
    visits=1000, rounds=5, families=15, rebuild_sizes=(50_000, 200_000, 1_000_000), postgres_up_to=50_000, repeat=1,
    scale_sizes=(100, 10_000), scale_reads=60, worker_counts=(1, 2, 4), worker_seconds=20,
    served_families=1000, load_seconds=60, rebuild_memory_facts=200_000,
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    area: str
    measure: str
    figure: str
    baseline: str = ""
    ratio: str = ""


def say(text: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else ""


# ---- the machine ---------------------------------------------------------------------------------------------


def first(path: str, pattern: str) -> str:
    try:
        found = re.search(pattern, Path(path).read_text(), re.MULTILINE)
    except OSError:
        return "?"
    return found.group(1).strip() if found else "?"


def disk(path: Path) -> str:
    """The block device under ``path``, its file system, and what the kernel says of it."""
    try:
        source, kind = (
            subprocess.run(["df", "--output=source,fstype", str(path)], capture_output=True, text=True, check=True)
            .stdout.splitlines()[1]
            .split()
        )
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        return "?"
    name = Path(source).name
    base = re.sub(r"p?\d+$", "", name) if not Path(f"/sys/block/{name}").exists() else name
    rotational = first(f"/sys/block/{base}/queue/rotational", r"(\d)")
    virtio = " (virtio: a virtual disk, whose rotational flag says nothing)" if base.startswith("vd") else ""
    return f"{source} {kind}, rotational={rotational}{virtio}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min; other work shares the machine)"


def postgres_version() -> str:
    try:
        with _connect(postgres_settings()) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except Exception as error:  # no server: said in the table
        return f"unreachable ({error.__class__.__name__})"


def machine() -> list[str]:
    mem_kib = int(first("/proc/meminfo", r"^MemTotal:\s+(\d+)") or 0)
    cpu = first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$")
    versions = f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    return [
        f"- date: {datetime.now():%Y-%m-%d %H:%M}; load average at the start: {load_average()}",
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM: {mem_kib / 1024 / 1024:.1f} GiB",
        f"- disk: {disk(Path(tempfile.gettempdir()))}",
        f"- {platform.system()} {platform.release()}; {versions}; PostgreSQL {postgres_version()} (on 127.0.0.1)",
    ]


# ---- the pieces ------------------------------------------------------------------------------------------------


def appends(plan: Plan) -> list[Row]:
    found = stores.appends(plan.visits, plan.families, plan.rounds)
    sq, pg = found["sqlite"], found["postgres"]
    NOTES.append(
        f"appends: {plan.visits:,} of each kind on each store, one after another, over {plan.families} families; the"
        f" stores take turns, {plan.rounds} rounds; medians of the rounds. HTTP: `peiban serve`, one keep-alive client"
    )
    area = "appends, facts/s"
    rows = []
    for store, got, raw_name in (("SQLite", sq, "raw sqlite3, 1 row/transaction"), ("PostgreSQL", pg, "raw psycopg")):
        app, raw, over_http = got.rate("app"), got.rate("raw"), got.rate("http")
        rows.append(Row(area, f"{store}: bare app (`Peiban.log_visit`, encrypted)", f"{app:,.0f}",
                        f"{raw_name}: {raw:,.0f}", ratio(app, raw)))  # fmt: skip
        rows.append(Row(area, f"{store}: HTTP POST visit", f"{over_http:,.0f}", f"bare app: {app:,.0f}",
                        ratio(over_http, app)))  # fmt: skip
    for kind, name in (("app", "bare app"), ("http", "HTTP POST visit"), ("raw", "raw driver")):
        rows.append(Row(area, f"PostgreSQL {name}", f"{pg.rate(kind):,.0f}", f"SQLite: {sq.rate(kind):,.0f}",
                        ratio(pg.rate(kind), sq.rate(kind))))  # fmt: skip
    return rows


def rebuilds(plan: Plan) -> list[Row]:
    found = stores.rebuilds(list(plan.rebuild_sizes), plan.postgres_up_to, plan.repeat)
    NOTES.append(
        "rebuild: every view (`ReadModels.rebuild`) in a fresh application; read: the same log, pages of 2,000,"
        f" decrypted and deserialised; best of {plan.repeat}; PostgreSQL up to {plan.postgres_up_to:,} facts"
    )
    area = "rebuild vs read, facts/s"
    rows = []
    for by_store in found:
        sq = by_store["sqlite"]
        for store, got in (("SQLite", sq), ("PostgreSQL", by_store.get("postgres"))):
            if got is None:
                continue
            rows.append(Row(area, f"{store}, {got.facts:,} facts: rebuild", f"{got.rebuild:,.0f}",
                            f"read + deserialise: {got.read:,.0f}", ratio(got.rebuild, got.read)))  # fmt: skip
            if got is not sq:
                rows.append(Row(area, f"PostgreSQL, {got.facts:,} facts: rebuild", f"{got.rebuild:,.0f}",
                                f"SQLite: {sq.rebuild:,.0f}", ratio(got.rebuild, sq.rebuild)))  # fmt: skip
    return rows


def run_script(name: str, *args: str) -> str:
    """A benchmark script's standard output (it must succeed)."""
    command = [sys.executable, str(HERE / name), *args]
    say(f"  {' '.join([name, *args])}")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} exited {done.returncode}: {(done.stderr or done.stdout)[-1500:]}")
    return done.stdout


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def number(text: str) -> float:
    found = re.search(r"-?[\d,]+(?:\.\d+)?", text)
    if not found:
        raise ValueError(f"no number in {text!r}")
    return float(found.group(0).replace(",", ""))


def scale(plan: Plan, keep: Path | None, big: bool) -> list[Row]:
    args = ["--sizes", *map(str, plan.scale_sizes), "--reads", str(plan.scale_reads), "--visits", "50"]
    args += ["--years", "1", *(["--big"] if big else []), *(["--keep", str(keep / "scale")] if keep else [])]
    said = run_script("scale.py", *args)
    lines = said.splitlines()
    start = next(i for i, line in enumerate(lines) if "dashboard p50" in line and line.startswith("|"))
    header = cells(lines[start])
    at = {name: header.index(name) for name in ("families", "dashboard p50", "timeline p50")}
    body = [cells(line) for line in lines[start + 2 :] if line.startswith("|")]
    body = body[: next((i for i, row in enumerate(body) if len(row) != len(header)), len(body))]
    base = body[0]
    NOTES.append(
        f"reads: `scale.py` (stores of `peiban demo --scale N --years 1`, SQLite), through `peiban serve` as a"
        f" coordinator, {plan.scale_reads} timelines and a quarter as many dashboards per store"
    )
    area = "reads p50"
    rows = []
    for row in body[1:]:
        families = f"{number(row[at['families']]):,.0f} families"
        for what in ("dashboard p50", "timeline p50"):
            figure, baseline = number(row[at[what]]), number(base[at[what]])
            rows.append(Row(area, f"{what.split()[0]}, {families}", f"{figure:,.1f} ms",
                            f"100 families: {baseline:,.1f} ms", ratio(figure, baseline)))  # fmt: skip
    return rows


def workers(plan: Plan) -> list[Row]:
    args = ["--workers", *map(str, plan.worker_counts), "--clients", "8", "--seconds", str(plan.worker_seconds)]
    said = run_script("workers.py", *args)
    lines = said.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["workers", "req/s"])
    runs = []
    for line in lines[start + 1 :]:
        values = [number(token) for token in line.split()]
        if len(values) < 10:  # workers, req/s, × base, POST p50/p95, GET p50/p95, lag p50/p95, errors (then more)
            break
        runs.append(values[:10])
    NOTES.append(
        f"workers: `workers.py`, PostgreSQL, `peiban serve --workers N` beside `peiban project`, 8 clients each"
        f" logging a visit then reading a caseload, {plan.worker_seconds} s per N; errors:"
        f" {', '.join(f'{run[0]:.0f} workers {run[9]:.0f}' for run in runs)}"
    )
    area = "PostgreSQL workers"
    base, rows = runs[0], []
    for values in runs:
        n = f"{values[0]:.0f} worker{'s' if values[0] > 1 else ''}"
        for what, at, unit in (("throughput", 1, "req/s"), ("POST p95", 4, "ms"), ("GET p95", 6, "ms"),
                               ("projection lag p95", 8, "ms")):  # fmt: skip
            shown = ",.1f" if unit == "req/s" else ",.0f"
            baseline = f"1 worker: {base[at]:{shown}} {unit}" if values is not base else "(the baseline)"
            rows.append(Row(area, f"{n}: {what}", f"{values[at]:{shown}} {unit}", baseline,
                            ratio(values[at], base[at]) if values is not base else ""))  # fmt: skip
    return rows


def memory_peaks(plan: Plan, keep: Path | None) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="peiban-table-") as scratch:
        where = keep / "memory" if keep else Path(scratch)
        served = memory.server_peak(where / f"served-{plan.served_families}", plan.served_families, 1.0,
                                    plan.load_seconds)  # fmt: skip
        rebuilt = memory.rebuild_peak(where / f"rebuilt-{plan.rebuild_memory_facts}", plan.rebuild_memory_facts)
    NOTES.append(
        "memory: peak resident set (VmHWM of the server, and of the rebuild as it exits), SQLite; the server is"
        " `load.py`'s (a closed loop of volunteers, coordinators, an auditor, a prober) on `peiban demo --scale`"
    )
    area = "peak memory, MiB"
    return [
        Row(area, f"`peiban serve` under `load.py`: {served.note}", f"{served.figure:,.0f}",
            f"the same store, idle: {served.baseline:,.0f}", ratio(served.figure, served.baseline)),
        Row(area, f"`peiban rebuild`: {rebuilt.note}", f"{rebuilt.figure:,.0f}",
            f"a log 1/4 the size: {rebuilt.baseline:,.0f}", ratio(rebuilt.figure, rebuilt.baseline)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="modest sizes, a few minutes (the default)")
    size.add_argument("--full", action="store_true", help="the issue's sizes, 20–40 minutes")
    parser.add_argument("--big", action="store_true", help="also the dashboard at 100,000 families (hours)")
    parser.add_argument("--keep", type=Path, help="keep generated SQLite stores in this folder (reused next time)")
    parser.add_argument("--only", nargs="+", choices=PIECES, help="run only these pieces")
    args = parser.parse_args()
    plan = FULL if args.full else QUICK
    reason = stores.postgres_unreachable_reason()
    if reason:
        sys.exit(reason)
    began = time.monotonic()
    pieces: dict[str, Callable[[], list[Row]]] = {
        "appends": lambda: appends(plan),
        "rebuilds": lambda: rebuilds(plan),
        "scale": lambda: scale(plan, args.keep, args.big),
        "workers": lambda: workers(plan),
        "memory": lambda: memory_peaks(plan, args.keep),
    }
    about = machine()
    rows: list[Row] = []
    for name in args.only or PIECES:
        say(f"{name} …")
        try:
            rows += pieces[name]()
        except Exception as error:  # one piece failing leaves the others' figures standing
            traceback.print_exc()
            rows.append(Row(name, "failed", f"{error.__class__.__name__}: {str(error)[:200]}"))
    minutes = (time.monotonic() - began) / 60
    print(f"\n## Benchmarks ({'--full' if args.full else '--quick'}, {minutes:.0f} min)\n")
    print("\n".join(about))
    print(f"- load average at the end: {load_average()}\n")
    print("| area | measure | figure | baseline (same run) | ratio |")
    print("| --- | --- | ---: | --- | ---: |")
    for row in rows:
        print(f"| {row.area} | {row.measure} | {row.figure} | {row.baseline} | {row.ratio} |")
    print()
    for note in NOTES:
        print(f"- {note}")


PIECES = ("appends", "rebuilds", "scale", "workers", "memory")
#: how each piece measured, printed under the table
NOTES: list[str] = []

if __name__ == "__main__":
    main()
