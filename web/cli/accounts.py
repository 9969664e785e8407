"""`peiban user …` and `peiban token …`, and the first coordinator and demo accounts."""

from __future__ import annotations

import sys
from uuid import UUID

import click

from domain import Actor, DomainError
from domain.accounts import AccountRole, Accounts
from projections.read_models import ReadModels
from web.access.passwords import check_new_password, hash_password
from web.access.tokens import new_token
from web.cli.types import RECORD_ID
from web.infra.stores import open_accounts, open_application, open_sessions
from web.messages import cli_message
from web.settings import Settings

CLI = Actor("cli")
ROLES = [role.value for role in AccountRole]

#: Demo accounts: user name, display name, role, password (printed by `serve --demo`).
DEMO_ACCOUNTS = (
    ("coordinator", "示例协调员", AccountRole.COORDINATOR, "peiban-demo-coordinator"),
    ("socialworker", "示例社工", AccountRole.SOCIAL_WORKER, "peiban-demo-socialworker"),
    ("auditor", "示例评估员", AccountRole.AUDITOR, "peiban-demo-auditor"),
    ("volunteer", "示例义工", AccountRole.VOLUNTEER, "peiban-demo-volunteer"),
)


def _password(password_stdin: bool, user_name: str) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    try:
        check_new_password(password, user_name)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    return password


def create_account(
    accounts: Accounts, user_name: str, display_name: str, role: AccountRole, password: str, volunteer: UUID | None
) -> None:
    try:
        accounts.open_account(
            user_name=user_name,
            display_name=display_name,
            role=role,
            password_hash=hash_password(password),
            volunteer_id=volunteer,
            recorded_by=CLI,
        )
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error


def first_coordinator(settings: Settings, user_name: str | None, password_stdin: bool) -> None:
    """`peiban init`: create the first coordinator unless there already is an account."""
    accounts = open_accounts(settings)
    if accounts.recorder.max_notification_id():
        click.echo("已有账号，未创建新的协调员 / accounts exist already; no coordinator created")
        return
    if user_name is None and not sys.stdin.isatty() and not password_stdin:
        click.echo("未创建账号：请用 --coordinator 名称 --password-stdin / no account created: use --coordinator")
        return
    name = user_name or click.prompt("第一位协调员的用户名 / first coordinator's user name")
    create_account(accounts, name, name, AccountRole.COORDINATOR, _password(password_stdin, name), None)
    click.echo(f"已创建协调员 / coordinator created: {name}")


def demo_accounts(settings: Settings) -> list[tuple[str, str, str]]:
    """Accounts for each role on the demo store (the volunteer is one being handed a family)."""
    accounts = open_accounts(settings)
    app = open_application(settings)
    models = ReadModels(app, settings.store)
    with models["continuity"].reading() as tx:
        row = tx.one(
            "SELECT incoming_id FROM continuity_handover WHERE state = 'planned' ORDER BY opened_at"
        ) or tx.one("SELECT volunteer_id FROM continuity_assignment WHERE ended_at IS NULL ORDER BY started_at DESC")
    made = []
    for name, shown, role, password in DEMO_ACCOUNTS:
        volunteer = UUID(str(row[0])) if role is AccountRole.VOLUNTEER and row else None
        if role is AccountRole.VOLUNTEER and volunteer is None:
            continue
        try:
            accounts.get(name)
        except DomainError:
            create_account(accounts, name, shown, role, password, volunteer)
        made.append((name, role.value, password))
    models.close()
    app.close()
    return made


@click.group()
def user() -> None:
    """账号管理 / Manage accounts."""


