"""A family's case file (JSON): its whole record as the caller may read it, stamped with the seal."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from web.api.common import Blueprint
from web.case_file import callers_case_file, file_name

blp = Blueprint("case_file", __name__, url_prefix="/families", description="案卷导出 / Case file")


class SealStampOut(ma.Schema):
    log_position = ma.fields.Integer(metadata={"description": "导出时日志的位置 / the log's position when exported"})
    sealed_position = ma.fields.Integer(metadata={"description": "哈希链到达的位置 / last fact in the hash chain"})
    head = ma.fields.String()
    state = ma.fields.String(metadata={"description": "intact, broken, or unverified"})
    verified_position = ma.fields.Integer(
        allow_none=True, metadata={"description": "最近一次核验完好到的位置 / last verified intact up to here"}
    )
    verified_at = ma.fields.String(allow_none=True)
    broken_at = ma.fields.Integer(allow_none=True)
    latest_checkpoint = ma.fields.Dict(allow_none=True)


class CaseFileOut(ma.Schema):
    format = ma.fields.String()
    family_id = ma.fields.String()
    exported_at = ma.fields.String(metadata={"description": "导出时间（ISO 8601，UTC）/ when exported"})
    exported_by = ma.fields.String()
    compartments_included = ma.fields.Boolean(
        metadata={"description": "含敏感服务线（反家暴、庇护所）/ the sensitive compartments are in"}
    )
    seal = ma.fields.Nested(SealStampOut)
    profile = ma.fields.Dict()
    timeline = ma.fields.Dict(metadata={"description": "时间线：条目、篇章、交接 / entries, chapters, handovers"})
    facts = ma.fields.List(
        ma.fields.Dict(),
        allow_none=True,
        metadata={"description": "原始事实，仅审计方 / raw facts as stored, auditors only (else null)"},
    )


@blp.route("/<uuid:family_id>/case-file")
class FamilyCaseFile(MethodView):
    @blp.response(200, CaseFileOut)
    def get(self, family_id: Any) -> tuple[dict[str, Any], int, dict[str, str]]:
        """A family's whole record in one document, stamped with the seal; the export is in the read audit
        / 导出家庭案卷"""
        disposition = f'attachment; filename="{file_name(family_id, "json")}"'
        return callers_case_file(family_id), 200, {"Content-Disposition": disposition}
