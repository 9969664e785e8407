"""`peiban encrypt`: migrate a store written before encryption, with progress, keeping its seal verifiable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from domain import Peiban
from domain.app_base import utc_now
from domain.encryption import EncryptedApplication, EncryptingMapper
from projections.keystore import KeyStore
from projections.seal import rebase
from projections.seal.store import SealStore
from projections.seal.verify import SignedBy, verify
from web.infra.encrypt import encrypt_store, unencrypted_rows
from web.infra.keys import open_keys
from web.infra.stores import open_accounts, open_application, open_audit, open_seal
from web.progress import Progress
from web.settings import Settings
from web.settings.master_key import create_master_key, read_master_key

REASON = "peiban encrypt: 存储加密迁移 / the store was encrypted in place"


@click.command("encrypt")
@click.pass_obj
def encrypt_command(settings: Settings) -> None:
    """加密尚未加密的存储（请先停止服务）/ Encrypt a store written before encryption (stop the server first)."""
    keys = open_keys(settings)
    try:
        _encrypt_log(settings, keys)
        for opener in (open_accounts, open_audit):
            app = opener(settings, keys, unencrypted_ok=True)
            try:
                _encrypt(app)
            finally:
                app.close()
    finally:
        keys.close()
    click.echo(f"主密钥 / master key: {'PEIBAN_MASTER_KEY' if settings.master_key else settings.master_key_path()}")


def _encrypt(app: EncryptedApplication) -> int:
    with Progress(f"加密 / Encrypting {app.name}") as progress:
        done = encrypt_store(app, progress)
    click.echo(f"{app.name}: 已加密 {done} 条 / {done} rows encrypted")
    return done


def _encrypt_log(settings: Settings, keys: KeyStore) -> None:
    """The case log, its seal verified before, checked against the decrypted log after, and re-based."""
    app = open_application(settings, keys, unencrypted_ok=True)
    seal = open_seal(settings, app)
    try:
        begun = rebase.pending(seal)
        if begun is None and unencrypted_rows(app) and seal.sealed_position() > 0:
            _verified(app, seal)
            begun = rebase.begin(seal, REASON, utc_now())
            click.echo(f"加密前检查点 / checkpoint before: position {begun[0]}, head {begun[1]}")
        _encrypt(app)
        if begun is not None:
            mapper = app.mapper
            assert isinstance(mapper, EncryptingMapper)
            with Progress("重新封存 / Re-sealing") as progress:
                done = rebase.finish(seal, mapper.decrypt, utc_now(), progress)
            click.echo(
                f"封印已重定基准 / seal re-based at position {done.position}: {done.old_head} → {done.new_head}"
                " （解密后与加密前一致 / the decrypted log matches the log sealed before）"
            )
    except rebase.RebaseRefused as error:
        raise click.ClickException(str(error)) from error
    finally:
        seal.db.close()
        app.close()


def _verified(app: Peiban, seal: SealStore) -> None:
    """Refuse to encrypt a log whose seal is already broken: re-basing would hide the break."""
    seal.catch_up()
    server = seal.key.public_key() if seal.key is not None else None
    with Progress("核验封印 / Verifying the seal") as progress:
        verdict = verify(
            app, seal, [SignedBy(seal.checkpoints(), server, "服务器 server")], now=utc_now(), progress=progress
        )
    if not verdict.intact:
        raise click.ClickException(
            f"封印在位置 {verdict.broken_at} 已被破坏，不加密 / the seal is broken at position {verdict.broken_at},"
            f" nothing encrypted: {verdict.reason}"
        )


@click.command("rotate-master-key")
@click.argument("new_key_file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def rotate_command(settings: Settings, new_key_file: Path) -> None:
    """换主密钥：用新主密钥重新包装每把数据密钥 / Rotate the master key: re-wrap every data key under a new one."""
    keys = open_keys(settings)  # the current master key, checked
    try:
        made = create_master_key(new_key_file)
        new = read_master_key(replace(settings, master_key="", master_key_file=new_key_file))
        assert new is not None
        count = keys.rewrap(new)
    finally:
        keys.close()
    click.echo(
        f"已用{'新建的' if made else ''}主密钥 {new_key_file} 重新包装 {count} 把数据密钥 /"
        f" {count} data keys re-wrapped under {new_key_file}{' (created, 0600)' if made else ''}"
    )
    click.echo(
        f"从现在起请用 PEIBAN_MASTER_KEY_FILE={new_key_file} 启动，并销毁旧主密钥的每一份副本 / from now on start"
        f" with PEIBAN_MASTER_KEY_FILE={new_key_file}, and destroy every copy of the old master key"
    )
