"""Rebuild benchmark: rebuilding the views against reading and deserialising the same log, as the log grows.

For each size in ``--sizes`` (facts; a store of ``size / --facts`` families made by the bulk generator, kept
in ``--keep`` to be reused), each measure in a fresh process of its own, in this order:

1. read + deserialise the whole log (the baseline; measured before and after the rebuilds, and averaged);
2. rebuild every view, each in a process of its own (``ReadModels.rebuild(open_log=...)``, as `peiban rebuild`
   does from 20,000 facts): facts/s of each view (its fold and switch-over, in its process) and of all views
   (wall clock, processes started included), each as a ratio to the baseline (issue 14's goal: >= 0.5);
3. rebuild every view in one pass in one process (the log read once), the same figures;

and the peak resident memory (RSS) of each rebuild: of the process that starts it, and of its largest worker.
On a machine busy with other work the wall clock mostly says how the processes fared against it, so each
rebuild's processor time is printed too, and from it the ratio the rebuild would reach on cores with nothing
else to run (its longest process's processor time against the read's).
Then how the cost grows: seconds per 1,000 facts at each size, as a multiple of the smallest size's (linear: ~1).

    python benchmarks/rebuild.py                                   # 50k, 200k and 1M facts: ~25 min on 2 cores
    python benchmarks/rebuild.py --sizes 50000 200000 --keep /tmp/rebuild-stores
    python benchmarks/rebuild.py --sizes 200000 --plain --before ../peiban-before   # and an older checkout

Stores are encrypted as the product keeps them (each family's facts under its own key: reading a fact decrypts it,
in the baseline and in every rebuild alike); ``--plain`` measures unencrypted stores instead, as this benchmark did
before 2026-12-01 (and as ``--before`` needs: an older checkout opens the store its own way).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Peiban, StoreSettings  # noqa: E402
from domain.encryption import to_domain_events  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from web.demo.generate import generate  # noqa: E402
from web.infra.stores import open_application  # noqa: E402
from web.settings import Settings  # noqa: E402


def store(folder: Path) -> StoreSettings:
    return StoreSettings(backend="sqlite", data_dir=folder)


def opened(folder: Path, plain: bool) -> Peiban:
    """The log in ``folder``: as the product opens it (encrypted, its keys in the store's key store under a master
    key kept in the folder, made the first time, as `peiban serve` does by default), or plain."""
    if plain:
        return Peiban(store(folder).env(Peiban.name))
    return open_application(Settings(store=store(folder)))


def make_store(folder: Path, facts: int, per_family: int, plain: bool) -> int:
    """A store of about ``facts`` facts (reused if ``folder`` holds one); the facts it holds."""
    folder.mkdir(parents=True, exist_ok=True)
    app = opened(folder, plain)
    try:
        if app.log_position() == 0:
            families = max(facts // per_family, 1)
            started = time.monotonic()
            made = generate(app, families=families, facts_per_family=per_family)
            took = time.monotonic() - started
            print(
                f"  generated {made.facts:,} facts ({families:,} families) in {took:.0f} s",
                flush=True,
            )
        return app.log_position()
    finally:
        app.close()


def measure(folder: Path, what: str, plain: bool) -> dict[str, Any]:
    """One measure, in this (fresh) process: ``read``, ``apart`` or ``together``."""
    settings = store(folder)
    app = opened(folder, plain)
    result: dict[str, Any] = {}
    cpu_at_start = sum(t for t in os.times()[:2])
    if what == "read":
        started, position, count = time.perf_counter(), 0, 0
        while notifications := app.recorder.select_notifications(position, 2000, inclusive_of_start=False):
            to_domain_events(app.mapper, notifications)  # a page's keys fetched at once, as a rebuild reads
            count += len(notifications)
            position = notifications[-1].id
        result.update(facts=count, rate=count / (time.perf_counter() - started))
    else:
        models = ReadModels(app, settings, batch_size=2000)
        rebuilt = models.rebuild(None, open_log=functools.partial(opened, folder, plain), apart=what == "apart")
        models.close()
        assert rebuilt.apart == (what == "apart")
        result.update(
            facts=rebuilt.facts,
            rate=rebuilt.rate,
            reading=rebuilt.reading_seconds,
            views={
                v.name: {
                    "rate": v.rate,
                    "fold": v.fold_seconds,
                    "switch": v.switch_seconds,
                }
                for v in rebuilt.views
            },
        )
    app.close()
    mine, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    # processor seconds of the whole measure (this process and its workers): what a busy machine cannot hide
    result["cpu_here"] = mine.ru_utime + mine.ru_stime - cpu_at_start
    result["cpu_workers"] = workers.ru_utime + workers.ru_stime  # one worker: two views
    result["cpu"] = result["cpu_here"] + result["cpu_workers"]
    # ru_maxrss is in KiB on Linux; for the children, that of the largest one
    result["rss_mib"] = mine.ru_maxrss / 1024
    result["worker_rss_mib"] = workers.ru_maxrss / 1024
    return result


#: A rebuild by an older Peiban (``--before DIR``): in one pass, as ``ReadModels.rebuild()`` did.
BEFORE = """
import json, os, resource, sys, time
from pathlib import Path
from domain import Peiban, StoreSettings
from projections.read_models import ReadModels
settings = StoreSettings(backend="sqlite", data_dir=Path(sys.argv[1]))
app = Peiban(settings.env(Peiban.name))
cpu_at_start, started = sum(os.times()[:2]), time.perf_counter()
rebuilt = ReadModels(app, settings, batch_size=2000).rebuild()
facts = rebuilt if isinstance(rebuilt, int) else rebuilt.facts
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"facts": facts, "rate": facts / (time.perf_counter() - started),
                  "cpu": usage.ru_utime + usage.ru_stime - cpu_at_start, "rss_mib": usage.ru_maxrss / 1024}))
