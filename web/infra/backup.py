"""`peiban backup`: a consistent copy of every SQLite store, taken while Peiban serves, with a manifest.

Each database is copied with SQLite's online backup API in one step: the copy is one consistent
snapshot of that file, and writers in other processes go on meanwhile (the store is in WAL mode).
Across files the order keeps the copy usable: whatever is derived from a log (views, the seal, the
idempotency and session stores) is copied before the log it follows, so that no copied view or seal
reaches a position the copied log does not have; the event store comes after them, and the key store
last, so that every copied fact's family key is in the copied key store.

Secrets are kept apart: the key store and the seal's signing key go into a backup only when asked
(``--with-keys``); the master key never does (only ``*.sqlite3`` files and the seal key are copied).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from domain import Peiban

MANIFEST = "manifest.json"
FORMAT = "peiban-backup/1"
#: The key store (families' keys, wrapped by the master key): a part of its own, present or not.
KEY_STORE = "keys.sqlite3"
#: Copy order: derived stores first, then the logs they follow, the event store, and the key store last.
ORDER = {"view": 0, "seal": 1, "accounts": 2, "audit": 2, "events": 3, "keys": 4, "seal_key": 5}

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup that cannot be taken, or a backup that cannot be restored (the message says why)."""


@dataclass(frozen=True)
class Part:
    """One file of a backup: its name, what it holds, its size and its SHA-256."""

    name: str
    part: str
    bytes: int = 0
    sha256: str = ""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds and where the log and its seal stood when it was taken."""

    created_at: str
    peiban_version: str
    log_position: int
    sealed_position: int
    seal_head: str
    seal_public_key: str | None
    keys_included: bool
    files: list[Part] = field(default_factory=list)
    format: str = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"


def part_of(name: str) -> str:
    """What a store file holds, by its name."""
    if name == KEY_STORE:
        return "keys"
    stem = name.removesuffix(".sqlite3")
    known = {Peiban.name: "events", "peiban_accounts": "accounts", "peiban_audit": "audit", "seal": "seal"}
    return known.get(stem, "view")


def stores(data_dir: Path, *, with_keys: bool) -> list[Part]:
    """The store files to copy, in copy order: every ``*.sqlite3`` but a rebuild's leftovers (and the key
    store only ``with_keys``)."""
    found = [
        Part(path.name, part_of(path.name))
        for path in data_dir.glob("*.sqlite3")
        if path.is_file() and ".rebuild-" not in path.name
    ]
    chosen = [p for p in found if with_keys or p.part != "keys"]
    return sorted(chosen, key=lambda p: (ORDER[p.part], p.name))


def private_file(path: Path) -> None:
    """Create ``path`` empty, readable by its owner only; refuse to overwrite anything."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, as one self-contained file (no ``-wal`` beside it)."""
    private_file(target)
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)  # one step: one read snapshot; writers elsewhere are not held up (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        live.close()


def digest(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    sha = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def described(path: Path, part: str) -> Part:
    return Part(path.name, part, path.stat().st_size, digest(path))


def log_position(events: Path) -> int:
    """The last position of a copied event store (eventsourcing's notification id is the table's rowid)."""
    with sqlite3.connect(events) as conn:
        row = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    conn.close()
    return int(row[0] or 0)


def seal_head(seal: Path) -> tuple[int, str]:
    """The last sealed position and the chain's head there in a copied seal store (0, "" when none)."""
    with sqlite3.connect(seal) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = conn.execute("SELECT position, head FROM chain ORDER BY position DESC LIMIT 1").fetchone()
        found = (0, "") if "chain" not in tables or row is None else (int(row[0]), str(row[1]))
    conn.close()
    return found


def empty_directory(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


@dataclass(frozen=True)
class BackupPlan:
    """What to copy from where: the data directory, the seal key file, and whether keys go in."""

    data_dir: Path
    seal_key: Path
    with_keys: bool
    seal_public_key: str | None
    now: Callable[[], datetime]


def take_backup(plan: BackupPlan, dest: Path, progress: Progress | None = None) -> Manifest:
    """Copy every store into the new directory ``dest`` (0700, files 0600) and write its manifest."""
    if not empty_directory(dest):
        raise BackupError(f"备份目录已存在且不是空的 / the backup directory exists and is not empty: {dest}")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    dest.chmod(0o700)
    chosen = stores(plan.data_dir, with_keys=plan.with_keys)
    if not any(p.part == "events" for p in chosen):
        raise BackupError(f"这里没有事件存储 / no event store in {plan.data_dir}")
    total = sum((plan.data_dir / p.name).stat().st_size for p in chosen)
    done, files = 0, []
    for store in chosen:
        source = plan.data_dir / store.name
        copy_database(source, dest / store.name)
        files.append(described(dest / store.name, store.part))
        done += source.stat().st_size
        if progress is not None:
            progress(done // 1024, max(total // 1024, done // 1024))
    if plan.with_keys and plan.seal_key.is_file():
        target = dest / plan.seal_key.name
        private_file(target)
        target.write_bytes(plan.seal_key.read_bytes())
        files.append(described(target, "seal_key"))
    sealed, head = seal_head(dest / "seal.sqlite3") if (dest / "seal.sqlite3").exists() else (0, "")
    manifest = Manifest(
        created_at=plan.now().isoformat(),
        peiban_version=version("peiban"),
        log_position=log_position(dest / f"{Peiban.name}.sqlite3"),
        sealed_position=sealed,
        seal_head=head,
        seal_public_key=plan.seal_public_key,
        keys_included=plan.with_keys,
        files=files,
    )
    private_file(dest / MANIFEST)
    (dest / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> Manifest:
    """A backup's manifest, checked for shape (a missing or foreign one is a clear error)."""
    try:
        found: Any = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        if found.get("format") != FORMAT:
            raise BackupError(f"不认识的备份格式 / not a Peiban backup: format {found.get('format')!r}")
        files = [Part(str(f["name"]), str(f["part"]), int(f["bytes"]), str(f["sha256"])) for f in found["files"]]
        return Manifest(**{**found, "files": files})
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"备份清单无法读取 / cannot read the backup's manifest in {source}: {error}") from error
