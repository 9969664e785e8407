"""Requests that enrol a family and change its profile: the household, circumstances and consent."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from domain.values import Circumstance, ConsentScope, GuardianConsent, HouseholdMember, Relation
from web.schemas.fields import Strict, Whole, choice, occurred_at, text

MOST_MEMBERS = 30


class HouseholdMemberIn(Strict):
    relation = choice(Relation, required=True, metadata={"description": "与儿童的关系"})
    birth_year = Whole(strict=True, required=True, validate=ma.validate.Range(min=1900, max=2100))
    alias = text("alias", required=False, metadata={"description": "称呼，勿用真名 / alias, never a legal name"})

    @ma.post_load
    def member(self, data: dict[str, Any], **_: Any) -> HouseholdMember:
        return HouseholdMember(data["relation"], data["birth_year"], data.get("alias", ""))


def household(required: bool) -> ma.fields.List[Any]:
    return ma.fields.List(
        ma.fields.Nested(HouseholdMemberIn),
        required=required,
        validate=ma.validate.Length(min=1, max=MOST_MEMBERS),
        metadata={"description": "家庭成员，至少一名儿童 / household members, at least one child"},
    )


def circumstances(required: bool) -> ma.fields.List[Any]:
    return ma.fields.List(choice(Circumstance), required=required)


class ConsentIn(Strict):
    guardian_relation = choice(Relation, required=True)
    scopes = ma.fields.List(choice(ConsentScope), required=True)
    given_on = ma.fields.Date(required=True, metadata={"description": "同意日期 / day consent was given"})

    @ma.post_load
    def consent(self, data: dict[str, Any], **_: Any) -> GuardianConsent:
        return consent_of(data)


def consent_of(data: dict[str, Any]) -> GuardianConsent:
    """A guardian's consent from its checked fields."""
    return GuardianConsent(data["guardian_relation"], tuple(data["scopes"]), data["given_on"])


class FamilyIn(Strict):
    display_name = text("display_name", metadata={"description": "显示名称（化名）/ name shown, an alias"})
    community = text("community", metadata={"description": "社区 / community"})
    referral_source = text("referral_source", required=False)
    household = household(required=True)
    circumstances = circumstances(required=True)
    consent = ma.fields.Nested(ConsentIn, required=True, metadata={"description": "监护人同意 / guardian consent"})
    occurred_at = occurred_at()
