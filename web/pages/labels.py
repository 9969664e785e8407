"""Stored values (the enumerations inside facts) as the reader reads them.

Values are stored data and never change; their labels are translated where they are
shown. ``label(TABLE, value)`` gives one label; ``choices(Enum, TABLE)`` the options of
a select, in the enumeration's order.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from web.i18n import N_, _

ROLES = {"lead": N_("lead"), "co": N_("co-volunteer"), "shadow": N_("shadow")}
PLACES = {
    "home": N_("at home"),
    "centre": N_("at the centre"),
    "school": N_("at school"),
    "online": N_("online"),
    "other": N_("elsewhere"),
}
DIRECTIONS = {"from_family": N_("from the family"), "to_family": N_("to the family")}
CHANNELS = {
    "wechat": N_("WeChat"),
    "sms": N_("text message"),
    "phone": N_("phone call"),
    "letter": N_("letter"),
    "in_person": N_("in person"),
    "other": N_("other channel"),
}
WELLBEING = {"good": N_("good"), "steady": N_("steady"), "low": N_("low spirits"), "worrying": N_("worrying")}
SERVICE_LINES = {
    "companionship": N_("Companionship"),
    "children_activity_room": N_("Children's activity room"),
    "youth_centre": N_("Youth centre"),
    "womens_home": N_("Women's home"),
    "charity_shop": N_("Charity shop"),
    "anti_domestic_violence": N_("Anti-domestic-violence"),
    "shelter": N_("Shelter"),
    "migrant_workers_rights": N_("Migrant workers' rights"),
}
CATEGORIES = {
    "safety": N_("safety"),
    "health": N_("health"),
    "education": N_("education"),
    "emotional": N_("emotional"),
    "family_relations": N_("family relations"),
    "economic": N_("economic"),
    "other": N_("other"),
}
LEVELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "urgent": N_("urgent")}
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
    "role": ROLES,
    "place": PLACES,
    "direction": DIRECTIONS,
    "channel": CHANNELS,
    "wellbeing": WELLBEING,
    "service_line": SERVICE_LINES,
    "category": CATEGORIES,
    "level": LEVELS,
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
