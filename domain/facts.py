"""The descriptive fields of a family's record facts, each declared once (see ``domain.field_spec``).

One specification per kind of fact serves the command that first records a fact and a later
amendment of it, so a correction is held to the same rules as the original; the web layer derives
the API's schemas, the forms and the labels of stored values from it. Only descriptive fields are
amendable: who was there and when it happened decide the domain's rules, so a mistake there is
fixed by retracting the fact and recording it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from domain.checks import Checks
from domain.errors import Problem
from domain.field_spec import N_, Choice, Day, FactSpec, FieldSpec, Minutes, Text, Texts, Widget
from domain.limits import text_limit
from domain.values import (
    SENSITIVE_SERVICE_LINES,
    Channel,
    ConcernCategory,
    ConcernLevel,
    Direction,
    Place,
    ServiceLine,
    Wellbeing,
)

# --- The stored choices, each member with its label ----------------------------------------------------

PLACE = Choice(
    Place,
    {
        Place.HOME: N_("at home"),
        Place.CENTRE: N_("at the centre"),
        Place.SCHOOL: N_("at school"),
        Place.ONLINE: N_("online"),
        Place.OTHER: N_("elsewhere"),
    },
)
WELLBEING = Choice(
    Wellbeing,
    {
        Wellbeing.GOOD: N_("good"),
        Wellbeing.STEADY: N_("steady"),
        Wellbeing.LOW: N_("low spirits"),
        Wellbeing.WORRYING: N_("worrying"),
    },
)
DIRECTION = Choice(Direction, {Direction.FROM_FAMILY: N_("from the family"), Direction.TO_FAMILY: N_("to the family")})
CHANNEL = Choice(
    Channel,
    {
        Channel.WECHAT: N_("WeChat"),
        Channel.SMS: N_("text message"),
        Channel.PHONE: N_("phone call"),
        Channel.LETTER: N_("letter"),
        Channel.IN_PERSON: N_("in person"),
        Channel.OTHER: N_("other channel"),
    },
)
SERVICE_LINE = Choice(
    ServiceLine,
    {
        ServiceLine.COMPANIONSHIP: N_("Companionship"),
        ServiceLine.CHILDREN_ACTIVITY_ROOM: N_("Children's activity room"),
        ServiceLine.YOUTH_CENTRE: N_("Youth centre"),
        ServiceLine.WOMENS_HOME: N_("Women's home"),
        ServiceLine.CHARITY_SHOP: N_("Charity shop"),
        ServiceLine.ANTI_DOMESTIC_VIOLENCE: N_("Anti-domestic-violence"),
        ServiceLine.SHELTER: N_("Shelter"),
        ServiceLine.MIGRANT_WORKERS_RIGHTS: N_("Migrant workers' rights"),
    },
    sensitive=SENSITIVE_SERVICE_LINES,
)
CONCERN_CATEGORY = Choice(
    ConcernCategory,
    {
        ConcernCategory.SAFETY: N_("safety"),
        ConcernCategory.HEALTH: N_("health"),
        ConcernCategory.EDUCATION: N_("education"),
        ConcernCategory.EMOTIONAL: N_("emotional"),
        ConcernCategory.FAMILY_RELATIONS: N_("family relations"),
        ConcernCategory.ECONOMIC: N_("economic"),
        ConcernCategory.OTHER: N_("other"),
    },
)
CONCERN_LEVEL = Choice(
    ConcernLevel,
    {
        ConcernLevel.LOW: N_("low"),
        ConcernLevel.MEDIUM: N_("medium"),
        ConcernLevel.HIGH: N_("high"),
        ConcernLevel.URGENT: N_("urgent"),
    },
)

#: The longest visit, in minutes.
LONGEST_VISIT = 12 * 60


def _text(name: str, label: str, *, required: bool = True, widget: Widget = Widget.TEXTAREA, **more: Any) -> FieldSpec:
    return FieldSpec(name, Text(text_limit(name)), label, widget, required=required, **more)


def _texts(name: str, label: str, hint: str) -> FieldSpec:
    return FieldSpec(name, Texts(text_limit(name)), label, Widget.LIST, required=False, hint=hint)


def _service_line() -> FieldSpec:
    return FieldSpec(
        "service_line",
        SERVICE_LINE,
        N_("Service line"),
        Widget.SELECT,
        required=False,
        cleared_hint=N_("Anti-domestic-violence and shelter records are seen only by social workers and auditors."),
    )


# --- The kinds of fact ---------------------------------------------------------------------------------

VISIT = FactSpec(
    "visit",
    (
        FieldSpec("place", PLACE, N_("Where"), Widget.RADIO),
        FieldSpec(
            "duration_minutes", Minutes(1, LONGEST_VISIT), N_("How long (minutes)"), Widget.NUMBER, suggested="60"
        ),
        _text("summary", N_("What happened")),
        FieldSpec("wellbeing", WELLBEING, N_("How the child seemed"), Widget.SELECT, required=False),
        _texts("activities", N_("Activities"), N_("One per line, e.g. homework help, reading together.")),
        _texts("follow_ups_promised", N_("What was promised to the family"), N_("One per line.")),
        _text("social_worker", N_("Supervising social worker"), required=False, widget=Widget.TEXT),
        _service_line(),
    ),
)
MESSAGE = FactSpec(
    "message",
    (
        FieldSpec("direction", DIRECTION, N_("Direction"), Widget.RADIO),
        FieldSpec("channel", CHANNEL, N_("Channel"), Widget.SELECT),
        _text("summary", N_("What happened")),
        _text("family_member", N_("Who in the family"), required=False, widget=Widget.TEXT),
        _service_line(),
    ),
)
CONCERN = FactSpec(
    "concern",
    (
        FieldSpec("category", CONCERN_CATEGORY, N_("Category"), Widget.SELECT),
        FieldSpec("level", CONCERN_LEVEL, N_("Level"), Widget.RADIO),
        _text("summary", N_("What happened")),
        _service_line(),
    ),
)
REFERRAL = FactSpec(
    "referral",
    (
        FieldSpec("service_line", SERVICE_LINE, N_("Refer to"), Widget.SELECT),
        _text("reason", N_("Reason")),
    ),
)
FOLLOW_UP = FactSpec(
    "follow_up",
    (
        _text("action", N_("What is to be done")),
        FieldSpec("due_on", Day(), N_("Due on"), Widget.DATE),
    ),
)
#: A concern's resolution and a follow-up's completion: recorded once, never amended.
RESOLUTION = FactSpec("resolution", (_text("resolution", N_("How it was resolved"), amendable=False),))
FOLLOW_UP_DONE = FactSpec("follow_up_done", (_text("note", N_("Note"), required=False, amendable=False),))
#: A promise made during a visit, kept or let go: recorded once, never amended.
PROMISE_KEPT = FactSpec("promise_kept", (_text("note", N_("Note"), required=False, amendable=False),))
PROMISE_LET_GO = FactSpec("promise_let_go", (_text("reason", N_("Why it is let go"), amendable=False),))

#: Every kind of record fact, by the domain's name for it.
SPECS: Mapping[str, FactSpec] = MappingProxyType(
    {
        s.kind: s
        for s in (
            VISIT,
            MESSAGE,
            CONCERN,
            REFERRAL,
            FOLLOW_UP,
            RESOLUTION,
            FOLLOW_UP_DONE,
            PROMISE_KEPT,
            PROMISE_LET_GO,
        )
    }
)
#: The fields of each kind by name (what the aggregate asks when it refuses unknown fields).
FIELDS: Mapping[str, Mapping[str, FieldSpec]] = MappingProxyType(
    {kind: MappingProxyType({f.name: f for f in spec}) for kind, spec in SPECS.items()}
)


def check_fields(checks: Checks, kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Check every field of a new fact of ``kind`` (defaults filled in)."""
    return SPECS[kind].parse(checks, given)


def check_changes(checks: Checks, kind: str, changes: Any) -> dict[str, Any]:
    """Check an amendment: only known descriptive fields, at least one, each valid."""
    if not isinstance(changes, Mapping) or not changes:
        checks.add("changes", Problem("required", "a_change"))
        return {}
    allowed = {f.name: f for f in SPECS[kind].amendable}
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in allowed:
            names = ", ".join(allowed)
            checks.add(
                f"changes.{name}",
                Problem("not_amendable", amendable=names),
            )
            continue
        checked[name] = allowed[name].parse(checks, value, at=f"changes.{name}")
    return checked
