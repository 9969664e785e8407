"""Form inputs for a family's record facts, and their stored values as a reader reads them, derived
from the facts' specification (``domain.facts``): label, hint, widget, limit and choices are declared
there once, and translated here."""

from __future__ import annotations

from typing import Any

from domain.facts import CONCERN, FOLLOW_UP, MESSAGE, REFERRAL, VISIT
from domain.field_spec import Choice, FactSpec, FieldSpec, Widget
from web.access.guard import cleared_for_sensitive
from web.i18n import _, listed
from web.pages.forms import Field

#: Timeline entry kinds that can be corrected, and the specification of their fields.
CORRECTABLE: dict[str, FactSpec] = {
    "visit": VISIT,
    "message": MESSAGE,
    "concern_raised": CONCERN,
    "referral": REFERRAL,
    "follow_up_scheduled": FOLLOW_UP,
}
#: How each widget is drawn (see ``web.pages.forms.KINDS``).
DRAWN_AS = {
    Widget.TEXT: "text",
    Widget.TEXTAREA: "textarea",
    Widget.LIST: "lines",
    Widget.NUMBER: "integer",
    Widget.DATE: "date",
    Widget.SELECT: "select",
    Widget.RADIO: "radio",
}


def choices(choice: Choice, *, cleared: bool) -> list[tuple[str, str]]:
    """(stored value, label) of each member, in the enumeration's order; the sensitive compartments only
    for readers cleared to read them (nobody records into a compartment they cannot see)."""
    return [
        (str(member.value), _(choice.label(member)))
        for member in choice.kind
        if cleared or member not in choice.sensitive
    ]


def fact_input(spec: FieldSpec, *, required: bool | None = None, cleared: bool | None = None) -> Field:
    """The input of one field; ``required=False`` where leaving it out means "unchanged" (a correction);
    ``cleared``: whether the reader may see the sensitive compartments (asked of the policy if not given)."""
    cleared = cleared_for_sensitive() if cleared is None else cleared
    hint = spec.cleared_hint if spec.cleared_hint and cleared else spec.hint
    return Field(
        spec.name,
        _(spec.label),
        DRAWN_AS[spec.widget],
        required=spec.required if required is None else required,
        choices=choices(spec.value, cleared=cleared) if isinstance(spec.value, Choice) else [],
        hint=_(hint) if hint else "",
        default=spec.suggested,
        chars=spec.limit,
    )


def fact_inputs(spec: FactSpec) -> list[Field]:
    """The inputs of every field of a kind of fact, in the specification's order."""
    cleared = cleared_for_sensitive()
    return [fact_input(f, cleared=cleared) for f in spec]


def field_label(spec: FactSpec | None, name: str) -> str:
    """A field as a correction's trace names it (a name the specification lacks: as stored)."""
    return _(spec[name].label) if spec is not None and name in spec else name


def shown_value(spec: FactSpec | None, name: str, value: Any) -> str:
    """A field's stored value as a reader reads it (labels for stored choices, lists joined)."""
    if isinstance(value, list):
        return listed([str(v) for v in value]) or "–"
    if value in (None, ""):
        return "–"
    kind = spec[name].value if spec is not None and name in spec else None
    if isinstance(kind, Choice):
        member = next((m for m in kind.kind if m.value == value), None)
        return _(kind.label(member)) if member is not None else str(value)
    return str(value)
