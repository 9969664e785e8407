"""A cohort's transition read from the continuity view, fed by commands through the application, on every store.

    day 0   cohorts 2024级 (leaving, ends 2025-06-30), 2024春 (ends 2026-01-31) and 2025级 (incoming, ends
            2026-08-31); 2024级: A1 王芳, A2 李明, A3 赵磊, A4 孙丽; 2024春: C1 钱多; 2025级: B1 陈晓, B2 周宁
            林家 lead A1, co B2 · 张家 lead A2 · 王家 lead A3 · 刘家 lead A4 · 黄家 lead C1
    day 20  handover 刘家 A4 → B1 planned · day 25 their joint visit
    now     day 75 = 2025-05-15: 46 days to 2024级's end

Caseloads now: B1 1 (taking 刘家 over), B2 0 (a co counts for nothing), C1 1 (leads 黄家).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

import pytest

from domain import Peiban, StoreSettings
from domain.actor import Actor
from projections.continuity_view import ContinuityView
from projections.db import view_database
from projections.engine import Projection
from projections.transition import Risk, Step, Transition, cohort_transition
from tests.builders import START, StepClock, family_profile, visit

NOW = START + timedelta(days=75)


@dataclass
class Cohort:
    app: Peiban
    projection: Projection
    clock: StepClock
    leaving: UUID
    v: dict[str, UUID] = field(default_factory=dict)
    f: dict[str, UUID] = field(default_factory=dict)
    handover: UUID | None = None

    def read(self, max_caseload: int = 2, risk_days: int = 30) -> Transition:
        self.projection.catch_up()
        with self.projection.reading() as tx:
            found = cohort_transition(tx, str(self.leaving), now=NOW, max_caseload=max_caseload, risk_days=risk_days)
        assert found is not None
        return found

    def names(self, transition: Transition) -> dict[str, str | None]:
        """family -> proposed successor's key (A1, B2…), or None."""
        keys = {str(v): k for k, v in self.v.items()}
        return {f.display_name: keys.get(f.proposed_id or "") for f in transition.to_plan}


@pytest.fixture
def cohort(store_settings: StoreSettings, clock: StepClock) -> Iterator[Cohort]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    projection = Projection(app, ContinuityView(), view_database(store_settings, "continuity"))
    leaving = app.open_cohort(
        name="2024级", intake_on=date(2024, 9, 1), expected_end_on=date(2025, 6, 30), recorded_by=Actor("c")
    )
    spring = app.open_cohort(
        name="2024春", intake_on=date(2024, 3, 1), expected_end_on=date(2026, 1, 31), recorded_by=Actor("c")
    )
    newest = app.open_cohort(
        name="2025级", intake_on=date(2025, 3, 1), expected_end_on=date(2026, 8, 31), recorded_by=Actor("c")
    )
    story = Cohort(app, projection, clock, leaving)
    people = [("A1", "王芳", leaving), ("A2", "李明", leaving), ("A3", "赵磊", leaving), ("A4", "孙丽", leaving)]
    people += [("C1", "钱多", spring), ("B1", "陈晓", newest), ("B2", "周宁", newest)]
    for key, name, cohort_id in people:
        story.v[key] = app.register_volunteer(
            cohort_id=cohort_id, name=name, contact="wechat:x", recorded_by=Actor("c")
        )
        app.activate_volunteer(story.v[key], recorded_by=Actor("c"))
    clock.advance(hours=1)
    for name, lead in (("林家", "A1"), ("张家", "A2"), ("王家", "A3"), ("刘家", "A4"), ("黄家", "C1")):
        story.f[name] = app.enrol_family(recorded_by=Actor("c"), **family_profile(display_name=name))
        app.assign_volunteer(story.f[name], volunteer_id=story.v[lead], role="lead", recorded_by=Actor("c"))
    app.assign_volunteer(story.f["林家"], volunteer_id=story.v["B2"], role="co", recorded_by=Actor("c"))
    clock.now = START + timedelta(days=20)
    story.handover = app.plan_handover(
        story.f["刘家"],
        outgoing_volunteer_id=story.v["A4"],
        incoming_volunteer_id=story.v["B1"],
        planned_on=date(2025, 6, 1),
        recorded_by=Actor("c"),
    )
    clock.now = START + timedelta(days=25)
    app.log_visit(story.f["刘家"], volunteer_ids=[story.v["A4"], story.v["B1"]], recorded_by=Actor("v"), **visit())
    clock.now = NOW
    yield story
    projection.db.close()
    app.close()


