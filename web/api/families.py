"""Families: enrolment, profile, consent, closure and reopening, and the directory."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from domain.errors import FamilyNotFound
from domain.limits import text_limit
from domain.values import ConsentScope, FamilyStatus
from projections.directory import FamilyRow, families, family
from projections.family_facts import family_profile
from web.access.guard import visible_families
from web.api.common import (
    Blueprint,
    FactRecorded,
    PageQuery,
    clearance,
    current_actor,
    keyset_after,
    page,
    peiban,
    read_models,
)
from web.api.errors import api_field_names
from web.api.idempotency import command_id
from web.schemas.families import ConsentIn, FamilyIn, circumstances, consent_of, household
from web.schemas.fields import Strict, choice, occurred_at, text

blp = Blueprint("families", __name__, url_prefix="/families", description="家庭 / Families")


def _changed_text(field: str) -> ma.fields.String:
    """A text that may be left out, but not emptied."""
    return ma.fields.String(validate=ma.validate.Length(min=1, max=text_limit(field)))


class ProfileChangesIn(Strict):
    """Only the fields that change; at least one."""

    display_name = _changed_text("display_name")
    community = _changed_text("community")
    referral_source = text("referral_source", required=False)
    household = household(required=False)
    circumstances = circumstances(required=False)
    occurred_at = occurred_at()


class ConsentRecordIn(ConsentIn):
    occurred_at = occurred_at()

    @ma.post_load
    def consent(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"consent": consent_of(data), "occurred_at": data.get("occurred_at")}


class ConsentWithdrawalIn(Strict):
    scopes = ma.fields.List(choice(ConsentScope), required=True)
    reason = text("reason")
    occurred_at = occurred_at()


class FamilyReasonIn(Strict):
    reason = text("reason")
    occurred_at = occurred_at()


class HouseholdMemberOut(ma.Schema):
    relation = ma.fields.String()
    birth_year = ma.fields.Integer()
    alias = ma.fields.String()


class FamilyListed(ma.Schema):
    id = ma.fields.String(attribute="family_id")
    display_name = ma.fields.String()
    community = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in FamilyStatus]})
    enrolled_at = ma.fields.AwareDateTime()
    lead_id = ma.fields.String(allow_none=True, metadata={"description": "主责义工 / lead volunteer"})
    lead_name = ma.fields.String(allow_none=True)


class FamilyOut(FamilyListed):
    referral_source = ma.fields.String()
    household = ma.fields.List(ma.fields.Nested(HouseholdMemberOut))
    circumstances = ma.fields.List(ma.fields.String())
    consent_scopes = ma.fields.List(ma.fields.String(), metadata={"description": "当前有效的同意范围"})


class FamilyQuery(PageQuery):
    status = choice(FamilyStatus, load_default=None)
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


class FamilyPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FamilyListed))
    next = ma.fields.String(allow_none=True, metadata={"description": "下一页的 after / `after` of the next page"})


def _profile(family_id: Any) -> dict[str, Any]:
    """The family's profile and where it stands now, from the views (never a replay of the log)."""
    with read_models()["timeline"].reading() as tx:
        profile = family_profile(tx, str(family_id))
    with read_models()["continuity"].reading() as tx:
        row = family(tx, str(family_id))
    if profile is None or row is None:
        raise FamilyNotFound()
    return {**asdict(profile), **asdict(row)}


def _recorded(event_id: Any, family_id: Any) -> dict[str, str]:
    return {"event_id": str(event_id), "family_id": str(family_id)}


@blp.route("")
class Families(MethodView):
    @blp.arguments(FamilyQuery, location="query")
    @blp.response(200, FamilyPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """List families by name, filtered by status or by name or community / 家庭名录"""
        status = query["status"]
        with read_models()["continuity"].reading() as tx:
            rows: list[FamilyRow] = families(
                tx,
                status=status.value if status else None,
                search=query["q"].strip(),
                only=visible_families(),
                after=keyset_after(query.get("after"), of="families"),
                limit=query["limit"] + 1,
            )
        return page(rows, query["limit"], lambda f: [f.display_name, f.family_id], of="families")

    @blp.arguments(FamilyIn)
    @blp.response(201, FamilyOut)
    def post(self, given: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Enrol a family with its household, circumstances and guardian consent / 家庭建档"""
        given.setdefault("referral_source", "")
        family_id = peiban().enrol_family(recorded_by=current_actor(), **given, command_id=command_id())
        return _profile(family_id), 201, {"Location": url_for("families.OneFamily", family_id=family_id)}


@blp.route("/<uuid:family_id>")
class OneFamily(MethodView):
    @blp.response(200, FamilyOut)
    def get(self, family_id: Any) -> dict[str, Any]:
        """A family's profile and who accompanies it / 家庭资料"""
        return _profile(family_id)


@blp.route("/<uuid:family_id>/profile")
class Profile(MethodView):
    @blp.arguments(ProfileChangesIn)
    @blp.response(200, FactRecorded)
    @api_field_names(changes="_schema")
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Change the name shown, community, referral source, household or circumstances / 修改家庭资料"""
        when = given.pop("occurred_at", None)
        event_id = peiban().update_family_profile(
            family_id, changes=given, recorded_by=current_actor(), occurred_at=when, command_id=command_id()
        )
        return _recorded(event_id, family_id)


@blp.route("/<uuid:family_id>/consents")
class Consents(MethodView):
    @blp.arguments(ConsentRecordIn)
    @blp.response(200, FactRecorded)
    @api_field_names(
        **{f"consent.{name}": name for name in ("guardian_relation", "scopes", "given_on")}, consent="_schema"
    )
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Record a guardian's further consent / 记录监护人的补充同意"""
        event_id = peiban().record_consent(family_id, **given, recorded_by=current_actor(), command_id=command_id())
        return _recorded(event_id, family_id)


@blp.route("/<uuid:family_id>/consent-withdrawals")
class ConsentWithdrawals(MethodView):
    @blp.arguments(ConsentWithdrawalIn)
    @blp.response(200, FactRecorded)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Record that the guardian withdrew consent for some scopes / 记录撤回同意"""
        event_id = peiban().withdraw_consent(family_id, recorded_by=current_actor(), **given, command_id=command_id())
        return _recorded(event_id, family_id)


@blp.route("/<uuid:family_id>/closure")
class Closure(MethodView):
    @blp.arguments(FamilyReasonIn)
    @blp.response(200, FactRecorded)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Close the family's case; its assignments end / 结案"""
        event_id = peiban().close_family(
            family_id, recorded_by=current_actor(), clearance=clearance(), **given, command_id=command_id()
        )
        return _recorded(event_id, family_id)


@blp.route("/<uuid:family_id>/reopening")
class Reopening(MethodView):
    @blp.arguments(FamilyReasonIn)
    @blp.response(200, FactRecorded)
    def post(self, given: dict[str, Any], family_id: Any) -> dict[str, str]:
        """Reopen a closed family's case / 重新开案"""
        event_id = peiban().reopen_family(family_id, recorded_by=current_actor(), **given, command_id=command_id())
        return _recorded(event_id, family_id)
