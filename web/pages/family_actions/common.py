"""What every form about one family shares: the family as it stands, the fields with their choices
(those of the record facts come from their specification: ``web.pages.fact_inputs``), and the page
behind every form (empty form, checked form, recorded and back to the family)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import Blueprint, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from domain.family import Family
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

bp = Blueprint("family_actions", __name__)


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
        return pending(self.timeline.entries, self.timeline.promises)


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


def reason_field() -> Field:
    """Why: an assignment ends, a handover is cancelled, a record is erased."""
    return Field("reason", _("Reason"), "textarea", required=True)


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
