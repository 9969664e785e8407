"""Forms for what happens with a family: visits (joint visits of a handover too), messages, concerns,
referrals and follow-ups."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, request

from domain.facts import CONCERN, FOLLOW_UP, FOLLOW_UP_DONE, MESSAGE, REFERRAL, RESOLUTION, VISIT
from projections.briefing import Pending
from web.api.common import clearance, peiban
from web.api.idempotency import command_id
from web.i18n import _
from web.pages.fact_inputs import fact_inputs
from web.pages.family_actions.common import (
    Action,
    OnFamily,
    caller_volunteer,
    family_route,
    pending_choices,
    roster_choices,
    when_field,
)
from web.pages.forms import Field, actor
from web.schemas.records import ConcernIn, FollowUpDoneIn, FollowUpIn, MessageIn, ReferralIn, ResolutionIn, VisitIn


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
        *fact_inputs(VISIT),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().log_visit(here.family_id, recorded_by=actor(), **given, command_id=command_id())

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
        *fact_inputs(MESSAGE),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().log_message(here.family_id, recorded_by=actor(), **given, command_id=command_id())

    return Action(_("Log a message"), _("Record the message"), fields, MessageIn(), record, [])


@family_route("concerns/new", "concern")
def concern_form(here: OnFamily) -> Action:
    """Raise a concern about the family."""
    fields = [*fact_inputs(CONCERN), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().raise_concern(here.family_id, recorded_by=actor(), **given, command_id=command_id())

    return Action(_("Raise a concern"), _("Raise the concern"), fields, ConcernIn(), record, [])


@family_route("referrals/new", "referral")
def referral_form(here: OnFamily) -> Action:
    """Refer the family to a service line, perhaps because of an open concern."""
    concerns, _follow_ups = here.open_items()
    fields = [
        *fact_inputs(REFERRAL),
        Field("concern_id", _("Because of the concern"), "select", choices=pending_choices(concerns)),
        when_field(),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().make_referral(
            here.family_id, recorded_by=actor(), clearance=clearance(), **given, command_id=command_id()
        )

    return Action(_("Refer"), _("Record the referral"), fields, ReferralIn(), record, [])


@family_route("follow-ups/new", "follow_up")
def follow_up_form(here: OnFamily) -> Action:
    """Schedule a follow-up: what, by when, and by whom."""
    concerns, _follow_ups = here.open_items()
    fields = [
        *fact_inputs(FOLLOW_UP),
        Field("volunteer_id", _("Who follows up"), "select", choices=roster_choices(here, everyone=False)),
        Field("concern_id", _("For the concern"), "select", choices=pending_choices(concerns)),
        when_field(),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().schedule_follow_up(
            here.family_id, recorded_by=actor(), clearance=clearance(), **given, command_id=command_id()
        )

    return Action(_("Schedule a follow-up"), _("Schedule it"), fields, FollowUpIn(), record, [])


def open_item(items: list[Pending], event_id: UUID) -> Pending:
    found = next((p for p in items if p.event_id == str(event_id)), None)
    if found is None:
        abort(404)
    return found


@family_route("concerns/<uuid:concern_id>/resolve", "resolve")
def resolution_form(here: OnFamily, concern_id: UUID) -> Action:
    """Resolve an open concern: how it was resolved."""
    concern = open_item(here.open_items()[0], concern_id)
    fields = [*fact_inputs(RESOLUTION), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().resolve_concern(
            here.family_id,
            concern_id=concern_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

    context = [(_("Concern"), concern.text)]
    return Action(_("Resolve a concern"), _("Resolve it"), fields, ResolutionIn(), record, context)


@family_route("follow-ups/<uuid:follow_up_id>/done", "follow_up_done")
def follow_up_done_form(here: OnFamily, follow_up_id: UUID) -> Action:
    """Mark a scheduled follow-up done."""
    follow_up = open_item([p for p in here.open_items()[1] if p.kind == "scheduled"], follow_up_id)
    fields = [*fact_inputs(FOLLOW_UP_DONE), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().complete_follow_up(
            here.family_id,
            follow_up_id=follow_up_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

    context = [(_("Follow-up"), follow_up.text), (_("Due on"), follow_up.due_on or "")]
    return Action(_("Follow-up done"), _("Mark it done"), fields, FollowUpDoneIn(), record, context)
