"""After an erasure, the SQLite files made to forget: freed pages and WAL frames still hold old bytes.

A view's deleted rows stay in its freed pages, and every change passes through the ``-wal`` file,
until SQLite reuses them. So, after the views have folded ``Family.Erased``: the views and the key
store are rebuilt page by page (``VACUUM``), and every store's WAL is written back and emptied
(``wal_checkpoint(TRUNCATE)``). The event stores are never vacuumed: the log's positions are rowids,
which a VACUUM may renumber; they hold only ciphertext anyway.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from domain import Actor, Peiban
from domain.aggregate import CommandId
from projections.read_models import ReadModels
from web.infra.backup import KEY_STORE, part_of
from web.infra.idempotency import IdempotencyStore
from web.settings import Settings

#: stores whose rowids are positions (the log, the accounts and audit logs, the seal): never vacuumed
LOGS = frozenset({"events", "accounts", "audit", "seal"})


@dataclass
class Scrubbed:
    """What the scrub did, file by file."""

    vacuumed: list[str] = field(default_factory=list)
    checkpointed: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def scrub(data_dir: Path) -> Scrubbed:
    """Vacuum the views and the key store, empty every store's WAL, and remove rebuilds' leftovers."""
    done = Scrubbed()
    for path in sorted(data_dir.glob("*.sqlite3")):
        if ".rebuild-" in path.name:  # a crashed rebuild's copy of a view: plaintext nobody needs
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            done.removed.append(path.name)
            continue
        _scrub_file(path, vacuum=path.name == KEY_STORE or part_of(path.name) not in LOGS, done=done)
    return done


def _scrub_file(path: Path, *, vacuum: bool, done: Scrubbed) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        if vacuum:
            conn.execute("VACUUM")
            done.vacuumed.append(path.name)
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        (done.busy if busy else done.checkpointed).append(path.name)
    finally:
        conn.close()


def erase_family(
    app: Peiban,
    models: ReadModels,
    answers: IdempotencyStore,
    settings: Settings,
    family_id: UUID,
    *,
    reason: str,
    recorded_by: Actor,
    command_id: CommandId | None = None,
) -> UUID:
    """Erase a family, let every view fold it, forget the API's kept answers about it, and scrub the SQLite files;
    returns the ``Erased`` fact's id."""
    fact = app.erase_family(family_id, reason=reason, recorded_by=recorded_by, command_id=command_id)
    forget(models, answers, settings, family_id)
    return fact


def forget(models: ReadModels, answers: IdempotencyStore, settings: Settings, family_id: UUID) -> Scrubbed | None:
    """After the key is destroyed: every view folds the erasure, kept answers go, and the files are scrubbed."""
    models.catch_up()
    answers.forget_family(family_id)
    return scrub(settings.store.data_dir) if settings.store.backend == "sqlite" else None
