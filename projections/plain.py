"""Facts as plain JSON-ready values: enums by value, ids and times as text."""

from __future__ import annotations

import dataclasses
import json
import json.encoder
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.aggregate import PeibanAggregate

#: Where days, months and quarters are counted (times are stored in UTC).
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: The attributes every fact shares; the rest are the fact's own fields.
ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "recorded_by",
        "occurred_at",
        "originator_topic",
        "fact_id",
        "command_id",
    }
)


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value``."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


#: How many ids' text ``id_text`` keeps (some 50 bytes each).
ID_TEXTS = 100_000
_id_texts: dict[int, str] = {}


def id_text(uid: UUID | str) -> str:
    """``str(uid)``, remembered: folding the log turns the same families' and volunteers' ids into text fact
    after fact, and ``UUID.__str__`` is Python code."""
    if not isinstance(uid, UUID):
        return str(uid)
    found = _id_texts.get(uid.int)
    if found is None:
        if len(_id_texts) >= ID_TEXTS:
            _id_texts.clear()
        found = _id_texts[uid.int] = str(uid)
    return found


def iso(moment: datetime) -> str:
    """A UTC moment as fixed-width ISO text, so that text order is time order."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat() alone writes the microseconds unless there are none, and is a third quicker than with a timespec
    return moment.isoformat() if moment.microsecond else moment.isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fact_fields(event: PeibanAggregate.Event) -> dict[str, Any]:
    """The fact's own fields, without the envelope every fact shares."""
    return {k: plain(v) for k, v in vars(event).items() if k not in ENVELOPE}


def _json_default(value: Any) -> Any:
    if isinstance(value, UUID):  # the commonest first: ids, then choices
        return id_text(value)
    if isinstance(value, Enum):
        return value._value_  # ``value`` itself: ``.value`` goes through a Python descriptor, a fact or two a call
    converted = plain(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value)}")
    return converted


def _fields_encoder() -> Callable[[dict[str, Any]], str]:
    """Fields as compact JSON text. ``json.dumps`` makes a new encoder for every call, a third of its time for a
    fact's few fields; a rebuild encodes every fact, so the C encoder is made once (if this Python has it)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return lambda fields: json.dumps(fields, ensure_ascii=False, default=_json_default, separators=(",", ":"))
    # no markers (facts' fields hold no cycles), the default above, no indent, compact separators, keys unsorted,
    # no key skipped, NaN allowed: what json.dumps(ensure_ascii=False, separators=(",", ":")) does
    encode = make(None, _json_default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda fields: "".join(encode(fields, 0))


_encode_fields = _fields_encoder()


def fact_json(event: PeibanAggregate.Event) -> str:
    """The fact's own fields as JSON text (the fast path of ``fact_fields`` for views)."""
    fields = vars(event).copy()  # a copy less the envelope's few names: quicker than a comprehension over all
    for name in _ENVELOPE:
        fields.pop(name, None)
    return _encode_fields(fields)


_ENVELOPE = tuple(ENVELOPE)


def local_day(moment: datetime) -> date:
    """The calendar day in Asia/Shanghai on which ``moment`` falls."""
    return moment.astimezone(SHANGHAI).date()


def day_starts(day: date) -> str:
    """The stored (UTC ISO) form of the first moment of ``day`` in Asia/Shanghai."""
    return iso(datetime.combine(day, time(), SHANGHAI))


def day_after_starts(day: date) -> str:
    return day_starts(day + timedelta(days=1))


def moment(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)
