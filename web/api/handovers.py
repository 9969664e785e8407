"""Handovers: an outgoing volunteer brings the incoming one to the family, then leaves or stays in touch."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from domain.values import HandoverState
from web.api.common import Blueprint, clearance, current_actor, peiban
from web.api.idempotency import command_id
from web.schemas.roster import AgreementIn, CancellationIn, CompletionIn, HandoverIn

blp = Blueprint("handovers", __name__, url_prefix="/families", description="交接 / Handovers")


class HandoverPlanned(ma.Schema):
    id = ma.fields.String(
        metadata={"description": "交接编号（即计划事实的编号）/ handover id (its planning fact's id)"}
    )
    event_id = ma.fields.String()
    family_id = ma.fields.String()
    outgoing_volunteer_id = ma.fields.String()
    incoming_volunteer_id = ma.fields.String()
    planned_on = ma.fields.Date()
    state = ma.fields.String(metadata={"enum": [s.value for s in HandoverState]})


class HandoverStep(ma.Schema):
    event_id = ma.fields.String(metadata={"description": "记录的事实编号 / id of the recorded fact"})
    family_id = ma.fields.String()
    handover_id = ma.fields.String()
    state = ma.fields.String(metadata={"enum": [s.value for s in HandoverState]})


@blp.route("/<uuid:family_id>/handovers")
class Handovers(MethodView):
    @blp.arguments(HandoverIn)
    @blp.response(201, HandoverPlanned)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """Plan a handover from a volunteer on the family to an active newcomer / 计划交接"""
        handover_id = peiban().plan_handover(family_id, recorded_by=current_actor(), **given, command_id=command_id())
        planned = {"id": handover_id, "event_id": handover_id, "family_id": family_id}
        return {**given, **planned, "state": HandoverState.PLANNED.value}


@blp.route("/<uuid:family_id>/handovers/<uuid:handover_id>/agreement")
class Agreement(MethodView):
    @blp.arguments(AgreementIn)
    @blp.response(200, HandoverStep)
    def post(self, given: dict[str, Any], family_id: Any, handover_id: Any) -> dict[str, Any]:
        """Record that the family agreed to the incoming volunteer / 家庭同意接手义工"""
        event_id = peiban().record_family_agreement(
            family_id, handover_id=handover_id, recorded_by=current_actor(), **given, command_id=command_id()
        )
        return _step(event_id, family_id, handover_id, HandoverState.PLANNED)


@blp.route("/<uuid:family_id>/handovers/<uuid:handover_id>/complete")
class Completion(MethodView):
    @blp.arguments(CompletionIn)
    @blp.response(200, HandoverStep)
    def post(self, given: dict[str, Any], family_id: Any, handover_id: Any) -> dict[str, Any]:
        """Complete a handover after a joint visit (or say why none was possible) / 完成交接"""
        event_id = peiban().complete_handover(
            family_id,
            handover_id=handover_id,
            recorded_by=current_actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )
        return _step(event_id, family_id, handover_id, HandoverState.COMPLETED)


@blp.route("/<uuid:family_id>/handovers/<uuid:handover_id>/cancel")
class Cancellation(MethodView):
    @blp.arguments(CancellationIn)
    @blp.response(200, HandoverStep)
    def post(self, given: dict[str, Any], family_id: Any, handover_id: Any) -> dict[str, Any]:
        """Cancel a planned handover, with the reason / 取消交接"""
        event_id = peiban().cancel_handover(
            family_id,
            handover_id=handover_id,
            recorded_by=current_actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )
        return _step(event_id, family_id, handover_id, HandoverState.CANCELLED)


def _step(event_id: Any, family_id: Any, handover_id: Any, state: HandoverState) -> dict[str, Any]:
    return {"event_id": event_id, "family_id": family_id, "handover_id": handover_id, "state": state.value}
