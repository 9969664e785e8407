"""`peiban rebuild` and `peiban project`: keeping the read side's views current."""

from __future__ import annotations

import functools
import signal
import threading
from types import FrameType

import click

from projections.read_models import APART_FROM, ReadModels
from projections.rebuild import ViewRebuilt
from projections.rebuild_apart import RebuildFailed
from web.infra.follower import Follower
from web.infra.stores import open_application
from web.progress import Progress
from web.settings import Settings


def _read_models(settings: Settings, batch_size: int) -> ReadModels:
    return ReadModels(open_application(settings), settings.store, batch_size=batch_size)


def _view_line(view: ViewRebuilt) -> str:
    return (
        f"  {view.name}: {view.facts:,} 条事实 facts, 折叠 fold {view.fold_seconds:.1f} s"
        f" + 切换 switch-over {view.switch_seconds:.1f} s, {view.rate:,.0f} 条/秒 facts/s"
    )


@click.command()
@click.argument("view", required=False)
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--apart/--together",
    default=None,
    help=f"每个视图在各自的进程中重建，或全部在本进程中一次读完日志（默认：日志达到 {APART_FROM:,} 条事实"
    f"且每个视图都有空闲的处理器核时分进程）/ rebuild each view in a process of its own, or all in one pass here"
    f" (default: apart from {APART_FROM:,} facts, when a core is free for each view)",
)
@click.pass_obj
def rebuild(settings: Settings, view: str | None, batch_size: int, apart: bool | None) -> None:
    """从头重建视图，完成后再切换 / Rebuild views from the log, switching over only when done."""
    models = _read_models(settings, batch_size)
    names = [view] if view else list(models.projections)
    unknown = [n for n in names if n not in models.projections]
    if unknown:
        raise click.UsageError(
            f"没有这个视图 / no such view: {', '.join(unknown)} (views: {', '.join(models.projections)})"
        )
    try:
        with Progress(f"重建 rebuild {', '.join(names)}") as progress:
            rebuilt = models.rebuild(
                names, progress, open_log=functools.partial(open_application, settings), apart=apart
            )
    except RebuildFailed as failed:
        for done in failed.done:
            click.echo(_view_line(done))
        raise click.ClickException(
            "重建失败，这些视图保持原样 / the rebuild failed, these views were left as they were: "
            + "; ".join(f"{name} ({why})" for name, why in failed.failures.items())
        ) from None
    finally:
        models.close()
        models.app.close()
    for done in rebuilt.views:
        click.echo(_view_line(done))
    if rebuilt.apart:
        how = "每个视图一个进程 / a process per view"
    else:
        how = f"一次读完日志 / in one pass, 读日志 reading the log {rebuilt.reading_seconds:.1f} s"
    click.echo(
        f"{', '.join(names)}: {rebuilt.facts:,} 条事实 facts, {rebuilt.seconds:.1f} s,"
        f" {rebuilt.rate:,.0f} 条/秒 facts/s ({how})"
    )


@click.command()
@click.option("--once", is_flag=True, help="追上日志后退出 / catch up once, then exit")
@click.option(
    "--interval",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0.01, 3600),
    help="轮询间隔（秒；PostgreSQL 上有新事实时立即唤醒）/ seconds between polls (on PostgreSQL, new facts wake it"
    " at once)",
)
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_obj
def project(settings: Settings, once: bool, interval: float, batch_size: int) -> None:
    """持续跟随日志：结束离开义工的陪伴，更新所有视图和封印 / Follow the log: end departed volunteers' assignments,
    keep every view and the seal current (a long-lived process)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # First: a stop asked while the stores open (systemd stopping a slow start) ends it cleanly too.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    follower = Follower(settings, batch_size=batch_size)
    click.echo(f"跟随日志 / following the log: {', '.join(follower.names)}")
    try:
        while not stop.is_set():
            try:
                folded = follower.round()
            except Exception as error:  # a store that went away: nothing is lost, the next round resumes
                if once:
                    raise
                click.echo(f"本轮失败，稍后重试 / this round failed, retrying: {error!r}", err=True)
                stop.wait(max(interval, 1.0))
                continue
            if folded:
                click.echo(f"已更新 {folded} 条事实 / folded {folded} facts (position {follower.app.log_position()})")
            if once:
                break
            follower.wait(interval, stop)
    finally:
        follower.close()
