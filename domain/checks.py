"""Field checks shared by every command: collect all problems, then refuse at once.

A command builds a ``Checks``, runs each field through it, and calls ``done()``
before it triggers any event, so a rejected command records nothing and the
caller learns about every bad field in one answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from domain.errors import InvalidInput, Problem
from domain.limits import text_limit

E = TypeVar("E", bound=Enum)

#: How far in the future an ``occurred_at`` may be, for phones with a fast clock.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: What no store can keep: NUL (PostgreSQL text) and lone surrogates (not encodable as UTF-8).
BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def has_bad_character(text: str) -> bool:
    """Whether ``text`` holds a character no store can keep (NUL, or half of a surrogate pair)."""
    return BAD_CHARACTER.search(text) is not None


def _required() -> Problem:
    return Problem("required", "必填", "is required")


class Checks:
    """Accumulates field problems; ``done()`` raises them all as one ``InvalidInput``."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Problem]] = {}

    def add(self, field: str, problem: Problem) -> None:
        """Note a problem with a field (the first of each kind per field is kept)."""
        problems = self.errors.setdefault(field, [])
        if all(p.code != problem.code for p in problems):
            problems.append(problem)

    def done(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)

    def text(self, field: str, value: Any, *, limit: int | None = None, required: bool = True) -> str:
        """A trimmed string of at most ``limit`` characters (by default the field's, ``domain.limits``);
        empty only if optional. Over the limit it is refused, never cut."""
        limit = limit or text_limit(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, Problem("type", "应为文字", "must be text"))
            return ""
        text: str = value.strip()
        if required and not text:
            self.add(field, Problem("blank", "不能为空", "must not be empty"))
        elif len(text) > limit:
            self.add(field, Problem("too_long", f"不能超过 {limit} 个字", f"must be at most {limit} characters"))
        elif has_bad_character(text):
            self.add(field, Problem("control", "含有无效字符", "contains an invalid character"))
        return text

    def texts(self, field: str, values: Any, *, limit: int | None = None, most: int = 20) -> list[str]:
        """A list of short non-empty texts (activities, promised follow-ups)."""
        if values is None:
            return []
        if isinstance(values, str) or not isinstance(values, Iterable):
            self.add(field, Problem("type", "应为文字列表", "must be a list of texts"))
            return []
        items = [self.text(field, v, limit=limit) for v in values]
        if len(items) > most:
            self.add(field, Problem("too_many", f"最多 {most} 项", f"at most {most} items"))
        return items

    def choice(self, field: str, value: Any, kind: type[E]) -> E:
        """One value of an enumeration, given as the member or its stored value."""
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            self.add(field, Problem("choice", f"应为以下之一：{allowed}", f"must be one of: {allowed}"))
            return next(iter(kind))

    def optional_choice(self, field: str, value: Any, kind: type[E]) -> E | None:
        return None if value is None or value == "" else self.choice(field, value, kind)

    def choices(self, field: str, values: Any, kind: type[E], *, required: bool = False) -> list[E]:
        if values is None or isinstance(values, str) or not isinstance(values, Iterable):
            if values is not None or required:
                self.add(field, Problem("type", "应为列表", "must be a list"))
            return []
        chosen = list(dict.fromkeys(self.choice(field, v, kind) for v in values))
        if required and not chosen:
            self.add(field, _required())
        return chosen

    def whole(self, field: str, value: Any, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, Problem("type", "应为整数", "must be a whole number"))
            return low
        if not low <= value <= high:
            self.add(field, Problem("range", f"应在 {low} 到 {high} 之间", f"must be between {low} and {high}"))
        return value

    def uuid(self, field: str, value: Any, *, required: bool = True) -> UUID | None:
        if value is None or value == "":
            if required:
                self.add(field, _required())
            return None
        if isinstance(value, UUID):
            return value
        try:
            return UUID(str(value))
        except ValueError:
            self.add(field, Problem("id", "编号格式不对", "is not a valid id"))
            return None

    def ids(self, field: str, values: Any) -> list[UUID]:
        """A non-empty list of ids, without repeats."""
        if values is None or isinstance(values, (str, UUID)) or not isinstance(values, Iterable):
            self.add(field, Problem("type", "应为编号列表", "must be a list of ids"))
            return []
        parsed = [self.uuid(field, v) for v in values]
        if not parsed:
            self.add(field, _required())
        return list(dict.fromkeys(p for p in parsed if p is not None))

    def day(self, field: str, value: Any, *, required: bool = True) -> date:
        if isinstance(value, datetime) or not isinstance(value, date):
            if value is None and not required:
                return date.min
            self.add(field, Problem("date", "应为日期", "must be a date"))
            return date.min
        return value

    def moment(self, field: str, value: Any, *, now: datetime, not_before: datetime = EARLIEST) -> datetime:
        """A timezone-aware moment in the past (a few minutes of clock skew allowed), kept in UTC."""
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            self.add(field, Problem("aware", "应为带时区的时间", "must be a date-time with a time zone"))
            return now
        try:
            moment: datetime = value.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59-14:00 is past the calendar's end in UTC
            self.add(field, Problem("range", "时间超出范围", "is out of range"))
            return now
        if moment > now + CLOCK_SKEW:
            self.add(field, Problem("future", "不能是将来的时间", "must not be in the future"))
        elif moment < not_before:
            self.add(field, Problem("too_early", "不能早于 {when}", "must not be before {when}", {"when": not_before}))
        return moment
