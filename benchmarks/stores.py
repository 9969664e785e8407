"""PostgreSQL beside SQLite, in one run: single-fact appends and rebuilds, each beside its raw baseline.

On a fresh SQLite data directory and a fresh schema of the test server (127.0.0.1:5432, database ``test``):

1. single-fact appends, one after another: the raw driver (one row per transaction: sqlite3 in WAL mode;
   psycopg), the bare application (``Peiban.log_visit``, encrypted, as the product runs) and HTTP (POST visit
   through ``peiban serve``, one keep-alive client); each store's rates, app / raw, HTTP / app, and PG / SQLite;
2. a log of ``--facts`` facts (``web.demo.generate``, encrypted): reading and deserialising it (pages of 2,000,
   as the views read) beside rebuilding every view (``ReadModels.rebuild``), each in a fresh application (its
   key cache cold, as ``peiban rebuild`` starts); rebuild / read on each store, and PG / SQLite;
3. ``--profile``: where a PostgreSQL ``log_visit`` spends its time (cProfile, by own time), and the statements
   it sends the server (counted from ``pg_stat_statements`` if the server has it, else not shown).

    python benchmarks/stores.py                               # about two minutes on 2 cores
    python benchmarks/stores.py --visits 1000 --facts 50000 200000
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
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Actor, StoreSettings  # noqa: E402
from domain.encryption import to_domain_events  # noqa: E402
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


@dataclass
class Appends:
    """Facts/s of single-fact appends on one store."""

    raw: float
    app: float
    http: float


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


def raw_sqlite_rate(folder: Path, count: int) -> float:
    """Rows/s of one INSERT and COMMIT after another into a plain table (WAL, as the log is kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE facts (id INTEGER PRIMARY KEY, originator_id TEXT, version INT, state BLOB)")
    payload = os.urandom(PAYLOAD)
    began = time.perf_counter()
    for i in range(count):
        connection.execute("BEGIN")
        connection.execute("INSERT INTO facts (originator_id, version, state) VALUES (?, ?, ?)", ("f", i, payload))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - began
    connection.close()
    return count / elapsed


def raw_postgres_rate(store: StoreSettings, count: int) -> float:
    """Rows/s of one INSERT and COMMIT after another into a plain table of the store's schema (psycopg)."""
    schema = store.postgres.schema
    with _connect(store.postgres) as setup:
        setup.execute(
            f'CREATE TABLE "{schema}".raw_facts (id BIGSERIAL PRIMARY KEY, originator_id UUID, version BIGINT,'
            " state BYTEA)"
        )
    payload, origin = os.urandom(PAYLOAD), "6f1c3c5e-1d2b-4c1a-9a57-2c1f1f0e9b11"
    insert = f'INSERT INTO "{schema}".raw_facts (originator_id, version, state) VALUES (%s, %s, %s)'
    with _connect(store.postgres) as connection:
        connection.autocommit = False
        began = time.perf_counter()
        for i in range(count):
            connection.execute(insert, (origin, i, payload), prepare=True)
            connection.commit()
        elapsed = time.perf_counter() - began
    return count / elapsed


def moments(started: datetime, count: int, offset: float) -> list[datetime]:
    """Distinct moments since ``started``, none in the future (``offset`` in 0..1 shifts them: two series apart)."""
    step = (datetime.now(tz=UTC) - timedelta(hours=1) - started) / count
    return [started + step * (i + offset) for i in range(1, count + 1)]


def app_rate(scene: Scene, visits: int) -> float:
    """Visits/s of ``Peiban.log_visit`` in-process (encrypted), one after another over the scene's families."""
    app = open_application(settings_of(scene.settings))
    at = moments(scene.started, visits, 0.0)
    app.get_family(scene.pairs[0][0])  # opened and warm: the first load reads its key and history
    began = time.perf_counter()
    for i, when in enumerate(at):
        family, lead = scene.pairs[i % len(scene.pairs)]
        app.log_visit(family, volunteer_ids=[lead], occurred_at=when, recorded_by=Actor("bench"), **VISIT)
    elapsed = time.perf_counter() - began
    app.close()
    return visits / elapsed


def http_rate(scene: Scene, visits: int) -> float:
    """Visits/s POSTed one after another by one keep-alive client through ``peiban serve`` (one process)."""
    at = moments(scene.started, visits, 0.5)
    with workers(scene.settings, 1, threads=4) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": scene.bearer}

        def post(i: int, when: datetime) -> None:
            family, lead = scene.pairs[i % len(scene.pairs)]
            body = {**VISIT, "occurred_at": when.isoformat(), "volunteer_ids": [str(lead)]}
            connection.request("POST", f"/api/v1/families/{family}/visits", body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 201:
                raise SystemExit(f"POST visit answered {response.status}: {answer[:300]!r}")

        post(0, scene.started + timedelta(minutes=1))  # warm-up: the worker's first request opens its stores
        began = time.perf_counter()
        for i, when in enumerate(at):
            post(i, when)
        elapsed = time.perf_counter() - began
        connection.close()
    return visits / elapsed


def appends(kind: str, visits: int, families: int) -> Appends:
    """Raw driver, bare application and HTTP rates on a fresh store of ``kind``."""
    with fresh_store(kind) as store:
        if kind == "postgres":
            raw = raw_postgres_rate(store, visits)
        else:
            raw = raw_sqlite_rate(store.data_dir.parent / "raw", visits)
        scene = make_scene(store, writers=families)
        return Appends(raw=raw, app=app_rate(scene, visits), http=http_rate(scene, visits))


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


def rebuild_rate(store: StoreSettings) -> float:
    """Facts/s of rebuilding every view from the log (as ``peiban rebuild`` does, in a fresh application)."""
    app = open_application(settings_of(store))
    models = ReadModels(app, store, batch_size=2000)
    began = time.perf_counter()
    folded = models.rebuild()
    elapsed = time.perf_counter() - began
    models.close()
    app.close()
    return folded / elapsed


def rebuild(kind: str, facts: int) -> Rebuild:
    """Generate a log of about ``facts`` facts on a fresh store of ``kind``; read it, then rebuild from it."""
    with fresh_store(kind) as store:
        app = open_application(settings_of(store))
        generate(app, families=max(facts // 50, 1), facts_per_family=50)
        app.close()
        count, read = read_rate(store)
        return Rebuild(facts=count, read=read, rebuild=rebuild_rate(store))


def profile_appends(visits: int, top: int) -> str:
    """cProfile of ``visits`` PostgreSQL ``log_visit`` calls, by own time, and the server's statements per visit."""
    with fresh_store("postgres") as store:
        scene = make_scene(store, writers=5)
        app = open_application(settings_of(scene.settings))
        at = moments(scene.started, visits, 0.25)
        app.get_family(scene.pairs[0][0])
        profiler = cProfile.Profile()
        before = statements(store)
        profiler.enable()
        for i, when in enumerate(at):
            family, lead = scene.pairs[i % len(scene.pairs)]
            app.log_visit(family, volunteer_ids=[lead], occurred_at=when, recorded_by=Actor("bench"), **VISIT)
        profiler.disable()
        after = statements(store)
        app.close()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    if before is not None and after is not None:
        sent = {q: after.get(q, 0) - before.get(q, 0) for q in after}
        out.write(f"statements the server ran, per visit ({visits} visits):\n")
        for query, calls in sorted(sent.items(), key=lambda kv: -kv[1]):
            if calls >= visits // 2:
                out.write(f"  {calls / visits:5.2f}  {' '.join(query.split())[:110]}\n")
    return out.getvalue()


def statements(store: StoreSettings) -> dict[str, int] | None:
    """Calls per statement so far (pg_stat_statements), or None if the server does not keep them."""
    try:
        with _connect(store.postgres) as connection:
            rows = connection.execute("SELECT query, calls FROM pg_stat_statements").fetchall()
    except Exception:  # the extension is not there: the profile alone is shown
        return None
    totals: dict[str, int] = {}
    for query, calls in rows:
        totals[query] = totals.get(query, 0) + int(calls)
    return totals


def print_appends(results: dict[str, Appends], visits: int) -> None:
    print(f"\n| single-fact appends, one after another ({visits:,} each) | SQLite facts/s | PostgreSQL facts/s | PG / SQLite |")
    print("| --- | ---: | ---: | ---: |")
    sq, pg = results["sqlite"], results["postgres"]
    for label, a, b in (
        ("raw driver, 1 row per transaction (sqlite3 WAL / psycopg)", sq.raw, pg.raw),
        ("bare app (`Peiban.log_visit`, encrypted)", sq.app, pg.app),
        ("HTTP POST visit (`peiban serve`, 1 client)", sq.http, pg.http),
    ):
        print(f"| {label} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
    print(f"| bare app / raw driver | {sq.app / sq.raw:.2f} | {pg.app / pg.raw:.2f} | |")
    print(f"| HTTP / bare app | {sq.http / sq.app:.2f} | {pg.http / pg.app:.2f} | |")


def print_rebuilds(results: list[tuple[Rebuild, Rebuild]]) -> None:
    print("\n| log | store | read + deserialise facts/s | rebuild all views facts/s | rebuild / read | PG / SQLite (read, rebuild) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for sq, pg in results:
        for name, r in (("SQLite", sq), ("PostgreSQL", pg)):
            vs = f"{pg.read / sq.read:.2f}, {pg.rebuild / sq.rebuild:.2f}" if r is pg else ""
            print(f"| {r.facts:,} | {name} | {r.read:,.0f} | {r.rebuild:,.0f} | {r.rebuild / r.read:.2f} | {vs} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=500, help="appends of each kind on each store")
    parser.add_argument("--families", type=int, default=15, help="the appends are spread over these")
    parser.add_argument("--facts", type=int, nargs="*", default=[20_000], help="log sizes to rebuild (none: skip)")
    parser.add_argument("--profile", action="store_true", help="profile PostgreSQL appends")
    args = parser.parse_args()
    reason = postgres_unreachable_reason()
    if reason:
        sys.exit(reason)
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; SQLite {sqlite3.sqlite_version}", flush=True)
    results = {kind: appends(kind, args.visits, args.families) for kind in STORES}
    print_appends(results, args.visits)
    sys.stdout.flush()
    if args.facts:
        print_rebuilds([(rebuild("sqlite", n), rebuild("postgres", n)) for n in args.facts])
    if args.profile:
        print("\ncProfile of PostgreSQL appends (by own time):")
        print(profile_appends(args.visits, 25))


if __name__ == "__main__":
    main()
