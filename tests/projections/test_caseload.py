"""A volunteer's caseload, read from the continuity view, fed by commands through the application."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.family import Family
from domain.values import Role, VolunteerStatus
from projections.caseload import volunteer_caseload
from projections.continuity_view import ContinuityView
from projections.db import view_database
from projections.engine import Projection
from tests.builders import Scene, StepClock, family_profile, scene, visit


@dataclass(frozen=True)
class Setting:
    s: Scene
    projection: Projection
    zhang: UUID
    shelter_visit: UUID


@pytest.fixture
def setting(store_settings: StoreSettings, clock: StepClock) -> Iterator[Setting]:
    """林家 led by 义工1 (义工2 shadowing) and 张家 led by 义工2 (义工1 co), with visits in March and April.

    The scene's cohort 2024级 runs 2024-09-01 .. 2026-01-31; 义工1 leads 林家 from 2025-03-01.
        2025-03-10 09:00 UTC   林家, 义工1, 60'
        2025-03-31 17:00 UTC   林家, 义工1, 90'   (01:00 on 04-01 in Shanghai: an April visit)
        2025-04-10 09:00 UTC   张家, 义工1 + 义工2, 45'
        2025-04-12 09:00 UTC   林家, 义工2, 30', shelter line (sensitive)
        2025-04-15 09:00 UTC   林家, 义工1, 30', retracted afterwards
    and read on 2025-04-20.
    """
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    projection = Projection(app, ContinuityView(), view_database(store_settings, "continuity"))
    s = scene(app, clock)
    first, second = s.volunteers
    app.assign_volunteer(s.fid, volunteer_id=second, role="shadow", recorded_by=Actor("c"))

    def at(when: datetime, family: UUID, *who: UUID, minutes: int, **fields: str) -> UUID:
        clock.now = when
        return app.log_visit(
            family, volunteer_ids=list(who), recorded_by=Actor("v"), **visit(duration_minutes=minutes, **fields)
        )

    at(datetime(2025, 3, 10, 9, tzinfo=UTC), s.fid, first, minutes=60)
    at(datetime(2025, 3, 31, 17, tzinfo=UTC), s.fid, first, minutes=90)
    zhang = app.enrol_family(recorded_by=Actor("c"), **family_profile(display_name="张家"))
    app.assign_volunteer(zhang, volunteer_id=second, role="lead", recorded_by=Actor("c"))
    app.assign_volunteer(zhang, volunteer_id=first, role="co", recorded_by=Actor("c"))
    at(datetime(2025, 4, 10, 9, tzinfo=UTC), zhang, first, second, minutes=45)
    sensitive = at(datetime(2025, 4, 12, 9, tzinfo=UTC), s.fid, second, minutes=30, service_line="shelter")
    mistake = at(datetime(2025, 4, 15, 9, tzinfo=UTC), s.fid, first, minutes=30)
    app.retract_fact(s.fid, target_event_id=mistake, reason="记错了日期", recorded_by=Actor("sw"))
    clock.now = datetime(2025, 4, 20, 9, tzinfo=UTC)
    yield Setting(s, projection, zhang, sensitive)
    projection.db.close()
    app.close()


def test_caseload_counts_visits_this_month_and_this_term(setting: Setting) -> None:
    s, projection = setting.s, setting.projection
    with projection.reading() as tx:
        mine = volunteer_caseload(tx, str(s.volunteers[0]), now=s.clock.now)
    assert mine is not None
    assert (mine.name, mine.cohort_name, mine.status) == ("义工1", "2024级", VolunteerStatus.ACTIVE)
    # 林家 as lead, 张家 as co; 林家's last visit shown is the one of 03-31: the shelter visit of 04-12 is
    # in a compartment 义工1 was not on, and the visit of 04-15 was retracted
    assert [(f.display_name, f.role, f.last_visit_at) for f in mine.families] == [
        ("林家", Role.LEAD, datetime(2025, 3, 31, 17, tzinfo=UTC)),
        ("张家", Role.CO, datetime(2025, 4, 10, 9, tzinfo=UTC)),
    ]
    # April in Shanghai: 03-31 17:00 UTC (90') and 04-10 (45') = 2 visits, 135' = 2.25 h
    assert (mine.this_month.starts_on, mine.this_month.ends_on) == (date(2025, 4, 1), date(2025, 4, 30))
    assert (mine.this_month.visits, mine.this_month.minutes, mine.this_month.hours) == (2, 135, 2.25)
    # the term (2024-09-01 .. 2026-01-31) adds 03-10 (60'): 3 visits, 195' = 3.25 h
    assert (mine.this_term.starts_on, mine.this_term.ends_on) == (date(2024, 9, 1), date(2026, 1, 31))
    assert (mine.this_term.visits, mine.this_term.hours) == (3, 3.25)


def test_a_volunteer_sees_the_sensitive_visits_they_were_on(setting: Setting) -> None:
    s, projection = setting.s, setting.projection
    with projection.reading() as tx:
        theirs = volunteer_caseload(tx, str(s.volunteers[1]), now=s.clock.now)
    assert theirs is not None
    # 义工2 was on the shelter visit of 04-12 themselves; in April: 04-10 (45') and 04-12 (30')
    assert [(f.display_name, f.role, f.last_visit_at) for f in theirs.families] == [
        ("林家", Role.SHADOW, datetime(2025, 4, 12, 9, tzinfo=UTC)),
        ("张家", Role.LEAD, datetime(2025, 4, 10, 9, tzinfo=UTC)),
    ]
    assert (theirs.this_month.visits, theirs.this_month.minutes) == (2, 75)


def test_this_month_is_the_calendar_month_in_shanghai(setting: Setting) -> None:
    s, projection = setting.s, setting.projection
    # 2025-04-30 20:00 UTC is already 05-01 04:00 in Shanghai: a new month with no visits yet
    with projection.reading() as tx:
        mine = volunteer_caseload(tx, str(s.volunteers[0]), now=datetime(2025, 4, 30, 20, tzinfo=UTC))
    assert mine is not None
    assert (mine.this_month.starts_on, mine.this_month.visits, mine.this_term.visits) == (date(2025, 5, 1), 0, 3)


def test_amendments_change_hours_and_compartments(setting: Setting) -> None:
    s, projection, zhang = setting.s, setting.projection, setting.zhang
    # when the joint visit to 张家 turns out to have lasted 105 minutes, and the 04-12 visit to 林家
    # was tagged with the shelter line by mistake
    [joint] = [e.event_id for e in s.app.family_facts(zhang) if isinstance(e, Family.VisitLogged)]
    s.app.amend_fact(
        zhang, target_event_id=joint, changes={"duration_minutes": 105}, reason="补正", recorded_by=Actor("sw")
    )
    s.app.amend_fact(
        s.fid,
        target_event_id=setting.shelter_visit,
        changes={"service_line": "companionship"},
        reason="服务线标错了",
        recorded_by=Actor("sw"),
    )
    with projection.reading() as tx:
        mine = volunteer_caseload(tx, str(s.volunteers[0]), now=s.clock.now)
    assert mine is not None
    # then April counts 90' + 105' = 195' = 3.25 h, and 义工1 now sees 林家's visit of 04-12
    assert (mine.this_month.visits, mine.this_month.hours) == (2, 3.25)
    assert mine.families[0].last_visit_at == datetime(2025, 4, 12, 9, tzinfo=UTC)


def test_an_unknown_volunteer_has_no_caseload(setting: Setting) -> None:
    with setting.projection.reading() as tx:
        assert volunteer_caseload(tx, str(uuid4()), now=setting.s.clock.now) is None
