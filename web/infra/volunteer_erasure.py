"""Erasing a volunteer's personal data: their key, and their accounts' keys, destroyed.

A volunteer is erased only once they have left and are on no family any more (no assignment, no open
handover): a family must always know who is with it. The ``Volunteer.Erased`` fact keeps their cohort, when
they served and which accounts were theirs (ids), nothing that names or reaches them; then their key is
destroyed, then their accounts' (user name, display name, password hash, tokens, one-time-code secret), their
sessions end, the read audit learns to show their reads without their user name, every view folds it, and
the SQLite files are scrubbed. Run again for an erased volunteer, it finishes whatever a crash left undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain import Peiban
from domain.accounts import Accounts
from domain.actor import Actor
from domain.aggregate import CommandId
from domain.audit import AuditTrail
from domain.checks import Checks
from domain.errors import VolunteerNotFound, VolunteerStillAccompanies
from domain.family import Family
from domain.volunteer import Volunteer
from projections.engine import Projection
from projections.read_models import ReadModels
from web.infra.erasure import Scrubbed, forget, scrub
from web.infra.idempotency import IdempotencyStore
from web.infra.sessions import SessionStore
from web.settings import Settings


@dataclass(frozen=True)
class Stores:
    """Every store an erasure of a volunteer touches, open in this process."""

    app: Peiban
    models: ReadModels
    accounts: Accounts
    audit: AuditTrail
    access_log: Projection
    sessions: SessionStore
    answers: IdempotencyStore
    settings: Settings


def erase_volunteer(
    stores: Stores, volunteer_id: UUID, *, reason: str, recorded_by: Actor, command_id: CommandId | None = None
) -> UUID:
    """Erase a departed volunteer who is on no family; returns the ``Erased`` fact's id. Refused (nothing
    recorded, nothing destroyed) while they still hold an assignment or an open handover."""
    checks = Checks()  # a field error first, before the rules
    checks.text("reason", reason)
    checks.done()
    stores.app.get_volunteer(volunteer_id).check_erasable()  # exists, not erased yet (else 404, 410), has left
    stores.models.catch_up()
    still = stores.models.families_of(volunteer_id)
    if still:
        raise VolunteerStillAccompanies(families=", ".join(sorted(still)))
    fact = stores.app.erase_volunteer(
        volunteer_id,
        reason=reason,
        account_ids=stores.accounts.accounts_of(volunteer_id),
        recorded_by=recorded_by,
        command_id=command_id,
    )
    finish(stores, volunteer_id)
    return fact


def finish(stores: Stores, volunteer_id: UUID) -> Scrubbed | None:
    """After the volunteer's key is destroyed: their accounts' keys and sessions go, the read audit and every view
    fold it, kept API answers about them go, and the files are scrubbed. Safe to run again."""
    erased = stores.app.erased_volunteer(volunteer_id)
    if erased is None:
        raise VolunteerNotFound()  # nothing was erased under this id
    for account in erased.account_ids:
        stores.accounts.erase(account, reason=erased.reason)
        stores.sessions.close_all(str(account))
    if erased.account_ids:
        stores.audit.record_readers_erased(erased.account_ids)
    stores.models.catch_up()
    stores.access_log.catch_up()
    stores.answers.forget_family(volunteer_id)
    settings = stores.settings
    return scrub(settings.store.data_dir) if settings.store.backend == "sqlite" else None


def finish_interrupted(stores: Stores, *, page: int = 1000) -> list[UUID]:
    """Erasures a crash left half done — the ``Erased`` fact stored, the key still standing, so the record
    reads as erased everywhere while its key (and a volunteer's accounts) still work — finished now, as a retry
    would finish them. Run when the app starts; returns the records finished."""
    app = stores.app
    if app.keys is None:
        return []
    finished: list[UUID] = []
    topics = (Family.Erased.TOPIC, Volunteer.Erased.TOPIC)
    start = 0
    while found := app.recorder.select_notifications(start, page, topics=topics, inclusive_of_start=False):
        for notification in found:
            record = UUID(str(notification.originator_id))
            if record in finished or app.keys.erasure(record) is not None:
                continue
            fact = app.mapper.to_domain_event(notification)
            assert isinstance(fact, Family.Erased | Volunteer.Erased)  # the topics asked for
            by = Actor(fact.recorded_by)
            if isinstance(fact, Volunteer.Erased):
                app.erase_volunteer(record, reason=fact.reason, account_ids=list(fact.account_ids), recorded_by=by)
                finish(stores, record)
            else:
                app.erase_family(record, reason=fact.reason, recorded_by=by)
                forget(stores.models, stores.answers, stores.settings, record)
            finished.append(record)
        start = found[-1].id
    return finished
