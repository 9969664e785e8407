"""The coordinator's continuity dashboard: uncovered, cliff and quiet families, handovers in progress and
without a joint visit; the first page of each list, how many each holds, and where the rest are."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from domain.values import HandoverState
from projections.dashboard import CLIFF_DAYS, QUIET_DAYS, Dashboard, ListPage
from projections.dashboard_lists import DashboardList, Position, arity
from projections.transition import Step
from web.access.guard import cleared_for_sensitive
from web.api.common import Blueprint, bad_query, cursor_field, decode_cursor, encode_cursor, now, read_models
from web.schemas.fields import Strict, Whole

blp = Blueprint("dashboard", __name__, url_prefix="/dashboard", description="连续性看板 / Continuity dashboard")

#: Rows of each list on the dashboard, and on a page of one list, unless ``limit`` says otherwise.
LIMIT = 25
FAMILY_LISTS = (DashboardList.FAMILIES, DashboardList.UNCOVERED, DashboardList.CLIFF, DashboardList.QUIET)
#: The endpoint that pages through each list.
PAGED_AT = {
    **{which: "dashboard.ContinuityFamilyList" for which in FAMILY_LISTS},
    DashboardList.IN_PROGRESS: "dashboard.HandoversInProgress",
    DashboardList.WITHOUT_JOINT_VISIT: "dashboard.HandoversWithoutJointVisit",
}


class DashboardQuery(Strict):
    cliff_days = Whole(
        load_default=CLIFF_DAYS,
        validate=ma.validate.Range(min=0, max=3650),
        metadata={"description": "主责义工的期次在几天内结束算“断崖” / lead's cohort ends within N days"},
    )
    quiet_days = Whole(
        load_default=QUIET_DAYS,
        validate=ma.validate.Range(min=1, max=3650),
        metadata={"description": "几天没有探访或消息算“沉寂” / no visit or message for N days"},
    )
    limit = Whole(
        load_default=LIMIT,
        validate=ma.validate.Range(min=1, max=500),
        metadata={"description": "每个列表最多列出几行 / rows of each list at most"},
    )


class ListQuery(DashboardQuery):
    after = cursor_field(description="上一页的 next（或看板 more 链接里的）/ `next` of the page before")


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


class TotalsOut(ma.Schema):
    families = ma.fields.Integer(metadata={"description": "在册家庭 / open families"})
    uncovered = ma.fields.Integer()
    cliff = ma.fields.Integer()
    quiet = ma.fields.Integer()
    in_progress = ma.fields.Integer()
    without_joint_visit = ma.fields.Integer()


class MoreOut(ma.Schema):
    families = ma.fields.String(allow_none=True)
    uncovered = ma.fields.String(allow_none=True)
    cliff = ma.fields.String(allow_none=True)
    quiet = ma.fields.String(allow_none=True)
    in_progress = ma.fields.String(allow_none=True)
    without_joint_visit = ma.fields.String(allow_none=True)


class DashboardOut(ma.Schema):
    now = ma.fields.AwareDateTime()
    cliff_days = ma.fields.Integer()
    quiet_days = ma.fields.Integer()
    limit = ma.fields.Integer(metadata={"description": "每个列表最多列出的行数 / rows of each list at most"})
    families = ma.fields.List(
        ma.fields.Nested(FamilyContinuityOut), metadata={"description": "在册家庭，按姓名 / open families, by name"}
    )
    uncovered = ma.fields.List(ma.fields.Nested(FamilyContinuityOut), metadata={"description": "按姓名 / by name"})
    cliff = ma.fields.List(
        ma.fields.Nested(FamilyContinuityOut),
        metadata={"description": "期次最早结束的在前 / soonest end of the lead's cohort first"},
    )
    quiet = ma.fields.List(
        ma.fields.Nested(FamilyContinuityOut), metadata={"description": "沉寂最久的在前 / quietest first"}
    )
    without_joint_visit = ma.fields.List(
        ma.fields.Nested(WithoutJointVisitOut), metadata={"description": "最早完成的在前 / earliest completed first"}
    )
    in_progress = ma.fields.List(
        ma.fields.Nested(HandoverInProgressOut),
        metadata={"description": "交出义工的期次最早结束的在前 / soonest end of the outgoing's cohort first"},
    )
    in_progress_total = ma.fields.Integer(metadata={"description": "= totals.in_progress"})
    totals = ma.fields.Nested(TotalsOut, metadata={"description": "每个列表的总行数 / how many rows each list holds"})
    more = ma.fields.Nested(
        MoreOut,
        metadata={"description": "每个列表的下一页地址（没有更多时为 null）/ each list's next page (null: no more)"},
    )


class FamilyPageOut(ma.Schema):
    list = ma.fields.Enum(DashboardList, by_value=True)
    total = ma.fields.Integer(metadata={"description": "整个列表的行数 / rows in the whole list"})
    items = ma.fields.List(ma.fields.Nested(FamilyContinuityOut))
    next = ma.fields.String(allow_none=True, metadata={"description": "下一页的 after / `after` of the next page"})


class InProgressPageOut(FamilyPageOut):
    items = ma.fields.List(ma.fields.Nested(HandoverInProgressOut))


class WithoutJointVisitPageOut(FamilyPageOut):
    items = ma.fields.List(ma.fields.Nested(WithoutJointVisitOut))


def _thresholds(query: dict[str, Any]) -> dict[str, Any]:
    return {
        "now": now(),
        "cliff_days": query["cliff_days"],
        "quiet_days": query["quiet_days"],
        "include_sensitive": cleared_for_sensitive(),
    }


def _next_page(which: DashboardList, query: dict[str, Any], after: Position | None) -> str | None:
    """The address of the page after ``after`` (None: there is none), with the same thresholds and limit."""
    if after is None:
        return None
    arguments: dict[str, Any] = {k: query[k] for k in ("cliff_days", "quiet_days", "limit")}
    if which in FAMILY_LISTS:
        arguments["family_list"] = which.value
    return url_for(PAGED_AT[which], **arguments, after=encode_cursor(list(after), of=list_cursor(which)))


def list_cursor(which: DashboardList) -> str:
    """What a cursor of the list ``which`` is signed as: good for that list only (on pages and in the API alike)."""
    return f"continuity:{which.value}"


def list_position(which: DashboardList, cursor: str | None) -> Position | None:
    """Where a page starts: the position a cursor of this list stands for (422 for any other cursor)."""
    position = decode_cursor(cursor, of=list_cursor(which))
    if position is None:
        return None
    if not (isinstance(position, list) and len(position) == arity(which) and all(isinstance(p, str) for p in position)):
        bad_query("after", "游标无效 / invalid cursor")
    return tuple(position)


def _page(which: DashboardList, query: dict[str, Any]) -> dict[str, Any]:
    found: ListPage[Any] = read_models().dashboard_page(
        which, **_thresholds(query), after=list_position(which, query.get("after")), limit=query["limit"]
    )
    following = encode_cursor(list(found.after), of=list_cursor(which)) if found.after is not None else None
    return {"list": which, "total": found.total, "items": found.items, "next": following}


@blp.route("/continuity")
class ContinuityDashboard(MethodView):
    @blp.arguments(DashboardQuery, location="query")
    @blp.response(200, DashboardOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The first page of each list that needs action, how many each holds, and the next pages / 连续性看板"""
        board: Dashboard = read_models().dashboard(**_thresholds(query), limit=query["limit"])
        return {
            **{name: getattr(board, name) for name in ("now", "cliff_days", "quiet_days", "in_progress_total")},
            **{which.value: page.items for which, page in board.pages.items()},
            "limit": query["limit"],
            "totals": board.totals,
            "more": {which.value: _next_page(which, query, page.after) for which, page in board.pages.items()},
        }


@blp.route("/continuity/<any(families, uncovered, cliff, quiet):family_list>")
class ContinuityFamilyList(MethodView):
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, FamilyPageOut)
    def get(self, query: dict[str, Any], family_list: str) -> dict[str, Any]:
        """A page of one list of families: open, uncovered, cliff or quiet / 看板上的一个家庭列表"""
        return _page(DashboardList(family_list), query)


@blp.route("/continuity/in_progress")
class HandoversInProgress(MethodView):
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, InProgressPageOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """A page of the handovers in progress, soonest end of the outgoing's cohort first / 进行中的交接"""
        return _page(DashboardList.IN_PROGRESS, query)


@blp.route("/continuity/without_joint_visit")
class HandoversWithoutJointVisit(MethodView):
    @blp.arguments(ListQuery, location="query")
    @blp.response(200, WithoutJointVisitPageOut)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """A page of the handovers completed without a joint visit, earliest first / 未经共同探访的交接"""
        return _page(DashboardList.WITHOUT_JOINT_VISIT, query)
