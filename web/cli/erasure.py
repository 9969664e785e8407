"""`peiban erase FAMILY --reason …`: crypto-shredding a family's record."""

from __future__ import annotations

from uuid import UUID

import click

from domain import Actor, DomainError
from domain.errors import FamilyErased
from projections.read_models import ReadModels
from web.cli.types import ACTOR, RECORD_ID
from web.infra.erasure import Scrubbed, forget
from web.infra.idempotency import IdempotencyStore
from web.infra.stores import open_application, side_database
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