"""


def before_in_a_process(folder: Path, code: Path) -> dict[str, Any]:
    """A rebuild of every view by the Peiban checked out in ``code``, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", BEFORE, str(folder)],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def in_a_process(folder: Path, what: str, plain: bool) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(folder), what]
    command += ["--plain"] if plain else []
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(size: int, folder: Path, older: Path | None, plain: bool) -> dict[str, Any]:
    before = in_a_process(folder, "read", plain)
    apart = in_a_process(folder, "apart", plain)
    together = in_a_process(folder, "together", plain)
    old = before_in_a_process(folder, older) if older else None
    after = in_a_process(folder, "read", plain)
    read = (before["rate"] + after["rate"]) / 2
    read_cpu = (before["cpu"] + after["cpu"]) / 2
    print(
        f"  read + deserialise: {read:,.0f} facts/s (before {before['rate']:,.0f}, after {after['rate']:,.0f});"
        f" processor {read_cpu / before['facts'] * 1e6:.1f} us a fact"
    )
    for label, rebuilt in (
        ("a process per view", apart),
        ("one pass, one process", together),
    ):
        print(f"  rebuild, {label}:")
        for name, view in rebuilt["views"].items():
            print(
                f"    {name:<11} {view['rate']:>9,.0f} facts/s  ratio {view['rate'] / read:.2f}"
                f"  (fold {view['fold']:.1f} s, switch-over {view['switch']:.1f} s)"
            )
        if rebuilt["reading"]:
            print(f"    (reading and deserialising the log once for both: {rebuilt['reading']:.1f} s)")
        print(f"    all views   {rebuilt['rate']:>9,.0f} facts/s  ratio {rebuilt['rate'] / read:.2f}  (target >= 0.5)")
        # On a busy machine the wall clock says how the processes fared against other work; processor time says
        # what the rebuild costs: the longest process's is its wall clock on cores with nothing else to run.
        longest = max(rebuilt["cpu_here"], rebuilt["cpu_workers"])
        facts = rebuilt["facts"]
        print(
            f"    processor {rebuilt['cpu'] / facts * 1e6:.1f} us a fact, all processes"
            f" (x{rebuilt['cpu'] / read_cpu:.2f} the read's); the longest process {longest / facts * 1e6:.1f}"
            f" us a fact: ratio on free cores {read_cpu / longest:.2f}"
        )
        print(f"    peak RSS: {rebuilt['rss_mib']:.0f} MiB, largest worker {rebuilt['worker_rss_mib']:.0f} MiB")
    if old is not None:
        print(
            f"  rebuild by the Peiban in {older}: {old['rate']:,.0f} facts/s  ratio {old['rate'] / read:.2f};"
            f" processor {old['cpu'] / old['facts'] * 1e6:.1f} us a fact (x{old['cpu'] / read_cpu:.2f} the read's);"
            f" peak RSS {old['rss_mib']:.0f} MiB"
        )
    return {
        "size": size,
        "facts": apart["facts"],
        "read": read,
        "apart": apart,
        "together": together,
        "old": old,
    }


def growth(results: list[dict[str, Any]]) -> None:
    """Seconds per 1,000 facts at each size, against the smallest size's (linear: a multiple of ~1)."""
    print("cost as the log grows (seconds per 1,000 facts; x the smallest size's)")
    first = results[0]
    for r in results:
        cells = []
        for key in ("read", "apart", "together"):
            rate, base = (r[key], first[key]) if key == "read" else (r[key]["rate"], first[key]["rate"])
            cells.append(f"{key} {1000 / rate:.3f} s (x{base / rate:.2f})")
        print(f"  {r['facts']:>9,} facts: " + "; ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[50_000, 200_000, 1_000_000],
        help="facts per store",
    )
    parser.add_argument("--facts", type=int, default=50, help="facts per family (default 50)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the generated stores in this folder (reused next time)",
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="also rebuild with the Peiban checked out in this folder (an older one), same run",
    )
    parser.add_argument(
        "--plain", action="store_true", help="unencrypted stores (as before 2026-12-01; what --before can read)"
    )
    parser.add_argument("--measure", nargs=2, metavar=("STORE", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1], args.plain)))
        return
    if args.before and not args.plain:
        parser.error("--before needs --plain: an older checkout opens the store without the product's keys")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="peiban-rebuild-"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("stores: " + ("unencrypted (--plain)" if args.plain else "encrypted, as the product keeps them"))
    results = []
    for size in sorted(args.sizes):
        print(f"{size:,} facts")
        where = folder / f"facts-{size}-per-{args.facts}{'' if args.plain else '-encrypted'}"
        make_store(where, size, args.facts, args.plain)
        results.append(report(size, where, args.before, args.plain))
    growth(results)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
