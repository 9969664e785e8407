"""The follower behind `peiban project`: one process that keeps the read side current while web workers serve.

A round does what a serving process does after each write, and what its readers do before each read: the
departure policy first (the facts it records are folded and sealed in the same round), then every view of
the case log, the access log (the read audit's view), then the seal. Each of these folds a batch of facts
and moves its tracking position in one transaction, under the view's own lock, so the follower and any
number of workers may fold the same view at once: whoever takes the lock second starts from the position
the first committed. Between rounds it waits for PostgreSQL's NOTIFY, which every save sends, or polls.
"""

from __future__ import annotations

import threading
from typing import Any

from eventsourcing.application import Application

from domain import Peiban, StoreSettings
from projections.departures import departure_policy
from projections.engine import Projection
from projections.read_models import ReadModels
from projections.seal.store import SealStore
from web.infra.keys import open_keys
from web.infra.stores import access_log, open_application, open_audit, open_seal
from web.settings import Settings


class Follower:
    """Every follower of the log in one process: the departure policy, the views, the access log, the seal."""

    def __init__(self, settings: Settings, *, batch_size: int = 1000) -> None:
        self.keys = open_keys(settings)
        self.app: Peiban = open_application(settings, self.keys)
        self.audit = open_audit(settings, self.keys)
        self.departures = departure_policy(self.app, settings.store, batch_size=batch_size)
        self.models = ReadModels(self.app, settings.store, batch_size=batch_size)
        self.access_log: Projection = access_log(settings, self.audit)
        self.seal: SealStore = open_seal(settings, self.app)
        self.new_facts = NewFacts(settings.store, [self.app, self.audit])

    @property
    def names(self) -> list[str]:
        """What this follower keeps current."""
        return ["departures", *self.models.projections, "access_log", "seal"]

    def round(self) -> int:
        """Fold and seal everything recorded since the last round; returns how many facts the views folded."""
        self.departures.catch_up()  # first: the facts it records are folded and sealed in the same round
        folded = self.models.catch_up()
        self.access_log.catch_up()
        self.seal.catch_up()
        return folded

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Until facts are recorded, ``timeout`` passes or ``stop`` is set."""
        self.new_facts.wait(timeout, stop)

    def close(self) -> None:
        self.new_facts.close()
        self.seal.db.close()
        self.access_log.db.close()
        self.departures.db.close()
        self.models.close()
        self.audit.close()
        self.app.close()
        self.keys.close()


class NewFacts:
    """Wakes a follower when facts are recorded: on PostgreSQL by LISTEN on the channels the logs NOTIFY on every
    save; elsewhere (SQLite), or while the server cannot be reached, it just waits out the poll interval."""

    def __init__(self, store: StoreSettings, logs: list[Application[Any]]) -> None:
        self.store = store
        self.channels: list[str] = [c for log in logs if (c := getattr(log.recorder, "channel_name", None))]
        self._conn: Any = None

    def wait(self, timeout: float, stop: threading.Event) -> None:
        if not self.channels:
            stop.wait(timeout)
            return
        import psycopg

        try:
            conn = self._listening()
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                pass  # one is enough: the round reads everything new, whoever's save it was
        except psycopg.Error:
            self.close()  # listened again next time; meanwhile polling loses nothing, it is only slower
            stop.wait(timeout)

    def _listening(self) -> Any:
        if self._conn is None:
            import psycopg
            from psycopg import sql

            pg = self.store.postgres
            conn = psycopg.connect(
                dbname=pg.dbname,
                host=pg.host,
                port=pg.port,
                user=pg.user,
                password=pg.password or None,
                autocommit=True,
            )
            for channel in self.channels:
                conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(channel)))
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
