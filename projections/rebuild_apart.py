"""Rebuilding views each in a process of its own: the first view here, every other in a worker process.

Each view has its own database, so views can be rebuilt apart: each worker opens the log itself, reads
and deserialises it (on several cores that costs less than sending facts from one process to another),
folds its view into a fresh database and switches the view over as soon as it is done. A worker that
fails leaves its view as it was; the others are switched over all the same.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from projections.db import ViewDatabase
from projections.engine import FollowedLog, Progress, Projection, View
from projections.rebuild import Rebuilt, ViewRebuilt, rebuild_one


class OwnLog(FollowedLog, Protocol):
    """A log a worker opened for itself, and closes when done."""

    def close(self) -> None: ...


#: Opens the followed log afresh, in a rebuild's worker process (for a process started by spawning, it must pickle).
OpenLog = Callable[[], OwnLog]


class RebuildFailed(Exception):
    """Views whose rebuild failed (each left as it was); the other views were switched over."""

    def __init__(self, failures: dict[str, str], done: tuple[ViewRebuilt, ...]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in failures.items()))
        self.failures = failures
        self.done = done


def spare_cores() -> float:
    """How many of this process's cores had nothing to run over the last minute (this process counts as busy)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores - os.getloadavg()[0]


def _context() -> Any:  # a ForkContext or a SpawnContext, both with a Process (not on BaseContext's type)
    """Fork (at once: the modules are already imported) on Linux while this process runs one thread, so that
    nothing is copied that another thread held half-way; else spawn. Either way a worker opens its own log and
    databases: no connection crosses into it."""
    forks = sys.platform == "linux" and threading.active_count() == 1
    return multiprocessing.get_context("fork" if forks else "spawn")


class Orphaned(Exception):
    """The process that started a rebuild's worker is gone (killed): the worker gives up too."""


def _worker(
    open_log: OpenLog,
    view: View,
    live_db: ViewDatabase,
    fresh_db: ViewDatabase,
    batch_size: int,
    messages: Any,
    parent: int,
) -> None:
    """A worker process: rebuild one view, telling ``messages`` its progress and how it ended."""
    name = view.name

    def progress(done: int, total: int) -> None:
        if os.getppid() != parent:
            raise Orphaned(f"重建已停止 / the rebuild was stopped (process {parent} is gone)")
        messages.put(("progress", name, done))

    try:
        app = open_log()
        try:
            live = Projection(app, view, live_db, batch_size=batch_size)
            fresh = Projection(app, view, fresh_db, batch_size=batch_size)
            rebuilt = rebuild_one(live, fresh, progress)
        finally:
            live_db.close()
            app.close()
        messages.put(("done", name, rebuilt))
    except BaseException as error:
        messages.put(("failed", name, "".join(traceback.format_exception_only(error)).strip()))
        raise SystemExit(1) from None


class _Workers:
    """The worker processes of a rebuild apart, and what they told: progress, views rebuilt, failures."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.messages: Any = context.Queue()
        self.processes: dict[str, Any] = {}
        self.folded: dict[str, int] = {}
        self.done: dict[str, ViewRebuilt] = {}
        self.failed: dict[str, str] = {}

    def start(self, open_log: OpenLog, live: Projection, fresh_db: ViewDatabase) -> None:
        name = live.view.name
        process = self.context.Process(
            target=_worker,
            args=(
                open_log,
                live.view,
                live.db.reopened(),
                fresh_db.reopened(),
                live.batch_size,
                self.messages,
                os.getpid(),
            ),
            name=f"peiban-rebuild-{name}",
            daemon=True,
        )
        process.start()
        self.processes[name] = process
        self.folded[name] = 0

    def read(self, wait: float = 0.0) -> None:
        """Take in what the workers said (waiting up to ``wait`` seconds for the first word)."""
        try:
            message = self.messages.get(timeout=wait) if wait else self.messages.get_nowait()
            while True:
                kind, name, what = message
                if kind == "progress":
                    self.folded[name] = int(what)
                elif kind == "done":
                    self.done[name] = what
                    self.folded[name] = what.facts
                else:
                    self.failed[name] = str(what)
                message = self.messages.get_nowait()
        except queue.Empty:
            return

    def wait(self, on_progress: Callable[[], None]) -> None:
        """Until every worker has ended; a worker that ended without a word failed."""
        while any(p.is_alive() for p in self.processes.values()):
            self.read(wait=0.2)
            on_progress()
        self.read()
        for name, process in self.processes.items():
            process.join()
            if name not in self.done and name not in self.failed:
                self.failed[name] = f"进程意外结束 / the process ended unexpectedly (exit code {process.exitcode})"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.is_alive():
                process.terminate()
            process.join()


def rebuild_apart(projections: list[Projection], open_log: OpenLog, progress: Progress | None = None) -> Rebuilt:
    """Rebuild each view in a process of its own (the first in this one); each switches over when it is done.

    A view whose rebuild fails is left as it was, and ``RebuildFailed`` names it once every other view is done.
    """
    started = time.perf_counter()
    first = projections[0]
    total = first.app.log_position()
    fresh = [p.db.fresh() for p in projections]
    workers = _Workers(_context())
    here: list[ViewRebuilt] = []

    def on_progress(done: int = -1) -> None:
        if done >= 0:
            workers.folded[first.view.name] = done
        workers.read()
        if progress is not None:
            folded = min(workers.folded.values())
            progress(folded, max(total, folded))

    try:
        for projection, db in zip(projections[1:], fresh[1:], strict=True):
            workers.start(open_log, projection, db)
        workers.folded[first.view.name] = 0
        try:
            fresh_first = Projection(first.app, first.view, fresh[0], batch_size=first.batch_size)
            here.append(rebuild_one(first, fresh_first, lambda done, _: on_progress(done)))
        except Exception as error:  # the other views go on; an interrupt stops them all
            workers.failed[first.view.name] = "".join(traceback.format_exception_only(error)).strip()
        workers.wait(on_progress)
    finally:
        workers.stop()
        for projection, db in zip(projections, fresh, strict=True):
            projection._ready = False  # switched over elsewhere, or not at all: look at the database again
            db.discard()  # not switched over: thrown away; switched (and so discarded already): its claim let go
    done = (*here, *(workers.done[p.view.name] for p in projections[1:] if p.view.name in workers.done))
    if workers.failed:
        raise RebuildFailed(workers.failed, done)
    return Rebuilt(done, min(v.facts for v in done), time.perf_counter() - started, apart=True)
