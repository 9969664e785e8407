"""`peiban restore`: a backup back into an empty data directory, every file checked against its manifest first."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from web.infra.backup import BackupError, Manifest, Part, Progress, digest, empty_directory, private_file, read_manifest

#: A file name a manifest may name: no folders, nothing hidden (a tampered manifest must not write elsewhere).
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}")


def checked(source: Path, file: Part) -> Path:
    """The backup's copy of ``file``, if its name is plain and its size and SHA-256 are the manifest's."""
    if not PLAIN_NAME.fullmatch(file.name):
        raise BackupError(f"备份清单里的文件名不可用 / the manifest names an unusable file: {file.name!r}")
    path = source / file.name
    if not path.is_file():
        raise BackupError(f"备份缺少文件 / the backup lacks a file: {file.name}")
    if path.stat().st_size != file.bytes or digest(path) != file.sha256:
        raise BackupError(
            f"文件与备份清单不符（已损坏或被改动）/ {file.name} does not match the manifest (damaged or altered)"
        )
    return path


def restore_backup(source: Path, data_dir: Path, progress: Progress | None = None) -> Manifest:
    """Copy a backup into ``data_dir``, which must be empty or absent; nothing is written unless every file
    matches the manifest."""
    if not empty_directory(data_dir):
        raise BackupError(
            f"数据目录不是空的，恢复只写入空目录 / the data directory is not empty; restore writes only into an"
            f" empty one: {data_dir}"
        )
    manifest = read_manifest(source)
    if not any(f.part == "events" for f in manifest.files):
        raise BackupError("备份里没有事件存储 / the backup holds no event store")
    paths = [checked(source, file) for file in manifest.files]
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    total, done = sum(f.bytes for f in manifest.files), 0
    for path, file in zip(paths, manifest.files, strict=True):
        target = data_dir / file.name
        private_file(target)
        with path.open("rb") as reading, target.open("wb") as writing:
            shutil.copyfileobj(reading, writing)
        done += file.bytes
        if progress is not None:
            progress(done // 1024, max(total // 1024, done // 1024))
    return manifest
