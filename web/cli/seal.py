"""`peiban verify` and `peiban seal …`: check the log against its seal, and hand checkpoints to auditors."""

from __future__ import annotations

import json
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain import Peiban
from domain.app_base import utc_now
from projections.seal.checkpoints import CheckpointFileError, load_public_pem, public_pem, read_document
from projections.seal.store import SealStore
from projections.seal.verdict import Verdict
from projections.seal.verify import SignedBy, verify
from web.infra.stores import open_application, open_seal, open_stored_log
from web.progress import Progress
from web.settings import Settings
from web.settings.seal_keys import SealKeyError


def open_sealed(settings: Settings, *, decrypted: bool = False) -> tuple[Peiban, SealStore]:
    """The application and its seal (a clear error for an unusable seal key): the log as stored, which the seal
    reads without any key, or ``decrypted`` (with the master key) for whoever reads the facts themselves."""
    app = open_application(settings) if decrypted else open_stored_log(settings)
    try:
        return app, open_seal(settings, app)
    except SealKeyError as error:
        app.close()
        raise click.ClickException(str(error)) from error


def close_sealed(app: Peiban, seal: SealStore) -> None:
    """Close what ``open_sealed`` opened."""
    seal.db.close()
    app.close()


def read_public_key(path: Path | None) -> Ed25519PublicKey | None:
    """The seal's public key an auditor kept (PEM), if one is given."""
    try:
        return None if path is None else load_public_pem(path.read_text(encoding="utf-8"))
    except (CheckpointFileError, OSError) as error:
        raise click.ClickException(f"公钥无法读取 / cannot read the public key: {error}") from error


def _checks(seal: SealStore, checkpoint: Path | None, given: Ed25519PublicKey | None) -> list[SignedBy]:
    """The stored checkpoints (checked with the given key, else the server's) and those of the auditor's file."""
    server = given or (seal.key.public_key() if seal.key is not None else None)
    checks = [SignedBy(seal.checkpoints(), server, "服务器 server")]
    try:
        if checkpoint is not None:
            embedded, kept = read_document(checkpoint.read_text(encoding="utf-8"))
            checks.append(SignedBy(kept, given or embedded, "审计方 auditor's"))
    except (CheckpointFileError, OSError) as error:
        raise click.ClickException(f"检查点文件无法读取 / cannot read the checkpoint file: {error}") from error
    if server is None:
        click.echo(
            "注意：没有公钥，服务器检查点只比对哈希 / note: no public key, server checkpoints compared by hash only"
        )
    return checks


def _report(verdict: Verdict) -> None:
    if verdict.intact:
        click.echo(
            f"封印完好 / seal intact: 日志 log {verdict.log_position}, "
            f"已核验到 verified up to {verdict.verified_position}, {verdict.checkpoints} 个检查点 checkpoints"
        )
        if verdict.unsealed:
            click.echo(f"尚未封存 / not yet sealed: {verdict.unsealed} 条事实 facts (peiban seal checkpoint)")
        return
    click.echo(f"封印被破坏 / SEAL BROKEN at position {verdict.broken_at}: {verdict.reason}", err=True)
    click.echo(f"完好至 / intact up to position {verdict.verified_position}", err=True)


@click.command("verify")
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="审计方保存的检查点文件 / a checkpoint file an auditor kept (peiban seal export)",
)
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="封印公钥（PEM）/ the seal's public key (PEM), if not the one in the file",
)
@click.pass_obj
def verify_command(settings: Settings, checkpoint: Path | None, public_key: Path | None) -> None:
    """重算哈希链并与封印和检查点比对 / Recompute the log's hash chain; compare with the seal and checkpoints."""
    verdict = check_seal(settings, checkpoint, read_public_key(public_key))
    if not verdict.intact:
        raise SystemExit(1)


def check_seal(settings: Settings, checkpoint: Path | None = None, given: Ed25519PublicKey | None = None) -> Verdict:
    """Verify the log against its seal (and a kept checkpoint file), record the verdict, and report it."""
    app, seal = open_sealed(settings)
    try:
        checks = _checks(seal, checkpoint, given)
        with Progress("核验封印 / Verifying the seal") as progress:
            verdict = verify(app, seal, checks, now=utc_now(), progress=progress)
        seal.record(verdict)
    finally:
        close_sealed(app, seal)
    _report(verdict)
    return verdict


@click.group()
def seal() -> None:
    """封印：哈希链与签名检查点 / The seal: hash chain and signed checkpoints."""


@seal.command("checkpoint")
@click.pass_obj
def checkpoint_command(settings: Settings) -> None:
    """封存新事实并签署检查点 / Seal every new fact and sign a checkpoint at the head."""
    app, store = open_sealed(settings)
    try:
        if store.key is None:
            raise click.ClickException("没有封印密钥，请先运行 peiban init / no seal key: run `peiban init` first")
        with Progress("封存 / Sealing") as progress:
            store.catch_up(progress)
        signed = store.checkpoint()
    finally:
        close_sealed(app, store)
    if signed is None:
        click.echo("日志为空，无需签署 / the log is empty: nothing to sign")
    else:
        click.echo(f"检查点 / checkpoint: position {signed.position}, head {signed.head}, {signed.signed_at}")


@seal.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.pass_obj
def export_command(settings: Settings, file: Path) -> None:
    """导出签名检查点和公钥，供审计方离线保存 / Export the signed checkpoints and public key for auditors to keep."""
    app, store = open_sealed(settings)
    try:
        if store.key is None:
            raise click.ClickException("没有封印密钥，请先运行 peiban init / no seal key: run `peiban init` first")
        exported = store.export()
    finally:
        close_sealed(app, store)
    file.write_text(json.dumps(exported, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"已导出 {len(exported['checkpoints'])} 个检查点 / exported checkpoints to {file}")


@seal.command("public-key")
@click.pass_obj
def public_key_command(settings: Settings) -> None:
    """打印封印公钥（PEM）/ Print the seal's public key (PEM)."""
    app, store = open_sealed(settings)
    close_sealed(app, store)
    if store.key is None:
        raise click.ClickException("没有封印密钥，请先运行 peiban init / no seal key: run `peiban init` first")
    click.echo(public_pem(store.key.public_key()), nl=False)
