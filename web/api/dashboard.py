"""The coordinator's continuity dashboard: uncovered, cliff and quiet families, handovers without a joint visit."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from domain.values import HandoverState
from projections.dashboard import Dashboard
from projections.transition import Step
from web.access.guard import cleared_for_sensitive
from web.api.common import Blueprint, now, read_models
from web.schemas.fields import Strict, Whole

blp = Blueprint("dashboard", __name__, url_prefix="/dashboard", description="连续性看板 / Continuity dashboard")


class DashboardQuery(Strict):
    cliff_days = Whole(
        load_default=60,
        validate=ma.validate.Range(min=0, max=3650),
        metadata={"description": "主责义工的期次在几天内结束算“断崖” / lead's cohort ends within N days"},
    )
    quiet_days = Whole(
        load_default=30,
        validate=ma.validate.Range(min=1, max=3650),
        metadata={"description": "几天没有探访或消息算“沉寂” / no visit or message for N days"},
    )


class OpenHandoverOut(ma.Schema):
    handover_id = ma.fields.String()
    outgoing_id = ma.fields.String()
    incoming_id = ma.fields.String()
    incoming_name = ma.fields.String()
    planned_on = ma.fields.Date()
    state = ma.fields.Enum(HandoverState, by_value=True)
    family_agreed = ma.fields.Boolean()
    joint_visits = ma.fields.Integer()


class FamilyContinuityOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    lead_id = ma.fields.String(allow_none=True)
    lead_name = ma.fields.String(allow_none=True)
    lead_departed = ma.fields.Boolean()
    is_covered = ma.fields.Boolean(metadata={"description": "有在岗的主责义工 / has a lead still in the programme"})
    cohort_id = ma.fields.String(allow_none=True)
    cohort_name = ma.fields.String(allow_none=True)
    cohort_ends_on = ma.fields.Date(allow_none=True)
    days_left = ma.fields.Integer(allow_none=True)
    successor_planned = ma.fields.Boolean()
    handover = ma.fields.Nested(OpenHandoverOut, allow_none=True)
    last_contact_at = ma.fields.AwareDateTime(allow_none=True)
    days_since_contact = ma.fields.Integer(allow_none=True)
    days_quiet = ma.fields.Integer()
    open_concerns = ma.fields.Integer()


class WithoutJointVisitOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    handover_id = ma.fields.String()
    outgoing_name = ma.fields.String()
    incoming_name = ma.fields.String()
    completed_at = ma.fields.AwareDateTime()
    reason = ma.fields.String()


class HandoverInProgressOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    handover_id = ma.fields.String()
    outgoing_name = ma.fields.String()
    incoming_name = ma.fields.String()
    planned_on = ma.fields.Date()
    joint_visits = ma.fields.Integer()
    agreed = ma.fields.Boolean()
    step = ma.fields.Enum(Step, by_value=True, metadata={"description": "planned → joint_visits → agreed"})
    cohort_id = ma.fields.String(allow_none=True, metadata={"description": "交出义工的期次 / the outgoing's cohort"})
    days_left = ma.fields.Integer(allow_none=True, metadata={"description": "距该期结束的天数 / days to its end"})


class DashboardOut(ma.Schema):
    now = ma.fields.AwareDateTime()
    cliff_days = ma.fields.Integer()
    quiet_days = ma.fields.Integer()
    families = ma.fields.List(ma.fields.Nested(FamilyContinuityOut))
    uncovered = ma.fields.List(ma.fields.Nested(FamilyContinuityOut))
    cliff = ma.fields.List(ma.fields.Nested(FamilyContinuityOut))
    quiet = ma.fields.List(ma.fields.Nested(FamilyContinuityOut))
    without_joint_visit = ma.fields.List(ma.fields.Nested(WithoutJointVisitOut))
    in_progress = ma.fields.List(
        ma.fields.Nested(HandoverInProgressOut),
        metadata={"description": "进行中的交接（最多 50 个，最早结束的期次在前）/ handovers in progress (at most 50)"},
    )
    in_progress_total = ma.fields.Integer()


@blp.route("/continuity")
class ContinuityDashboard(MethodView):
    @blp.arguments(DashboardQuery, location="query")
    @blp.response(200, DashboardOut)
    def get(self, query: dict[str, Any]) -> Dashboard:
        """Every open family's continuity, and the lists that need action / 连续性看板"""
        return read_models().dashboard(
            now=now(),
            cliff_days=query["cliff_days"],
            quiet_days=query["quiet_days"],
            include_sensitive=cleared_for_sensitive(),
        )
