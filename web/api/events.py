"""A family's raw facts, step by step as they were recorded, for auditors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from domain.accounts import Accounts
from domain.aggregate import PeibanAggregate
from projections.erasure import ERASED_VOLUNTEER
from projections.plain import fact_fields
from web.api.common import Blueprint, PageQuery, bad_query, decode_cursor, encode_cursor, peiban

blp = Blueprint("events", __name__, url_prefix="/families", description="原始事实日志 / Raw facts, for auditors")

#: Positions are a family's versions: counted from 1, and well inside a 64-bit integer.
LAST_POSITION = 2**62


class FactOut(ma.Schema):
    position = ma.fields.Integer(metadata={"description": "在该家庭记录中的位置（版本）/ version within the family"})
    event_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "事实类名 / class name, e.g. Family.VisitLogged"})
    occurred_at = ma.fields.AwareDateTime()
    recorded_at = ma.fields.AwareDateTime()
    recorded_by = ma.fields.String()
    # Named apart from ``Schema.fields``; on the wire it is "fields".
    own_fields = ma.fields.Dict(
        data_key="fields", keys=ma.fields.String(), metadata={"description": "事实自身的字段 / the fact's own fields"}
    )


class FactPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FactOut))
    next = ma.fields.String(allow_none=True, metadata={"description": "下一页的游标 / cursor of the next page"})


def _list(family_id: Any) -> str:
    """What a cursor of a family's facts is signed as: good for that family's facts only."""
    return f"facts:{family_id}"


def _after(cursor: str | None, family_id: Any) -> int:
    """The position a ``next`` cursor of the family's facts stands for (0: from the first fact)."""
    position = decode_cursor(cursor, of=_list(family_id))
    if position is None:
        return 0
    if type(position) is not int or not 0 <= position <= LAST_POSITION:
        bad_query("after", "游标无效 / invalid cursor")
    return position


def _fact(event: PeibanAggregate.Event, erased: Callable[[str], bool]) -> dict[str, Any]:
    """One fact as stored; who recorded it is the neutral name if their account was erased (as in the case file)."""
    return {
        "position": event.originator_version,
        "event_id": str(event.event_id),
        "kind": type(event).__qualname__,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "recorded_by": ERASED_VOLUNTEER if erased(event.recorded_by) else event.recorded_by,
        "own_fields": fact_fields(event),
    }


@blp.route("/<uuid:family_id>/events")
class FamilyFacts(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, FactPage)
    def get(self, query: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """A family's raw facts in the order they were recorded, never altered / 原始事实（审计用）"""
        limit = query["limit"]
        facts = peiban().family_facts(family_id, after=_after(query.get("after"), family_id), limit=limit + 1)
        more = len(facts) > limit
        facts = facts[:limit]
        accounts: Accounts = current_app.extensions["peiban.accounts"]
        erased = functools.cache(accounts.is_erased_user)  # one look-up per recorder, not per fact
        return {
            "items": [_fact(e, erased) for e in facts],
            "next": encode_cursor(facts[-1].originator_version, of=_list(family_id)) if more and facts else None,
        }
