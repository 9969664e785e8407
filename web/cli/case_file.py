"""`peiban case-file`: one family's case file as JSON, exported for a named account and kept in the read audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from domain import DomainError
from domain.accounts import Account
from domain.app_base import utc_now
from domain.audit import ReadKind
from projections.case_file import case_file
from projections.read_models import ReadModels
from web.access.policy import Action, may
from web.case_file import reader_of
from web.cli.seal import close_sealed, open_sealed
from web.cli.types import RECORD_ID
from web.infra.backup import private_file
from web.infra.stores import open_accounts, open_audit
from web.messages import cli_message
from web.settings import Settings

#: Where a read made from the server's command line comes from, in the read audit.
COMMAND_LINE = "cli"


def _account(settings: Settings, user_name: str) -> Account:
    """The account the case file is exported for: it must exist, be enabled and be allowed to export."""
    accounts = open_accounts(settings)
    try:
        account = accounts.get(user_name)
    except DomainError as error:
        raise click.ClickException(f"没有这个账号 / no such account: {user_name}") from error
    finally:
        accounts.close()
    if account.disabled or not may(account.role, Action.EXPORT_CASE_FILE):
        raise click.ClickException(f"这个账号不能导出案卷 / this account may not export case files: {user_name}")
    return account


def _stamp(seal: dict[str, Any]) -> str:
    """The seal's stamp in a line."""
    where = f"日志 log {seal['log_position']}, 封印到 sealed up to {seal['sealed_position']}"
    if seal["state"] == "intact":
        return f"封印完好，已核验到 seal verified intact up to {seal['verified_position']} ({where})"
    if seal["state"] == "broken":
        return f"封印被破坏 seal BROKEN at {seal['broken_at']} ({where})"
    return f"封印尚未核验 seal not verified yet: peiban verify ({where})"


@click.command("case-file")
@click.argument("family_id", type=RECORD_ID)
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--for",
    "user_name",
    required=True,
    help="为哪个账号导出（记入查阅记录）/ the account it is for (in the read audit)",
)
@click.pass_obj
def case_file_command(settings: Settings, family_id: UUID, dest: Path, user_name: str) -> None:
    """导出一个家庭的案卷（JSON），记入查阅记录 / Export one family's case file (JSON); the read is audited."""
    if dest.exists():
        raise click.ClickException(f"文件已存在 / the file exists already: {dest}")
    account = _account(settings, user_name)
    app, seal = open_sealed(settings, decrypted=True)
    models = ReadModels(app, settings.store)
    accounts = open_accounts(settings)
    reader = reader_of(user_name, account.role)
    try:
        models.catch_up()
        found = case_file(app, models, seal, family_id, reader=reader, now=utc_now(), erased=accounts.is_erased_user)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    finally:
        accounts.close()
        models.close()
        close_sealed(app, seal)
    audit = open_audit(settings)  # recorded before the file is written: a read that left the store is on record
    try:
        audit.record_read(
            reader=user_name, role=account.role.value, family_id=family_id, what=ReadKind.EXPORT, address=COMMAND_LINE
        )
    finally:
        audit.close()
    private_file(dest)
    dest.write_text(json.dumps(found, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(
        f"案卷已导出 / case file exported: {dest} — {len(found['timeline']['entries'])} 条记录 entries;"
        f" {_stamp(found['seal'])}; 已记入查阅记录 / recorded in the read audit"
    )
