"""The transition planner (coordinators): a cohort's families with a proposed successor each, one select per family
to adjust, one button to plan every chosen handover at once; then each handover's step against the days left,
and the families at risk.

The form is checked as the API checks a confirmation (``web.api.transition``), and every error lands beside the
select of its family; a family the domain refuses keeps its select with the reason, the others are planned. The
form carries a one-time token: sent again, it records nothing (each family's command derives from the token).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from projections.plain import local_day
from projections.transition import Risk, Step, Transition, TransitionFamily
from web.api.common import now
from web.api.transition import choice_problems, plan_all, read_transition
from web.i18n import N_, _
from web.pages.form_token import new_token, once, sent_token
from web.pages.forms import actor, domain_message, flat_messages, page_message
from web.schemas.transition import TransitionIn

bp = Blueprint("transition_page", __name__)

#: A family's select is named after it.
SUCCESSOR = "successor-"

STEPS = {
    Step.TO_PLAN: N_("To plan"),
    Step.PLANNED: N_("Planned"),
    Step.JOINT_VISITS: N_("Joint visits"),
    Step.AGREED: N_("Family agreed"),
    Step.COMPLETED: N_("Completed"),
}
RISKS = {
    Risk.NO_SUCCESSOR: N_("No successor available"),
    Risk.NOT_PLANNED: N_("No handover planned yet"),
    Risk.NO_JOINT_VISIT: N_("No joint visit yet"),
}


@dataclass
class Choices:
    """The form as the coordinator left it: the day, each family's successor, errors by field, its token."""

    planned_on: str
    successors: dict[str, str]
    errors: dict[str, str]
    token: str


def first_day(transition: Transition) -> date:
    """The planned handover day shown first: the cohort's end, or two weeks on once that has passed."""
    today = local_day(now())
    return transition.ends_on if transition.ends_on > today else today + timedelta(days=14)


def proposed(transition: Transition) -> Choices:
    return Choices(
        first_day(transition).isoformat(),
        {f.family_id: f.proposed_id or "" for f in transition.to_plan},
        {},
        new_token(),
    )


def options(transition: Transition, family: TransitionFamily) -> list[tuple[str, str]]:
    """The volunteers who could take ``family`` over, those who served it first, each with their cohort and load."""
    shown = []
    for c in sorted(transition.candidates, key=lambda c: c.volunteer_id not in family.served_by):
        if c.volunteer_id == family.lead_id:
            continue
        text = _("%(name)s · %(cohort)s · leads %(count)s", name=c.name, cohort=c.cohort_name, count=c.caseload)
        if c.volunteer_id in family.served_by:
            text = _("%(volunteer)s · knows the family", volunteer=text)
        elif c.room == 0:
            text = _("%(volunteer)s · at the maximum", volunteer=text)
        shown.append((c.volunteer_id, text))
    return shown


def render(transition: Transition, choices: Choices, status: int = 200, planned: int = 0) -> ResponseReturnValue:
    names = {f.family_id: f.display_name for f in transition.families}
    page = render_template(
        "transition.html",
        transition=transition,
        choices=choices,
        options={f.family_id: options(transition, f) for f in transition.to_plan},
        steps={s: _(text) for s, text in STEPS.items()},
        risks={r: _(text) for r, text in RISKS.items()},
        planned=planned,
        banner=choices.errors.get("form")
        or (
            _("Some families could not be planned; each says why below. The others were planned.")
            if planned
            else _("Please correct the marked fields; nothing has been recorded.")
        ),
        failing=[(k, names.get(k.removeprefix(SUCCESSOR), _("Planned handover day"))) for k in choices.errors],
    )
    return page, status


def read_choices(transition: Transition) -> tuple[Choices, list[dict[str, Any]], date | None]:
    """The form checked: (the choices with errors at their fields, the successors chosen, the day)."""
    successors = {k.removeprefix(SUCCESSOR): v for k, v in request.form.items() if k.startswith(SUCCESSOR)}
    choices = Choices(request.form.get("planned_on", ""), successors, {}, sent_token(request.form) or new_token())
    chosen = [(fid, vid) for fid, vid in successors.items() if vid]
    body = {
        "planned_on": choices.planned_on or None,
        "handovers": [{"family_id": f, "incoming_volunteer_id": v} for f, v in chosen],
    }
    loaded: dict[str, Any] = {}
    try:
        loaded = TransitionIn().load({k: v for k, v in body.items() if v is not None})
    except ma.ValidationError as invalid:
        for name, problems in flat_messages(invalid.messages).items():
            choices.errors.setdefault(field_of(name, chosen), page_message(problems[0]))
    if not chosen:
        choices.errors = {k: v for k, v in choices.errors.items() if k != "form"}
        choices.errors.setdefault("form", _("Choose a successor for at least one family."))
    if not choices.errors:
        for name, problems in choice_problems(transition, loaded["handovers"]).items():
            choices.errors.setdefault(field_of(name, chosen), page_message(problems[0]))
    return choices, loaded.get("handovers", []), loaded.get("planned_on")


def field_of(name: str, chosen: list[tuple[str, str]]) -> str:
    """The form's field for an error of the confirmation: ``handovers.2.…`` is the third chosen family's select."""
    head, _dot, rest = name.partition(".")
    if head == "handovers" and rest.partition(".")[0].isdigit():
        index = int(rest.partition(".")[0])
        return SUCCESSOR + chosen[index][0] if index < len(chosen) else "form"
    return "planned_on" if head == "planned_on" else "form"


@bp.route("/cohorts/<uuid:cohort_id>/transition", endpoint="transition", methods=["GET", "POST"])
def transition_page(cohort_id: Any) -> ResponseReturnValue:
    """A cohort's transition: propose, adjust and confirm successors; then follow each handover's step."""
    transition = read_transition(cohort_id)
    if request.method == "GET":
        return render(transition, proposed(transition), planned=_count(request.args.get("planned", "")))

    def send() -> ResponseReturnValue:
        choices, handovers, planned_on = read_choices(transition)
        if choices.errors or planned_on is None:
            return render(transition, choices, 422)
        outcomes = plan_all(transition, handovers, planned_on, actor())
        for outcome in outcomes:
            if outcome.refused is not None:
                choices.errors[SUCCESSOR + outcome.family_id] = domain_message(outcome.refused)
        done = sum(o.refused is None for o in outcomes)
        if not choices.errors:
            return redirect(url_for("transition_page.transition", cohort_id=cohort_id, planned=done), 303)
        return render(read_transition(cohort_id), choices, 200 if done else 409, planned=done)

    return once(send)


def _count(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 5 else 0
