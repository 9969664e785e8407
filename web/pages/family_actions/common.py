"""What every form about one family shares: the family as it stands, the fields with their choices,
and the page behind every form (empty form, checked form, recorded and back to the family)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import Blueprint, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from domain.family import Family
from domain.values import Channel, ConcernCategory, ConcernLevel, Direction, Place, ServiceLine, Wellbeing
from projections.briefing import Pending, pending
from projections.directory import volunteers
from projections.read_models import ReadModels
from projections.timeline import Timeline
from web.access.guard import Caller, cleared_for_sensitive, extension, families_in_scope
from web.access.policy import Action as PolicyAction
from web.access.policy import scope_of
from web.api.common import peiban
from web.i18n import _
from web.pages.form_token import once
from web.pages.forms import Field, form_page, local_now
from web.pages.labels import (
    CATEGORIES,
    CHANNELS,
    DIRECTIONS,
    LEVELS,
    PLACES,
    SERVICE_LINES,
    WELLBEING,
    choices,
)

bp = Blueprint("family_actions", __name__)

#: Timeline entry kinds that can be corrected, and the domain's name for their amendable fields.
CORRECTABLE = {
    "visit": "visit",
    "message": "message",
    "concern_raised": "concern",
    "referral": "referral",
    "follow_up_scheduled": "follow_up",
}
#: How an amendable field reads when it is emptied on a correction form.
CLEARED: dict[str, Any] = {
    "wellbeing": None,
    "service_line": None,
    "social_worker": "",
    "family_member": "",
    "activities": [],
    "follow_ups_promised": [],
}


@dataclass(frozen=True)
class OnFamily:
    """What a form about one family needs: the family as it stands, its timeline as the reader may see it."""

    family_id: UUID
    family: Family
    timeline: Timeline

    def name(self, volunteer_id: Any) -> str:
        return self.timeline.names.get(str(volunteer_id), str(volunteer_id)[:8])

    @property
    def back(self) -> str:
        return url_for("family_page.family", family_id=self.family_id)

    def open_items(self) -> tuple[list[Pending], list[Pending]]:
        return pending(self.timeline.entries)


def on_family(family_id: UUID) -> OnFamily:
    models: ReadModels = extension("peiban.read_models")
    family = peiban().get_family(family_id)
    return OnFamily(family_id, family, models.timeline(family_id, include_sensitive=cleared_for_sensitive()))


def caller_volunteer() -> str | None:
    caller: Caller | None = g.get("caller")
    return caller.volunteer_id if caller else None


# --- The fields, with their choices ---------------------------------------------------------------


def when_field(label_text: str = "") -> Field:
    return Field(
        "occurred_at",
        label_text or _("When it happened"),
        "datetime",
        required=True,
        default=local_now(),
        hint=_("Local time; leave as it is for now."),
    )


def service_lines() -> list[tuple[str, str]]:
    """The service lines a reader may record into: the sensitive compartments only for those cleared to read them."""
    cleared = cleared_for_sensitive()
    return [
        (v, shown) for v, shown in choices(ServiceLine, SERVICE_LINES) if cleared or not ServiceLine(v).is_sensitive
    ]


def roster_choices(here: OnFamily, *, everyone: bool) -> list[tuple[str, str]]:
    """Volunteers on the family now (and the incoming one of an open handover); with ``everyone``, also
    those who were on it before (for late entries)."""
    roster = here.family.roster
    ids = [a.volunteer_id for a in roster.current()]
    handover = roster.open_handover()
    if handover is not None:
        ids += [handover.outgoing_id, handover.incoming_id]
    if everyone:
        ids += sorted(here.family.volunteers_involved(), key=here.name)
    seen: list[UUID] = []
    for volunteer_id in ids:
        if volunteer_id not in seen:
            seen.append(volunteer_id)
    return [(str(v), here.name(v)) for v in seen]


def active_volunteers() -> list[tuple[str, str]]:
    models: ReadModels = extension("peiban.read_models")
    with models["continuity"].reading() as tx:
        rows = volunteers(tx, status="active", limit=1000)
    return [(r.volunteer_id, f"{r.name} · {r.cohort_name}") for r in rows]


def pending_choices(items: list[Pending]) -> list[tuple[str, str]]:
    return [(p.event_id, p.text[:60]) for p in items]


def field_of(name: str, here: OnFamily) -> Field:
    """An amendable or recordable descriptive field by its schema name."""
    library: dict[str, Callable[[], Field]] = {
        "place": lambda: Field("place", _("Where"), "radio", required=True, choices=choices(Place, PLACES)),
        "duration_minutes": lambda: Field(
            "duration_minutes", _("How long (minutes)"), "integer", required=True, default="60"
        ),
        "summary": lambda: Field("summary", _("What happened"), "textarea", required=True),
        "wellbeing": lambda: Field(
            "wellbeing", _("How the child seemed"), "select", choices=choices(Wellbeing, WELLBEING)
        ),
        "activities": lambda: Field(
            "activities", _("Activities"), "lines", hint=_("One per line, e.g. 作业辅导, 绘本共读.")
        ),
        "follow_ups_promised": lambda: Field(
            "follow_ups_promised", _("What was promised to the family"), "lines", hint=_("One per line.")
        ),
        "social_worker": lambda: Field("social_worker", _("Supervising social worker")),
        "service_line": lambda: Field(
            "service_line",
            _("Service line"),
            "select",
            choices=service_lines(),
            hint=_("Anti-domestic-violence and shelter records are seen only by social workers and auditors.")
            if cleared_for_sensitive()
            else "",
        ),
        "direction": lambda: Field(
            "direction", _("Direction"), "radio", required=True, choices=choices(Direction, DIRECTIONS)
        ),
        "channel": lambda: Field("channel", _("Channel"), "select", required=True, choices=choices(Channel, CHANNELS)),
        "family_member": lambda: Field("family_member", _("Who in the family")),
        "category": lambda: Field(
            "category", _("Category"), "select", required=True, choices=choices(ConcernCategory, CATEGORIES)
        ),
        "level": lambda: Field("level", _("Level"), "radio", required=True, choices=choices(ConcernLevel, LEVELS)),
        "reason": lambda: Field("reason", _("Reason"), "textarea", required=True),
        "action": lambda: Field("action", _("What is to be done"), "textarea", required=True),
        "due_on": lambda: Field("due_on", _("Due on"), "date", required=True),
    }
    return library[name]()


# --- The page behind every form ----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One form: its title, fields and schema, the command it runs, and what the page shows above the form."""

    title: str
    submit: str
    fields: list[Field]
    schema: ma.Schema
    record: Callable[[dict[str, Any]], Any]
    context: list[tuple[str, str]]
    intro: str = ""


