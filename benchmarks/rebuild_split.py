"""Where one view's rebuild spends a fact, in processor time: reading and deserialising the log, the fold's Python
(its SQL dropped), the fold's SQLite, the indexes made after the fold, and the switch-over's copy.

The log of ``STORE`` (a folder holding ``peiban.sqlite3``, as ``benchmarks/rebuild.py --keep`` makes) is copied into
a temporary folder first, so the store is left as it was. The log is read twice (the second read is the figure) and
kept in memory, then folded twice from it: once with every statement dropped, once into a side database; the view
is switched over into a store that had none (no old rows to drop: a little less than a real switch-over).

``--without`` measures what the timeline's readers cost its rebuild, by leaving out (in this process only; nothing
is stored) its reading indexes (those its pages use, made after the fold), or its entries' content (the fact's
fields as JSON, which the pages show; kept for the facts that may open a chapter, as the fold reads them), or both:
each part's figure beside the view as it is, measured in the same run.

    python benchmarks/rebuild_split.py /tmp/rebuild-stores/facts-200000-per-50 timeline
    python benchmarks/rebuild_split.py /tmp/rebuild-stores/facts-50000-per-50 timeline --without indexes content
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Peiban, StoreSettings  # noqa: E402
from projections import timeline_view  # noqa: E402
from projections.db import index_name, statements  # noqa: E402
from projections.engine import TRACKING, VERSIONS, Projection, View, _facts  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from projections.timeline_chapters import TURNING  # noqa: E402

Batches = list[list[tuple[int, Any]]]


def read(app: Peiban) -> tuple[float, Batches]:
    """The processor seconds reading and deserialising the whole log took, and its facts in batches."""
    began, position, batches = time.process_time(), 0, []
    while notifications := app.recorder.select_notifications(position, 2000, inclusive_of_start=False):
        batches.append(_facts(app, notifications))
        position = notifications[-1].id
    return time.process_time() - began, batches


def fold(fresh: Projection, batches: Batches, *, statements: bool) -> float:
    """The processor seconds folding ``batches`` into ``fresh`` took (with every statement dropped, unless told)."""
    with fresh.db.write() as tx:
        fresh._prepare(tx)
        if not statements:
            tx._execute = tx._executemany = lambda *_: None  # type: ignore[method-assign]
            tx._query = lambda *_: []  # type: ignore[method-assign]
        began = time.process_time()
        for batch in batches:
            fresh._fold(tx, batch)
        tx.flush()
        took = time.process_time() - began
        if not statements:
            del tx._execute, tx._executemany, tx._query
    return took


def leave_out(view: View, parts: set[str]) -> None:
    """The timeline ``view`` without its reading indexes or its entries' content (this process only)."""
    if "indexes" in parts:
        view.tables = {  # type: ignore[misc]  # an instance's own, for this measure
            name: ";".join(s for s in statements(ddl) if index_name(s) not in view.reading_indexes)
            for name, ddl in view.tables.items()
        }
        view.reading_indexes = frozenset()  # type: ignore[misc]
    if "content" in parts:
        as_json = timeline_view.fact_json  # type: ignore[attr-defined]

        def content(fact: Any) -> str:
            return str(as_json(fact)) if timeline_view.KINDS[type(fact)] in TURNING else "{}"

        timeline_view.fact_json = content  # type: ignore[attr-defined,assignment]


def split(folder: Path, view: str, without: set[str]) -> dict[str, float]:
    """Each part's processor seconds of rebuilding ``view`` (less ``without``) from the log in ``folder``, and the
    facts."""
    settings = StoreSettings(backend="sqlite", data_dir=folder)
    app = Peiban(settings.env(Peiban.name))
    live = ReadModels(app, settings, batch_size=2000)[view]
    leave_out(live.view, without)
    live.position()
    gc.disable()  # as a rebuild's fold runs
    read(app)
    reading, batches = read(app)
    dry = Projection(app, live.view, live.db.fresh(), batch_size=2000)
    python = fold(dry, batches, statements=False)
    dry.db.discard()
    fresh = Projection(app, live.view, live.db.fresh(), batch_size=2000)
    folding = fold(fresh, batches, statements=True)
    began = time.process_time()
    with fresh.db.write() as tx:
        live.view.index(tx)
    indexing, began = time.process_time() - began, time.process_time()
    with live.db.switching(fresh.db, {**live.view.tables, "tracking": TRACKING, "view_version": VERSIONS}) as tx:
        live._fold_to_head(tx)
    fresh.db.discard()
    switching = time.process_time() - began
    app.close()
    facts = sum(len(batch) for batch in batches)
    return {
        "facts": facts,
        "read": reading,
        "python": python,
        "sqlite": folding - python,
        "indexes": indexing,
        "switch-over": switching,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="a folder holding peiban.sqlite3")
    parser.add_argument("view", choices=["timeline", "continuity"])
    parser.add_argument(
        "--without",
        nargs="+",
        choices=["indexes", "content"],
        default=[],
        help="the timeline also measured without its reading indexes, its entries' content, or both",
    )
    parser.add_argument("--variant", action="store_true", help=argparse.SUPPRESS)  # one measure, in this process
    args = parser.parse_args()
    if args.without and args.view != "timeline":
        parser.error("--without is for the timeline")
    if args.variant:
        print(measure(args.store, args.view, set(args.without)))
        return
    variants = [[]] + [[part] for part in args.without] + ([args.without] if len(args.without) > 1 else [])
    for without in variants:  # each in a fresh process: what one leaves out must not reach the next
        command = [sys.executable, __file__, str(args.store), args.view, "--variant"]
        command += ["--without", *without] if without else []
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        print(done.stdout.strip() or done.stderr.strip(), flush=True)


def measure(store: Path, view: str, without: set[str]) -> str:
    """One variant's figures, in processor microseconds a fact."""
    with tempfile.TemporaryDirectory(prefix="peiban-split-") as work:
        shutil.copy(store / "peiban.sqlite3", Path(work) / "peiban.sqlite3")
        parts = split(Path(work), view, without)
    facts = parts.pop("facts")
    cells = "; ".join(f"{name} {seconds / facts * 1e6:.1f}" for name, seconds in parts.items())
    process = sum(parts.values())
    own = process - parts["read"]
    label = f"{view} without its {' and '.join(sorted(without))}" if without else f"{view} as it is"
    return (
        f"{label}, {facts:,.0f} facts, processor us a fact: {cells}\n"
        f"  the view's own (all but the read) {own / facts * 1e6:.1f}; the process {process / facts * 1e6:.1f};"
        f" ratio to the read (its own process, on a free core): {parts['read'] / process:.2f}"
    )


if __name__ == "__main__":
    main()
