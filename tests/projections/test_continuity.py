"""The continuity view, dashboard and cohort report, fed by commands through the application.

One story, told on every store, with every figure worked out by hand below. All facts
happen at 09:00 UTC (17:00 in Shanghai) on "day N" = 2025-03-01 + N days, unless said.

    day 0   cohorts 2024级 (ends 2025-06-30) and 2025级 (ends 2026-08-31)
            2024级: 王芳 (A1), 李明 (A2), 赵磊 (A3), 孙丽 (A4); 2025级: 陈晓 (B1), 周宁 (B2)
            families 林家 (lead A1), 张家 (lead A2), 王家 (lead A3), 刘家 (lead A4), 黄家 (no lead)
    day 10  (03-11) visits: 林家 A1 90', 张家 A2 60', 王家 A3 120', 刘家 A4 60'
    day 20  handovers planned: 林家 A1 → B1, 张家 A2 → B2
    day 25  (03-26) joint visit 林家 A1+B1 90'
    day 30 +8h = 2025-03-31 17:00 UTC = 04-01 01:00 in Shanghai: joint visit 林家 A1+B1 90'
    day 32  both handovers completed (张家 without a joint visit, with a reason)
    day 35  (04-05) B2 visits 张家 60' · day 39 (04-09) B1 visits 林家 90'
    day 40  A1 opts in to alumni contact and graduates; A4 withdraws
    day 45  (04-15) A1 (alumni) messages 林家 · day 50 a concern about 王家, still open
    day 60  张家 closed (28 days after its handover) · day 70 (05-10) B1 messages 林家
    now     day 75 = 2025-05-15
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

import pytest

from domain import Actor, Peiban, StoreSettings
from projections.continuity_view import ContinuityView
from projections.dashboard import continuity_dashboard
from projections.db import view_database
from projections.engine import Projection
from projections.reports import CohortReport, cohort_report, cohort_report_csv
from tests.builders import START, StepClock, family_profile, message, visit

NOW = START + timedelta(days=75)


@pytest.fixture
def continuity(store_settings: StoreSettings, clock: StepClock) -> Iterator[tuple[Peiban, Projection]]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    projection = Projection(app, ContinuityView(), view_database(store_settings, "continuity"))
    yield app, projection
    projection.db.close()
    app.close()


@dataclass
class Story:
    app: Peiban
    clock: StepClock
    v: dict[str, UUID] = field(default_factory=dict)
    f: dict[str, UUID] = field(default_factory=dict)
    facts: dict[str, UUID] = field(default_factory=dict)

    def day(self, n: float, hours: float = 0) -> None:
        when = START + timedelta(days=n, hours=hours)
        assert when >= self.clock.now, "the story's clock never goes back"
        self.clock.now = when

    def visit(self, family: str, *who: str, minutes: int) -> UUID:
        ids = [self.v[w] for w in who]
        return self.app.log_visit(
            self.f[family], volunteer_ids=ids, recorded_by=Actor("v"), **visit(duration_minutes=minutes)
        )

    def message(self, family: str, who: str) -> UUID:
        return self.app.log_message(self.f[family], volunteer_id=self.v[who], recorded_by=Actor("v"), **message())

    def handover(self, family: str, outgoing: str, incoming: str) -> UUID:
        return self.app.plan_handover(
            self.f[family],
            outgoing_volunteer_id=self.v[outgoing],
            incoming_volunteer_id=self.v[incoming],
            planned_on=date(2025, 4, 1),
            recorded_by=Actor("coord"),
        )


def tell(app: Peiban, clock: StepClock) -> Story:
    s = Story(app, clock)
    s.day(0)
    a = app.open_cohort(
        name="2024级", intake_on=date(2024, 9, 1), expected_end_on=date(2025, 6, 30), recorded_by=Actor("c")
    )
    b = app.open_cohort(
        name="2025级", intake_on=date(2025, 3, 1), expected_end_on=date(2026, 8, 31), recorded_by=Actor("c")
    )
    people = [
        ("A1", "王芳", a),
        ("A2", "李明", a),
        ("A3", "赵磊", a),
        ("A4", "孙丽", a),
        ("B1", "陈晓", b),
        ("B2", "周宁", b),
    ]
    for key, name, cohort in people:
        s.v[key] = app.register_volunteer(cohort_id=cohort, name=name, contact="wechat:x", recorded_by=Actor("c"))
        app.activate_volunteer(s.v[key], recorded_by=Actor("c"))
    s.day(0, hours=1)
    for name in ("林家", "张家", "王家", "刘家", "黄家"):
        s.f[name] = app.enrol_family(recorded_by=Actor("c"), **family_profile(display_name=name))
    s.day(0, hours=2)
    for name, lead in (("林家", "A1"), ("张家", "A2"), ("王家", "A3"), ("刘家", "A4")):
        app.assign_volunteer(s.f[name], volunteer_id=s.v[lead], role="lead", recorded_by=Actor("c"))
    s.day(10)
    s.visit("林家", "A1", minutes=90)
    s.visit("张家", "A2", minutes=60)
    s.facts["王家 visit"] = s.visit("王家", "A3", minutes=120)
    s.visit("刘家", "A4", minutes=60)
    s.day(20)
    lin, zhang = s.handover("林家", "A1", "B1"), s.handover("张家", "A2", "B2")
    s.day(25)
    s.facts["joint 1"] = s.visit("林家", "A1", "B1", minutes=90)
    s.day(30, hours=8)
    s.facts["joint 2"] = s.visit("林家", "A1", "B1", minutes=90)
    s.day(32)
    app.complete_handover(s.f["林家"], handover_id=lin, keep_in_touch=True, recorded_by=Actor("c"))
    app.complete_handover(
        s.f["张家"],
        handover_id=zhang,
        keep_in_touch=False,
        no_joint_visit_reason="李明提前离校",
        recorded_by=Actor("c"),
    )
    s.day(35)
    s.facts["B2 visit"] = s.visit("张家", "B2", minutes=60)
    s.day(39)
    s.visit("林家", "B1", minutes=90)
    s.day(40)
    app.set_alumni_contact(s.v["A1"], opted_in=True, recorded_by=Actor("c"))
    app.record_departure(s.v["A1"], reason="graduated", recorded_by=Actor("c"))
    app.record_departure(s.v["A4"], reason="withdrew", recorded_by=Actor("c"))
    s.day(45)
    s.message("林家", "A1")
    s.day(50)
    s.facts["王家 concern"] = app.raise_concern(
        s.f["王家"], category="emotional", level="medium", summary="孩子情绪低落", recorded_by=Actor("sw")
    )
    s.day(60)
    app.close_family(s.f["张家"], reason="搬家到外地", recorded_by=Actor("c"))
    s.day(70)
    s.facts["B1 message"] = s.message("林家", "B1")
    s.day(75)
    return s


@pytest.fixture
def story(continuity: tuple[Peiban, Projection], clock: StepClock) -> tuple[Story, Projection]:
    app, projection = continuity
    return tell(app, clock), projection


def test_dashboard_shows_uncovered_cliff_and_quiet_families(story: tuple[Story, Projection]) -> None:
    _, projection = story
    with projection.reading() as tx:
        board = continuity_dashboard(tx, now=NOW)
    rows = {r.display_name: r for r in board.families}
    # 张家 is closed: only the four open families are on the board
    assert set(rows) == {"林家", "王家", "刘家", "黄家"}
    lin, wang, liu, huang = rows["林家"], rows["王家"], rows["刘家"], rows["黄家"]
    # 林家: 陈晓 leads since the handover; 2025级 ends 2026-08-31, 473 days after 2025-05-15;
    # last contact B1's message on 05-10, 5 days ago
    assert (lin.lead_name, lin.cohort_name, lin.cohort_ends_on, lin.days_left) == (
        "陈晓",
        "2025级",
        date(2026, 8, 31),
        473,
    )
    assert (lin.days_since_contact, lin.open_concerns, lin.handover, lin.successor_planned) == (5, 0, None, False)
    # 王家: 赵磊's 2024级 ends 2025-06-30, 46 days away, no handover planned: a cliff;
    # last visit 03-11, 65 days ago: quiet; the concern of day 50 is open
    assert (wang.lead_name, wang.days_left, wang.days_since_contact, wang.open_concerns) == ("赵磊", 46, 65, 1)
    # 刘家: its lead 孙丽 has withdrawn, so it counts as uncovered (and not as a cliff)
    assert (liu.lead_name, liu.lead_departed, liu.is_covered) == ("孙丽", True, False)
    # 黄家: never had a lead nor a contact; quiet since its enrolment 75 days ago
    assert (huang.lead_id, huang.days_since_contact, huang.days_quiet, huang.is_covered) == (None, None, 75, False)
    assert {r.display_name for r in board.uncovered} == {"刘家", "黄家"}
    assert [r.display_name for r in board.cliff] == ["王家"]
    # quietest first: 黄家 75 days, then 刘家 and 王家 65 days each (by name)
    assert [r.display_name for r in board.quiet] == ["黄家", "刘家", "王家"]
    # 张家's handover was completed without a joint visit, with the coordinator's reason
    [unaccompanied] = board.without_joint_visit
    assert (unaccompanied.display_name, unaccompanied.outgoing_name, unaccompanied.incoming_name) == (
        "张家",
        "李明",
        "周宁",
    )
    assert unaccompanied.reason == "李明提前离校"


def test_dashboard_thresholds_are_parameters(story: tuple[Story, Projection]) -> None:
    _, projection = story
    with projection.reading() as tx:
        # 王家's cohort ends in 46 days; 刘家 and 王家 were last contacted 65 days ago, 黄家 enrolled 75 days ago
        board = continuity_dashboard(tx, now=NOW, cliff_days=45, quiet_days=66)
    assert board.cliff == ()
    assert [r.display_name for r in board.quiet] == ["黄家"]


def test_a_planned_handover_with_a_joint_visit_takes_a_family_off_the_cliff(story: tuple[Story, Projection]) -> None:
    s, projection = story
    # given 赵磊's family on the cliff, when a handover to 周宁 is planned and they visit together
    hid = s.handover("王家", "A3", "B2")
    s.day(76)
    s.app.record_family_agreement(s.f["王家"], handover_id=hid, note="奶奶同意", recorded_by=Actor("c"))
    s.visit("王家", "A3", "B2", minutes=60)
    with projection.reading() as tx:
        board = continuity_dashboard(tx, now=s.clock.now)
    # then the family shows its open handover, agreed, with one joint visit so far, and is no cliff
    wang = next(r for r in board.families if r.display_name == "王家")
    assert wang.successor_planned
    assert wang.handover is not None
    assert (wang.handover.incoming_name, wang.handover.family_agreed, wang.handover.joint_visits) == ("周宁", True, 1)
    assert (wang.days_since_contact, board.cliff) == (0, ())


def expected_report_rows() -> list[str]:
    # 2024级 handed over 2 families (林家, 张家); 1 with a joint visit: share 0.50.
    # Gaps: 林家 from A1's last (joint) visit on 04-01 (Shanghai) to B1's first on 04-09 = 8 days;
    # 张家 from A2's visit on 03-11 to B2's first on 04-05 = 25 days: median 16.5, max 25.
    # 张家 closed 28 days after its handover: 1 family lost. A1 messaged after graduating: 1 alumnus in touch.
    # 2025Q1: visits on 03-11 (4: 330') and 03-26 (1 joint: 90' x 2 volunteers) = 5 visits, 510' = 8.50 h, 4 families.
    # 2025Q2: the joint visit of 04-01 01:00 in Shanghai (a Q1 moment in UTC): 180'; 04-05 60'; 04-09 90'
    #         = 3 visits, 330' = 5.50 h; messages 04-15 and 05-10; families 林家 and 张家.
    return [
        "2024级,2025-06-30,2,2,1,0.50,16.5,25,1,1",
        "2025Q1,2025-01-01,2025-03-31,4,5,0,8.50",
        "2025Q2,2025-04-01,2025-06-30,2,3,2,5.50",
    ]


def data_rows(report: CohortReport) -> list[str]:
    lines = cohort_report_csv(report).splitlines()
    return [line for line in lines if line and line[0].isdigit()]


def test_cohort_report_measures_each_transition_and_quarter(story: tuple[Story, Projection]) -> None:
    _, projection = story
    with projection.reading() as tx:
        report = cohort_report(tx)
    [transition] = report.transitions
    assert (transition.cohort_name, transition.handovers, transition.families_handed_over) == ("2024级", 2, 2)
    assert (transition.with_joint_visit, transition.joint_visit_share) == (1, 0.5)
    assert (transition.gap_days_median, transition.gap_days_max) == (16.5, 25)
    assert (transition.families_lost, transition.alumni_in_touch) == (1, 1)
    assert [(p.period, p.families_served, p.visits, p.messages, p.volunteer_hours) for p in report.periods] == [
        ("2025Q1", 4, 5, 0, 8.5),
        ("2025Q2", 2, 3, 2, 5.5),
    ]
    assert data_rows(report) == expected_report_rows()


def test_cohort_report_csv_has_bilingual_headers_and_one_section_per_table(story: tuple[Story, Projection]) -> None:
    _, projection = story
    with projection.reading() as tx:
        text = cohort_report_csv(cohort_report(tx))
    sections = text.split("\n\n")
    assert [s.splitlines()[0] for s in sections] == ["期次交接 / Cohort transitions", "季度服务 / Service per quarter"]
    assert sections[0].splitlines()[1].startswith("期次 / Cohort,预计结束日期 / Expected end,")
    assert sections[1].splitlines()[1].startswith("季度 / Quarter,")
    assert text.encode("utf-8").decode("utf-8") == text


def test_a_retraction_and_an_amendment_change_the_measures(story: tuple[Story, Projection]) -> None:
    s, projection = story
    # when both joint visits of 林家 turn out to be mistakes, B1's message of 05-10 was logged on the wrong family,
    # the concern about 王家 was raised by mistake, and B2's visit to 张家 lasted 150 minutes, not 60
    correct_mistakes(s)
    with projection.reading() as tx:
        board = continuity_dashboard(tx, now=NOW)
        report = cohort_report(tx)
    # then 林家's handover has no joint visit left; its last contact is A1's message of 04-15, 30 days ago: quiet
    assert {h.display_name for h in board.without_joint_visit} == {"林家", "张家"}
    lin = next(r for r in board.families if r.display_name == "林家")
    assert lin.days_since_contact == 30
    assert "林家" in {r.display_name for r in board.quiet}
    assert next(r for r in board.families if r.display_name == "王家").open_concerns == 0
    # and in the report: no handover with a joint visit; 林家's gap runs from A1's visit of 03-11 to 04-09 = 29 days,
    # so the gaps are 29 and 25 (median 27); Q1 loses the 03-26 joint visit (510' - 180' = 330' = 5.5 h);
    # Q2 loses the 04-01 joint visit and the 05-10 message, and gains 90' on 张家 (330' - 180' + 90' = 240' = 4 h)
    [transition] = report.transitions
    assert (transition.with_joint_visit, transition.joint_visit_share) == (0, 0.0)
    assert (transition.gap_days_median, transition.gap_days_max) == (27.0, 29)
    assert [(p.period, p.families_served, p.visits, p.messages, p.volunteer_hours) for p in report.periods] == [
        ("2025Q1", 4, 4, 0, 5.5),
        ("2025Q2", 2, 2, 1, 4.0),
    ]


def test_two_rebuilds_give_identical_views(story: tuple[Story, Projection]) -> None:
    _, projection = story
    # given the view folded as the facts came in, in small batches
    projection.batch_size = 7
    projection.catch_up()
    followed = projection.digest()
    with projection.reading() as tx:
        board = continuity_dashboard(tx, now=NOW)
    # when it is rebuilt twice from the log
    projection.rebuild()
    first = projection.digest()
    projection.rebuild()
    second = projection.digest()
    # then every build holds the same rows, and the dashboard reads the same
    assert followed == first == second
    with projection.reading() as tx:
        assert continuity_dashboard(tx, now=NOW) == board


def correct_mistakes(s: Story) -> None:
    """Both joint visits of 林家 and B1's message retracted, the concern about 王家 too, B2's visit amended."""
    for fact in ("joint 1", "joint 2", "B1 message"):
        s.app.retract_fact(s.f["林家"], target_event_id=s.facts[fact], reason="记错了", recorded_by=Actor("sw"))
    s.app.retract_fact(s.f["王家"], target_event_id=s.facts["王家 concern"], reason="记错了", recorded_by=Actor("sw"))
    s.app.amend_fact(
        s.f["张家"],
        target_event_id=s.facts["B2 visit"],
        changes={"duration_minutes": 150},
        reason="补正",
        recorded_by=Actor("sw"),
    )


def test_a_rebuild_applies_corrections_as_the_fold_did(story: tuple[Story, Projection]) -> None:
    # given retractions and an amendment folded as they came (the view's indexes of contacts' ids there to use)
    s, projection = story
    correct_mistakes(s)
    projection.catch_up()
    followed = projection.digest()
    with projection.reading() as tx:
        board, report = continuity_dashboard(tx, now=NOW), cohort_report(tx)
        assert board.without_joint_visit and report.periods[0].visits == 4  # the corrections showed
    # when the view is rebuilt (its fold looks contacts up within their family: their ids' index comes last)
    projection.rebuild()
    # then it holds the same rows and reads the same
    assert projection.digest() == followed
    with projection.reading() as tx:
        assert (continuity_dashboard(tx, now=NOW), cohort_report(tx)) == (board, report)


def test_a_view_of_version_2_is_folded_afresh_with_its_contacts_keyed_anew(story: tuple[Story, Projection]) -> None:
    s, projection = story
    correct_mistakes(s)
    projection.catch_up()
    expected = projection.digest()
    # given the view as version 2 left it: a contact's id its primary key, who took part keyed by the pair
    with projection.db.write() as tx:
        tx.execute("DROP TABLE continuity_contact_volunteer")
        tx.execute(
            "CREATE TABLE continuity_contact_volunteer (event_id TEXT NOT NULL, volunteer_id TEXT NOT NULL,"
            " PRIMARY KEY (event_id, volunteer_id))"
        )
        tx.execute("UPDATE view_version SET version = 2 WHERE view_name = 'continuity'")
    projection.db.close()
    # when it is opened again (as at start)
    again = Projection(projection.app, ContinuityView(), projection.db.reopened())
    again.catch_up()
    # then it was folded afresh (who took part is back), with this version's indexes
    assert again.digest() == expected
    with again.reading() as tx:
        assert tx.one("SELECT COUNT(*) FROM continuity_contact_volunteer") != (0,)
        assert tx.one("SELECT version FROM view_version WHERE view_name = 'continuity'") == (3,)
    with pytest.raises(Exception, match=r"(?i)unique"), again.db.write() as tx:  # the pair's unique index is there
        tx.execute(
            "INSERT INTO continuity_contact_volunteer (event_id, volunteer_id)"
            " SELECT event_id, volunteer_id FROM continuity_contact_volunteer LIMIT 1"
        )
        tx.flush()
    again.db.close()


def test_a_typed_name_never_runs_as_a_spreadsheet_formula() -> None:
    from projections.reports import spreadsheet_text

    assert spreadsheet_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [spreadsheet_text(t) for t in ("+1", "-1", "@x", "2025级")] == ["'+1", "'-1", "'@x", "2025级"]
