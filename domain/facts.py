"""The descriptive fields of a family's record facts, and how each one is checked.

One table serves both the command that first records a fact and a later
amendment of it, so a correction is held to the same rules as the original.
Only descriptive fields are amendable: who was there and when it happened
decide the domain's rules, so a mistake there is fixed by retracting the fact
and recording it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.checks import Checks
from domain.errors import Problem
from domain.values import Channel, ConcernCategory, ConcernLevel, Direction, Place, ServiceLine, Wellbeing

FieldCheck = Callable[[Checks, str, Any], Any]


def _long(c: Checks, f: str, v: Any) -> Any:
    return c.text(f, v)


def _short_optional(c: Checks, f: str, v: Any) -> Any:
    return c.text(f, v, required=False)


def _texts(c: Checks, f: str, v: Any) -> Any:
    return c.texts(f, v)


def _minutes(c: Checks, f: str, v: Any) -> Any:
    return c.whole(f, v, low=1, high=12 * 60)


def _line(c: Checks, f: str, v: Any) -> Any:
    return c.optional_choice(f, v, ServiceLine)


def _choice(kind: type[Any], *, optional: bool = False) -> FieldCheck:
    if optional:
        return lambda c, f, v: c.optional_choice(f, v, kind)
    return lambda c, f, v: c.choice(f, v, kind)


def _due(c: Checks, f: str, v: Any) -> Any:
    return c.day(f, v)


FIELDS: Mapping[str, Mapping[str, FieldCheck]] = {
    "visit": {
        "place": _choice(Place),
        "duration_minutes": _minutes,
        "summary": _long,
        "wellbeing": _choice(Wellbeing, optional=True),
        "activities": _texts,
        "follow_ups_promised": _texts,
        "social_worker": _short_optional,
        "service_line": _line,
    },
    "message": {
        "direction": _choice(Direction),
        "channel": _choice(Channel),
        "family_member": _short_optional,
        "summary": _long,
        "service_line": _line,
    },
    "concern": {
        "category": _choice(ConcernCategory),
        "level": _choice(ConcernLevel),
        "summary": _long,
        "service_line": _line,
    },
    "referral": {"service_line": _choice(ServiceLine), "reason": _long},
    "follow_up": {"action": _long, "due_on": _due},
}

#: Fields that may be left out when a fact is first recorded, with their defaults.
DEFAULTS: Mapping[str, Any] = {
    "wellbeing": None,
    "activities": (),
    "follow_ups_promised": (),
    "social_worker": "",
    "service_line": None,
    "family_member": "",
}


def check_fields(checks: Checks, kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Check every field of a new fact of ``kind`` (defaults filled in)."""
    return {name: check(checks, name, given.get(name, DEFAULTS.get(name))) for name, check in FIELDS[kind].items()}


def check_changes(checks: Checks, kind: str, changes: Any) -> dict[str, Any]:
    """Check an amendment: only known descriptive fields, at least one, each valid."""
    if not isinstance(changes, Mapping) or not changes:
        checks.add("changes", Problem("required", "a_change"))
        return {}
    allowed = FIELDS[kind]
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in allowed:
            names = ", ".join(allowed)
            checks.add(
                f"changes.{name}",
                Problem("not_amendable", amendable=names),
            )
            continue
        checked[name] = allowed[name](checks, f"changes.{name}", value)
    return checked
