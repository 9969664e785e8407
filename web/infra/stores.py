"""Opening the stores from settings: the case log, accounts, the read audit, the seal, and their side stores."""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording

from domain import Peiban, StoreSettings
from domain.accounts import Accounts
from domain.app_base import utc_now
from domain.audit import AuditTrail
from projections.access_log import AccessLogView
from projections.db import ViewDatabase, view_database
from projections.engine import Projection
from projections.keystore import KeyStore
from projections.seal.store import SealStore, seal_database
from web.infra.keys import E, check_readable, open_keys
from web.infra.sessions import SessionStore
from web.settings import Settings
from web.settings.master_key import MasterKeyError
from web.settings.seal_keys import load_key

#: Only the account that runs Peiban may read its data: the log holds compartment facts, the accounts
#: store password hashes and TOTP secrets.
PRIVATE_DIRECTORY, PRIVATE_FILE, PRIVATE_UMASK = 0o700, 0o600, 0o077


def prepare(settings: Settings) -> None:
    """Make the data directory private (0700), and every file created in it from now on (0600).

    SQLite creates a database as 0644 less the umask, and its ``-wal`` and ``-shm`` files with the
    database's own permissions; stores, views, rebuilt views and their journals are all created by
    this process after this call, so the umask set here keeps each of them private. Files left by an
    older version are made private too.
    """
    if settings.store.backend != "sqlite":
        return
    os.umask(PRIVATE_UMASK)
    data_dir = settings.store.data_dir
    data_dir.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    data_dir.chmod(PRIVATE_DIRECTORY)
    for path in data_dir.iterdir():
        if path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o777 != PRIVATE_FILE:
            path.chmod(PRIVATE_FILE)


#: How a process ends when it dies on purpose after saving (``Settings.exit_after_save``).
EXIT_AFTER_SAVE = 75


class ExitsAfterSaving(Peiban):
    """A fault for tests (PEIBAN_TEST_EXIT_AFTER_SAVE=1): the process dies right after it saves a fact,
    before anyone is answered, as a server killed between save and answer would."""

    #: The same log as Peiban's (the library would otherwise name it after this class: other tables in PostgreSQL).
    name = Peiban.name

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        super().save(*objs, **kwargs)
        os._exit(EXIT_AFTER_SAVE)


def open_application(settings: Settings, keys: KeyStore | None = None, *, unencrypted_ok: bool = False) -> Peiban:
    """The Peiban application on the configured store (creating the data directory for SQLite), its facts
    encrypted with the key store's keys (opened here, and closed with the application, if not given)."""
    prepare(settings)
    kind = ExitsAfterSaving if settings.exit_after_save else Peiban
    ring = keys or open_keys(settings)
    app = kind(settings.store.env(Peiban.name), keys=ring)
    return _checked(app, ring, owned=keys is None, unencrypted_ok=unencrypted_ok)


def open_stored_log(settings: Settings) -> Peiban:
    """The log as stored, for the seal (chain, checkpoints, verify): it reads stored bytes only, so it needs no
    master key (an auditor verifies a copy without one) and opens a log whose rows were tampered with."""
    prepare(settings)
    return Peiban(settings.store.env(Peiban.name))


def open_accounts(settings: Settings, keys: KeyStore | None = None, *, unencrypted_ok: bool = False) -> Accounts:
    """The accounts store, each account's facts under the account's own key."""
    prepare(settings)
    ring = keys or open_keys(settings)
    app = Accounts(settings.store.env(Accounts.name), clock=utc_now, keys=ring)
    return _checked(app, ring, owned=keys is None, unencrypted_ok=unencrypted_ok)


def open_audit(settings: Settings, keys: KeyStore | None = None, *, unencrypted_ok: bool = False) -> AuditTrail:
    """The read audit, under the audit store's one key."""
    prepare(settings)
    ring = keys or open_keys(settings)
    app = AuditTrail(settings.store.env(AuditTrail.name), clock=utc_now, keys=ring)
    return _checked(app, ring, owned=keys is None, unencrypted_ok=unencrypted_ok)


def _checked(app: E, keys: KeyStore, *, owned: bool, unencrypted_ok: bool) -> E:
    if owned:
        app.also_close.append(keys.close)
    try:
        check_readable(app, unencrypted_ok=unencrypted_ok)
    except MasterKeyError:
        app.close()
        raise
    return app


def open_sessions(settings: Settings) -> SessionStore:
    prepare(settings)
    return SessionStore(side_database(settings.store, "access"))


def access_log(settings: Settings, audit: AuditTrail) -> Projection:
    """Who read what: the audit trail folded into its own view."""
    return Projection(audit, AccessLogView(), view_database(settings.store, "access_log"))


def open_seal(settings: Settings, app: Peiban) -> SealStore:
    """The seal over ``app``'s log, signing with the configured key (if ``peiban init`` made one)."""
    prepare(settings)
    key = load_key(settings.seal_key_path())
    db = seal_database(settings.store)
    return SealStore(app, db, key=key, clock=utc_now, checkpoint_every=settings.seal_checkpoint_every)


def side_database(settings: StoreSettings, name: str) -> ViewDatabase:
    """A database of the web's own tables (sessions, sign-in limits, kept API answers): the views' SQL dialect
    in a file or schema of its own, but not a view of the log: nothing rebuilds it, and rebuilding views never
    touches it."""
    return view_database(settings, name)
