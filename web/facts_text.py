"""Plain-text rendering of raw facts, for `peiban events` and other auditor views."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.aggregate import PeibanAggregate
from domain.encryption import Shredded
from projections.erasure import ERASED_VOLUNTEER
from projections.plain import fact_fields


def fact_line(
    position: int,
    event: PeibanAggregate.Event | Shredded,
    zone: ZoneInfo,
    erased: Callable[[str], bool] = lambda user_name: False,
) -> str:
    """One fact: position, kind, whose, when it happened, when and by whom it was recorded, and its fields.
    A recorder whose account was erased (``erased``) is named as no one's, never by the user name kept."""
    if isinstance(event, Shredded):  # its record was erased: only its place in the log is left
        gone = "已删除（密钥已销毁）/ erased (its key is destroyed)"
        return f"#{position:<6} {event.topic:<32} {event.originator_id} v{event.originator_version}\n        {gone}"

    def shown(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")

    kind = type(event).__qualname__
    fields = json.dumps(fact_fields(event), ensure_ascii=False, sort_keys=True)
    return (
        f"#{position:<6} {kind:<32} {event.originator_id} v{event.originator_version}\n"
        f"        occurred_at 发生 {shown(event.occurred_at)} | recorded_at 记录 {shown(event.timestamp)}"
        f" | recorded_by 记录人 {ERASED_VOLUNTEER if erased(event.recorded_by) else event.recorded_by}\n"
        f"        {fields}"
    )
