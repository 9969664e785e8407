"""Command benchmark: is a command's cost flat in the family's history? ``Peiban.log_visit`` beside a bare
eventsourcing save of one event, measured in the same run.

For each history length H (``--history``), one family with H visits already logged; then ``--visits`` more
visits logged one after another (in-process, SQLite, encrypted as the product runs). The baseline, measured
in turns with it: a bare ``eventsourcing`` application (same SQLite settings and aggregate cache, no
encryption) loading one aggregate of H events and saving one more event, ``--visits`` times.

    python benchmarks/commands.py                         # about a minute on 2 cores
    python benchmarks/commands.py --history 10 1000 5000 --visits 500
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from api import VISIT, scene  # noqa: E402
from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from domain import Actor, Peiban, StoreSettings  # noqa: E402
from web.infra.stores import open_application  # noqa: E402
from web.progress import Progress  # noqa: E402
from web.settings import Settings  # noqa: E402


class Note(Aggregate):
    @event("Noted")
    def note(self, text: str) -> None:
        self.last = text


class Bare(Application[UUID]):
    name = "Bare"


def bare_app(folder: Path) -> Bare:
    folder.mkdir(parents=True, exist_ok=True)
    return Bare(
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(folder / "bare.sqlite3"),
            "AGGREGATE_CACHE_MAXSIZE": "1000",
        }
    )


class Family:
    """One family with ``history`` visits, and the next moments to log visits at."""

    def __init__(self, folder: Path, history: int, visits: int, progress: Progress) -> None:
        pairs, started = scene(folder, 1)
        self.settings = Settings(store=StoreSettings(backend="sqlite", data_dir=folder))
        self.app: Peiban = open_application(self.settings)
        self.family, self.lead = pairs[0]
        step = timedelta(days=360) / (history + visits + 2)
        self.moments = iter([started + step * (i + 1) for i in range(history + visits + 2)])
        for i in range(history):
            self.visit()
            progress(i + 1, 2 * history)

    def visit(self) -> None:
        self.app.log_visit(
            self.family, volunteer_ids=[self.lead], occurred_at=next(self.moments), recorded_by=Actor("b"), **VISIT
        )


def timed(work: object, count: int) -> float:
    """Calls per second of ``work()``, ``count`` times one after another."""
    assert callable(work)
    began = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, nargs="+", default=[10, 1000, 3000])
    parser.add_argument("--visits", type=int, default=300, help="commands timed per history length")
    parser.add_argument("--rounds", type=int, default=3, help="turns of (baseline, command); medians reported")
    args = parser.parse_args()
    print(f"{'history':>8} {'log_visit/s':>12} {'bare save/s':>12} {'ratio':>6}  (median of {args.rounds} turns)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for history in args.history:
            folder = Path(tmp) / f"h{history}"
            with Progress(f"family of {history} visits", unit="条 facts") as progress:
                family = Family(folder, history, args.visits * args.rounds + 1, progress)
                bare = bare_app(folder / "bare")
                note = Note()
                for i in range(history):
                    note.note(f"{i}")
                    if i % 500 == 499:
                        bare.save(note)
                    progress(history + i + 1, 2 * history)
                bare.save(note)
            family.visit()  # warm: the family is in the cache

            def bare_save(bare: Bare = bare, note_id: UUID = note.id) -> None:
                loaded = bare.repository.get(note_id)
                loaded.note("x")
                bare.save(loaded)

            ours, theirs = [], []
            for _ in range(args.rounds):
                theirs.append(timed(bare_save, args.visits))
                ours.append(timed(family.visit, args.visits))
            command, baseline = statistics.median(ours), statistics.median(theirs)
            rows.append((history, command, baseline))
            print(f"{history:>8} {command:>12,.0f} {baseline:>12,.0f} {command / baseline:>6.2f}", flush=True)
            family.app.close()
            bare.close()
    first = rows[0][1]
    multiples = ", ".join(f"{h}: {c / first:.2f}" for h, c, _ in rows)
    print(f"log_visit at each history as a multiple of the shortest: {multiples}")


if __name__ == "__main__":
    main()
