"""A volunteer's caseload: the families they accompany now, and their visits this month and this term."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from domain.values import Role, VolunteerStatus
from projections.caseload import Caseload
from web.access.guard import counts_compartments_of
from web.api.common import Blueprint, now, read_models

blp = Blueprint("caseload", __name__, url_prefix="/volunteers", description="义工的陪伴家庭 / Volunteer caseloads")


class CaseloadFamilyOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True)
    since = ma.fields.AwareDateTime()
    last_visit_at = ma.fields.AwareDateTime(allow_none=True)


class VisitTallyOut(ma.Schema):
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    visits = ma.fields.Integer()
    minutes = ma.fields.Integer()
    hours = ma.fields.Float()


class CaseloadOut(ma.Schema):
    volunteer_id = ma.fields.String()
    name = ma.fields.String()
    cohort_id = ma.fields.String()
    cohort_name = ma.fields.String()
    status = ma.fields.Enum(VolunteerStatus, by_value=True)
    families = ma.fields.List(ma.fields.Nested(CaseloadFamilyOut))
    this_month = ma.fields.Nested(VisitTallyOut, metadata={"description": "本月（上海时间）/ this calendar month"})
    this_term = ma.fields.Nested(VisitTallyOut, metadata={"description": "本期（招募日至预计结束日）/ this term"})


@blp.route("/<uuid:volunteer_id>/caseload")
class VolunteerCaseload(MethodView):
    @blp.response(200, CaseloadOut)
    def get(self, volunteer_id: Any) -> Caseload:
        """A volunteer's families and roles, last visits, visits and hours / 义工的陪伴家庭"""
        return read_models().caseload(volunteer_id, now=now(), include_sensitive=counts_compartments_of(volunteer_id))
