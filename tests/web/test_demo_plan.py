"""The demo's plan on every day of a year: each showcase situation is there, whatever day the story ends.

The story is planned relative to its last day, and on some days it used to leave a situation out (on
2026-11-30 no handover was under way, and the suite went red). Planning is cheap, so every day is checked.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.web.demo_plan import CLIFF_DAYS, missing_showcases, picture
from web.demo.story import plan_demo

#: A year of consecutive last days (every weekday, every day of the month, month and year ends), from
#: before the day that went red.
FIRST_DAY, DAYS = date(2026, 9, 1), 366
EVERY_DAY = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
#: Days with a calendar of their own: leap days, the ends of months of every length, far away years.
ODD_DAYS = [date(2024, 2, 29), date(2028, 2, 29), date(2028, 3, 1), date(2025, 1, 31), date(2031, 12, 31)]


@pytest.mark.parametrize("today", EVERY_DAY + ODD_DAYS, ids=date.isoformat)
def test_every_showcase_situation_is_in_the_story_whatever_day_it_ends(today: date) -> None:
    # given the demo story planned to end on this day
    seen = picture(plan_demo(today), today)
    # then the coordinator has every situation the demo exists to show
    assert missing_showcases(seen) == []


@pytest.mark.parametrize("today", [date(2026, 11, 30), *ODD_DAYS], ids=date.isoformat)
def test_the_leaving_cohort_ends_the_same_number_of_days_after_the_last_day(today: date) -> None:
    # given the story planned to end on this day, and on the day before
    days_left = []
    for last_day in (today - timedelta(days=1), today):
        seen = picture(plan_demo(last_day), last_day)
        leaving = min(end for end in seen.cohort_ends.values() if end > last_day)
        days_left.append((leaving - last_day).days)
    # then the cohort leaving now ends within the cliff's days, as many days away whatever the month
    assert days_left[0] == days_left[1]
    assert 0 < days_left[1] <= CLIFF_DAYS
