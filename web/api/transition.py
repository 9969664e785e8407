"""A cohort's transition: the proposed successor of every family it leads, and the coordinator's confirmation,
which plans all those handovers at once (each a normal ``plan_handover``; the letters are written later by the
outgoing volunteers).

A confirmation is checked whole before anything is recorded: every family must be one the cohort leads and
every successor a volunteer who can take families over; otherwise it is refused at its field and nothing is
recorded. Then each family's handover is planned on its own: a family the domain refuses (it already has an
open handover, say) is reported with its reason, and the others are still planned. Each family's command is
derived from the request's (its Idempotency-Key, or a page's form token), so a confirmation sent again plans
nothing new: every family answers with the handover it planned the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from domain import Actor, DomainError
from domain.aggregate import CommandId
from projections.transition import Transition
from web.access.guard import cleared_for_sensitive
from web.api.common import Blueprint, current_actor, now, peiban, read_models
from web.api.idempotency import command_id
from web.i18n import zoned_moment
from web.messages import bilingual
from web.schemas.transition import CohortTransitionOut, ConfirmationOut, TransitionIn

blp = Blueprint("transition", __name__, url_prefix="/cohorts", description="期次交接规划 / Cohort transitions")

NOT_LED = "不是这一期义工主责的家庭 / Not a family this cohort's volunteers lead"
TWICE = "这个家庭列了两次 / This family is listed twice"
NO_ROOM = (
    "不是可接手的义工（应在岗，且所在期次晚于这一期结束）/ "
    "Not a volunteer who can take families over (active, of an open cohort ending later)"
)


@dataclass(frozen=True)
class Outcome:
    """What confirming one family's successor did: the handover it planned, or why the family refused it."""

    family_id: str
    incoming_volunteer_id: str
    handover_id: UUID | None = None
    refused: DomainError | None = None


def read_transition(cohort_id: Any) -> Transition:
    """The cohort's transition now, drawn with this installation's maximum caseload and risk threshold."""
    settings = current_app.config["PEIBAN_SETTINGS"]
    return read_models().transition(
        cohort_id,
        now=now(),
        max_caseload=settings.max_caseload,
        risk_days=settings.transition_risk_days,
        include_sensitive=cleared_for_sensitive(),
    )


def choice_problems(transition: Transition, handovers: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each bad choice's field (``handovers.<i>.family_id``…) and its problem, "中文 / English"."""
    families = {f.family_id for f in transition.families}
    candidates = {c.volunteer_id for c in transition.candidates}
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, chosen in enumerate(handovers):
        family_id, volunteer_id = str(chosen["family_id"]), str(chosen["incoming_volunteer_id"])
        if family_id not in families or family_id in seen:
            problems[f"handovers.{i}.family_id"] = [NOT_LED if family_id not in families else TWICE]
        if volunteer_id not in candidates:
            problems[f"handovers.{i}.incoming_volunteer_id"] = [NO_ROOM]
        seen.add(family_id)
    return problems


def family_command(command: CommandId | None, family_id: str) -> CommandId | None:
    """The one command planning ``family_id``'s handover within a confirmation: the same however often it is sent."""
    return None if command is None else CommandId(uuid5(command, f"transition:{family_id}"))


def plan_all(
    transition: Transition, handovers: list[dict[str, Any]], planned_on: date, recorded_by: Actor
) -> list[Outcome]:
    """Plan each chosen family's handover from its leaving lead (checked choices: see ``choice_problems``)."""
    leads = {f.family_id: f.lead_id for f in transition.families}
    command, outcomes = command_id(), []
    for chosen in handovers:
        family_id, volunteer_id = str(chosen["family_id"]), str(chosen["incoming_volunteer_id"])
        try:
            handover_id = peiban().plan_handover(
                UUID(family_id),
                outgoing_volunteer_id=UUID(str(leads[family_id])),
                incoming_volunteer_id=UUID(volunteer_id),
                planned_on=planned_on,
                recorded_by=recorded_by,
                command_id=family_command(command, family_id),
            )
        except DomainError as refused:
            outcomes.append(Outcome(family_id, volunteer_id, refused=refused))
        else:
            outcomes.append(Outcome(family_id, volunteer_id, handover_id))
    return outcomes


@blp.route("/<uuid:cohort_id>/transition")
class CohortTransition(MethodView):
    @blp.response(200, CohortTransitionOut)
    def get(self, cohort_id: Any) -> Transition:
        """A cohort's families with a proposed successor each, their handovers' steps and the families at risk /
        期次交接规划"""
        return read_transition(cohort_id)

    @blp.arguments(TransitionIn)
    @blp.response(200, ConfirmationOut)
    def post(self, given: dict[str, Any], cohort_id: Any) -> dict[str, Any]:
        """Plan the handovers of the chosen successors at once; each family refused says why / 确认并计划交接"""
        transition = read_transition(cohort_id)
        problems = choice_problems(transition, given["handovers"])
        if problems:
            abort(422, messages={"json": problems})
        outcomes = plan_all(transition, given["handovers"], given["planned_on"], current_actor())
        planned = [
            {
                "family_id": o.family_id,
                "handover_id": str(o.handover_id),
                "incoming_volunteer_id": o.incoming_volunteer_id,
            }
            for o in outcomes
            if o.refused is None
        ]
        refused = [
            {"family_id": o.family_id, "error": o.refused.code, "message": bilingual(o.refused, zoned_moment)}
            for o in outcomes
            if o.refused is not None
        ]
        return {"planned": planned, "refused": refused}
