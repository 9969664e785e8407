"""`peiban serve --workers N`: the web app in N processes under gunicorn, each with stores of its own.

Nothing that talks to a store crosses a fork. The master process opens every store once before it forks
(so that tables, schemas and a new store's master key are made by one process, not raced for by N), then
closes them all; each worker builds its own app — its Peiban application, read models, key store and
connection pools — in gunicorn's ``load``, which runs in the worker after the fork. Workers share nothing
but the stores: a view is folded under its own lock by whichever process reads it first (each worker still
reads its own writes), and ``peiban project`` keeps the views current in between.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker

from web.app import create_app, shutdown
from web.settings import Settings


class Workers(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type information
    """gunicorn serving Peiban: ``workers`` processes of ``threads`` threads, the app built after the fork."""

    def __init__(self, settings: Settings, *, bind: str, workers: int, threads: int) -> None:
        self.settings = settings
        self.options = {
            "bind": bind,
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "preload_app": False,  # the app (and every connection) is made in each worker, never in the master
            "proc_name": "peiban",
            "accesslog": None,
            "errorlog": "-",
            "timeout": 120,  # a first read after a long stop may fold many facts before it answers
            "graceful_timeout": 30,
            "worker_exit": _close_stores,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build this worker's app: called by gunicorn in the worker process, after the fork."""
        return create_app(self.settings)


def _close_stores(server: Any, worker: Worker) -> None:
    """A worker that stops closes its stores (its pools give their connections back to PostgreSQL at once)."""
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        shutdown(app)


def ready_stores(settings: Settings) -> None:
    """Open every store once in this (the master) process, then close them all: tables, schemas and a new
    store's master key are made here, once, and a store that cannot be opened stops the start with its
    message before any worker is forked."""
    shutdown(create_app(settings))


def serve_workers(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with ``workers`` processes until stopped (SIGTERM or SIGINT: each worker finishes its requests)."""
    ready_stores(settings)
    Workers(settings, bind=f"{host}:{port}", workers=workers, threads=threads).run()
