"""PostgreSQL beside SQLite, in one run: single-fact appends and rebuilds, each beside its raw baseline.

On a fresh SQLite data directory and a fresh schema of the test server (127.0.0.1:5432, database ``test``):

1. single-fact appends, one after another: the raw driver (one row per transaction: sqlite3 in WAL mode;
   psycopg), the bare application (``Peiban.log_visit``, encrypted, as the product runs) and HTTP (POST visit
   through ``peiban serve``, one keep-alive client). The two stores take turns, ``--rounds`` rounds of each kind
   (the machine's load drifts; a turn each keeps the comparison fair); each figure is the median of its rounds.
   Printed: each store's rates, app / raw, HTTP / app, and PG / SQLite;
2. a log of each ``--facts`` size (``web.demo.generate``, encrypted): reading and deserialising it (pages of 2,000,
   as the views read) beside rebuilding every view (``ReadModels.rebuild``), each in a fresh application (its
   key cache cold, as ``peiban rebuild`` starts), best of ``--repeat``; rebuild / read on each store, PG / SQLite.
   PostgreSQL rebuilds only logs up to ``--postgres-up-to`` facts (its rebuild is the slow one);
3. ``--profile``: each view rebuilt alone on both stores (the smallest log), with the statements it sends per fact
   (each a round trip to PostgreSQL; a batch of inserts counts once), and cProfile of PostgreSQL appends.

    python benchmarks/stores.py                               # about three minutes on 2 cores
    python benchmarks/stores.py --visits 1000 --facts 50000 200000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Actor, StoreSettings  # noqa: E402
from domain.encryption import to_domain_events  # noqa: E402
from projections import db as view_db  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from tests.stores import _connect, postgres_store, postgres_unreachable_reason  # noqa: E402
from tests.web.served import MASTER_KEY, workers  # noqa: E402
from tests.web.test_workers import Scene, make_scene  # noqa: E402
from web.demo.generate import generate  # noqa: E402
from web.infra.stores import open_application  # noqa: E402
from web.settings import Settings  # noqa: E402

VISIT = {"place": "home", "duration_minutes": 90, "summary": "一起做作业，聊了学校的事", "activities": ["作业"]}
#: a visit's stored size, about (an encrypted state): the raw baselines insert payloads this big
PAYLOAD = 400
STORES = ("sqlite", "postgres")
KINDS = ("raw", "app", "http")
#: appends n facts one after another; returns the seconds they took
Appender = Callable[[int], float]


@dataclass
class Appends:
    """Facts/s of single-fact appends on one store: the rate of each round, by kind."""

    rounds: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})

    def rate(self, kind: str) -> float:
        return statistics.median(self.rounds[kind])


@dataclass
class Rebuild:
    """Facts/s of reading + deserialising a log, and of rebuilding every view from it, on one store."""

    facts: int
    read: float
    rebuild: float


@contextmanager
def fresh_store(kind: str) -> Iterator[StoreSettings]:
    """An empty SQLite data directory, or a fresh schema on the test server (dropped afterwards)."""
    if kind == "postgres":
        with postgres_store() as settings:
            yield settings
        return
    with tempfile.TemporaryDirectory(prefix="peiban-stores-") as folder:
        yield StoreSettings(backend="sqlite", data_dir=Path(folder) / "data")


def settings_of(store: StoreSettings) -> Settings:
    return Settings(store=store, master_key=MASTER_KEY)


def raw_sqlite(folder: Path) -> Appender:
    """One INSERT and COMMIT after another into a plain table (WAL, as the log is kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(folder / "raw.sqlite", isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE facts (id INTEGER PRIMARY KEY, originator_id TEXT, version INT, state BLOB)")
    payload, done = os.urandom(PAYLOAD), [0]

    def append(count: int) -> float:
        began = time.perf_counter()
        for _ in range(count):
            done[0] += 1
            connection.execute("BEGIN")
            connection.execute(
                "INSERT INTO facts (originator_id, version, state) VALUES (?, ?, ?)", ("f", done[0], payload)
            )
            connection.execute("COMMIT")
        return time.perf_counter() - began

    return append


def raw_postgres(store: StoreSettings) -> Appender:
    """One INSERT and COMMIT after another into a plain table of the store's schema (psycopg, prepared)."""
    schema = store.postgres.schema
    connection = _connect(store.postgres)
    connection.execute(
        f'CREATE TABLE "{schema}".raw_facts (id BIGSERIAL PRIMARY KEY, originator_id UUID, version BIGINT, state BYTEA)'
    )
    connection.autocommit = False
    payload, origin, done = os.urandom(PAYLOAD), "6f1c3c5e-1d2b-4c1a-9a57-2c1f1f0e9b11", [0]
    insert = f'INSERT INTO "{schema}".raw_facts (originator_id, version, state) VALUES (%s, %s, %s)'

    def append(count: int) -> float:
        began = time.perf_counter()
        for _ in range(count):
            done[0] += 1
            connection.execute(insert, (origin, done[0], payload), prepare=True)
            connection.commit()
        return time.perf_counter() - began

    return append


def moments(started: datetime, count: int, offset: float) -> Iterator[datetime]:
    """Distinct moments since ``started``, none in the future (``offset`` in 0..1 shifts them: two series apart)."""
    step = (datetime.now(tz=UTC) - timedelta(hours=1) - started) / (count + 1)
    return (started + step * (i + offset) for i in range(1, count + 1))


def app_appender(scene: Scene, total: int, close: list[Callable[[], None]]) -> Appender:
    """``Peiban.log_visit`` in-process (encrypted, as the product runs), over the scene's families in turn."""
    app = open_application(settings_of(scene.settings))
    close.append(app.close)
    at, done = moments(scene.started, total, 0.0), [0]
    app.get_family(scene.pairs[0][0])  # opened and warm: the first load reads its key and history

    def append(count: int) -> float:
        began = time.perf_counter()
        for _ in range(count):
            family, lead = scene.pairs[done[0] % len(scene.pairs)]
            done[0] += 1
            app.log_visit(family, volunteer_ids=[lead], occurred_at=next(at), recorded_by=Actor("bench"), **VISIT)
        return time.perf_counter() - began

    return append


def http_appender(scene: Scene, port: int, total: int) -> Appender:
    """POST visit through ``peiban serve`` (one process), one keep-alive client, one request after another."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": scene.bearer}
    at, done = moments(scene.started, total + 1, 0.5), [0]

    def post() -> None:
        family, lead = scene.pairs[done[0] % len(scene.pairs)]
        done[0] += 1
        body = {**VISIT, "occurred_at": next(at).isoformat(), "volunteer_ids": [str(lead)]}
        connection.request("POST", f"/api/v1/families/{family}/visits", body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 201:
            raise SystemExit(f"POST visit answered {response.status}: {answer[:300]!r}")

    post()  # warm-up: the worker's first request opens its stores

    def append(count: int) -> float:
        began = time.perf_counter()
        for _ in range(count):
            post()
        return time.perf_counter() - began

    return append


def appends(visits: int, families: int, rounds: int) -> dict[str, Appends]:
    """Raw driver, bare application and HTTP rates on a fresh store of each kind, the stores taking turns."""
    chunk = max(visits // rounds, 1)
    results = {kind: Appends() for kind in STORES}
    with ExitStack() as stack:
        appenders: dict[tuple[str, str], Appender] = {}
        closing: list[Callable[[], None]] = []
        stack.callback(lambda: [close() for close in closing])
        for kind in STORES:
            store = stack.enter_context(fresh_store(kind))
            raw = raw_postgres(store) if kind == "postgres" else raw_sqlite(store.data_dir.parent / "raw")
            scene = make_scene(store, writers=families)
            port = stack.enter_context(workers(store, 1, threads=4))
            appenders[kind, "raw"] = raw
            appenders[kind, "app"] = app_appender(scene, chunk * rounds, closing)
            appenders[kind, "http"] = http_appender(scene, port, chunk * rounds)
        for n in range(rounds):
            for what in KINDS:
                for kind in STORES if n % 2 == 0 else reversed(STORES):
                    results[kind].rounds[what].append(chunk / appenders[kind, what](chunk))
    return results


def read_rate(store: StoreSettings) -> tuple[int, float]:
    """(facts, facts/s) of reading the whole log and deserialising (decrypting) it, a page of 2,000 at a time."""
    app = open_application(settings_of(store))
    began, position, count = time.perf_counter(), 0, 0
    while True:
        page = app.recorder.select_notifications(position, 2000, inclusive_of_start=False)
        if not page:
            break
        to_domain_events(app.mapper, page)
        count += len(page)
        position = page[-1].id
    elapsed = time.perf_counter() - began
    app.close()
    return count, count / elapsed


def rebuild_rate(store: StoreSettings, views: list[str] | None = None) -> float:
    """Facts/s of rebuilding ``views`` (all) from the log, as ``peiban rebuild`` does, in a fresh application."""
    app = open_application(settings_of(store))
    models = ReadModels(app, store, batch_size=2000)
    began = time.perf_counter()
    folded = models.rebuild(views).facts
    elapsed = time.perf_counter() - began
    models.close()
    app.close()
    return folded / elapsed


def generated(store: StoreSettings, facts: int) -> StoreSettings:
    """``store`` with a log of about ``facts`` facts (families of 50)."""
    app = open_application(settings_of(store))
    generate(app, families=max(facts // 50, 1), facts_per_family=50)
    app.close()
    return store


def rebuilds(sizes: list[int], postgres_up_to: int, repeat: int) -> list[dict[str, Rebuild]]:
    """For each size: read and rebuild on each store (PostgreSQL up to ``postgres_up_to``), best of ``repeat``."""
    results = []
    for size in sizes:
        kinds = [k for k in STORES if k == "sqlite" or size <= postgres_up_to]
        with ExitStack() as stack:
            stores = {kind: generated(stack.enter_context(fresh_store(kind)), size) for kind in kinds}
            reads: dict[str, list[tuple[int, float]]] = {kind: [] for kind in kinds}
            rebuilt: dict[str, list[float]] = {kind: [] for kind in kinds}
            for _ in range(repeat):
                for kind in kinds:
                    reads[kind].append(read_rate(stores[kind]))
                for kind in kinds:
                    rebuilt[kind].append(rebuild_rate(stores[kind]))
            results.append({k: Rebuild(reads[k][0][0], max(r for _, r in reads[k]), max(rebuilt[k])) for k in kinds})
        print(f"  rebuilt {size:,} facts", file=sys.stderr, flush=True)
    return results


class Statements:
    """Statements sent by views' transactions while ``counted`` (each a round trip to PostgreSQL; a batch of one
    insert statement counts once), counted by wrapping ``Tx.flush`` and ``Tx.query``."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @contextmanager
    def counted(self) -> Iterator[None]:
        flush, query, tally = view_db.Tx.flush, view_db.Tx.query, self.counts

        def counting_flush(tx: Any) -> None:
            tally["writes"] += len(tx._pending)
            flush(tx)

        def counting_query(tx: Any, sql: str, params: Any = ()) -> Any:
            tally["queries"] += 1
            return query(tx, sql, params)

        view_db.Tx.flush, view_db.Tx.query = counting_flush, counting_query  # type: ignore[method-assign]
        try:
            yield
        finally:
            view_db.Tx.flush, view_db.Tx.query = flush, query  # type: ignore[method-assign]


def per_view(size: int) -> list[tuple[str, float, float, float]]:
    """(view, SQLite facts/s, PostgreSQL facts/s, statements per fact) of each view rebuilt alone."""
    rows = []
    with fresh_store("sqlite") as sq, fresh_store("postgres") as pg:
        generated(sq, size)
        generated(pg, size)
        app = open_application(settings_of(sq))
        names = list(ReadModels(app, sq).projections)
        app.close()
        facts = read_rate(sq)[0]
        for view in names:
            statements = Statements()
            with statements.counted():
                on_sqlite = rebuild_rate(sq, [view])
            on_postgres = rebuild_rate(pg, [view])
            rows.append((view, on_sqlite, on_postgres, sum(statements.counts.values()) / facts))
    return rows


def profile_appends(visits: int, top: int) -> str:
    """cProfile of ``visits`` PostgreSQL ``log_visit`` calls, by own time."""
    with fresh_store("postgres") as store:
        scene = make_scene(store, writers=5)
        closing: list[Callable[[], None]] = []
        append = app_appender(scene, visits, closing)
        profiler = cProfile.Profile()
        profiler.enable()
        append(visits)
        profiler.disable()
        for close in closing:
            close()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def print_appends(results: dict[str, Appends], visits: int, rounds: int) -> None:
    sq, pg = results["sqlite"], results["postgres"]
    print(f"\nsingle-fact appends, one after another: {visits:,} of each kind on each store, {rounds} rounds (medians)")
    print("\n| append | SQLite facts/s | PostgreSQL facts/s | PG / SQLite |")
    print("| --- | ---: | ---: | ---: |")
    for label, kind in (
        ("raw driver, 1 row per transaction (sqlite3 WAL / psycopg)", "raw"),
        ("bare app (`Peiban.log_visit`, encrypted)", "app"),
        ("HTTP POST visit (`peiban serve`, 1 client)", "http"),
    ):
        a, b = sq.rate(kind), pg.rate(kind)
        print(f"| {label} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
    print(
        f"| bare app / raw driver | {sq.rate('app') / sq.rate('raw'):.2f} | {pg.rate('app') / pg.rate('raw'):.2f} | |"
    )
    print(f"| HTTP / bare app | {sq.rate('http') / sq.rate('app'):.2f} | {pg.rate('http') / pg.rate('app'):.2f} | |")


def print_rebuilds(results: list[dict[str, Rebuild]], repeat: int) -> None:
    print(f"\nrebuild of every view beside reading + deserialising the same log (best of {repeat})")
    print(
        "\n| log | store | read + deserialise facts/s | rebuild facts/s | rebuild / read | PG / SQLite: read, rebuild |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for by_store in results:
        sq = by_store["sqlite"]
        for name, r in (("SQLite", sq), ("PostgreSQL", by_store.get("postgres"))):
            if r is None:
                continue
            vs = f"{r.read / sq.read:.2f}, {r.rebuild / sq.rebuild:.2f}" if r is not sq else ""
            print(f"| {r.facts:,} | {name} | {r.read:,.0f} | {r.rebuild:,.0f} | {r.rebuild / r.read:.2f} | {vs} |")


def print_per_view(rows: list[tuple[str, float, float, float]], size: int) -> None:
    print(f"\neach view rebuilt alone, about {size:,} facts")
    print("\n| view | SQLite facts/s | PostgreSQL facts/s | PG / SQLite | statements per fact |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for view, sq, pg, statements in rows:
        print(f"| {view} | {sq:,.0f} | {pg:,.0f} | {pg / sq:.2f} | {statements:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=500, help="appends of each kind on each store")
    parser.add_argument("--families", type=int, default=15, help="the appends are spread over these")
    parser.add_argument("--rounds", type=int, default=5, help="turns each store takes at each kind of append")
    parser.add_argument("--facts", type=int, nargs="*", default=[20_000], help="log sizes to rebuild (none: skip)")
    parser.add_argument("--postgres-up-to", type=int, default=200_000, help="largest log PostgreSQL rebuilds")
    parser.add_argument("--repeat", type=int, default=2, help="reads and rebuilds of each log (best taken)")
    parser.add_argument("--profile", action="store_true", help="each view rebuilt alone; profile PostgreSQL appends")
    args = parser.parse_args()
    reason = postgres_unreachable_reason()
    if reason:
        sys.exit(reason)
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; SQLite {sqlite3.sqlite_version}", flush=True)
    if args.visits:
        print_appends(appends(args.visits, args.families, args.rounds), args.visits, args.rounds)
        sys.stdout.flush()
    if args.facts:
        print_rebuilds(rebuilds(args.facts, args.postgres_up_to, args.repeat), args.repeat)
    if args.profile:
        size = min(args.facts or [10_000])
        print_per_view(per_view(size), size)
        print("\ncProfile of PostgreSQL appends (by own time):")
        print(profile_appends(args.visits, 25))


if __name__ == "__main__":
    main()
