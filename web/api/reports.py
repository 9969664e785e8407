"""The cohort continuity report for funders: as JSON, or as a CSV file to open in a spreadsheet."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from projections.plain import local_day
from projections.reports import CohortReport, cohort_report_csv
from web.access.guard import cleared_for_sensitive
from web.api.common import Blueprint, now, read_models
from web.schemas.fields import Strict

blp = Blueprint("reports", __name__, url_prefix="/reports", description="资助方报告 / Reports for funders")

CSV = "text/csv; charset=utf-8"


class ReportQuery(Strict):
    format = ma.fields.String(
        load_default="json",
        validate=ma.validate.OneOf(["json", "csv"]),
        metadata={"description": "json，或 csv（表头中英双语）/ json, or csv with bilingual headers"},
    )


class TransitionOut(ma.Schema):
    cohort_id = ma.fields.String()
    cohort_name = ma.fields.String()
    expected_end_on = ma.fields.Date()
    handovers = ma.fields.Integer()
    families_handed_over = ma.fields.Integer()
    with_joint_visit = ma.fields.Integer()
    joint_visit_share = ma.fields.Float()
    gap_days_median = ma.fields.Float(allow_none=True)
    gap_days_max = ma.fields.Integer(allow_none=True)
    families_lost = ma.fields.Integer(metadata={"description": "交接后 90 天内结案 / closed within 90 days"})
    alumni_in_touch = ma.fields.Integer()


class PeriodOut(ma.Schema):
    period = ma.fields.String(metadata={"description": "e.g. 2025Q3"})
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    families_served = ma.fields.Integer()
    visits = ma.fields.Integer()
    messages = ma.fields.Integer()
    volunteer_hours = ma.fields.Float()


class CohortReportOut(ma.Schema):
    transitions = ma.fields.List(ma.fields.Nested(TransitionOut))
    periods = ma.fields.List(ma.fields.Nested(PeriodOut))


@blp.route("/cohorts")
class CohortReportResource(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, CohortReportOut)
    @blp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/csv",
        description="报告；?format=csv 时为 CSV 文件 / the report; with ?format=csv a CSV file, bilingual headers",
        success=True,
    )
    def get(self, query: dict[str, Any]) -> CohortReport | Response:
        """Each cohort's handovers and each quarter's service / 期次交接与季度服务报告"""
        report = read_models().cohort_report(include_sensitive=cleared_for_sensitive())
        if query["format"] == "json":
            return report
        filename = f"peiban-cohort-report-{local_day(now()).isoformat()}.csv"
        return Response(
            cohort_report_csv(report).encode("utf-8"),
            content_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
