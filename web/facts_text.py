"""Plain-text rendering of raw facts, for `peiban events` and other auditor views."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.aggregate import PeibanAggregate

ENVELOPE = {"originator_id", "originator_version", "timestamp", "recorded_by", "occurred_at", "originator_topic"}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID, date, datetime)):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def fact_fields(event: PeibanAggregate.Event) -> dict[str, Any]:
    """The fact's own fields, without the envelope every fact shares."""
    return {k: _plain(v) for k, v in vars(event).items() if k not in ENVELOPE}


def fact_line(position: int, event: PeibanAggregate.Event, zone: ZoneInfo) -> str:
    """One fact: position, kind, whose, when it happened, when and by whom it was recorded, and its fields."""

    def shown(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")

    kind = type(event).__qualname__
    fields = json.dumps(fact_fields(event), ensure_ascii=False, sort_keys=True)
    return (
        f"#{position:<6} {kind:<32} {event.originator_id} v{event.originator_version}\n"
        f"        occurred_at 发生 {shown(event.occurred_at)} | recorded_at 记录 {shown(event.timestamp)}"
        f" | recorded_by 记录人 {event.recorded_by}\n"
        f"        {fields}"
    )
