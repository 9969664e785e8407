"""What happens with a family: visits, messages, concerns, referrals and follow-ups."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from web.api.common import Blueprint, FactRecorded, clearance, current_actor, peiban
from web.api.idempotency import command_id
from web.schemas.records import (
    ConcernIn,
    FollowUpDoneIn,
    FollowUpIn,
    MessageIn,
    ReferralIn,
    ResolutionIn,
    VisitIn,
)

blp = Blueprint("records", __name__, url_prefix="/families", description="探访、消息与关注 / Family records")


class VisitLogged(FactRecorded):
    joint_visit_of = ma.fields.String(
        allow_none=True, metadata={"description": "若为共同探访，所属交接 / the handover it was a joint visit of"}
    )


class RecordOpened(FactRecorded):
    id = ma.fields.String(metadata={"description": "之后引用它的编号（即事实编号）/ its id, the fact's id"})


class ConcernResolved(FactRecorded):
    concern_id = ma.fields.String()


class FollowUpDone(FactRecorded):
    follow_up_id = ma.fields.String()


def _opened(event_id: Any, family_id: Any) -> dict[str, str]:
    return {"id": str(event_id), "event_id": str(event_id), "family_id": str(family_id)}


@blp.route("/<uuid:family_id>/visits")
class Visits(MethodView):
    @blp.arguments(VisitIn)
    @blp.response(201, VisitLogged)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """Log a visit by the volunteers present; with both sides of a handover it is a joint visit / 记录探访"""
        event_id = peiban().log_visit(family_id, recorded_by=current_actor(), **given, command_id=command_id())
        # from the family just saved, not the timeline: no view is folded before the answer (readers fold it)
        handover_id = peiban().joint_visit_of(family_id, event_id)
        return {"event_id": event_id, "family_id": family_id, "joint_visit_of": handover_id}


@blp.route("/<uuid:family_id>/messages")
class Messages(MethodView):
    @blp.arguments(MessageIn)
    @blp.response(201, FactRecorded)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """Log a message between the family and a volunteer (alumni contacts included) / 记录消息"""
        event_id = peiban().log_message(family_id, recorded_by=current_actor(), **given, command_id=command_id())
        return {"event_id": event_id, "family_id": family_id}


@blp.route("/<uuid:family_id>/concerns")
class Concerns(MethodView):
    @blp.arguments(ConcernIn)
    @blp.response(201, RecordOpened)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Raise a concern about the family / 提出关注事项"""
        return _opened(
            peiban().raise_concern(family_id, recorded_by=current_actor(), **given, command_id=command_id()), family_id
        )


@blp.route("/<uuid:family_id>/concerns/<uuid:concern_id>/resolution")
class Resolution(MethodView):
    @blp.arguments(ResolutionIn)
    @blp.response(200, ConcernResolved)
    def post(self, given: dict[str, Any], family_id: Any, concern_id: Any) -> dict[str, Any]:
        """Resolve an open concern, saying how / 解决关注事项"""
        event_id = peiban().resolve_concern(
            family_id,
            concern_id=concern_id,
            recorded_by=current_actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )
        return {"event_id": event_id, "family_id": family_id, "concern_id": concern_id}


@blp.route("/<uuid:family_id>/referrals")
class Referrals(MethodView):
    @blp.arguments(ReferralIn)
    @blp.response(201, RecordOpened)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Refer the family to one of the centre's service lines / 转介"""
        made = peiban().make_referral(
            family_id, recorded_by=current_actor(), clearance=clearance(), **given, command_id=command_id()
        )
        return _opened(made, family_id)


@blp.route("/<uuid:family_id>/follow-ups")
class FollowUps(MethodView):
    @blp.arguments(FollowUpIn)
    @blp.response(201, RecordOpened)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Schedule a follow-up: what, by when, optionally by whom and for which concern / 安排跟进"""
        scheduled = peiban().schedule_follow_up(
            family_id, recorded_by=current_actor(), clearance=clearance(), **given, command_id=command_id()
        )
        return _opened(scheduled, family_id)


@blp.route("/<uuid:family_id>/follow-ups/<uuid:follow_up_id>/done")
class FollowUpCompletion(MethodView):
    @blp.arguments(FollowUpDoneIn)
    @blp.response(200, FollowUpDone)
    def post(self, given: dict[str, Any], family_id: Any, follow_up_id: Any) -> dict[str, Any]:
        """Mark a follow-up as done / 完成跟进"""
        event_id = peiban().complete_follow_up(
            family_id,
            follow_up_id=follow_up_id,
            recorded_by=current_actor(),
            clearance=clearance(),
            **given,
            command_id=command_id(),
        )
        return {"event_id": event_id, "family_id": family_id, "follow_up_id": follow_up_id}
