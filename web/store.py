"""Opening the stores from settings: the case log, accounts, the read audit, and their side stores."""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording

from domain import Peiban
from domain.accounts import Accounts
from domain.app_base import utc_now
from domain.audit import AuditTrail
from projections.access_log import AccessLogView
from projections.db import view_database
from projections.engine import Projection
from web.access.sessions import SessionStore
from web.config import Settings


def _prepare(settings: Settings) -> None:
    if settings.store.backend == "sqlite":
        settings.store.data_dir.mkdir(parents=True, exist_ok=True)


#: How a process ends when it dies on purpose after saving (``Settings.exit_after_save``).
EXIT_AFTER_SAVE = 75


class ExitsAfterSaving(Peiban):
    """A fault for tests (PEIBAN_TEST_EXIT_AFTER_SAVE=1): the process dies right after it saves a fact,
    before anyone is answered, as a server killed between save and answer would."""

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        super().save(*objs, **kwargs)
        os._exit(EXIT_AFTER_SAVE)


def open_application(settings: Settings) -> Peiban:
    """The Peiban application on the configured store (creating the data directory for SQLite)."""
    _prepare(settings)
    kind = ExitsAfterSaving if settings.exit_after_save else Peiban
    return kind(settings.store.env(Peiban.name))


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
