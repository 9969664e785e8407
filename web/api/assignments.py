"""Assignments: which volunteers accompany a family, as lead, co or shadow."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from domain.values import Role
from web.api.common import Blueprint, clearance, current_actor, peiban
from web.api.idempotency import command_id
from web.schemas.roster import AssignmentEndIn, AssignmentIn

blp = Blueprint("assignments", __name__, url_prefix="/families", description="分配义工 / Assignments")


class AssignmentEnded(ma.Schema):
    event_id = ma.fields.String(metadata={"description": "记录的事实编号 / id of the recorded fact"})
    family_id = ma.fields.String()
    volunteer_id = ma.fields.String()


class AssignmentStarted(AssignmentEnded):
    role = ma.fields.String(metadata={"enum": [r.value for r in Role]})


@blp.route("/<uuid:family_id>/assignments")
class Assignments(MethodView):
    @blp.arguments(AssignmentIn)
    @blp.response(201, AssignmentStarted)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """Assign an active volunteer to the family as lead, co or shadow / 分配义工"""
        event_id = peiban().assign_volunteer(family_id, recorded_by=current_actor(), **given, command_id=command_id())
        return {**given, "event_id": event_id, "family_id": family_id, "role": given["role"].value}


@blp.route("/<uuid:family_id>/assignments/<uuid:volunteer_id>/end")
class AssignmentEnd(MethodView):
    @blp.arguments(AssignmentEndIn)
    @blp.response(200, AssignmentEnded)
    def post(self, given: dict[str, Any], family_id: Any, volunteer_id: Any) -> dict[str, Any]:
        """End a volunteer's assignment to the family, with the reason / 解除分配"""
        event_id = peiban().unassign_volunteer(
            family_id,
            volunteer_id=volunteer_id,
            recorded_by=current_actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )
        return {"event_id": event_id, "family_id": family_id, "volunteer_id": volunteer_id}
