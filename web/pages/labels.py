"""Stored values (the enumerations inside facts) as the reader reads them.

Values are stored data and never change; their labels are translated where they are
shown. The labels of the choices inside a family's record facts are declared with the facts'
fields (``domain.facts``); the other tables are here. ``label(TABLE, value)`` gives one label;
``choices(Enum, TABLE)`` the options of a select, in the enumeration's order.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from domain import facts
from domain.field_spec import Choice
from web.i18n import N_, _


def table(choice: Choice) -> dict[str, str]:
    """The labels of a stored choice the facts' specification declares (``domain.facts``), by stored value."""
    return {str(member.value): choice.label(member) for member in choice.kind}


#: The choices stored in a family's record facts: their labels are declared with the facts' fields.
PLACES = table(facts.PLACE)
DIRECTIONS = table(facts.DIRECTION)
CHANNELS = table(facts.CHANNEL)
WELLBEING = table(facts.WELLBEING)
SERVICE_LINES = table(facts.SERVICE_LINE)
CATEGORIES = table(facts.CONCERN_CATEGORY)
LEVELS = table(facts.CONCERN_LEVEL)

ROLES = {"lead": N_("lead"), "co": N_("co-volunteer"), "shadow": N_("shadow")}
STATES = {"planned": N_("planned"), "completed": N_("completed"), "cancelled": N_("cancelled")}
VOLUNTEER_STATUSES = {
    "registered": N_("registered"),
    "active": N_("active"),
    "departing": N_("departing"),
    "departed": N_("departed"),
}
FAMILY_STATUSES = {"open": N_("open"), "closed": N_("closed")}
CIRCUMSTANCES = {
    "migrant": N_("migrant family"),
    "left_behind": N_("left-behind children"),
    "single_parent": N_("single parent"),
    "grandparent_carer": N_("grandparent carer"),
    "disability": N_("disability"),
    "illness": N_("illness"),
    "economic_hardship": N_("economic hardship"),
    "other": N_("other"),
}
RELATIONS = {
    "child": N_("child"),
    "mother": N_("mother"),
    "father": N_("father"),
    "grandmother": N_("grandmother"),
    "grandfather": N_("grandfather"),
    "sibling": N_("sibling"),
    "guardian": N_("guardian"),
    "other": N_("other"),
}
CONSENT_SCOPES = {
    "records": N_("keeping records"),
    "home_visits": N_("home visits"),
    "photos": N_("photos"),
    "keep_in_touch": N_("keeping in touch after a handover"),
    "referrals": N_("referrals"),
}
DEPARTURE_REASONS = {"graduated": N_("graduated"), "withdrew": N_("withdrew")}
ACCOUNT_ROLES = {
    "coordinator": N_("coordinator"),
    "social_worker": N_("social worker"),
    "volunteer": N_("volunteer"),
    "auditor": N_("auditor"),
}
READ_KINDS = {
    "profile": N_("profile"),
    "timeline": N_("timeline"),
    "briefing": N_("briefing"),
    "raw_facts": N_("raw facts"),
    "export": N_("export"),
    "as_of": N_("replay as of a day"),
}


def label(table: dict[str, str], value: Any) -> str:
    """A stored value in the reader's language (values without a label are shown as stored)."""
    text = str(value.value if isinstance(value, Enum) else (value or ""))
    return _(table[text]) if text in table else text


def choices(kind: type[Enum], table: dict[str, str]) -> list[tuple[str, str]]:
    """(stored value, label) for each member of ``kind``, in its order."""
    return [(str(member.value), label(table, member.value)) for member in kind]


#: The tables by name, for templates: ``label_of("level", "high")``.
TABLES: dict[str, dict[str, str]] = {
    # the record facts' stored choices, by the name of their field
    **{f.name: table(f.value) for spec in facts.SPECS.values() for f in spec if isinstance(f.value, Choice)},
    "role": ROLES,
    "state": STATES,
    "volunteer_status": VOLUNTEER_STATUSES,
    "family_status": FAMILY_STATUSES,
    "circumstance": CIRCUMSTANCES,
    "relation": RELATIONS,
    "consent_scope": CONSENT_SCOPES,
    "departure_reason": DEPARTURE_REASONS,
    "account_role": ACCOUNT_ROLES,
    "read_kind": READ_KINDS,
}


def label_of(table: str, value: Any) -> str:
    """``label`` for templates, naming the table."""
    return label(TABLES[table], value)
