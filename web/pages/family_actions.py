"""What people record about a family from its page: visits, messages, assignments, handovers,
concerns, referrals, follow-ups, and corrections.

Each action is a page with a form (so it works on any phone, without JavaScript); its
fields are the API's, checked by the API's schema and then by the domain. On success the
reader goes back to the family page, at the new entry; on a refusal the form comes back
with the error beside its field, everything typed kept, and nothing recorded.

The guard has already checked that the reader may take the action on this family (a
family outside a volunteer's scope answers like one that does not exist).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import marshmallow as ma
from flask import Blueprint, abort, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from domain.checks import LONG_TEXT
from domain.facts import FIELDS
from domain.family import Family
from domain.values import Channel, ConcernCategory, ConcernLevel, Direction, Place, Role, ServiceLine, Wellbeing
from projections.briefing import Pending, pending
from projections.directory import volunteers
from projections.read_models import ReadModels
from projections.timeline import Entry, Timeline
from web.access.guard import Caller, cleared_for_sensitive, extension
from web.api.assignments import AssignmentEndIn, AssignmentIn
from web.api.common import peiban, text
from web.api.corrections import ChangesIn
from web.api.handovers import AgreementIn, CancellationIn, CompletionIn, HandoverIn
from web.api.records import ConcernIn, FollowUpDoneIn, FollowUpIn, MessageIn, ReferralIn, ResolutionIn, VisitIn
from web.i18n import _
from web.pages.entries import KINDS, entry_row
from web.pages.forms import Field, Filled, actor, blank, local_now, read, render_form, run
from web.pages.labels import (
    CATEGORIES,
    CHANNELS,
    DIRECTIONS,
    LEVELS,
    PLACES,
    ROLES,
    SERVICE_LINES,
    WELLBEING,
    choices,
    label,
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
        "summary": lambda: Field("summary", _("What happened"), "textarea", required=True, limit=2000),
        "wellbeing": lambda: Field(
            "wellbeing", _("How the child seemed"), "select", choices=choices(Wellbeing, WELLBEING)
        ),
        "activities": lambda: Field(
            "activities", _("Activities"), "lines", hint=_("One a line, e.g. 作业辅导, 绘本共读.")
        ),
        "follow_ups_promised": lambda: Field(
            "follow_ups_promised", _("What was promised to the family"), "lines", hint=_("One a line.")
        ),
        "social_worker": lambda: Field("social_worker", _("Supervising social worker"), limit=200),
        "service_line": lambda: Field(
            "service_line",
            _("Service line"),
            "select",
            choices=service_lines(),
            hint=_("Anti-domestic-violence and shelter records are seen only by social workers and auditors."),
        ),
        "direction": lambda: Field(
            "direction", _("Direction"), "radio", required=True, choices=choices(Direction, DIRECTIONS)
        ),
        "channel": lambda: Field("channel", _("Channel"), "select", required=True, choices=choices(Channel, CHANNELS)),
        "family_member": lambda: Field("family_member", _("Who in the family"), limit=200),
        "category": lambda: Field(
            "category", _("Category"), "select", required=True, choices=choices(ConcernCategory, CATEGORIES)
        ),
        "level": lambda: Field("level", _("Level"), "radio", required=True, choices=choices(ConcernLevel, LEVELS)),
        "reason": lambda: Field("reason", _("Reason"), "textarea", required=True, limit=2000),
        "action": lambda: Field("action", _("What is to be done"), "textarea", required=True, limit=2000),
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
    common = {"title": action.title, "submit": action.submit, "cancel": here.back, "intro": action.intro}
    context = [(_("Family"), here.timeline.display_name), *action.context]
    if request.method == "GET":
        return render_form(blank(action.fields), context=context, **common)
    filled, loaded = read(action.fields, request.form, action.schema)
    event_id = run(filled, lambda: action.record(loaded)) if filled.ok else None
    if event_id is None:
        return render_form(filled, context=context, **common)
    return recorded(here.family_id, event_id)


def recorded(family_id: Any, event_id: Any) -> ResponseReturnValue:
    target = url_for("family_page.family", family_id=family_id, recorded=str(event_id))
    return redirect(f"{target}#entry-{event_id}", 303)


def family_route(rule: str, endpoint: str) -> Callable[[Callable[..., Action]], Callable[..., ResponseReturnValue]]:
    """A form page about one family: ``build(here, **path)`` makes its Action."""

    def register(build: Callable[..., Action]) -> Callable[..., ResponseReturnValue]:
        def view(family_id: UUID, **path: Any) -> ResponseReturnValue:
            here = on_family(family_id)
            return answer(here, build(here, **path))

        view.__doc__ = build.__doc__
        bp.add_url_rule(f"/families/<uuid:family_id>/{rule}", endpoint, view, methods=["GET", "POST"])
        return view

    return register


def fact_fields(here: OnFamily, names: list[str]) -> list[Field]:
    return [field_of(n, here) for n in names]


@family_route("visits/new", "visit")
def visit_form(here: OnFamily) -> Action:
    """Log a visit; from a handover's "log the joint visit", both volunteers are ticked."""
    handover = here.family.roster.open_handover()
    ticked = [caller_volunteer()] if caller_volunteer() else []
    if request.args.get("handover") and handover and str(handover.handover_id) == request.args["handover"]:
        ticked = [str(handover.outgoing_id), str(handover.incoming_id)]
    fields = [
        when_field(_("When the visit was")),
        Field(
            "volunteer_ids",
            _("Volunteers present"),
            "checkboxes",
            required=True,
            choices=roster_choices(here, everyone=caller_volunteer() is None),
            default=[t for t in ticked if t],
            hint=_("Tick both volunteers of a handover to record their joint visit."),
        ),
        *fact_fields(here, list(FIELDS["visit"])),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().log_visit(here.family_id, recorded_by=actor(), **given)

    return Action(_("Log a visit"), _("Record the visit"), fields, VisitIn(), record, [])


@family_route("messages/new", "message")
def message_form(here: OnFamily) -> Action:
    """Log a message between the family and a volunteer (alumni contacts too)."""
    mine = caller_volunteer()
    people = roster_choices(here, everyone=mine is None)
    people += [(str(c.volunteer_id), here.name(c.volunteer_id)) for c in here.family.roster.alumni]
    people = list(dict.fromkeys(people))
    fields = [
        when_field(),
        Field("volunteer_id", _("Volunteer"), "select", required=True, choices=people, default=mine or ""),
        *fact_fields(here, ["direction", "channel", "summary", "family_member", "service_line"]),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().log_message(here.family_id, recorded_by=actor(), **given)

    return Action(_("Log a message"), _("Record the message"), fields, MessageIn(), record, [])


@family_route("concerns/new", "concern")
def concern_form(here: OnFamily) -> Action:
    """Raise a concern about the family."""
    fields = [*fact_fields(here, ["category", "level", "summary", "service_line"]), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().raise_concern(here.family_id, recorded_by=actor(), **given)

    return Action(_("Raise a concern"), _("Raise the concern"), fields, ConcernIn(), record, [])


@family_route("referrals/new", "referral")
def referral_form(here: OnFamily) -> Action:
    """Refer the family to a service line, perhaps because of an open concern."""
    concerns, _follow_ups = here.open_items()
    fields = [
        Field("service_line", _("Refer to"), "select", required=True, choices=service_lines()),
        field_of("reason", here),
        Field("concern_id", _("Because of the concern"), "select", choices=pending_choices(concerns)),
        when_field(),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().make_referral(here.family_id, recorded_by=actor(), **given)

    return Action(_("Refer"), _("Record the referral"), fields, ReferralIn(), record, [])


@family_route("follow-ups/new", "follow_up")
def follow_up_form(here: OnFamily) -> Action:
    """Schedule a follow-up: what, by when, and by whom."""
    concerns, _follow_ups = here.open_items()
    fields = [
        field_of("action", here),
        field_of("due_on", here),
        Field("volunteer_id", _("Who follows up"), "select", choices=roster_choices(here, everyone=False)),
        Field("concern_id", _("For the concern"), "select", choices=pending_choices(concerns)),
        when_field(),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().schedule_follow_up(here.family_id, recorded_by=actor(), **given)

    return Action(_("Schedule a follow-up"), _("Schedule it"), fields, FollowUpIn(), record, [])


@family_route("assignments/new", "assign")
def assign_form(here: OnFamily) -> Action:
    """Assign an active volunteer as lead, co-volunteer or shadow."""
    fields = [
        Field("volunteer_id", _("Volunteer"), "select", required=True, choices=active_volunteers()),
        Field("role", _("Role"), "radio", required=True, choices=choices(Role, ROLES)),
        when_field(_("From when")),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().assign_volunteer(here.family_id, recorded_by=actor(), **given)

    return Action(_("Assign a volunteer"), _("Assign"), fields, AssignmentIn(), record, [])


@family_route("assignments/<uuid:volunteer_id>/end", "end_assignment")
def end_assignment_form(here: OnFamily, volunteer_id: UUID) -> Action:
    """End a volunteer's assignment, with the reason."""
    if here.family.roster.current_of(volunteer_id) is None:
        abort(404)
    fields = [field_of("reason", here), when_field(_("From when"))]

    def record(given: dict[str, Any]) -> Any:
        return peiban().unassign_volunteer(here.family_id, volunteer_id=volunteer_id, recorded_by=actor(), **given)

    context = [(_("Volunteer"), here.name(volunteer_id))]
    return Action(_("End an assignment"), _("End the assignment"), fields, AssignmentEndIn(), record, context)


@family_route("handovers/new", "handover")
def handover_form(here: OnFamily) -> Action:
    """Plan a handover from a volunteer on the family to an active newcomer, with the outgoing volunteer's letter."""
    lead = here.family.roster.lead()
    fields = [
        Field(
            "outgoing_volunteer_id",
            _("Outgoing volunteer"),
            "select",
            required=True,
            choices=roster_choices(here, everyone=False),
            default=str(lead.volunteer_id) if lead else "",
        ),
        Field("incoming_volunteer_id", _("Incoming volunteer"), "select", required=True, choices=active_volunteers()),
        Field("planned_on", _("Planned handover day"), "date", required=True),
        Field(
            "letter",
            _("Handover letter"),
            "textarea",
            required=True,
            limit=8000,
            hint=_("What the next volunteer should know: the family's story, what works, what was promised."),
        ),
        when_field(_("Planned at")),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().plan_handover(here.family_id, recorded_by=actor(), **given)

    return Action(_("Plan a handover"), _("Plan the handover"), fields, HandoverIn(), record, [])


def handover_context(here: OnFamily, handover_id: UUID) -> list[tuple[str, str]]:
    handover = here.family.roster.handover(handover_id)
    if handover is None or not handover.is_open:
        abort(404)
    names = f"{here.name(handover.outgoing_id)} → {here.name(handover.incoming_id)}"
    return [(_("Handover"), names), (_("Planned for"), handover.planned_on.isoformat())]


@family_route("handovers/<uuid:handover_id>/agree", "agree")
def agreement_form(here: OnFamily, handover_id: UUID) -> Action:
    """Record that the family agreed to the incoming volunteer."""
    context = handover_context(here, handover_id)
    fields = [Field("note", _("Note"), "textarea", limit=2000), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().record_family_agreement(here.family_id, handover_id=handover_id, recorded_by=actor(), **given)

    return Action(_("The family agreed"), _("Record the agreement"), fields, AgreementIn(), record, context)


@family_route("handovers/<uuid:handover_id>/complete", "complete")
def completion_form(here: OnFamily, handover_id: UUID) -> Action:
    """Complete a handover after a joint visit, or say why none was possible."""
    context = handover_context(here, handover_id)
    handover = here.family.roster.handover(handover_id)
    joint = len(handover.joint_visit_ids) if handover else 0
    fields = [
        Field(
            "keep_in_touch",
            _("Does the family keep in touch with the outgoing volunteer?"),
            "yes_no",
            required=True,
        ),
        Field(
            "no_joint_visit_reason",
            _("Why there was no joint visit"),
            "textarea",
            limit=2000,
            hint=_("Only when the two volunteers could not visit together."),
        ),
        when_field(),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().complete_handover(here.family_id, handover_id=handover_id, recorded_by=actor(), **given)

    intro = _("Joint visits so far: %(count)s", count=joint)
    return Action(_("Complete the handover"), _("Complete it"), fields, CompletionIn(), record, context, intro)


@family_route("handovers/<uuid:handover_id>/cancel", "cancel")
def cancellation_form(here: OnFamily, handover_id: UUID) -> Action:
    """Cancel a planned handover, with the reason."""
    context = handover_context(here, handover_id)
    fields = [field_of("reason", here), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().cancel_handover(here.family_id, handover_id=handover_id, recorded_by=actor(), **given)

    return Action(_("Cancel the handover"), _("Cancel the handover"), fields, CancellationIn(), record, context)


def open_item(items: list[Pending], event_id: UUID) -> Pending:
    found = next((p for p in items if p.event_id == str(event_id)), None)
    if found is None:
        abort(404)
    return found


@family_route("concerns/<uuid:concern_id>/resolve", "resolve")
def resolution_form(here: OnFamily, concern_id: UUID) -> Action:
    """Resolve an open concern: how it was resolved."""
    concern = open_item(here.open_items()[0], concern_id)
    fields = [Field("resolution", _("How it was resolved"), "textarea", required=True, limit=2000), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().resolve_concern(here.family_id, concern_id=concern_id, recorded_by=actor(), **given)

    context = [(_("Concern"), concern.text)]
    return Action(_("Resolve a concern"), _("Resolve it"), fields, ResolutionIn(), record, context)


@family_route("follow-ups/<uuid:follow_up_id>/done", "follow_up_done")
def follow_up_done_form(here: OnFamily, follow_up_id: UUID) -> Action:
    """Mark a scheduled follow-up done."""
    follow_up = open_item([p for p in here.open_items()[1] if p.kind == "scheduled"], follow_up_id)
    fields = [Field("note", _("Note"), "textarea", limit=2000), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().complete_follow_up(here.family_id, follow_up_id=follow_up_id, recorded_by=actor(), **given)

    context = [(_("Follow-up"), follow_up.text), (_("Due on"), follow_up.due_on or "")]
    return Action(_("Follow-up done"), _("Mark it done"), fields, FollowUpDoneIn(), record, context)


# --- Corrections ---------------------------------------------------------------------------------------


class CorrectionForm(ma.Schema):
    """What a correction form sends: amend or retract, why, and the amendable fields as they should read."""

    class Meta:
        unknown = ma.RAISE

    correction = ma.fields.String(required=True, validate=ma.validate.OneOf(["amend", "retract"]))
    correction_reason = text(limit=LONG_TEXT)


def as_typed(value: Any) -> Any:
    """A stored value as a form shows it."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def stored(value: Any) -> Any:
    """A loaded value as facts store it (to tell what changed)."""
    if isinstance(value, list):
        return [stored(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


@bp.route("/families/<uuid:family_id>/entries/<uuid:event_id>/correct", methods=["GET", "POST"], endpoint="correct")
def correction(family_id: UUID, event_id: UUID) -> ResponseReturnValue:
    """Amend or retract an entry, with the reason; the original and the trace stay in the record."""
    here = on_family(family_id)
    entry = next((e for e in here.timeline.entries if e.event_id == str(event_id)), None)
    if entry is None or entry.retracted or entry.kind not in CORRECTABLE:
        abort(404)
    amendable = list(FIELDS[CORRECTABLE[entry.kind]])
    change_fields = [field_of(name, here) for name in amendable]
    change_fields = [Field(**{**f.__dict__, "required": False}) for f in change_fields]
    fields = [
        Field(
            "correction",
            _("Correction"),
            "radio",
            required=True,
            choices=[
                ("amend", _("Amend: the fields below should read differently")),
                ("retract", _("Retract: it should not have been recorded")),
            ],
        ),
        Field("correction_reason", _("Why"), "textarea", required=True, limit=LONG_TEXT),
        *change_fields,
    ]
    row = entry_row(entry, here.timeline.names)
    common: dict[str, Any] = {
        "title": _("Correct an entry"),
        "submit": _("Record the correction"),
        "cancel": f"{here.back}#entry-{event_id}",
        "intro": _("The original stays in the record, with your correction and its reason beside it."),
        "context": [(_("Family"), here.timeline.display_name), (label(KINDS, entry.kind), f"{row.at} · {row.text}")],
    }
    if request.method == "GET":
        filled = blank(fields)
        filled.values.update({n: as_typed(entry.data.get(n)) for n in amendable})
        return render_form(filled, **common)
    filled, loaded = read(fields[:2], request.form, CorrectionForm())
    filled.fields = fields
    filled.values.update({f.name: request.form.get(f.name, "") for f in change_fields})
    changes: dict[str, Any] = {}
    if filled.ok and loaded["correction"] == "amend":
        changes = amended(entry, change_fields, filled)
        if filled.ok and not changes:
            filled.errors["form"], filled.status = _("Change at least one field to amend the entry."), 422
    if not filled.ok:
        return render_form(filled, **common)
    common_args = {"target_event_id": event_id, "reason": loaded["correction_reason"], "recorded_by": actor()}
    if loaded["correction"] == "amend":
        done = run(filled, lambda: peiban().amend_fact(family_id, changes=changes, **common_args))
    else:
        done = run(filled, lambda: peiban().retract_fact(family_id, **common_args))
    return recorded(family_id, event_id) if done is not None else render_form(filled, **common)


def amended(entry: Entry, change_fields: list[Field], filled: Filled) -> dict[str, Any]:
    """The amendable fields that now read differently, checked by the API's schema for changes."""
    names = [f.name for f in change_fields]
    sub, loaded = read(change_fields, request.form, ChangesIn(only=names))
    filled.errors.update(sub.errors)
    if not sub.ok:
        filled.status = 422
        return {}
    changes = {}
    for name in names:
        before = entry.data.get(name)
        after = loaded[name] if name in loaded else CLEARED.get(name, before)
        if stored(after) != stored(before) and not (after in ("", [], None) and before in ("", [], None)):
            changes[name] = after
    return changes
