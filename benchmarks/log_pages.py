"""Log pages benchmark: reading the log a page at a time, as eventsourcing 9.5 reads it and as Peiban does.

On a fresh store of ``--facts`` facts (the bulk generator's; SQLite in a temporary folder, or with ``--postgres`` a
schema of the PostgreSQL server at 127.0.0.1, dropped afterwards), each round times, in processor µs a fact over
pages of 2,000:

1. the driver alone (sqlite3 / psycopg, rows as tuples): the floor;
2. ``select_notifications`` of the library's recorder, and of Peiban's (``domain/sqlite_log.py``,
   ``domain/postgres_log.py``), each beside the floor;
3. reading and deserialising every fact with the library's JSON decoding, and with Peiban's
   (``domain.transcodings.QuickDecoding``), both through Peiban's recorder.

    python benchmarks/log_pages.py                      # SQLite, 20,000 facts, 3 rounds: well under a minute
    python benchmarks/log_pages.py --postgres --facts 50000
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsourcing.persistence import JSONTranscoder, Mapper  # noqa: E402

from domain import Peiban, PostgresSettings, StoreSettings  # noqa: E402
from web.demo.generate import generate  # noqa: E402

PAGE = 2000
LIBRARY = {"sqlite": "eventsourcing.sqlite", "postgres": "eventsourcing.postgres"}


def pages(read: Callable[[int], list[Any]]) -> tuple[float, int]:
    """Processor seconds to read the whole log with ``read(after)`` (a page of positions after ``after``)."""
    began, after, count = time.process_time(), 0, 0
    while found := read(after):
        count += len(found)
        after = found[-1][0] if isinstance(found[-1], tuple) else found[-1].id
    return time.process_time() - began, count


def driver(settings: StoreSettings) -> Callable[[int], list[Any]]:
    """A page of rows as tuples, by the driver alone."""
    if settings.backend == "sqlite":
        conn = sqlite3.connect(settings.sqlite_file(Peiban.name))
        sql = (
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events WHERE rowid > ?"
            " ORDER BY rowid LIMIT ?"
        )
        return lambda after: conn.execute(sql, (after, PAGE)).fetchall()
    import psycopg

    pg = settings.postgres
    connection = psycopg.connect(host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user, password=pg.password)
    table = f'"{pg.schema}".peiban_events'
    sql = (
        f"SELECT notification_id, originator_id, originator_version, topic, state FROM {table}"
        " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    )
    return lambda after: connection.execute(sql, (after, PAGE)).fetchall()


def deserialise(app: Peiban, mapper: Mapper[Any]) -> tuple[float, int]:
    def read(after: int) -> list[Any]:
        found = app.recorder.select_notifications(after, PAGE, inclusive_of_start=False)
        for notification in found:
            mapper.to_domain_event(notification)
        return list(found)

    return pages(read)


def library_mapper(app: Peiban) -> Mapper[Any]:
    """Peiban's mapper with the library's own JSON decoding (the same transcodings)."""
    transcoder = JSONTranscoder()
    ours = app.mapper.transcoder
    assert isinstance(ours, JSONTranscoder)
    for transcoding in ours.names.values():
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--facts", type=int, default=20_000, help="facts in the store (default 20,000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL schema instead of a SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="peiban-log-pages-"))
    schema = f"log_pages_{int(time.time())}"
    settings = (
        StoreSettings(backend="postgres", postgres=PostgresSettings(dbname="test", schema=schema))
        if args.postgres
        else StoreSettings(backend="sqlite", data_dir=folder)
    )
    if args.postgres:
        import psycopg

        with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
    try:
        app = Peiban(settings.env(Peiban.name))
        made = generate(app, families=max(args.facts // 50, 1), facts_per_family=50)
        library = Peiban({**settings.env(Peiban.name), "PERSISTENCE_MODULE": LIBRARY[settings.backend]})
        print(f"{settings.backend}: {made.facts:,} facts; processor µs a fact, pages of {PAGE:,}, {args.rounds} rounds")
        plain_mapper = library_mapper(app)
        figures: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            measures: dict[str, Callable[[], tuple[float, int]]] = {
                "driver alone (rows as tuples)": lambda: pages(driver(settings)),
                "library's select_notifications": lambda: pages(
                    lambda a: list(library.recorder.select_notifications(a, PAGE, inclusive_of_start=False))
                ),
                "Peiban's select_notifications": lambda: pages(
                    lambda a: list(app.recorder.select_notifications(a, PAGE, inclusive_of_start=False))
                ),
                "read + deserialise, library's decoding": lambda: deserialise(app, plain_mapper),
                "read + deserialise, Peiban's decoding": lambda: deserialise(app, app.mapper),
            }
            for label, measure in measures.items():
                seconds, count = measure()
                figures.setdefault(label, []).append(seconds / count * 1e6)
        floor = statistics.median(figures["driver alone (rows as tuples)"])
        print("| measure | µs a fact (median) | rounds | × the driver's |\n| --- | ---: | --- | ---: |")
        for label, values in figures.items():
            cells = ", ".join(f"{v:.2f}" for v in values)
            print(f"| {label} | {statistics.median(values):.2f} | {cells} | {statistics.median(values) / floor:.2f} |")
        library.close()
        app.close()
    finally:
        if args.postgres:
            import psycopg

            with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as c:
                c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
