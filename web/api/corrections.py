"""Corrections: a mistake is fixed by an amendment or a retraction that points at the original."""

from __future__ import annotations

from enum import Enum
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from web.api.common import Blueprint, FactRecorded, author, clearance, current_actor, peiban
from web.api.idempotency import command_id
from web.schemas.fields import Strict, choice, text
from web.schemas.records import ChangesIn

blp = Blueprint("corrections", __name__, url_prefix="/families", description="更正 / Corrections")


class Action(Enum):
    AMEND = "amend"
    RETRACT = "retract"


class CorrectionIn(Strict):
    target_event_id = ma.fields.UUID(required=True, metadata={"description": "要更正的事实 / the fact corrected"})
    action = choice(Action, required=True)
    reason = text("reason", metadata={"description": "更正原因 / why"})
    changes = ma.fields.Nested(
        ChangesIn,
        metadata={"description": "更正的字段：amend 必填，retract 不可有 / required to amend, not to retract"},
    )

    @ma.validates_schema
    def changes_match_action(self, data: dict[str, Any], **kwargs: Any) -> None:
        """An amendment says what changes; a retraction changes nothing."""
        if data.get("action") is Action.AMEND and "changes" not in data:
            raise ma.ValidationError("修改必须给出更正的字段 / Required to amend.", "changes")
        if data.get("action") is Action.RETRACT and "changes" in data:
            raise ma.ValidationError("撤回不能带更正字段 / Not allowed when retracting.", "changes")


class CorrectionRecorded(FactRecorded):
    target_event_id = ma.fields.String()
    action = ma.fields.String(metadata={"enum": [a.value for a in Action]})


@blp.route("/<uuid:family_id>/corrections")
class Corrections(MethodView):
    @blp.arguments(CorrectionIn)
    @blp.response(201, CorrectionRecorded)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """Amend or retract a recorded fact; the original stays visible to auditors / 更正或撤回记录"""
        common = {
            "target_event_id": given["target_event_id"],
            "reason": given["reason"],
            "recorded_by": current_actor(),
            "clearance": clearance(),
            "author": author(),
        }
        if given["action"] is Action.AMEND:
            event_id = peiban().amend_fact(family_id, changes=given["changes"], **common, command_id=command_id())
        else:
            event_id = peiban().retract_fact(family_id, **common, command_id=command_id())
        return {
            "event_id": event_id,
            "family_id": family_id,
            "target_event_id": given["target_event_id"],
            "action": given["action"].value,
        }
