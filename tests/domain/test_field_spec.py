"""The record facts' field specification: declared once, checked where it is declared."""

from __future__ import annotations

from enum import Enum

import pytest

from domain.checks import Checks
from domain.errors import InvalidInput
from domain.facts import CONCERN, FOLLOW_UP, MESSAGE, REFERRAL, RESOLUTION, SPECS, VISIT, check_changes, check_fields
from domain.field_spec import Choice
from domain.limits import TEXT_LIMITS
from domain.values import Place


class Mood(Enum):
    CALM = "calm"
    CROSS = "cross"


def test_a_stored_choice_must_label_every_member() -> None:
    with pytest.raises(ValueError, match="Mood"):
        Choice(Mood, {Mood.CALM: "calm"})
    assert Choice(Mood, {Mood.CALM: "calm", Mood.CROSS: "cross"}).label(Mood.CROSS) == "cross"


def test_a_new_fact_holds_the_defaults_of_the_optional_fields_left_out() -> None:
    checks = Checks()
    visit = check_fields(checks, "visit", {"place": "home", "duration_minutes": 60, "summary": "下棋"})
    checks.done()
    assert visit == {
        "place": Place.HOME,
        "duration_minutes": 60,
        "summary": "下棋",
        "wellbeing": None,
        "activities": [],
        "follow_ups_promised": [],
        "social_worker": "",
        "service_line": None,
    }


def test_a_required_field_left_out_is_refused_with_every_other_problem_at_once() -> None:
    checks = Checks()
    check_fields(checks, "message", {"summary": " ", "family_member": "字" * (TEXT_LIMITS["family_member"] + 1)})
    with pytest.raises(InvalidInput) as refused:
        checks.done()
    problems = {name: [p.code for p in found] for name, found in refused.value.errors.items()}
    assert problems == {
        "direction": ["choice"],
        "channel": ["choice"],
        "summary": ["blank"],
        "family_member": ["too_long"],
    }


def test_an_amendment_takes_only_the_amendable_fields_of_the_facts_own_kind() -> None:
    checks = Checks()
    assert check_changes(checks, "follow_up", {"action": " 回访 "}) == {"action": "回访"}
    check_changes(checks, "referral", {"summary": "x", "reason": ""})
    with pytest.raises(InvalidInput) as refused:
        checks.done()
    assert {n: [p.code for p in found] for n, found in refused.value.errors.items()} == {
        "changes.summary": ["not_amendable"],
        "changes.reason": ["blank"],
    }


def test_what_is_recorded_once_is_never_amendable_and_every_amendable_kind_has_fields() -> None:
    assert not RESOLUTION.amendable and not SPECS["follow_up_done"].amendable
    for spec in (VISIT, MESSAGE, CONCERN, REFERRAL, FOLLOW_UP):
        assert spec.amendable == list(spec), spec.kind
