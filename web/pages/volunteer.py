"""One volunteer's page: who they are, the families they accompany now, and their visits this month
and this term. Coordinators, social workers and auditors open any volunteer's; a volunteer only their own.

Coordinators also record here how a volunteer's time ends: the day they will leave (so that their
families' handovers can be planned in time), their departure, and whether they keep in touch with
families as an alumni volunteer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from domain.values import DepartureReason
from projections.directory import VolunteerRow
from projections.directory import volunteer as volunteer_row
from projections.erasure import refuse_erased_volunteer
from projections.read_models import ReadModels
from web.access.guard import Caller, counts_compartments_of, extension
from web.access.policy import Action, may
from web.api.common import peiban
from web.api.erasure import erasure_stores
from web.api.idempotency import command_id
from web.i18n import _
from web.infra.volunteer_erasure import erase_volunteer
from web.pages.family_actions.erasure import CONFIRMED, ErasureForm
from web.pages.forms import Field, actor, form_page, local_now
from web.pages.labels import DEPARTURE_REASONS, choices
from web.schemas.people import AlumniContactIn, DepartureAnnouncedIn, DepartureIn

bp = Blueprint("volunteer_page", __name__)


def found(volunteer_id: Any, *, unfinished: bool = False) -> VolunteerRow:
    """The volunteer's row; 410 with the tombstone once erased, unless ``unfinished`` and their key still stands
    (the erasing process died after recording the fact: erasing again finishes it)."""
    models: ReadModels = extension("peiban.read_models")
    with models["continuity"].reading() as tx:
        if not unfinished or peiban().is_erased(volunteer_id):
            refuse_erased_volunteer(tx, str(volunteer_id))  # the tombstone: 410, when and why
        row = volunteer_row(tx, str(volunteer_id))
    if row is None:
        abort(404)
    return row


@bp.route("/volunteers/<uuid:volunteer_id>", endpoint="volunteer")
def volunteer(volunteer_id: Any) -> ResponseReturnValue:
    """A volunteer's caseload, and (for coordinators) how their time ends."""
    models: ReadModels = extension("peiban.read_models")
    caller: Caller = g.caller
    return render_template(
        "volunteer.html",
        caseload=models.caseload(
            volunteer_id, now=datetime.now(tz=UTC), include_sensitive=counts_compartments_of(volunteer_id)
        ),
        row=found(volunteer_id),
        manage=may(caller.role, Action.MANAGE_PEOPLE),
        erase=may(caller.role, Action.ERASE),
        recorded=request.args.get("recorded", ""),
    )


@bp.route("/volunteers/<uuid:volunteer_id>/erase", methods=["GET", "POST"], endpoint="erase")
def erase(volunteer_id: Any) -> ResponseReturnValue:
    """Erase a departed volunteer's personal data for good, with the reason, once the coordinator confirms it."""
    row = found(volunteer_id, unfinished=True)
    fields = [
        Field("reason", _("Reason"), "textarea", required=True),
        Field("confirm", _("Confirm"), "radio", required=True, choices=[(CONFIRMED, _("Erase this volunteer's data"))]),
    ]

    def record(given: dict[str, Any]) -> Any:
        return erase_volunteer(
            erasure_stores(), volunteer_id, reason=given["reason"], recorded_by=actor(), command_id=command_id()
        )

    def done(_loaded: dict[str, Any], _result: Any) -> ResponseReturnValue:
        return redirect(url_for("volunteer_page.volunteer", volunteer_id=volunteer_id), 303)  # its tombstone

    intro = _(
        "Erasing destroys the volunteer's key and their accounts: their name, contact details, school and major "
        "become unreadable for good, on this server and in later backups, and they can no longer sign in. "
        "Families' histories keep that a volunteer was there, without a name."
    )
    return form_page(
        fields,
        ErasureForm(),
        record,
        done,
        title=_("Erase the volunteer's data"),
        submit=_("Erase the volunteer's data"),
        intro=intro,
        cancel=url_for("volunteer_page.volunteer", volunteer_id=volunteer_id),
        context=[(_("Volunteer"), row.name)],
    )


def when_field() -> Field:
    return Field("occurred_at", _("When"), "datetime", required=True, default=local_now())


def volunteer_form(
    volunteer_id: Any, title: str, submit: str, fields: list[Field], schema: ma.Schema, command: Callable[..., Any]
) -> ResponseReturnValue:
    """GET: the form. POST: check, record, back to the volunteer's page (or the form with its errors)."""
    row = found(volunteer_id)
    back = url_for("volunteer_page.volunteer", volunteer_id=volunteer_id)

    def done(_loaded: dict[str, Any], _result: Any) -> ResponseReturnValue:
        return redirect(url_for("volunteer_page.volunteer", volunteer_id=volunteer_id, recorded="1"), 303)

    def record(loaded: dict[str, Any]) -> Any:
        return command(volunteer_id, recorded_by=actor(), command_id=command_id(), **loaded)

    return form_page(
        fields, schema, record, done, title=title, submit=submit, cancel=back, context=[(_("Volunteer"), row.name)]
    )


@bp.route("/volunteers/<uuid:volunteer_id>/departure-announced", methods=["GET", "POST"], endpoint="announce")
def announce(volunteer_id: Any) -> ResponseReturnValue:
    """Record the day a volunteer will leave."""
    fields = [Field("expected_on", _("Last day expected"), "date", required=True), when_field()]
    return volunteer_form(
        volunteer_id,
        _("Announce a departure"),
        _("Record the day"),
        fields,
        DepartureAnnouncedIn(),
        peiban().announce_departure,
    )


@bp.route("/volunteers/<uuid:volunteer_id>/departure", methods=["GET", "POST"], endpoint="depart")
def depart(volunteer_id: Any) -> ResponseReturnValue:
    """Record that a volunteer left the programme."""
    reasons = choices(DepartureReason, DEPARTURE_REASONS)
    fields = [Field("reason", _("Why they left"), "radio", required=True, choices=reasons), when_field()]
    return volunteer_form(
        volunteer_id,
        _("Record a departure"),
        _("Record the departure"),
        fields,
        DepartureIn(),
        peiban().record_departure,
    )


@bp.route("/volunteers/<uuid:volunteer_id>/alumni-contact", methods=["GET", "POST"], endpoint="alumni")
def alumni(volunteer_id: Any) -> ResponseReturnValue:
    """Whether the volunteer keeps in touch with families as an alumni volunteer."""
    question = _("Does the volunteer agree to keep in touch with families after leaving?")
    fields = [Field("opted_in", question, "yes_no", required=True), when_field()]
    return volunteer_form(
        volunteer_id,
        _("Keeping in touch as an alumni volunteer"),
        _("Record it"),
        fields,
        AlumniContactIn(),
        peiban().set_alumni_contact,
    )
