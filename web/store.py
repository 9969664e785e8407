"""Opening the stores from settings: the case log, accounts, the read audit, the seal, and their side stores."""

from __future__ import annotations

from domain import Peiban
from domain.accounts import Accounts
from domain.app_base import utc_now
from domain.audit import AuditTrail
from projections.access_log import AccessLogView
from projections.db import view_database
from projections.engine import Projection
from projections.seal.store import SealStore, seal_database
from web.access.sessions import SessionStore
from web.config import Settings
from web.seal_keys import load_key


def _prepare(settings: Settings) -> None:
    if settings.store.backend == "sqlite":
        settings.store.data_dir.mkdir(parents=True, exist_ok=True)


def open_application(settings: Settings) -> Peiban:
    """The Peiban application on the configured store (creating the data directory for SQLite)."""
    _prepare(settings)
    return Peiban(settings.store.env(Peiban.name))


def open_accounts(settings: Settings) -> Accounts:
    _prepare(settings)
    return Accounts(settings.store.env(Accounts.name), clock=utc_now)


def open_audit(settings: Settings) -> AuditTrail:
    _prepare(settings)
    return AuditTrail(settings.store.env(AuditTrail.name), clock=utc_now)


def open_sessions(settings: Settings) -> SessionStore:
    _prepare(settings)
    return SessionStore(view_database(settings.store, "access"))


def access_log(settings: Settings, audit: AuditTrail) -> Projection:
    """Who read what: the audit trail folded into its own view."""
    return Projection(audit, AccessLogView(), view_database(settings.store, "access_log"))


def open_seal(settings: Settings, app: Peiban) -> SealStore:
    """The seal over ``app``'s log, signing with the configured key (if ``peiban init`` made one)."""
    _prepare(settings)
    key = load_key(settings.seal_key_path())
    db = seal_database(settings.store)
    return SealStore(app, db, key=key, clock=utc_now, checkpoint_every=settings.seal_checkpoint_every)
