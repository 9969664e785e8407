"""Forms for who accompanies a family: assignments and handovers (plan, agreement, completion, cancellation)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort

from domain.values import Role
from web.api.common import clearance, peiban
from web.api.idempotency import command_id
from web.i18n import _
from web.pages.family_actions.common import (
    Action,
    OnFamily,
    active_volunteers,
    family_route,
    reason_field,
    roster_choices,
    when_field,
)
from web.pages.forms import Field, actor
from web.pages.labels import (
    ROLES,
    choices,
)
from web.schemas.roster import AgreementIn, AssignmentEndIn, AssignmentIn, CancellationIn, CompletionIn, HandoverIn


@family_route("assignments/new", "assign")
def assign_form(here: OnFamily) -> Action:
    """Assign an active volunteer as lead, co-volunteer or shadow."""
    fields = [
        Field("volunteer_id", _("Volunteer"), "select", required=True, choices=active_volunteers()),
        Field("role", _("Role"), "radio", required=True, choices=choices(Role, ROLES)),
        when_field(_("From when")),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().assign_volunteer(here.family_id, recorded_by=actor(), **given, command_id=command_id())

    return Action(_("Assign a volunteer"), _("Assign"), fields, AssignmentIn(), record, [])


@family_route("assignments/<uuid:volunteer_id>/end", "end_assignment")
def end_assignment_form(here: OnFamily, volunteer_id: UUID) -> Action:
    """End a volunteer's assignment, with the reason."""
    if here.family.roster.current_of(volunteer_id) is None:
        abort(404)
    fields = [reason_field(), when_field(_("From when"))]

    def record(given: dict[str, Any]) -> Any:
        return peiban().unassign_volunteer(
            here.family_id,
            volunteer_id=volunteer_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

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
            hint=_("What the next volunteer should know: the family's story, what works, what was promised."),
        ),
        when_field(_("When the plan was made")),
    ]

    def record(given: dict[str, Any]) -> Any:
        return peiban().plan_handover(here.family_id, recorded_by=actor(), **given, command_id=command_id())

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
    fields = [Field("note", _("Note"), "textarea"), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().record_family_agreement(
            here.family_id, handover_id=handover_id, recorded_by=actor(), **given, command_id=command_id()
        )

    return Action(_("The family agreed"), _("Record the agreement"), fields, AgreementIn(), record, context)


@family_route("handovers/<uuid:handover_id>/complete", "complete")
def completion_form(here: OnFamily, handover_id: UUID) -> Action:
    """Complete a handover after a joint visit, or say why none was possible."""
    context = handover_context(here, handover_id)
    # the joint visits the reader may see (a joint visit of a compartment is not one, to those not cleared)
    joint = next((b.joint_visits for b in here.timeline.bridges if b.handover_id == str(handover_id)), 0)
    fields = [
        Field(
            "keep_in_touch",
            _("Does the family keep in touch with the outgoing volunteer?"),
            "yes_no",
            required=True,
        ),
        when_field(),
    ]
    if not joint:  # without a joint visit, the coordinator says why
        reason = Field(
            "no_joint_visit_reason",
            _("Why there was no joint visit"),
            "textarea",
            required=True,
            hint=_("The two volunteers did not visit together: say why, for whoever reads this later."),
        )
        fields.insert(1, reason)

    def record(given: dict[str, Any]) -> Any:
        return peiban().complete_handover(
            here.family_id,
            handover_id=handover_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

    intro = _("Joint visits so far: %(count)s", count=joint)
    return Action(_("Complete the handover"), _("Complete it"), fields, CompletionIn(), record, context, intro)


@family_route("handovers/<uuid:handover_id>/cancel", "cancel")
def cancellation_form(here: OnFamily, handover_id: UUID) -> Action:
    """Cancel a planned handover, with the reason."""
    context = handover_context(here, handover_id)
    fields = [reason_field(), when_field()]

    def record(given: dict[str, Any]) -> Any:
        return peiban().cancel_handover(
            here.family_id,
            handover_id=handover_id,
            recorded_by=actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )

    return Action(_("Cancel the handover"), _("Cancel the handover"), fields, CancellationIn(), record, context)
