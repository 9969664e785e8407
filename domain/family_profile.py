"""Checks for who a family is: its household and its guardian's consent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from domain.checks import Checks
from domain.errors import Problem
from domain.values import ConsentScope, GuardianConsent, HouseholdMember, Relation


def latest_today(now: datetime) -> date:
    """Today's date where it is latest on Earth (UTC+14): no local 'today' is refused as future."""
    return (now + timedelta(hours=14)).date()


def check_household(checks: Checks, value: object, now: datetime) -> list[HouseholdMember]:
    """Members given as objects or mappings; at least one child."""
    if value is None or isinstance(value, (str, Mapping)) or not isinstance(value, Iterable):
        checks.add("household", Problem("type", "household"))
        return []
    members: list[HouseholdMember] = []
    for i, given in enumerate(value):
        item = vars(given) if isinstance(given, HouseholdMember) else given
        if not isinstance(item, Mapping):
            checks.add(f"household.{i}", Problem("type", "household_member"))
            continue
        members.append(
            HouseholdMember(
                relation=checks.choice(f"household.{i}.relation", item.get("relation"), Relation),
                birth_year=checks.whole(
                    f"household.{i}.birth_year", item.get("birth_year"), low=1900, high=latest_today(now).year
                ),
                alias=checks.text(f"household.{i}.alias", item.get("alias", ""), required=False),
            )
        )
    if len(members) > 30:
        checks.add("household", Problem("too_many", "members", most=30))
    if not any(m.relation is Relation.CHILD for m in members):
        checks.add("household", Problem("no_child"))
    return members


def check_consent(checks: Checks, value: object, now: datetime, *, enrolling: bool = True) -> GuardianConsent:
    """A guardian's consent; enrolment (keeping any record at all) needs the ``records`` scope."""
    if isinstance(value, GuardianConsent):
        value = {"guardian_relation": value.guardian_relation, "scopes": value.scopes, "given_on": value.given_on}
    if not isinstance(value, Mapping):
        checks.add("consent", Problem("required", "consent"))
        return GuardianConsent(Relation.GUARDIAN, (), now.date())
    consent = GuardianConsent(
        guardian_relation=checks.choice("consent.guardian_relation", value.get("guardian_relation"), Relation),
        scopes=tuple(checks.choices("consent.scopes", value.get("scopes"), ConsentScope, required=True)),
        given_on=checks.day("consent.given_on", value.get("given_on")),
    )
    if consent.given_on > latest_today(now):
        checks.add("consent.given_on", Problem("future", "day"))
    if enrolling and ConsentScope.RECORDS not in consent.scopes:
        checks.add(
            "consent.scopes",
            Problem("records"),
        )
    return consent
