"""Bulk synthetic data for load tests and benchmarks: many families, many facts, fast.

Each family's facts are decided by the real aggregates (so every rule holds) and
saved in one transaction per family, which is what makes a million facts feasible.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain import Actor, Peiban
from domain.aggregate import Entry
from domain.cohort import Cohort
from domain.family import Family
from domain.values import Circumstance, ConsentScope, GuardianConsent, HouseholdMember, Relation, Role
from domain.volunteer import Volunteer

BY = Actor("generator")


@dataclass(frozen=True)
class Generated:
    families: list[UUID]
    volunteers: list[UUID]
    facts: int


def generate(
    app: Peiban,
    *,
    families: int,
    facts_per_family: int,
    seed: int = 7,
    start: datetime = datetime(2021, 1, 4, 9, tzinfo=UTC),
    progress: Callable[[int, int], None] | None = None,
) -> Generated:
    """Record ``families`` families with about ``facts_per_family`` facts each (visits and messages)."""
    rng = random.Random(seed)
    at_start = Entry(BY, start, start)
    cohort = Cohort.open(
        at_start, name="合成数据", intake_on=start.date(), expected_end_on=start.date() + timedelta(days=3650)
    )
    volunteers = []
    for i in range(max(families // 5, 2)):
        volunteer = Volunteer.register(at_start, name=f"义工{i}", cohort_id=cohort.id, contact="-")
        volunteer.activate(at_start)
        volunteers.append(volunteer)
    app.save(cohort, *volunteers)
    ids, total = [], 1 + 2 * len(volunteers)
    for n in range(families):
        lead = rng.choice(volunteers).standing
        family = Family.enrol(
            at_start,
            display_name=f"家庭{n}",
            community="合成社区",
            referral_source="",
            household=[HouseholdMember(Relation.CHILD, 2015)],
            circumstances=[Circumstance.MIGRANT],
            consent=GuardianConsent(Relation.MOTHER, (ConsentScope.RECORDS,), date(2020, 12, 1)),
        )
        family.assign(at_start, volunteer=lead, role=Role.LEAD)
        when = start
        for k in range(max(facts_per_family - 2, 0)):
            when += timedelta(hours=rng.randint(20, 200))
            if k % 3 == 2:
                family.log_message(
                    Entry(BY, when, when),
                    volunteer=lead,
                    direction="from_family",
                    channel="wechat",
                    summary="近况还好，谢谢关心",
                )
            else:
                family.log_visit(
                    Entry(BY, when, when),
                    volunteers=[lead],
                    place="home",
                    duration_minutes=rng.randint(30, 150),
                    summary="陪孩子写作业，聊了学校的事",
                    activities=["作业辅导"],
                )
        app.save(family)
        ids.append(family.id)
        total += family.version
        if progress is not None:
            progress(n + 1, families)
    return Generated(ids, [v.id for v in volunteers], total)