def answer(here: OnFamily, action: Action) -> ResponseReturnValue:
    """GET: the empty form. POST: check, record, and back to the family page at the new entry."""
    back = here.back if may_read_family(str(here.family_id)) else url_for("home.home")
    context = [(_("Family"), here.timeline.display_name), *action.context]

    def done(_loaded: dict[str, Any], event_id: Any) -> ResponseReturnValue:
        return recorded(here.family_id, event_id)

    return form_page(
        action.fields,
        action.schema,
        action.record,
        done,
        title=action.title,
        submit=action.submit,
        cancel=back,
        intro=action.intro,
        context=context,
    )


def recorded(family_id: Any, event_id: Any) -> ResponseReturnValue:
    """Back to the family page at the new entry; or home, for a reader who may record there but not read the
    family's record (an alumni volunteer's message to a family that keeps in touch)."""
    if not may_read_family(str(family_id)):
        return redirect(url_for("home.home", recorded="message"), 303)
    target = url_for("family_page.family", family_id=family_id, recorded=str(event_id))
    return redirect(f"{target}#entry-{event_id}", 303)


def may_read_family(family_id: str) -> bool:
    caller: Caller = g.caller
    scope = scope_of(caller.role, PolicyAction.READ_FAMILY)
    if scope is None:
        return False
    reachable = families_in_scope(caller, scope)
    return reachable is None or family_id in reachable


def family_route(rule: str, endpoint: str) -> Callable[[Callable[..., Action]], Callable[..., ResponseReturnValue]]:
    """A form page about one family: ``build(here, **path)`` makes its Action."""

    def register(build: Callable[..., Action]) -> Callable[..., ResponseReturnValue]:
        def view(family_id: UUID, **path: Any) -> ResponseReturnValue:
            def page() -> ResponseReturnValue:
                here = on_family(family_id)
                return answer(here, build(here, **path))

            # Sent again, a form may name what it already settled (a resolved concern): the token is read first.
            return once(page) if request.method == "POST" else page()

        view.__doc__ = build.__doc__
        bp.add_url_rule(f"/families/<uuid:family_id>/{rule}", endpoint, view, methods=["GET", "POST"])
        return view

    return register


def fact_fields(here: OnFamily, names: list[str]) -> list[Field]:
    return [field_of(n, here) for n in names]
