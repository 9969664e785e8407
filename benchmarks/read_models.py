"""Read-model benchmark: rebuild rate, rebuild memory, timeline read latency.

Every figure is printed beside a baseline measured in the same run, as a ratio,
because these machines are noisy:

1. rebuild rate (facts/s) of every view  vs  merely reading and deserialising the same log (in this process,
   in one pass; ``benchmarks/rebuild.py`` measures rebuilds with a process per view, and as the log grows);
2. peak memory of a rebuild at 1x and 4x the log (it should stay flat as the log grows);
3. timeline read latency p50/p99 of a family with 200 entries in a store of 100 families
   vs the same family in a store of ``--large-families`` families.

    python benchmarks/read_models.py                      # a few minutes on 2 cores
    python benchmarks/read_models.py --families 20000 --facts 50 --large-families 10000   # ~1M facts
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Peiban, StoreSettings  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from web.demo.generate import generate  # noqa: E402


def bar(label: str):  # type: ignore[no-untyped-def]
    started = time.monotonic()

    def show(done: int, total: int) -> None:
        if done == total or done % max(total // 50, 1) == 0:
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"\r  {label}: {done}/{total} ({rate:,.0f}/s) ", end="" if done < total else "\n", flush=True)

    return show


def make_store(folder: Path, families: int, facts: int) -> StoreSettings:
    settings = StoreSettings(backend="sqlite", data_dir=folder)
    folder.mkdir(parents=True, exist_ok=True)
    app = Peiban(settings.env(Peiban.name))
    if app.log_position() == 0:
        generate(app, families=families, facts_per_family=facts, progress=bar(f"generating {families} families"))
    app.close()
    return settings


def read_rate(app: Peiban) -> tuple[int, float]:
    started, position, count = time.perf_counter(), 0, 0
    while True:
        notifications = app.recorder.select_notifications(position, 2000, inclusive_of_start=False)
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count, count / (time.perf_counter() - started)


def rebuild_rates(settings: StoreSettings) -> dict[str, float]:
    """Facts per second: each view rebuilt alone, then every view in one pass over the log."""
    app = Peiban(settings.env(Peiban.name))
    models = ReadModels(app, settings, batch_size=2000)
    rates = {}
    for name in [*models.projections, ""]:
        started = time.perf_counter()
        folded = models.rebuild([name] if name else None).facts
        rates[name or "all views, one pass"] = folded / (time.perf_counter() - started)
    models.close()
    app.close()
    return rates


def peak_memory_of_rebuild(settings: StoreSettings) -> int:
    """Peak Python heap (KiB, tracemalloc) during a rebuild, measured in a fresh process."""
    code = (
        f"import tracemalloc, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from domain import Peiban, StoreSettings\n"
        "from projections.read_models import ReadModels\n"
        f"s = StoreSettings(backend='sqlite', data_dir=__import__('pathlib').Path({str(settings.data_dir)!r}))\n"
        "app = Peiban(s.env('peiban')); m = ReadModels(app, s, batch_size=2000)\n"
        "tracemalloc.start()\n"
        "m.rebuild()\n"
        "print(tracemalloc.get_traced_memory()[1] // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def timeline_latency(settings: StoreSettings, reads: int) -> tuple[float, float]:
    """p50/p99 (ms) of reading the timeline of a family with 200 entries."""
    app = Peiban(settings.env(Peiban.name))
    models = ReadModels(app, settings)
    models.catch_up()
    family = generate(app, families=1, facts_per_family=200, seed=99).families[0]
    models.timeline(family)
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        timeline = models.timeline(family)
        samples.append((time.perf_counter() - started) * 1000)
    assert len(timeline.entries) >= 200
    models.close()
    app.close()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=2000, help="families in the rebuild store (default 2000)")
    parser.add_argument("--facts", type=int, default=50, help="facts per family (default 50)")
    parser.add_argument("--large-families", type=int, default=10000, help="families in the large latency store")
    parser.add_argument("--reads", type=int, default=300, help="timeline reads per latency sample")
    parser.add_argument("--keep", type=Path, help="keep the generated stores in this folder (reused next time)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="peiban-bench-"))
    results: dict[str, object] = {}

    print("1. rebuild rate vs read+deserialise rate")
    full = make_store(folder / "full", args.families, args.facts)
    app = Peiban(full.env(Peiban.name))
    facts, read = read_rate(app)
    app.close()
    print(f"  log: {facts:,} facts; read+deserialise {read:,.0f} facts/s")
    results.update(facts=facts, read_rate=round(read))
    for name, rate in rebuild_rates(full).items():
        print(f"  rebuild {name}: {rate:,.0f} facts/s; ratio to read = {rate / read:.2f}  (target >= 0.5)")
        results[f"rebuild_rate[{name}]"] = round(rate)
        results[f"ratio[{name}]"] = round(rate / read, 2)

    print("2. peak Python heap of a rebuild as the log grows (tracemalloc)")
    quarter = make_store(folder / "quarter", max(args.families // 4, 1), args.facts)
    small_kib, full_kib = peak_memory_of_rebuild(quarter), peak_memory_of_rebuild(full)
    ratio = full_kib / max(small_kib, 1)
    print(f"  1x log: {small_kib / 1024:.1f} MiB; 4x log: {full_kib / 1024:.1f} MiB; ratio {ratio:.2f} (flat: ~1)")
    results.update(rebuild_peak_mib_1x=round(small_kib / 1024, 1), rebuild_peak_mib_4x=round(full_kib / 1024, 1))

    print("3. timeline read latency, family with 200 entries")
    small = make_store(folder / "small", 100, 20)
    large = make_store(folder / "large", args.large_families, 20)
    p50_small, p99_small = timeline_latency(small, args.reads)
    p50_large, p99_large = timeline_latency(large, args.reads)
    print(f"  100 families:    p50 {p50_small:.2f} ms  p99 {p99_small:.2f} ms")
    print(f"  {args.large_families} families: p50 {p50_large:.2f} ms  p99 {p99_large:.2f} ms")
    print(f"  ratio large/small: p50 {p50_large / p50_small:.2f}  p99 {p99_large / p99_small:.2f}  (target <= 1.5)")
    results.update(
        p50_small_ms=round(p50_small, 2),
        p99_small_ms=round(p99_small, 2),
        p50_large_ms=round(p50_large, 2),
        p99_large_ms=round(p99_large, 2),
        p50_ratio=round(p50_large / p50_small, 2),
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
