"""The coordinator's confirmed erasure of a family's record (its key destroyed: there is no undo)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from web.api.common import peiban, read_models
from web.api.idempotency import command_id, store
from web.i18n import _
from web.infra.erasure import erase_family
from web.pages.family_actions.common import Action, OnFamily, family_route, reason_field
from web.pages.forms import Field, actor
from web.schemas.fields import Strict, text

#: The one value of the confirmation the form asks for.
CONFIRMED = "erase"


class ErasureForm(Strict):
    reason = text("reason")
    confirm = ma.fields.String(required=True, validate=ma.validate.OneOf([CONFIRMED]))


@family_route("erase", "erase")
def erasure_form(here: OnFamily) -> Action:
    """Erase the family's record for good, with the reason, once the coordinator confirms it."""
    fields = [
        reason_field(),
        Field("confirm", _("Confirm"), "radio", required=True, choices=[(CONFIRMED, _("Erase this record for good"))]),
    ]

    def record(given: dict[str, Any]) -> Any:
        settings = current_app.config["PEIBAN_SETTINGS"]
        fact = erase_family(
            peiban(),
            read_models(),
            store(),
            settings,
            here.family_id,
            reason=given["reason"],
            recorded_by=actor(),
            command_id=command_id(),
        )
        return fact

    intro = _(
        "Erasing destroys the family's key: every record of the family becomes unreadable for good, on this "
        "server and in later backups. Only when, by whom and why stay on record."
    )
    return Action(_("Erase the record"), _("Erase the record"), fields, ErasureForm(), record, [], intro)
