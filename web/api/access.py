"""The access log: who read a family's record, and what a user read (coordinators and auditors)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from projections.access_log import reads
from projections.engine import Projection
from projections.plain import iso
from web.api.common import Blueprint
from web.schemas.fields import Strict, Whole

blp = Blueprint("access", __name__, url_prefix="", description="查阅记录 / Access log")


class Before(Strict):
    before = ma.fields.String(load_default="9999", metadata={"description": "the `next` of the previous page"})
    limit = Whole(load_default=100, validate=ma.validate.Range(min=1, max=500))


class AccessRecordOut(ma.Schema):
    read_at = ma.fields.AwareDateTime()
    reader = ma.fields.String()
    role = ma.fields.String()
    family_id = ma.fields.String()
    what = ma.fields.String(metadata={"description": "profile, timeline, briefing, raw_facts, export, as_of"})
    address = ma.fields.String()
    detail = ma.fields.String()


class AccessPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AccessRecordOut))
    next = ma.fields.String(allow_none=True, metadata={"description": "pass as `before` for the next page"})


def _page(**where: Any) -> dict[str, Any]:
    projection: Projection = current_app.extensions["peiban.access_log"]
    limit = where.pop("limit")
    with projection.reading() as tx:
        rows = reads(tx, limit=limit + 1, **where)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": f"{iso(rows[-1].read_at)}|{rows[-1].record_id}" if more else None}


@blp.route("/families/<uuid:family_id>/readers")
class FamilyReaders(MethodView):
    @blp.arguments(Before, location="query")
    @blp.response(200, AccessPage)
    def get(self, query: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """Who read this family's record, newest first / 谁查阅过这个家庭"""
        return _page(family_id=str(family_id), before=query["before"], limit=query["limit"])


@blp.route("/readers/<string:user_name>/reads")
class ReaderReads(MethodView):
    @blp.arguments(Before, location="query")
    @blp.response(200, AccessPage)
    def get(self, query: dict[str, Any], user_name: str) -> dict[str, Any]:
        """What this user read, newest first / 这个用户查阅过什么"""
        return _page(reader=user_name, before=query["before"], limit=query["limit"])