def test_every_family_the_cohort_leads_is_listed_with_its_step(cohort: Cohort) -> None:
    transition = cohort.read()

    assert (transition.cohort_name, transition.ends_on, transition.days_left) == ("2024级", date(2025, 6, 30), 46)
    assert transition.incoming_cohort_name == "2025级"
    steps = {f.display_name: f.step for f in transition.families}
    # 黄家 is led by another cohort: not this transition's
    assert steps == {"林家": Step.TO_PLAN, "刘家": Step.JOINT_VISITS, "王家": Step.TO_PLAN, "张家": Step.TO_PLAN}
    liu = next(f for f in transition.families if f.display_name == "刘家")
    assert (liu.incoming_name, liu.joint_visits, liu.agreed, liu.planned_on) == ("陈晓", 1, False, date(2025, 6, 1))
    # in pinyin order: 林 lin, 刘 liu, 王 wang, 张 zhang
    assert [f.display_name for f in transition.families] == ["林家", "刘家", "王家", "张家"]


def test_the_prior_co_is_proposed_and_caseloads_stay_under_the_maximum(cohort: Cohort) -> None:
    """Cap 2: slots B1 1, B2 2, C1 1. 林家 keeps B2, its co. 张家 and 王家: B2's second slot and B1's only one
    (each leaves a caseload of 2, of the incoming cohort) beat C1's (a caseload of 2 too, not incoming)."""
    transition = cohort.read(max_caseload=2)

    proposal = cohort.names(transition)
    assert proposal["林家"] == "B2"
    assert {proposal["张家"], proposal["王家"]} == {"B1", "B2"}
    caseloads = {cohort.v[k]: c for k, c in (("B1", 1), ("B2", 0), ("C1", 1))}
    assert {UUID(c.volunteer_id): c.caseload for c in transition.candidates} == caseloads
    assert not transition.at_risk


def test_families_nobody_can_take_are_at_risk_with_no_successor(cohort: Cohort) -> None:
    """Cap 1: B1 (1) and C1 (1) are full; B2 has one slot, and 林家 knows them. 张家 and 王家: nobody."""
    transition = cohort.read(max_caseload=1)

    assert cohort.names(transition) == {"林家": "B2", "王家": None, "张家": None}
    at_risk = {f.display_name: f.risks for f in transition.at_risk}
    assert at_risk == {"王家": (Risk.NO_SUCCESSOR,), "张家": (Risk.NO_SUCCESSOR,)}


def test_with_few_days_left_unplanned_families_and_handovers_without_a_joint_visit_are_at_risk(cohort: Cohort) -> None:
    """46 days left, the threshold 60: every family still to plan is at risk; 刘家 had its joint visit."""
    cohort.app.plan_handover(
        cohort.f["王家"],
        outgoing_volunteer_id=cohort.v["A3"],
        incoming_volunteer_id=cohort.v["C1"],
        planned_on=date(2025, 6, 20),
        recorded_by=Actor("c"),
    )
    transition = cohort.read(max_caseload=3, risk_days=60)

    at_risk = {f.display_name: f.risks for f in transition.at_risk}
    assert at_risk == {
        "林家": (Risk.NOT_PLANNED,),
        "王家": (Risk.NO_JOINT_VISIT,),
        "张家": (Risk.NOT_PLANNED,),
    }
    assert next(f for f in transition.families if f.display_name == "王家").step is Step.PLANNED


def test_an_agreed_then_completed_handover_stays_on_the_transition(cohort: Cohort) -> None:
    assert cohort.handover is not None
    cohort.app.record_family_agreement(cohort.f["刘家"], handover_id=cohort.handover, recorded_by=Actor("c"))
    assert {f.display_name: f.step for f in cohort.read().families}["刘家"] is Step.AGREED

    cohort.app.complete_handover(
        cohort.f["刘家"], handover_id=cohort.handover, keep_in_touch=False, recorded_by=Actor("c")
    )
    liu = next(f for f in cohort.read().families if f.display_name == "刘家")

    assert (liu.step, liu.lead_name, liu.incoming_name) == (Step.COMPLETED, "孙丽", "陈晓")
    assert liu.completed_at == NOW


def test_an_unknown_cohort_has_no_transition(cohort: Cohort) -> None:
    with cohort.projection.reading() as tx:
        assert (
            cohort_transition(tx, "00000000-0000-4000-8000-000000000000", now=NOW, max_caseload=3, risk_days=30) is None
        )
