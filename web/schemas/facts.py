"""Schema fields derived from the record facts' specification (``domain.facts``): a field's type, limit,
whether it is required, and its description (the form's label, in both languages), declared nowhere else."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from domain.facts import SPECS
from domain.field_spec import Choice, Day, FactSpec, FieldSpec, Minutes, Text, Texts
from web.i18n import in_every_language
from web.schemas.fields import Strict, Whole, choice, text


def fact_field(spec: FieldSpec, *, amending: bool = False) -> ma.fields.Field[Any]:
    """The schema field of ``spec``; ``amending``: as a correction gives it (left out: unchanged)."""
    required = spec.required and not amending
    # the form's label; and what the compartments mean, which the API documents for every reader
    metadata = {"description": in_every_language(spec.label, *filter(None, [spec.cleared_hint]))}
    value = spec.value
    if isinstance(value, Text):
        return text(spec.name, required=required, metadata=metadata)
    if isinstance(value, Texts):
        return ma.fields.List(text(spec.name), validate=ma.validate.Length(max=value.most), metadata=metadata)
    if isinstance(value, Minutes):
        between = ma.validate.Range(min=value.low, max=value.high)
        return Whole(strict=True, required=required, validate=between, metadata=metadata)
    if isinstance(value, Day):
        return ma.fields.Date(required=required, metadata=metadata)
    if isinstance(value, Choice):
        return choice(value.kind, required=required, allow_none=not spec.required, metadata=metadata)
    raise TypeError(f"no schema field for {value!r}")


def fact_schema(name: str, spec: FactSpec, doc: str, **others: ma.fields.Field[Any]) -> type[Strict]:
    """A request schema: the fields ``others`` (who, when, what it follows from) and every field of ``spec``."""
    fields: dict[str, Any] = {**others, **{f.name: fact_field(f) for f in spec}}
    return type(name, (Strict,), {**fields, "__module__": __name__, "__doc__": doc})


def changes_schema(name: str, doc: str) -> type[Strict]:
    """The amendable fields of every kind of fact, each optional (the target's own kind decides which apply).
    A field several kinds share is nullable where any of them may leave it out."""
    chosen: dict[str, FieldSpec] = {}
    for spec in SPECS.values():
        for f in spec.amendable:
            if f.name not in chosen or (chosen[f.name].required and not f.required):
                chosen[f.name] = f
    fields = {n: fact_field(f, amending=True) for n, f in chosen.items()}
    return type(name, (Strict,), {**fields, "__module__": __name__, "__doc__": doc})
