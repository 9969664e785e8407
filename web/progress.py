"""Progress for long work (demo loading, rebuilds): a live bar on a terminal, milestones elsewhere."""

from __future__ import annotations

import sys
import time
from types import TracebackType

import click
from click._termui_impl import ProgressBar


class Progress:
    """Call with (done, total); shows count, rate and time left. Use as a context manager."""

    def __init__(self, label: str, *, unit: str = "条 facts") -> None:
        self.label = label
        self.unit = unit
        self.started = time.monotonic()
        self.done = 0
        self.interactive = sys.stdout.isatty()
        self.bar: ProgressBar[int] | None = None
        self.next_milestone = 10

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, trace)

    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-6)

    def __call__(self, done: int, total: int) -> None:
        total = max(total, done, 1)
        if self.interactive:
            if self.bar is None:
                self.bar = click.progressbar(
                    length=total,
                    label=self.label,
                    show_eta=True,
                    show_pos=True,
                    item_show_func=lambda _: f"{self.rate():,.0f} {self.unit}/s",
                )
                self.bar.__enter__()
            self.bar.length = total
            self.bar.update(done - self.done, done)
            self.done = done
            return
        self.done = done
        percent = done * 100 // total
        if percent >= self.next_milestone or done == total:
            left = (total - done) / max(self.rate(), 1e-6)
            click.echo(f"{self.label}: {percent}% ({done}/{total} {self.unit}, {self.rate():,.0f}/s, ETA {left:.0f}s)")
            self.next_milestone = (percent // 10 + 1) * 10
