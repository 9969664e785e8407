"""`peiban erase FAMILY --reason …` and `peiban erase-volunteer VOLUNTEER --reason …`: crypto-shredding a family's
record, or a volunteer's personal data."""

from __future__ import annotations

from uuid import UUID

import click

from domain import Actor, DomainError
from domain.errors import FamilyErased, VolunteerErased
from projections.read_models import ReadModels
from web.cli.types import ACTOR, RECORD_ID
from web.infra.erasure import Scrubbed, forget
from web.infra.idempotency import IdempotencyStore
from web.infra.keys import open_keys
from web.infra.stores import access_log, open_accounts, open_application, open_audit, open_sessions, side_database
from web.infra.volunteer_erasure import Stores, erase_volunteer, finish
from web.messages import cli_message
from web.settings import Settings


@click.command("erase")
@click.argument("family_id", type=RECORD_ID)
@click.option("--reason", required=True, help="删除原因（不写个人信息）/ why (no personal data)")
@click.option("--by", "recorded_by", type=ACTOR, default="cli", show_default=True, help="谁删除 / who erases")
@click.pass_obj
def erase_command(settings: Settings, family_id: UUID, reason: str, recorded_by: Actor) -> None:
    """删除一个家庭的记录（销毁其密钥）/ Erase a family's record for good by destroying its key."""
    app = open_application(settings)
    models = ReadModels(app, settings.store)
    answers = IdempotencyStore(side_database(settings.store, "api_requests"))
    try:
        try:
            app.erase_family(family_id, reason=reason, recorded_by=recorded_by)
            click.echo(f"已删除家庭 {family_id} 的记录并销毁其密钥 / erased family {family_id}: its key is destroyed")
        except FamilyErased as erased:  # erased before: scrub again (the last time, a file may have been busy)
            click.echo(cli_message(erased))
        done = forget(models, answers, settings, family_id)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    finally:
        answers.db.close()
        models.close()
        app.close()
    if done is not None:
        _report(done)


@click.command("erase-volunteer")
@click.argument("volunteer_id", type=RECORD_ID)
@click.option("--reason", required=True, help="删除原因（不写个人信息）/ why (no personal data)")
@click.option("--by", "recorded_by", type=ACTOR, default="cli", show_default=True, help="谁删除 / who erases")
@click.pass_obj
def erase_volunteer_command(settings: Settings, volunteer_id: UUID, reason: str, recorded_by: Actor) -> None:
    """删除一名已离开义工的个人资料（销毁其密钥和账号）/ Erase a departed volunteer's personal data and accounts."""
    keys = open_keys(settings)
    app = open_application(settings, keys)
    accounts, audit = open_accounts(settings, keys), open_audit(settings, keys)
    stores = Stores(
        app,
        ReadModels(app, settings.store),
        accounts,
        audit,
        access_log(settings, audit),
        open_sessions(settings),
        IdempotencyStore(side_database(settings.store, "api_requests")),
        settings,
    )
    try:
        vid = volunteer_id
        done: Scrubbed | None = None
        try:
            erase_volunteer(stores, vid, reason=reason, recorded_by=recorded_by)
            click.echo(f"已删除义工 {vid} 的个人资料并销毁其密钥 / erased volunteer {vid}: their key is destroyed")
        except VolunteerErased as erased:  # erased before: finish what a crash left, and scrub again
            click.echo(cli_message(erased))
        done = finish(stores, vid)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    finally:
        for db in (stores.answers.db, stores.sessions.db, stores.access_log.db):
            db.close()
        stores.models.close()
        for closing in (audit, accounts, app):
            closing.close()
        keys.close()
    if done is not None:
        _report(done)


def _report(done: Scrubbed) -> None:
    click.echo(
        f"已清理 / scrubbed: VACUUM {', '.join(done.vacuumed)}; WAL 清空 / WAL emptied {len(done.checkpointed)}"
        + (f"; 已删除重建残留 / rebuild leftovers removed: {', '.join(done.removed)}" if done.removed else "")
    )
    if done.busy:
        click.echo(
            "警告：以下文件正被其他进程使用，WAL 未能清空；请停止服务后再运行一次 / warning: in use by another"
            f" process, their WAL was not emptied; stop the server and erase again: {', '.join(done.busy)}",
            err=True,
        )
