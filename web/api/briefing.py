"""A volunteer's briefing before the first visit to a family: never the sensitive compartments."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from web.api.common import Blueprint, now, read_models

blp = Blueprint("briefing", __name__, url_prefix="/families", description="首次探访前的简报 / Briefings")


class TenureOut(ma.Schema):
    volunteer_id = ma.fields.String()
    name = ma.fields.String()
    cohort = ma.fields.String()
    started_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    days = ma.fields.Integer()


class LetterOut(ma.Schema):
    from_name = ma.fields.String()
    to_name = ma.fields.String()
    written_at = ma.fields.AwareDateTime()
    text = ma.fields.String()


class VisitNoteOut(ma.Schema):
    occurred_at = ma.fields.AwareDateTime()
    volunteers = ma.fields.List(ma.fields.String(), metadata={"description": "在场义工姓名 / names of those present"})
    summary = ma.fields.String()
    wellbeing = ma.fields.String(allow_none=True)
    activities = ma.fields.List(ma.fields.String())


class PendingOut(ma.Schema):
    event_id = ma.fields.String(
        metadata={
            "description": "事实编号；承诺则为承诺编号（…/promises/{id}/kept 或 let-go）/ the fact's id; for a promise,"
            " the promise's id (…/promises/{id}/kept or let-go)"
        }
    )
    kind = ma.fields.String(metadata={"description": "关注等级，或 scheduled / promised / concern level, or …"})
    text = ma.fields.String()
    since = ma.fields.AwareDateTime()
    due_on = ma.fields.String(allow_none=True, metadata={"description": "YYYY-MM-DD"})


class WhatWorksOut(ma.Schema):
    activity = ma.fields.String()
    visits = ma.fields.Integer(metadata={"description": "状态好的探访中做过几次 / good visits it was part of"})


class BriefingOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    community = ma.fields.String()
    household = ma.fields.List(ma.fields.Dict(keys=ma.fields.String()))
    circumstances = ma.fields.List(ma.fields.String())
    predecessors = ma.fields.List(ma.fields.Nested(TenureOut))
    letters = ma.fields.List(ma.fields.Nested(LetterOut))
    recent_visits = ma.fields.List(ma.fields.Nested(VisitNoteOut))
    what_works = ma.fields.List(ma.fields.Nested(WhatWorksOut))
    open_concerns = ma.fields.List(ma.fields.Nested(PendingOut))
    follow_ups = ma.fields.List(ma.fields.Nested(PendingOut))
    days_since_last_contact = ma.fields.Integer(allow_none=True)
    next_planned_on = ma.fields.Date(allow_none=True)


@blp.route("/<uuid:family_id>/briefing")
class FamilyBriefing(MethodView):
    @blp.response(200, BriefingOut)
    def get(self, family_id: Any) -> dict[str, Any]:
        """What a volunteer should know before the first visit / 首次探访前的简报"""
        briefing = read_models().briefing(family_id, now=now())
        return {
            **asdict(briefing),
            "what_works": [{"activity": activity, "visits": visits} for activity, visits in briefing.what_works],
        }
