"""Small, readable ways to set up a scene for a test, through the public application API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain import Actor, Peiban

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today(offset: int = 0) -> date:
    """The programme's calendar day ``offset`` days from today, counted in Asia/Shanghai as the app counts
    days (never the machine's own zone, which is a day behind Shanghai for hours every day)."""
    return datetime.now(SHANGHAI).date() + timedelta(days=offset)


class StepClock:
    """A clock the test moves by hand; starts on ``START`` and never goes back."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def memory_app(clock: StepClock | None = None, **kwargs: Any) -> Peiban:
    return Peiban({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock or StepClock(), **kwargs)


def family_profile(**overrides: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "display_name": "林家",
        "community": "城东社区",
        "referral_source": "学校老师",
        "household": [
            {"relation": "child", "birth_year": 2014, "alias": "小林"},
            {"relation": "grandmother", "birth_year": 1956, "alias": "林奶奶"},
        ],
        "circumstances": ["left_behind", "grandparent_carer"],
        "consent": {
            "guardian_relation": "grandmother",
            "scopes": ["records", "home_visits"],
            "given_on": date(2025, 2, 20),
        },
    }
    profile.update(overrides)
    return profile


def visit(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"place": "home", "duration_minutes": 90, "summary": "一起做作业，聊了学校的事"}
    fields.update(overrides)
    return fields


def message(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"direction": "from_family", "channel": "wechat", "summary": "天冷了，注意身体"}
    fields.update(overrides)
    return fields


@dataclass
class Scene:
    """A cohort, active volunteers, and one family with a lead: the usual starting point."""

    app: Peiban
    clock: StepClock
    cohort: UUID
    volunteers: list[UUID] = field(default_factory=list)
    family: UUID | None = None

    @property
    def lead(self) -> UUID:
        return self.volunteers[0]

    @property
    def fid(self) -> UUID:
        assert self.family is not None
        return self.family

    def volunteer(self, name: str = "新义工", *, activate: bool = True) -> UUID:
        vid = self.app.register_volunteer(
            cohort_id=self.cohort, name=name, contact="wechat:x", recorded_by=Actor("coord")
        )
        if activate:
            self.app.activate_volunteer(vid, recorded_by=Actor("coord"))
        self.volunteers.append(vid)
        return vid

    def later(self, **delta: float) -> datetime:
        return self.clock.advance(**delta)


def scene(app: Peiban | None = None, clock: StepClock | None = None, *, volunteers: int = 2) -> Scene:
    """A cohort, ``volunteers`` active volunteers, and a family whose lead is the first of them."""
    clock = clock or StepClock()
    app = app or memory_app(clock)
    cohort = app.open_cohort(
        name="2024级", intake_on=date(2024, 9, 1), expected_end_on=date(2026, 1, 31), recorded_by=Actor("coord")
    )
    s = Scene(app, clock, cohort)
    for i in range(volunteers):
        s.volunteer(f"义工{i + 1}")
    clock.advance(hours=1)
    s.family = app.enrol_family(recorded_by=Actor("coord"), **family_profile())
    clock.advance(hours=1)
    app.assign_volunteer(s.family, volunteer_id=s.lead, role="lead", recorded_by=Actor("coord"))
    clock.advance(days=1)
    return s
