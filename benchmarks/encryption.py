"""Encryption benchmark: append, read+deserialise and rebuild rates with encryption on and off, in one run.

The same generated story is written into two fresh SQLite stores, one plain (no key ring) and one
encrypted (a key per record, kept wrapped in the key store), then read back and every view is
rebuilt from each; the goal is a cost (off rate / on rate) ≤ 1.3×. The machine is shared and its
load changes by the second, so each measure is taken off then on straight after, as a pair, in every
round; the cost printed is the median of those pairs' ratios, with their range, by the wall clock and
by processor time (which leaves out waiting for the disk and for other work on the machine).

Two appends are measured, as a record's key is made (and waited for on disk) on its first write:
- "append, a family per save": the generator's bulk load, every family's 25 facts in one save, so
  a new key's disk wait is shared by 25 facts (as in a demo or an import);
- "append, a fact per save": the same facts saved one at a time, as commands save them; each save
  waits for the disk once, and a family's first save once more for its new key.

    python benchmarks/encryption.py                     # 300 families x 25 facts
    python benchmarks/encryption.py --families 2000     # larger
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Peiban, StoreSettings  # noqa: E402
from domain.encryption import to_domain_events  # noqa: E402
from projections.keystore import KeyStore, key_database  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from web.demo.generate import generate  # noqa: E402


def now() -> datetime:
    return datetime.now(tz=UTC)


def timed(run: Callable[[], int]) -> float:
    """Facts per second of ``run`` (which returns how many facts it handled)."""
    return clocked(run)[0]


def clocked(run: Callable[[], int]) -> tuple[float, float]:
    """Facts per second of ``run``, by the wall clock and by this process's processor time."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()
    return count / (time.perf_counter() - wall), count / max(time.process_time() - cpu, 1e-9)


class TimedKeyStore(KeyStore):
    """The key store, timing how long making new keys takes (a transaction waited for on disk per save)."""

    making = 0.0
    made = 0

    def _create(self, master: bytes, owners: set[UUID]) -> dict[UUID, str]:
        started = time.perf_counter()
        try:
            return super()._create(master, owners)
        finally:
            self.making += time.perf_counter() - started
            self.made += len(owners)


def open_app(settings: StoreSettings, encrypted: bool) -> Peiban:
    if not encrypted:
        return Peiban(settings.env(Peiban.name))
    keys = TimedKeyStore(key_database(settings), clock=now)
    keys.unlock(os.urandom(32))  # a fresh key store remembers this master key
    app = Peiban(settings.env(Peiban.name), keys=keys)
    app.also_close.append(keys.close)
    return app


def story(families: int, facts: int) -> list[Any]:
    """The generated story's facts, made in memory once: each is then saved on its own."""
    made = Peiban({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    generate(made, families=families, facts_per_family=facts)
    return to_domain_events(made.mapper, made.recorder.select_notifications(0, 10**9))


def save_one_by_one(app: Peiban, facts: list[Any]) -> int:
    for fact in facts:
        app.events.put([fact])
    return len(facts)


def read_all(app: Peiban) -> int:
    position, count = 0, 0
    while notifications := app.recorder.select_notifications(position, 2000, inclusive_of_start=False):
        to_domain_events(app.mapper, notifications)  # a page at a time, as the views read it
        count += len(notifications)
        position = notifications[-1].id
    return count


def cold_read(app: Peiban) -> int:
    """Read the log as a restarted server would: no key in memory yet."""
    if app.keys is not None:
        app.keys._cache.clear()  # type: ignore[attr-defined]
    return read_all(app)


class Store:
    """One side of a round: a fresh SQLite store, plain or encrypted, with its views."""

    def __init__(self, folder: Path, encrypted: bool) -> None:
        folder.mkdir(parents=True)
        self.settings = StoreSettings(backend="sqlite", data_dir=folder)
        self.app = open_app(self.settings, encrypted)
        self.single = folder / "single"
        self.encrypted = encrypted

    def append(self, families: int, facts: int) -> int:
        generate(self.app, families=families, facts_per_family=facts)
        return self.app.log_position()

    def append_one_by_one(self, facts: list[Any]) -> int:
        self.single.mkdir()
        app = open_app(StoreSettings(backend="sqlite", data_dir=self.single), self.encrypted)
        try:
            return save_one_by_one(app, facts)
        finally:
            app.close()

    def rebuild(self) -> int:
        models = ReadModels(self.app, self.settings, batch_size=2000)
        try:
            return models.rebuild(None).facts
        finally:
            models.close()

    def making_keys(self) -> float:
        """Seconds a fact spent making keys so far (0 on the plain side)."""
        keys = self.app.keys
        return keys.making / self.app.log_position() if isinstance(keys, TimedKeyStore) else 0.0


#: per measure, per pair: (off, on), each (wall clock rate, processor time rate)
Pairs = dict[str, list[tuple[tuple[float, float], tuple[float, float]]]]


def measure_round(folder: Path, families: int, facts: int, one_by_one: list[Any], pairs: Pairs) -> float:
    """Each measure taken off then on at once (the load of a shared machine changes by the second);
    returns the seconds a fact of the encrypted bulk append spent making keys."""
    off, on = Store(folder / "off", False), Store(folder / "on", True)

    def pair(name: str, run: Callable[[Store], int]) -> None:
        pairs.setdefault(name, []).append((clocked(lambda: run(off)), clocked(lambda: run(on))))

    pair("append, a family per save", lambda side: side.append(families, facts))
    making = on.making_keys()
    pair("append, a fact per save", lambda side: side.append_one_by_one(one_by_one))
    for _ in range(3):  # reading is short: three pairs, each with the keys read from the key store again
        pair("read + deserialise", lambda side: cold_read(side.app))
    pair("rebuild every view", Store.rebuild)
    off.app.close()
    on.app.close()
    return making


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=300, help="families (default 300)")
    parser.add_argument("--facts", type=int, default=25, help="facts per family (default 25)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each measure off then on (default 5)")
    parser.add_argument("--single", type=int, default=20, help="families saved a fact at a time (default 20)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="peiban-encryption-bench-"))
    one_by_one = story(args.single, args.facts)
    pairs: Pairs = {}
    making = [measure_round(folder / str(n), args.families, args.facts, one_by_one, pairs) for n in range(args.rounds)]
    print(
        f"\n{args.families} families x {args.facts} facts ({args.single} families a fact per save), SQLite,"
        f" facts/s by the wall clock (best of {args.rounds} rounds, one run); on cost = off/on of each pair taken"
        " together, median (range), by the wall clock and by processor time (which leaves out waiting for the"
        " disk, and for the other work on a shared machine)\n"
    )
    print(f"{'':28}{'off':>10}{'on':>10}   {'on cost, wall':<24}on cost, processor")
    for name, found in pairs.items():
        best_off, best_on = max(p[0] for p, _ in found), max(e[0] for _, e in found)
        wall, cpu = (sorted(p[i] / e[i] for p, e in found) for i in (0, 1))
        print(f"{name:28}{best_off:>10,.0f}{best_on:>10,.0f}   {_cost(wall):<24}{_cost(cpu)}")
    bulk = [(1 / e[0], m) for (_, e), m in zip(pairs["append, a family per save"], making, strict=True)]
    share = statistics.median(m / t for t, m in bulk)
    print(
        f"\nmaking keys (a transaction waited for on disk per new record, or per save of several) took a median"
        f" {share:.0%} of the encrypted bulk append's time"
    )


def _cost(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}–{ratios[-1]:.2f})"


if __name__ == "__main__":
    main()
