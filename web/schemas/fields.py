"""The building blocks of every request schema: strict objects, texts held to the domain's limits,
stored choices, whole numbers and moments read strictly."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar

import marshmallow as ma

from domain.limits import text_limit

E = TypeVar("E", bound=Enum)

#: A whole number as text: ASCII digits only, and no more than any field can take.
WHOLE = re.compile(r"-?[0-9]{1,18}")


class Whole(ma.fields.Integer):
    """A whole number; given as text (a query parameter), ASCII digits only: ``int()`` alone would
    also read ``५`` (a Devanagari five) and ``5\x85`` (a trailing next-line), and fail on 5,000 digits."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and not WHOLE.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Moment(ma.fields.AwareDateTime):
    """A timezone-aware moment, given in UTC: one that has no UTC reading
    (``9999-12-31T23:59:59-14:00`` falls after the calendar's last day) is refused."""

    default_error_messages: ClassVar[dict[str, str | list[Any] | dict[Any, Any]]] = {  # type: ignore[misc]
        "range": "时间超出范围 / date-time out of range"
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.make_error("range") from None


class Strict(ma.Schema):
    """Input schemas: unknown fields are errors."""

    class Meta:
        unknown = ma.RAISE


def text(field: str, *, required: bool = True, **kwargs: Any) -> ma.fields.String:
    """A text the domain calls ``field``, held to the domain's limit for it (``domain.limits``)."""
    limit = ma.validate.Length(min=1 if required else 0, max=text_limit(field))
    return ma.fields.String(required=required, validate=limit, **kwargs)


def occurred_at(*, required: bool = False) -> Moment:
    """When a fact happened: timezone-aware ISO 8601 (naive times are refused); omitted means now."""
    return Moment(
        required=required, metadata={"description": "发生时间（须带时区）/ when it happened, with a time zone"}
    )


def choice(kind: type[E], **kwargs: Any) -> ma.fields.Enum[E]:
    """One of an enumeration's stored values, documented as a string with its allowed values."""
    return ma.fields.Enum(kind, by_value=ma.fields.String, **kwargs)
