"""`peiban backup` and `peiban restore`: an online copy of every store, and its return into an empty data directory."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.app_base import utc_now
from projections.seal.checkpoints import CheckpointFileError, load_public_pem, public_pem
from web.cli.seal import check_seal, open_sealed, read_public_key
from web.infra.backup import KEY_STORE, BackupError, BackupPlan, Manifest, take_backup
from web.infra.restore import restore_backup
from web.infra.stores import open_stored_log, prepare
from web.progress import Progress
from web.settings import Settings

KEYS_WARNING = (
    "警告：这份备份含有密钥库和封印签名密钥。持有它的人能解密全部记录（包括反家暴与庇护所的记录）并签署封印。"
    "请加密保存，与普通备份分开，主密钥绝不放在一起。\n"
    "WARNING: this backup holds the key store and the seal's signing key. Whoever has it can decrypt every record"
    " (anti-domestic-violence and shelter records among them) and sign the seal. Keep it encrypted, apart from"
    " ordinary backups, and never with the master key."
)


def _sqlite_only(settings: Settings) -> None:
    if settings.store.backend != "sqlite":
        raise click.ClickException(
            "这个命令只用于 SQLite 存储；PostgreSQL 请用 pg_dump / pg_restore（见 README）"
            " / this command is for the SQLite store; for PostgreSQL use pg_dump / pg_restore (see README)"
        )


def _seal_first(settings: Settings) -> str | None:
    """Seal every fact recorded so far (the backup then covers them); the seal's public key, if there is one."""
    app, seal = open_sealed(settings)
    try:
        seal.catch_up()
        return None if seal.key is None else public_pem(seal.key.public_key())
    finally:
        seal.db.close()
        app.close()


def _keys_note(settings: Settings) -> str:
    key_store = settings.store.data_dir / KEY_STORE
    where = f"{key_store}" if key_store.exists() else f"{key_store}（尚无 / none yet）"
    return (
        f"密钥不在这份备份里 / keys are not in this backup: 密钥库 key store {where}; 封印签名密钥 seal signing key"
        f" {settings.seal_key_path()}. 请另行妥善保管；主密钥绝不随备份保存"
        " / keep them safe elsewhere; the master key never goes with backups (--with-keys includes the first two)."
    )


@click.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--with-keys",
    is_flag=True,
    help="同时备份密钥库和封印签名密钥（危险）/ include the key store and the seal signing key (dangerous)",
)
@click.pass_obj
def backup(settings: Settings, dest: Path, with_keys: bool) -> None:
    """在线备份全部存储到新目录，附清单 / Back up every store, while serving, into a new directory with a manifest."""
    _sqlite_only(settings)
    public_key = _seal_first(settings)
    plan = BackupPlan(settings.store.data_dir, settings.seal_key_path(), with_keys, public_key, utc_now)
    try:
        with Progress("备份 / Backing up", unit="KiB") as progress:
            manifest = take_backup(plan, dest, progress)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"备份完成 / backup done: {dest} — {len(manifest.files)} 个文件 files,"
        f" {sum(f.bytes for f in manifest.files):,} 字节 bytes, 日志位置 log position {manifest.log_position},"
        f" 封印到 sealed up to {manifest.sealed_position}"
    )
    click.echo(KEYS_WARNING if with_keys else _keys_note(settings), err=with_keys)


def _given_key(public_key: Path | None, manifest: Manifest) -> tuple[Ed25519PublicKey | None, str]:
    """The key to check the restored seal with: the one the operator kept apart, else the manifest's."""
    if public_key is not None:
        return read_public_key(public_key), f"封印公钥 seal public key {public_key}"
    if manifest.seal_public_key is None:
        return None, "备份时没有封印密钥 / no seal key when backed up"
    try:
        return load_public_pem(manifest.seal_public_key), "备份清单中的公钥 / the public key in the backup's manifest"
    except CheckpointFileError as error:
        raise click.ClickException(f"备份清单中的公钥不可用 / the manifest's public key: {error}") from error


@click.command()
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="另行保管的封印公钥（PEM），用来独立核验 / the seal's public key kept apart (PEM), for an independent check",
)
@click.pass_obj
def restore(settings: Settings, source: Path, public_key: Path | None) -> None:
    """把备份恢复到空的数据目录，并核验封印 / Restore a backup into an empty data directory, then verify the seal."""
    _sqlite_only(settings)
    data_dir = settings.store.data_dir
    try:
        with Progress("恢复 / Restoring", unit="KiB") as progress:
            manifest = restore_backup(source, data_dir, progress)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"文件已核对并恢复 / files checked against the manifest and restored: {len(manifest.files)}")
    given, which = _given_key(public_key, manifest)
    prepare(settings)
    click.echo(f"核验封印，用 / verifying the seal with: {which}")
    verdict = check_seal(settings, None, given)
    app = open_stored_log(settings)
    position = app.log_position()
    app.close()
    click.echo(f"日志位置 / log position: {position}（备份清单 / manifest: {manifest.log_position}）")
    if not verdict.intact or position != manifest.log_position:
        raise SystemExit(1)
    if not manifest.keys_included:
        click.echo(
            f"请把密钥库（{KEY_STORE}）和封印签名密钥放回 {data_dir} 后再启动服务；没有封印密钥时服务会新建一把，"
            "之前的检查点将无法用它核验 / put the key store and the seal signing key back before serving: without"
            " the seal key the server makes a new one, and earlier checkpoints will not verify against it."
        )
