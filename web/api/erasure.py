"""Erasure for coordinators: the retention list (candidates, with the reason) and erasing a family."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from projections.retention import RetentionReason
from web.api.common import Blueprint, FactRecorded, current_actor, now, peiban, read_models
from web.api.idempotency import command_id, store
from web.infra.erasure import erase_family
from web.infra.volunteer_erasure import Stores, erase_volunteer
from web.schemas.fields import Strict, text

blp = Blueprint("erasure", __name__, description="删除与保存期限 / Erasure and retention")

#: What each reason says, Chinese first.
REASONS = {
    RetentionReason.CLOSED_LONG_AGO: "结案已超过保存期限 / closed longer ago than the retention period",
    RetentionReason.CONSENT_WITHDRAWN: "监护人已撤回对记录的同意 / the guardian withdrew consent to records",
}


class CandidateOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "closed_long_ago | consent_withdrawn"})
    reason_text = ma.fields.String()
    since = ma.fields.AwareDateTime()


class RetentionOut(ma.Schema):
    retention_days = ma.fields.Integer(metadata={"description": "PEIBAN_RETENTION_DAYS"})
    candidates = ma.fields.List(ma.fields.Nested(CandidateOut))


class ErasureIn(Strict):
    reason = text("reason")


@blp.route("/retention")
class RetentionList(MethodView):
    @blp.response(200, RetentionOut)
    def get(self) -> dict[str, Any]:
        """Families to consider erasing, with the reason / 可考虑删除的家庭及原因"""
        days = current_app.config["PEIBAN_SETTINGS"].retention_days
        found = read_models().retention_candidates(now=now(), retention_days=days)
        return {
            "retention_days": days,
            "candidates": [{**vars(c), "reason": c.reason.value, "reason_text": REASONS[c.reason]} for c in found],
        }


@blp.route("/families/<uuid:family_id>/erasure")
class Erasure(MethodView):
    @blp.arguments(ErasureIn)
    @blp.response(201, FactRecorded)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Erase the family's record for good: its key is destroyed, views drop it / 删除家庭记录（不可恢复）"""
        settings = current_app.config["PEIBAN_SETTINGS"]
        event_id = erase_family(
            peiban(),
            read_models(),
            store(),
            settings,
            family_id,
            **given,
            recorded_by=current_actor(),
            command_id=command_id(),
        )
        return {"event_id": str(event_id), "family_id": str(family_id)}


class VolunteerErasureOut(ma.Schema):
    event_id = ma.fields.String(metadata={"description": "记录的事实编号 / id of the recorded fact"})
    volunteer_id = ma.fields.String()


def erasure_stores() -> Stores:
    """This process's stores, as an erasure of a volunteer needs them."""
    ext = current_app.extensions
    return Stores(
        peiban(),
        read_models(),
        ext["peiban.accounts"],
        ext["peiban.audit"],
        ext["peiban.access_log"],
        ext["peiban.sessions"],
        store(),
        current_app.config["PEIBAN_SETTINGS"],
    )


@blp.route("/volunteers/<uuid:volunteer_id>/erasure")
class VolunteerErasure(MethodView):
    @blp.arguments(ErasureIn)
    @blp.response(201, VolunteerErasureOut)
    def post(self, given: dict[str, Any], volunteer_id: Any) -> dict[str, str]:
        """Erase a departed volunteer's personal data and accounts for good; families' histories keep them,
        nameless / 删除已离开义工的个人资料（不可恢复）"""
        event_id = erase_volunteer(
            erasure_stores(), volunteer_id, **given, recorded_by=current_actor(), command_id=command_id()
        )
        return {"event_id": str(event_id), "volunteer_id": str(volunteer_id)}