@user.command("add")
@click.argument("user_name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--display-name", help="显示名称 / name shown")
@click.option(
    "--volunteer",
    "volunteer_id",
    type=RECORD_ID,
    help="义工账号关联的义工编号 / the volunteer a volunteer's account is",
)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / read the password from stdin")
@click.pass_obj
def add(
    settings: Settings,
    user_name: str,
    role: str,
    display_name: str | None,
    volunteer_id: UUID | None,
    password_stdin: bool,
) -> None:
    """添加账号 / Add an account."""
    accounts = open_accounts(settings)
    create_account(
        accounts,
        user_name,
        display_name or user_name,
        AccountRole(role),
        _password(password_stdin, user_name),
        volunteer_id,
    )
    click.echo(f"已添加 / added: {user_name} ({role})")


@user.command("disable")
@click.argument("user_name")
@click.option("--reason", required=True)
@click.pass_obj
def disable(settings: Settings, user_name: str, reason: str) -> None:
    """停用账号，立即结束其所有会话 / Disable an account and end its sessions at once."""
    accounts = open_accounts(settings)
    try:
        accounts.disable(user_name, reason=reason, recorded_by=CLI)
        open_sessions(settings).close_all(str(accounts.get(user_name).id))
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    click.echo(f"已停用 / disabled: {user_name}")


@user.command("reset-password")
@click.argument("user_name")
@click.option("--password-stdin", is_flag=True)
@click.pass_obj
def reset_password(settings: Settings, user_name: str, password_stdin: bool) -> None:
    """重设密码，并结束其所有会话 / Reset a password and end the account's sessions."""
    accounts = open_accounts(settings)
    try:
        account = accounts.get(user_name)
        accounts.set_password(
            user_name, password_hash=hash_password(_password(password_stdin, user_name)), recorded_by=CLI
        )
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    open_sessions(settings).close_all(str(account.id))
    click.echo(f"密码已重设 / password reset: {user_name}")


@user.command("second-factor")
@click.argument("user_name")
@click.option("--off", is_flag=True, help="关闭两步验证 / remove the second factor")
@click.pass_obj
def second_factor(settings: Settings, user_name: str, off: bool) -> None:
    """为协调员或评估员开启两步验证（TOTP）/ Turn on a TOTP second factor (coordinators, auditors)."""
    import pyotp

    secret = "" if off else pyotp.random_base32()
    try:
        open_accounts(settings).set_second_factor(user_name, totp_secret=secret, recorded_by=CLI)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    if off:
        click.echo(f"已关闭两步验证 / second factor removed: {user_name}")
        return
    click.echo("请在验证器应用中添加 / add this to an authenticator app:")
    click.echo(pyotp.TOTP(secret).provisioning_uri(name=user_name, issuer_name="Peiban"))


@user.command("list")
@click.pass_obj
def list_users(settings: Settings) -> None:
    """列出账号 / List accounts."""
    for account in open_accounts(settings).all_accounts():
        state = "停用 disabled" if account.disabled else "在用 active"
        click.echo(f"{account.user_name:<20} {account.role.value:<14} {state}  {account.display_name}")


@click.group()
def token() -> None:
    """API 令牌 / API tokens."""


@token.command("create")
@click.argument("user_name")
@click.option("--label", default="", help="用途 / what the token is for")
@click.pass_obj
def create_token(settings: Settings, user_name: str, label: str) -> None:
    """为账号创建令牌（只显示这一次）/ Create a token for an account (shown only once)."""
    accounts = open_accounts(settings)
    try:
        account = accounts.get(user_name)
        text, token_id, token_hash = new_token(account)
        accounts.issue_token(user_name, token_id=token_id, token_hash=token_hash, label=label, recorded_by=CLI)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    click.echo(f"令牌编号 / token id: {token_id}")
    click.echo(text)


@token.command("revoke")
@click.argument("user_name")
@click.argument("token_id")
@click.pass_obj
def revoke_token(settings: Settings, user_name: str, token_id: str) -> None:
    """吊销令牌 / Revoke a token."""
    try:
        open_accounts(settings).revoke_token(user_name, token_id=token_id, recorded_by=CLI)
    except DomainError as error:
        raise click.ClickException(cli_message(error)) from error
    click.echo(f"已吊销 / revoked: {token_id}")
