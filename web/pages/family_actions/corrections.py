"""The correction form: amend an entry's descriptive fields, or retract it, always with the reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import abort, request
from flask.typing import ResponseReturnValue

from domain.field_spec import FactSpec
from projections.timeline import Entry
from web.access.guard import cleared_for_sensitive
from web.api.common import author, clearance, peiban
from web.api.idempotency import command_id
from web.i18n import _
from web.pages.entries import KINDS, entry_row
from web.pages.fact_inputs import CORRECTABLE, fact_input
from web.pages.family_actions.common import bp, on_family, recorded
from web.pages.form_token import once
from web.pages.forms import Field, Filled, actor, blank, read, render_form, run
from web.pages.labels import (
    label,
)
from web.schemas.fields import text
from web.schemas.records import ChangesIn

# --- Corrections ---------------------------------------------------------------------------------------


class CorrectionForm(ma.Schema):
    """What a correction form sends: amend or retract, why, and the amendable fields as they should read."""

    class Meta:
        unknown = ma.RAISE

    correction = ma.fields.String(required=True, validate=ma.validate.OneOf(["amend", "retract"]))
    correction_reason = text("reason")


def as_typed(value: Any) -> Any:
    """A stored value as a form shows it."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def stored(value: Any) -> Any:
    """A loaded value as facts store it (to tell what changed)."""
    if isinstance(value, list):
        return [stored(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


@bp.route("/families/<uuid:family_id>/entries/<uuid:event_id>/correct", methods=["GET", "POST"], endpoint="correct")
def correction(family_id: UUID, event_id: UUID) -> ResponseReturnValue:
    """Amend or retract an entry, with the reason; the original and the trace stay in the record."""
    # Sent again, the form names an entry already corrected (perhaps retracted): the token is read first.
    return (
        once(lambda: correction_page(family_id, event_id))
        if request.method == "POST"
        else correction_page(family_id, event_id)
    )


def correction_page(family_id: UUID, event_id: UUID) -> ResponseReturnValue:
    """The correction form, and what it records."""
    here = on_family(family_id)
    entry = next((e for e in here.timeline.entries if e.event_id == str(event_id)), None)
    if entry is None or entry.retracted or entry.kind not in CORRECTABLE:
        abort(404)
    if not may_correct(entry):
        abort(403)  # a volunteer corrects only the entries they recorded; the domain checks again on sending
    spec = CORRECTABLE[entry.kind]
    amendable = [f.name for f in spec.amendable]
    cleared = cleared_for_sensitive()
    change_fields = [fact_input(f, required=False, cleared=cleared) for f in spec.amendable]
    fields = [
        Field(
            "correction",
            _("Correction"),
            "radio",
            required=True,
            choices=[
                ("amend", _("Amend: the fields below should read differently")),
                ("retract", _("Retract: it should not have been recorded")),
            ],
        ),
        Field("correction_reason", _("Why"), "textarea", required=True, about="reason"),
        *change_fields,
    ]
    row = entry_row(entry, here.timeline.names)
    common: dict[str, Any] = {
        "title": _("Correct an entry"),
        "submit": _("Record the correction"),
        "cancel": f"{here.back}#entry-{event_id}",
        "intro": _("The original stays in the record, with your correction and its reason beside it."),
        "context": [(_("Family"), here.timeline.display_name), (label(KINDS, entry.kind), f"{row.at} · {row.text}")],
    }
    if request.method == "GET":
        filled = blank(fields)
        filled.values.update({n: as_typed(entry.data.get(n)) for n in amendable})
        return render_form(filled, **common)

    filled, loaded = read(fields[:2], request.form, CorrectionForm())
    filled.fields = fields
    filled.values.update({f.name: request.form.get(f.name, "") for f in change_fields})
    changes: dict[str, Any] = {}
    if filled.ok and loaded["correction"] == "amend":
        changes = amended(entry, spec, change_fields, filled)
        if filled.ok and not changes:
            filled.errors["form"], filled.status = _("Change at least one field to amend the entry."), 422
    if not filled.ok:
        return render_form(filled, **common)
    common_args = {
        "target_event_id": event_id,
        "reason": loaded["correction_reason"],
        "recorded_by": actor(),
        "clearance": clearance(),
        "author": author(),
    }
    if loaded["correction"] == "amend":
        done = run(
            filled, lambda: peiban().amend_fact(family_id, changes=changes, **common_args, command_id=command_id())
        )
    else:
        done = run(filled, lambda: peiban().retract_fact(family_id, **common_args, command_id=command_id()))
    return recorded(family_id, event_id) if done is not None else render_form(filled, **common)


def may_correct(entry: Entry) -> bool:
    """Whether the reader may correct this entry: anyone's, or (a volunteer) only one they recorded."""
    own = author()
    return own is None or entry.recorded_by == own


def amended(entry: Entry, spec: FactSpec, change_fields: list[Field], filled: Filled) -> dict[str, Any]:
    """The amendable fields that now read differently, checked by the shared schema for changes; an optional
    field emptied holds its default again, a required one emptied is left as it was."""
    names = [f.name for f in change_fields]
    sub, loaded = read(change_fields, request.form, ChangesIn(only=names))
    filled.errors.update(sub.errors)
    if not sub.ok:
        filled.status = 422
        return {}
    changes = {}
    for name in names:
        before = entry.data.get(name)
        after = loaded[name] if name in loaded else (before if spec[name].required else spec[name].default)
        if stored(after) != stored(before) and not (after in ("", [], None) and before in ("", [], None)):
            changes[name] = after
    return changes
