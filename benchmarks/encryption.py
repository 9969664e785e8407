"""Encryption benchmark: append, read+deserialise and rebuild rates with encryption on and off, in one run.

The same generated story is written into two fresh SQLite stores, one plain (no key ring) and one
encrypted (a key per record, kept wrapped in the key store), then read back and every view is
rebuilt from each. Ratios (on / off) are printed, since these machines are noisy; the goal is ≤ 1.3×.

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
from web.generate import generate  # noqa: E402


def now() -> datetime:
    return datetime.now(tz=UTC)


def timed(run: Callable[[], int]) -> float:
    """Facts per second of ``run`` (which returns how many facts it handled)."""
    started = time.perf_counter()
    count = run()
    return count / (time.perf_counter() - started)


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


def measure(folder: Path, families: int, facts: int, one_by_one: list[Any], encrypted: bool) -> dict[str, float]:
    settings = StoreSettings(backend="sqlite", data_dir=folder)
    folder.mkdir(parents=True)
    app = open_app(settings, encrypted)

    def append() -> int:
        generate(app, families=families, facts_per_family=facts)
        return app.log_position()

    figures = {"append, a family per save": timed(append)}
    if isinstance(app.keys, TimedKeyStore):  # how much of the append went to making keys, in seconds per fact
        figures["making keys"] = app.keys.making / app.log_position()
    (folder / "single").mkdir()
    single = open_app(StoreSettings(backend="sqlite", data_dir=folder / "single"), encrypted)
    figures["append, a fact per save"] = timed(lambda: save_one_by_one(single, one_by_one))
    single.close()
    # reading is short: the best of three passes, each with the keys read from the key store again
    figures["read + deserialise"] = max(timed(lambda: cold_read(app)) for _ in range(3))
    models = ReadModels(app, settings, batch_size=2000)
    figures["rebuild every view"] = timed(lambda: models.rebuild(None))
    models.close()
    app.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=300, help="families (default 300)")
    parser.add_argument("--facts", type=int, default=25, help="facts per family (default 25)")
    parser.add_argument("--rounds", type=int, default=5, help="off and on alternately, best of (default 5)")
    parser.add_argument("--single", type=int, default=20, help="families saved a fact at a time (default 20)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="peiban-encryption-bench-"))
    one_by_one = story(args.single, args.facts)
    off: dict[str, float] = {}
    on: dict[str, float] = {}
    making_keys = 0.0
    for round_ in range(args.rounds):
        for best, encrypted in ((off, False), (on, True)):
            where = folder / f"{'on' if encrypted else 'off'}-{round_}"
            found = measure(where, args.families, args.facts, one_by_one, encrypted)
            making = found.pop("making keys", None)
            if making is not None and found["append, a family per save"] > best.get("append, a family per save", 0):
                making_keys = making  # from the round whose bulk append is reported
            for name, rate in found.items():
                best[name] = max(best.get(name, 0.0), rate)
    print(
        f"\n{args.families} families x {args.facts} facts ({args.single} families a fact per save),"
        f" SQLite, facts/s (best of {args.rounds}, one run)\n"
    )
    print(f"{'':28}{'off':>12}{'on':>12}{'on cost (off/on)':>20}")
    for name, plain in off.items():
        print(f"{name:28}{plain:>12,.0f}{on[name]:>12,.0f}{plain / on[name]:>19.2f}x")
    bulk, making = 1 / on["append, a family per save"], making_keys
    print(
        f"\nof the encrypted bulk append's {bulk * 1e6:,.0f} µs a fact, {making * 1e6:,.0f} µs went to making keys"
        f" ({making / bulk:.0%}: one transaction waited for on disk per new record, or per save of several);"
        f" without it the cost would be {(bulk - making) * off['append, a family per save']:.2f}x"
    )


if __name__ == "__main__":
    main()
