"""Forms for the promises made to a family during visits: kept, or let go with the reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.facts import PROMISE_KEPT, PROMISE_LET_GO
from projections.briefing import Pending
from web.api.common import clearance, peiban
from web.api.idempotency import command_id
from web.i18n import _, local_date
from web.pages.fact_inputs import fact_inputs
from web.pages.family_actions.common import Action, OnFamily, family_route, when_field
from web.pages.family_actions.records import open_item
from web.pages.forms import actor
from web.schemas.records import PromiseKeptIn, PromiseLetGoIn


def open_promise(here: OnFamily, promise_id: UUID) -> Pending:
    """The open promise (404 for one kept, let go, of a retracted visit, or of a compartment the reader may not see:
    sent again, the form's token answers first)."""
    return open_item([p for p in here.open_items()[1] if p.kind == "promised"], promise_id)


def promise_context(promise: Pending) -> list[tuple[str, str]]:
    return [(_("Promise"), promise.text), (_("Promised on"), local_date(promise.since))]


@family_route("promises/<uuid:promise_id>/kept", "promise_kept")
def promise_kept_form(here: OnFamily, promise_id: UUID) -> Action:
    """Record that a promise made during a visit was kept."""
    promise = open_promise(here, promise_id)
    fields = [*fact_inputs(PROMISE_KEPT), when_field(_("When it was kept"))]

    def record(given: dict[str, Any]) -> Any:
        return peiban().keep_promise(
            here.family_id,
            promise_id=promise_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

    return Action(_("Promise kept"), _("It was kept"), fields, PromiseKeptIn(), record, promise_context(promise))


@family_route("promises/<uuid:promise_id>/let-go", "promise_let_go")
def promise_let_go_form(here: OnFamily, promise_id: UUID) -> Action:
    """Let a promise made during a visit go, saying why: it never just disappears."""
    promise = open_promise(here, promise_id)
    fields = [*fact_inputs(PROMISE_LET_GO), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().let_promise_go(
            here.family_id,
            promise_id=promise_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

    intro = _("The promise leaves the open items; the reason stays in the family's record.")
    return Action(
        _("Let a promise go"), _("Let it go"), fields, PromiseLetGoIn(), record, promise_context(promise), intro
    )
