"""Promises made to a family during a visit: each stays open until someone records it kept or let go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from web.api.common import Blueprint, FactRecorded, clearance, current_actor, peiban
from web.api.idempotency import command_id
from web.schemas.records import PromiseKeptIn, PromiseLetGoIn

blp = Blueprint("promises", __name__, url_prefix="/families", description="探访时的承诺 / Promises")


class PromiseSettled(FactRecorded):
    promise_id = ma.fields.String(metadata={"description": "承诺的编号（见简报）/ the promise's id (see the briefing)"})


@blp.route("/<uuid:family_id>/promises/<uuid:promise_id>/kept")
class PromiseKept(MethodView):
    @blp.arguments(PromiseKeptIn)
    @blp.response(200, PromiseSettled)
    def post(self, given: dict[str, Any], family_id: Any, promise_id: Any) -> dict[str, Any]:
        """Record that an open promise was kept / 承诺已兑现"""
        return _settle(peiban().keep_promise, given, family_id, promise_id)


@blp.route("/<uuid:family_id>/promises/<uuid:promise_id>/let-go")
class PromiseLetGo(MethodView):
    @blp.arguments(PromiseLetGoIn)
    @blp.response(200, PromiseSettled)
    def post(self, given: dict[str, Any], family_id: Any, promise_id: Any) -> dict[str, Any]:
        """Record that an open promise is let go, and why / 放下承诺（说明原因）"""
        return _settle(peiban().let_promise_go, given, family_id, promise_id)


def _settle(command: Callable[..., Any], given: dict[str, Any], family_id: Any, promise_id: Any) -> dict[str, Any]:
    """Record a promise kept or let go (``command``) as the caller, and answer with the fact's id."""
    event_id = command(
        family_id,
        promise_id=promise_id,
        recorded_by=current_actor(),
        clearance=clearance(),
        **given,
        command_id=command_id(),
    )
    return {"event_id": event_id, "family_id": family_id, "promise_id": promise_id}
