"""Cohorts: recruitment intakes with their expected end dates."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from domain.errors import CohortNotFound
from projections.directory import CohortRow, cohorts
from web.api.common import Blueprint, current_actor, peiban, read_models
from web.api.errors import api_field_names
from web.api.idempotency import command_id
from web.schemas.people import CohortIn

blp = Blueprint("cohorts", __name__, url_prefix="/cohorts", description="义工期次 / Cohorts")


class CohortOut(ma.Schema):
    id = ma.fields.String(attribute="cohort_id")
    name = ma.fields.String()
    starts_on = ma.fields.Date(attribute="intake_on")
    ends_on = ma.fields.Date(attribute="expected_end_on")
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    volunteers = ma.fields.Integer()


class CohortList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CohortOut))


def _find(cohort_id: str) -> CohortRow:
    with read_models()["continuity"].reading() as tx:
        found = next((c for c in cohorts(tx) if c.cohort_id == cohort_id), None)
    if found is None:
        raise CohortNotFound()
    return found


@blp.route("")
class Cohorts(MethodView):
    @blp.response(200, CohortList)
    def get(self) -> dict[str, Any]:
        """List cohorts, newest first / 列出各期义工"""
        with read_models()["continuity"].reading() as tx:
            return {"items": cohorts(tx)}

    @blp.arguments(CohortIn)
    @blp.response(201, CohortOut)
    @api_field_names(intake_on="starts_on", expected_end_on="ends_on")
    def post(self, given: dict[str, Any]) -> CohortRow:
        """Open a cohort / 开设新一期义工"""
        cohort_id = peiban().open_cohort(
            name=given["name"],
            intake_on=given["starts_on"],
            expected_end_on=given["ends_on"],
            recorded_by=current_actor(),
            command_id=command_id(),
        )
        return _find(str(cohort_id))


@blp.route("/<uuid:cohort_id>")
class OneCohort(MethodView):
    @blp.response(200, CohortOut)
    def get(self, cohort_id: Any) -> CohortRow:
        """One cohort / 查看一期义工"""
        return _find(str(cohort_id))


@blp.route("/<uuid:cohort_id>/close")
class CloseCohort(MethodView):
    @blp.response(200, CohortOut)
    def post(self, cohort_id: Any) -> CohortRow:
        """Close a cohort whose volunteers have left / 结束一期义工"""
        peiban().close_cohort(cohort_id, recorded_by=current_actor(), command_id=command_id())
        return _find(str(cohort_id))
