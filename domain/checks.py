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
from typing import TypeVar
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
    return Problem("required")


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

    def text(self, field: str, value: object, *, limit: int | None = None, required: bool = True) -> str:
        """A trimmed string of at most ``limit`` characters (by default the field's, ``domain.limits``);
        empty only if optional. Over the limit it is refused, never cut."""
        limit = limit or text_limit(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, Problem("type", "text"))
            return ""
        text: str = value.strip()
        if required and not text:
            self.add(field, Problem("blank"))
        elif len(text) > limit:
            self.add(field, Problem("too_long", limit=limit))
        elif has_bad_character(text):
            self.add(field, Problem("control"))
        return text

    def texts(self, field: str, values: object, *, limit: int | None = None, most: int = 20) -> list[str]:
        """A list of short non-empty texts (activities, promised follow-ups)."""
        if values is None:
            return []
        if isinstance(values, str) or not isinstance(values, Iterable):
            self.add(field, Problem("type", "texts"))
            return []
        items = [self.text(field, v, limit=limit) for v in values]
        if len(items) > most:
            self.add(field, Problem("too_many", most=most))
        return items

    def choice(self, field: str, value: object, kind: type[E]) -> E:
        """One value of an enumeration, given as the member or its stored value."""
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            allowed = tuple(str(m.value) for m in kind)
            self.add(field, Problem("choice", allowed=allowed))
            return next(iter(kind))

    def optional_choice(self, field: str, value: object, kind: type[E]) -> E | None:
        return None if value is None or value == "" else self.choice(field, value, kind)

    def choices(self, field: str, values: object, kind: type[E], *, required: bool = False) -> list[E]:
        if values is None or isinstance(values, str) or not isinstance(values, Iterable):
            if values is not None or required:
                self.add(field, Problem("type", "list"))
            return []
        chosen = list(dict.fromkeys(self.choice(field, v, kind) for v in values))
        if required and not chosen:
            self.add(field, _required())
        return chosen

    def whole(self, field: str, value: object, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, Problem("type", "whole_number"))
            return low
        if not low <= value <= high:
            self.add(field, Problem("range", low=low, high=high))
        return value

    def uuid(self, field: str, value: UUID | None, *, required: bool = True) -> UUID | None:
        """An id as the edge parsed it (text is not read here: anything but a ``UUID`` is refused)."""
        if value is None:
            if required:
                self.add(field, _required())
            return None
        if isinstance(value, UUID):
            return value
        self.add(field, Problem("id"))
        return None

    def ids(self, field: str, values: Iterable[UUID]) -> list[UUID]:
        """A non-empty list of ids, without repeats."""
        if values is None or isinstance(values, (str, UUID)) or not isinstance(values, Iterable):
            self.add(field, Problem("type", "ids"))
            return []
        parsed = [self.uuid(field, v) for v in values]
        if not parsed:
            self.add(field, _required())
        return list(dict.fromkeys(p for p in parsed if p is not None))

    def day(self, field: str, value: object, *, required: bool = True) -> date:
        if isinstance(value, datetime) or not isinstance(value, date):
            if value is None and not required:
                return date.min
            self.add(field, Problem("date"))
            return date.min
        return value

    def moment(self, field: str, value: object, *, now: datetime, not_before: datetime = EARLIEST) -> datetime:
        """A timezone-aware moment in the past (a few minutes of clock skew allowed), kept in UTC."""
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            self.add(field, Problem("aware"))
            return now
        try:
            moment: datetime = value.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59-14:00 is past the calendar's end in UTC
            self.add(field, Problem("range", "moment"))
            return now
        if moment > now + CLOCK_SKEW:
            self.add(field, Problem("future"))
        elif moment < not_before:
            self.add(field, Problem("too_early", when=not_before))
        return moment
