"""Handovers: an outgoing volunteer brings the incoming one to the family, then leaves or stays in touch."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from domain.values import HandoverState
from web.api.common import Blueprint, Strict, clearance, current_actor, occurred_at, peiban, text
from web.api.idempotency import command_id

blp = Blueprint("handovers", __name__, url_prefix="/families", description="交接 / Handovers")


class HandoverIn(Strict):
    outgoing_volunteer_id = ma.fields.UUID(required=True, metadata={"description": "交出的义工 / outgoing"})
    incoming_volunteer_id = ma.fields.UUID(required=True, metadata={"description": "接手的义工 / incoming"})
    planned_on = ma.fields.Date(required=True, metadata={"description": "计划交接日期 / planned day"})
    letter = text("letter", metadata={"description": "交接信 / the outgoing volunteer's letter"})
    occurred_at = occurred_at()


class AgreementIn(Strict):
    note = text("note", required=False)
    occurred_at = occurred_at()


class CompletionIn(Strict):
    keep_in_touch = ma.fields.Boolean(
        required=True, metadata={"description": "家庭同意与交出的义工保持联系 / the family keeps in touch"}
    )
    no_joint_visit_reason = text(
        "no_joint_visit_reason",
        required=False,
        metadata={"description": "未能共同探访的原因 / why there was no joint visit"},
    )
    occurred_at = occurred_at()


class CancellationIn(Strict):
    reason = text("reason")
    occurred_at = occurred_at()


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
