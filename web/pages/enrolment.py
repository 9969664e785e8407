"""The enrol form: a family's profile, a repeating group of household members, and the guardian's consent.

The API takes the household as a list and the consent as an object; a form without
JavaScript offers a fixed number of member rows (empty rows are ignored) and the
consent's inputs side by side. Inputs are named ``household-<row>-<field>`` and
``consent-<field>``, and the API's and the domain's errors (``household.0.birth_year``,
``consent.given_on``) are brought back beside the input they are about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from domain.values import Circumstance, ConsentScope, Relation
from web.i18n import _
from web.pages.forms import Field, Filled, local_now, page_message, read
from web.pages.labels import CIRCUMSTANCES, CONSENT_SCOPES, RELATIONS, choices
from web.schemas.families import FamilyIn

#: Member rows the form offers; a family with more members is enrolled, then its profile changed.
MEMBER_ROWS = 4
MEMBER_FIELDS = ("relation", "birth_year", "alias")
CONSENT_FIELDS = ("guardian_relation", "scopes", "given_on")
#: Where errors about the household as a whole go (beside the group of rows).
HOUSEHOLD = "household"


class Typed(ma.Schema):
    """Every input as typed (converted by the form, not yet checked): the API's schema checks them."""

    class Meta:
        unknown = ma.INCLUDE


@dataclass(frozen=True)
class EnrolmentForm:
    """The enrol form's inputs, grouped as the page shows them."""

    profile: list[Field]
    members: list[list[Field]]
    consent: list[Field]
    when: Field

    @property
    def fields(self) -> list[Field]:
        return [*self.profile, *(f for row in self.members for f in row), *self.consent, self.when]


def member(row: int, field: str) -> str:
    return f"household-{row}-{field}"


def consent_input(field: str) -> str:
    return f"consent-{field}"


def enrolment_form() -> EnrolmentForm:
    """The inputs, labelled in the reader's language."""
    relations = choices(Relation, RELATIONS)
    profile = [
        Field(
            "display_name",
            _("Name shown"),
            required=True,
            hint=_("An alias such as “the Lin family”, never the family's real names."),
        ),
        Field("community", _("Community"), required=True),
        Field("referral_source", _("Referred by"), hint=_("Optional: a school, a neighbour…")),
        Field(
            "circumstances",
            _("Circumstances"),
            "checkboxes",
            required=True,
            choices=choices(Circumstance, CIRCUMSTANCES),
        ),
    ]
    members = [
        [
            Field(member(row, "relation"), _("Relation to the child"), "select", choices=relations),
            Field(member(row, "birth_year"), _("Year of birth"), "integer"),
            Field(member(row, "alias"), _("Called"), about="alias"),
        ]
        for row in range(MEMBER_ROWS)
    ]
    consent = [
        Field(consent_input("guardian_relation"), _("Guardian who consented"), "select", True, relations),
        Field(
            consent_input("scopes"),
            _("The guardian agrees to"),
            "checkboxes",
            required=True,
            choices=choices(ConsentScope, CONSENT_SCOPES),
            hint=_("Keeping records is needed to enrol a family."),
        ),
        Field(consent_input("given_on"), _("Day consent was given"), "date", required=True),
    ]
    when = Field(
        "occurred_at",
        _("When it happened"),
        "datetime",
        required=True,
        default=local_now(),
        hint=_("Local time; leave as it is for now."),
    )
    return EnrolmentForm(profile, members, consent, when)


def read_enrolment(form: EnrolmentForm, typed: MultiDict[str, str]) -> tuple[Filled, dict[str, Any], dict[str, str]]:
    """The form checked by the API's ``FamilyIn``: the form with its errors, the command's values, and
    the domain's field names as the form's input names (for ``run``)."""
    # The time is read on its own, so that a mistyped time does not hide the other inputs' errors;
    # the household as a whole gets a place for its errors beside its rows.
    others, given = read([f for f in form.fields if f is not form.when], typed, Typed())
    timed, when = read([form.when], typed, Typed())
    filled = Filled(
        form.fields, {**others.values, **timed.values, HOUSEHOLD: ""}, dict(timed.errors), token=timed.token
    )
    given.update(when)
    rows = [row for row in range(MEMBER_ROWS) if any(member(row, f) in given for f in MEMBER_FIELDS)]
    nested: dict[str, Any] = {f.name: given[f.name] for f in [*form.profile, form.when] if f.name in given}
    nested["household"] = [{f: given[member(row, f)] for f in MEMBER_FIELDS if member(row, f) in given} for row in rows]
    nested["consent"] = {f: given[consent_input(f)] for f in CONSENT_FIELDS if consent_input(f) in given}
    if not rows:
        filled.errors[HOUSEHOLD] = _("Enter at least one household member, one of them a child.")
    loaded: dict[str, Any] = {}
    try:
        loaded = FamilyIn().load(nested)
    except ma.ValidationError as invalid:
        for name, message in schema_errors(invalid.messages, rows).items():
            filled.errors.setdefault(name if name in filled.values else "form", page_message(message))
    if filled.errors:
        filled.status = 422
        return filled, {}, {}
    return filled, {"referral_source": "", **loaded}, renamed(rows)


def schema_errors(messages: Any, rows: list[int]) -> dict[str, str]:
    """FamilyIn's nested messages by input name: a member's go to the row it came from."""
    found: dict[str, str] = {}
    for key, value in dict(messages).items():
        if key == "household" and isinstance(value, dict):
            for index, problems in value.items():
                row = rows[int(index)] if 0 <= int(index) < len(rows) else 0
                for field, said in problems.items() if isinstance(problems, dict) else [("", problems)]:
                    found.setdefault(member(row, field) if field in MEMBER_FIELDS else HOUSEHOLD, first(said))
        elif key == "consent" and isinstance(value, dict):
            for field, said in value.items():
                found.setdefault(consent_input(field) if field in CONSENT_FIELDS else "form", first(said))
        else:
            found.setdefault(str(key), first(value))
    return found


def first(said: Any) -> str:
    """The first of a field's messages."""
    while isinstance(said, (list, dict)) and said:
        said = said[0] if isinstance(said, list) else next(iter(said.values()))
    return str(said)


def renamed(rows: list[int]) -> dict[str, str]:
    """The domain's field names (``household.0.relation``, ``consent.scopes``) as the form's input names."""
    names = {f"household.{i}.{f}": member(row, f) for i, row in enumerate(rows) for f in MEMBER_FIELDS}
    names.update({f"household.{i}": member(row, "relation") for i, row in enumerate(rows)})
    names.update({f"consent.{f}": consent_input(f) for f in CONSENT_FIELDS})
    return {**names, "household": HOUSEHOLD, "consent": consent_input("guardian_relation")}
