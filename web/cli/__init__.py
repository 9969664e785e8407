"""The `peiban` command: init, demo, serve, events, verify, backup, restore."""

from __future__ import annotations

import faulthandler
import functools
import signal
import sys
from dataclasses import replace
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import click

from domain import DomainError, Peiban
from domain.aggregate import PeibanAggregate
from domain.encryption import Shredded
from projections.keystore import KeyStore
from web.cli.accounts import demo_accounts, first_coordinator, token, user
from web.cli.backup import backup, restore
from web.cli.case_file import case_file_command
from web.cli.encrypt import encrypt_command, rotate_command
from web.cli.erasure import erase_command, erase_volunteer_command
from web.cli.scale import load_scale, tell
from web.cli.seal import seal, verify_command
from web.cli.types import RECORD_ID
from web.cli.views import project, rebuild
from web.facts_text import fact_line
from web.infra.keys import open_keys
from web.infra.stores import open_accounts, open_application, prepare
from web.messages import cli_message
from web.progress import Progress
from web.settings import Settings, from_environment, proxies
from web.settings.master_key import MasterKeyError
from web.settings.seal_keys import create_key


class PeibanGroup(click.Group):
    """The commands, with a store that cannot be opened (its master key missing or wrong) told plainly."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MasterKeyError as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=PeibanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="数据目录 / data directory (PEIBAN_DATA_DIR, default ./peiban-data)",
)
@click.option("--store", type=click.Choice(["sqlite", "postgres"]), help="存储 / store (PEIBAN_STORE, default sqlite)")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, store: str | None) -> None:
    """陪伴 Peiban：义工与困境儿童家庭的陪伴关系记录 / volunteer–family companionship records."""
    # `kill -USR1 <pid>` writes where each thread of a long-running `peiban` is to its standard error (a process
    # that hangs can be looked into without stopping it). The process's own standard error: `sys.stderr` may be
    # a stream without a file descriptor (click's CliRunner), which faulthandler refuses.
    if hasattr(signal, "SIGUSR1") and sys.__stderr__ is not None:
        faulthandler.register(signal.SIGUSR1, file=sys.__stderr__, all_threads=True)
    try:
        ctx.obj = from_environment(data_dir=data_dir, store=store)
    except ValueError as error:
        raise click.UsageError(str(error)) from error


def _open(settings: Settings) -> Peiban:
    return open_application(settings)


def _where(settings: Settings) -> str:
    store = settings.store
    if store.backend == "sqlite":
        return str(store.sqlite_file(Peiban.name))
    return f"postgresql://{store.postgres.host}:{store.postgres.port}/{store.postgres.dbname}"


@main.command()
@click.option("--coordinator", "coordinator", help="第一位协调员的用户名 / the first coordinator's user name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / read the password from stdin")
@click.pass_obj
def init(settings: Settings, coordinator: str | None, password_stdin: bool) -> None:
    """创建数据目录、存储、主密钥和第一位协调员 / Create the data directory, the stores, the master key and the first
    coordinator."""
    had_key = bool(settings.master_key) or settings.master_key_path().exists()
    app = _open(settings)
    click.echo(f"存储已就绪 / store ready: {_where(settings)} （{app.log_position()} 条事实 / facts）")
    app.close()
    _tell_master_key(settings, had_key)
    key = settings.seal_key_path()
    made = create_key(key)
    click.echo(f"封印签名密钥 / seal signing key: {key}{'（新建 / created, 0600）' if made else ''}")
    first_coordinator(settings, coordinator, password_stdin)


def _tell_master_key(settings: Settings, had_key: bool) -> None:
    if settings.master_key:
        click.echo("主密钥 / master key: PEIBAN_MASTER_KEY")
        return
    path = settings.master_key_path()
    click.echo(f"主密钥 / master key: {path}{'' if had_key else '（新建 / created, 0600）'}")
    if not had_key:
        click.echo(
            "请把主密钥另存一份，与数据分开保管；丢失它就无法读取数据 / keep a copy of the master key apart from the"
            " data: without it the data cannot be read"
        )


def load_demo_with_progress(settings: Settings) -> None:
    """Load the demo story into an empty store, with a progress bar."""
    from web.demo.story import DemoStoreNotEmpty, load_demo

    prepare(settings)
    keys = open_keys(settings)
    with Progress("载入示例数据 / Loading demo") as progress:
        try:
            summary = load_demo(settings.store.env(Peiban.name), progress=progress, keys=keys)
        except DemoStoreNotEmpty as error:
            raise click.ClickException(str(error)) from error
        finally:
            keys.close()
    click.echo(
        f"示例数据已载入 / demo loaded: {summary.cohorts} 期义工 cohorts, {summary.volunteers} 名义工 volunteers, "
        f"{summary.families} 个家庭 families, {summary.facts} 条事实 facts"
    )


@main.command()
@click.option(
    "--scale",
    "families",
    type=click.IntRange(1, 10_000_000),
    help="改为生成这么多家庭的合成数据 / instead, generate this many families of synthetic data",
)
@click.option(
    "--years",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.1, 20),
    help="合成数据覆盖的年数 / years the synthetic data covers",
)
@click.option("--seed", default=7, show_default=True, type=int, help="随机种子 / random seed (same seed, same data)")
@click.pass_obj
def demo(settings: Settings, families: int | None, years: float, seed: int) -> None:
    """向空存储载入示例故事，或用 --scale 生成大量合成数据 / Load the demo story into an empty store, or with --scale
    generate years of a programme of that many families (for load tests and benchmarks)."""
    if families is None:
        load_demo_with_progress(settings)
        return
    tell(load_scale(settings, families, years, seed))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to bind")
@click.option("--port", default=8000, show_default=True, type=int, help="端口 / port")
@click.option("--threads", default=8, show_default=True, type=int, help="工作线程 / worker threads")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="工作进程数；多于 1 个时用 gunicorn，视图由 peiban project 保持最新 / worker processes; more than 1 runs"
    " gunicorn, with `peiban project` keeping the views current",
)
@click.option(
    "--demo", "with_demo", is_flag=True, help="存储为空时先载入示例数据 / load the demo first if the store is empty"
)
@click.option(
    "--trust-proxy",
    type=click.IntRange(0, 5),
    help="前面有几层 TLS 反向代理，信任其 X-Forwarded-* 头 / how many TLS reverse proxies in front to trust"
    " X-Forwarded-* from (PEIBAN_TRUST_PROXY, default 0: none)",
)
@click.pass_obj
def serve(
    settings: Settings, host: str, port: int, threads: int, workers: int, with_demo: bool, trust_proxy: int | None
) -> None:
    """用生产级 WSGI 服务器运行网页（一个进程：waitress；多个：gunicorn）/ Serve the web app with a production WSGI
    server (one process: waitress; several: gunicorn)."""

    if trust_proxy is not None:
        settings = replace(settings, trust_proxy=proxies(trust_proxy))

    if create_key(settings.seal_key_path()):
        click.echo(f"封印签名密钥已新建 / seal signing key created: {settings.seal_key_path()}")
    if with_demo:
        app = _open(settings)
        empty = app.log_position() == 0
        app.close()
        if empty:
            load_demo_with_progress(settings)
        click.echo("示例账号 / demo accounts (用户名 user name / 密码 password):")
        for name, role, password in demo_accounts(settings):
            click.echo(f"  {role:<14} {name:<14} {password}")
    click.echo(f"陪伴 Peiban: http://{host}:{port}/  （存储 / store: {_where(settings)}）")
    if workers > 1:
        _serve_workers(settings, host=host, port=port, workers=workers, threads=threads)
        return
    import waitress

    from web.app import create_app

    waitress.serve(create_app(settings), host=host, port=port, threads=threads, ident="peiban")


def _serve_workers(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    from web.cli.workers import serve_workers

    if settings.store.backend == "memory":
        raise click.UsageError(
            "多个工作进程需要共享的存储（sqlite 或 postgres），内存存储各进程各有一份 / several worker processes need"
            " a shared store (sqlite or postgres): each process would have a memory store of its own"
        )
    click.echo(
        f"{workers} 个工作进程 / worker processes × {threads} 线程 / threads；"
        "请另外运行 peiban project 保持视图最新 / run `peiban project` beside them to keep the views current"
    )
    if settings.store.backend == "sqlite":
        click.echo(
            "SQLite 一次只允许一个写入者：多个进程是正确的，但写入不会更快；扩展请用 PostgreSQL / SQLite takes one"
            " writer at a time: several processes stay correct but write no faster; scale out on PostgreSQL"
        )
    serve_workers(settings, host=host, port=port, workers=workers, threads=threads)


@main.command()
@click.option("--family", "family_id", type=RECORD_ID, help="只看一个家庭 / only this family's facts")
@click.option("--after", default=0, show_default=True, type=int, help="从这个位置之后 / start after this position")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="每页条数 / facts per page"
)
@click.option(
    "--timezone", "zone", default=None, help="显示时区 / time zone shown (default PEIBAN_TIMEZONE or Asia/Shanghai)"
)
@click.pass_obj
def events(settings: Settings, family_id: UUID | None, after: int, limit: int, zone: str | None) -> None:
    """打印原始事实日志（分页）/ Print the raw log of facts, a page at a time."""
    app = _open(settings)
    tz = ZoneInfo(zone or settings.timezone)
    try:
        page = _family_page(app, family_id, after, limit) if family_id else _log_page(app, after, limit)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    accounts = open_accounts(settings, app.keys) if isinstance(app.keys, KeyStore) else None
    erased = functools.cache(accounts.is_erased_user) if accounts else (lambda user_name: False)
    for position, event in page:
        click.echo(fact_line(position, event, tz, erased))
    if accounts:
        accounts.close()
    if len(page) == limit:
        more = f"peiban events {f'--family {family_id} ' if family_id else ''}--after {page[-1][0]}"
        click.echo(f"… 下一页 / next page: {more}")
    elif not page:
        click.echo("没有更多事实 / no more facts")
    app.close()


def _log_page(app: Peiban, after: int, limit: int) -> list[tuple[int, PeibanAggregate.Event | Shredded]]:
    notifications = app.recorder.select_notifications(after, limit, inclusive_of_start=False)
    page = []
    for notification in notifications:
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, PeibanAggregate.Event | Shredded)
        page.append((notification.id, event))
    return page


def _family_page(app: Peiban, family_id: UUID, after: int, limit: int) -> list[tuple[int, PeibanAggregate.Event]]:
    return [(e.originator_version, e) for e in app.family_facts(family_id, after=after, limit=limit)]


main.add_command(rebuild)
main.add_command(erase_volunteer_command)
main.add_command(project)
main.add_command(user)
main.add_command(token)
main.add_command(verify_command)
main.add_command(seal)
main.add_command(backup)
main.add_command(restore)
main.add_command(case_file_command)
main.add_command(encrypt_command)
main.add_command(rotate_command)
main.add_command(erase_command)
