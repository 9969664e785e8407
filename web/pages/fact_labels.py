"""A stored fact's fields as an auditor reads them: each field by the label forms give it, each value in the
reader's language (stored choices by their labels, lists as lists, yes and no), and each id as a link to what
it names (a volunteer, another fact of the family).

Record facts' fields (visits, messages, concerns...) take their labels from their specification
(``domain.facts``); the other facts' fields, and the parts of nested values, from ``FIELD_LABELS`` here.
Nothing is hidden: the stored field name stays beside its label, and each id beside the name it stands for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain import facts
from domain.field_spec import FactSpec
from web.i18n import N_, _, listed
from web.pages.labels import TABLES, label
from web.pages.names import volunteer

#: The kind of record fact each stored topic is, for the labels its specification declares.
SPEC_OF_TOPIC: dict[str, FactSpec] = {
    "peiban.Family.VisitLogged": facts.VISIT,
    "peiban.Family.MessageLogged": facts.MESSAGE,
    "peiban.Family.ConcernRaised": facts.CONCERN,
    "peiban.Family.ReferralMade": facts.REFERRAL,
    "peiban.Family.FollowUpScheduled": facts.FOLLOW_UP,
    "peiban.Family.ConcernResolved": facts.RESOLUTION,
    "peiban.Family.FollowUpDone": facts.FOLLOW_UP_DONE,
}
#: The labels of the other facts' fields and of the parts of nested values, by stored name.
FIELD_LABELS = {
    "display_name": N_("Name shown"),
    "community": N_("Community"),
    "referral_source": N_("Referred by"),
    "household": N_("Household"),
    "alias": N_("Alias"),
    "birth_year": N_("Year of birth"),
    "relation": N_("Relation to the child"),
    "circumstances": N_("Circumstances"),
    "consent": N_("Guardian consent"),
    "given_on": N_("Given on"),
    "guardian_relation": N_("Guardian"),
    "scopes": N_("Consent to"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "volunteer_id": N_("Volunteer"),
    "volunteer_ids": N_("Volunteers"),
    "role": N_("Role"),
    "caused_by": N_("Because of"),
    "handover_id": N_("Handover"),
    "concern_id": N_("Concern"),
    "follow_up_id": N_("Follow-up"),
    "target_event_id": N_("Fact corrected"),
    "changes": N_("Changes"),
    "outgoing_volunteer_id": N_("Outgoing volunteer"),
    "incoming_volunteer_id": N_("Incoming volunteer"),
    "incoming_role": N_("Incoming volunteer's role"),
    "planned_on": N_("Planned for"),
    "letter": N_("Handover letter"),
    "keep_in_touch": N_("Keeps in touch"),
    "no_joint_visit_reason": N_("Why there was no joint visit"),
}
#: Fields whose values are stored choices of a table of ``web.pages.labels`` named otherwise.
CHOICE_TABLES = {
    "circumstances": "circumstance",
    "scopes": "consent_scope",
    "guardian_relation": "relation",
    "incoming_role": "role",
}
#: Fields that name a volunteer, and fields that name another fact of the family (a handover is its planned fact).
VOLUNTEER_FIELDS = frozenset({"volunteer_id", "volunteer_ids", "outgoing_volunteer_id", "incoming_volunteer_id"})
FACT_FIELDS = frozenset({"handover_id", "concern_id", "follow_up_id", "target_event_id"})


@dataclass(frozen=True)
class Part:
    """A piece of a value: text, and where it leads (an id: to what it names) or whether it is an id itself."""

    text: str
    href: str | None = None
    code: bool = False


@dataclass(frozen=True)
class FieldRow:
    """One field of a fact: its label, its stored name, and its value as lines of parts."""

    label: str
    name: str
    lines: list[list[Part]]


@dataclass(frozen=True)
class Links:
    """Where ids lead: a volunteer's page, a fact's place among the raw facts; and volunteers' names by id."""

    volunteer: Callable[[str], str]
    fact: Callable[[str], str]
    names: dict[str, str]


def field_label(topic: str, name: str) -> str:
    """What a form calls the field (the specification's label), else this module's label, else its stored name."""
    spec = SPEC_OF_TOPIC.get(topic)
    if spec is not None and name in spec:
        return _(spec[name].label)
    if name in FIELD_LABELS:
        return _(FIELD_LABELS[name])
    # an amendment's changes name the corrected fact's fields
    declared = next((s[name] for s in facts.SPECS.values() if name in s), None)
    return _(declared.label) if declared is not None else name


def _table(name: str) -> dict[str, str] | None:
    return TABLES.get(CHOICE_TABLES.get(name, name))


def _scalar(name: str, value: Any, links: Links) -> list[Part]:
    if isinstance(value, bool):
        return [Part(_("Yes") if value else _("No"))]
    if value is None or value == "":
        return [Part("–")]
    text = str(value)
    if name in VOLUNTEER_FIELDS:
        shown = volunteer(links.names[text]) if text in links.names else None
        if shown is None:
            return [Part(text, links.volunteer(text), code=True)]
        return [Part(shown, links.volunteer(text)), Part(" "), Part(text, code=True)]
    if name in FACT_FIELDS:
        return [Part(text, links.fact(text), code=True)]
    table = _table(name)
    if table is not None and text in table:
        return [Part(label(table, text))]
    return [Part(text)]


def _inline(topic: str, value: dict[str, Any], links: Links) -> list[Part]:
    """A nested record on one line: label: value · label: value."""
    parts: list[Part] = []
    order = list(FIELD_LABELS)
    for key, inner in sorted(value.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)):
        if parts:
            parts.append(Part(" · "))
        parts.append(Part(_("%(field)s: ", field=field_label(topic, key))))
        parts += _parts(topic, key, inner, links)
    return parts


def _parts(topic: str, name: str, value: Any, links: Links) -> list[Part]:
    if isinstance(value, dict):
        return _inline(topic, value, links)
    if not isinstance(value, list):
        return _scalar(name, value, links)
    if not value:
        return [Part("–")]
    if name not in VOLUNTEER_FIELDS and all(not isinstance(v, dict | list) for v in value):
        return [Part(listed([p.text for v in value for p in _scalar(name, v, links)]))]
    joined: list[Part] = []
    for v in value:
        if joined:
            joined.append(Part(listed(["", ""])))  # the language's list separator
        joined += _parts(topic, name, v, links)
    return joined


def field_row(topic: str, name: str, value: Any, links: Links) -> FieldRow:
    """A field of a stored fact as an auditor reads it (a list of records: one a line)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = [_inline(topic, v, links) for v in value]
    else:
        lines = [_parts(topic, name, value, links)]
    return FieldRow(field_label(topic, name), name, lines)
