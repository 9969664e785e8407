"""The picture of a long record stays the size of its years, not of its entries: a lane's several visits (or
messages) in a month are one mark that says how many, while a month's single contact and every joint visit of
a handover are drawn as they are."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Flask

from domain import Actor, Peiban
from domain.aggregate import Entry
from domain.cohort import Cohort
from domain.family import Family
from domain.values import Circumstance, ConsentScope, GuardianConsent, HouseholdMember, Relation, Role
from domain.volunteer import Volunteer
from tests.builders import family_profile, message, visit
from tests.web.ui.conftest import browser, open_account, text
from tests.web.ui.test_family_page import svg

SHANGHAI = ZoneInfo("Asia/Shanghai")
BY = Actor("tests")
#: How a contact mark opens in the picture: ``many`` and its count for a mark of several.
CONTACT = r'<a href="#([^"]+)" class="contact( many" data-count="(\d+))?">'


def long_family(app: Peiban, contacts: int, years: int = 2) -> tuple[UUID, list[datetime]]:
    """A family whose lead logs ``contacts`` visits and messages over ``years`` years, handing over half-way to a
    second lead after two joint visits (which are among the contacts); and when each contact happened."""
    end = datetime.now(tz=UTC) - timedelta(days=1)
    start = end - timedelta(days=365 * years)
    step = (end - start) / (contacts + 8)
    at = start

    def entry() -> Entry:
        nonlocal at
        at += step
        return Entry(BY, at, at)

    cohort = Cohort.open(Entry(BY, start, start), name="2024级", intake_on=start.date(), expected_end_on=end.date())
    people = [Volunteer.register(Entry(BY, start, start), name=n, cohort_id=cohort.id, contact="-") for n in "甲乙"]
    for person in people:
        person.activate(Entry(BY, start, start))
    family = Family.enrol(
        entry(),
        display_name="长记录家",
        community="社区",
        referral_source="",
        household=[HouseholdMember(Relation.CHILD, 2015)],
        circumstances=[Circumstance.MIGRANT],
        consent=GuardianConsent(Relation.MOTHER, (ConsentScope.RECORDS,), date(2020, 12, 1)),
    )
    family.assign(entry(), volunteer=people[0].standing, role=Role.LEAD)
    lead, times = people[0].standing, []
    while len(times) < contacts:
        if len(times) == contacts // 2:
            incoming = people[1].standing
            hid = family.plan_handover(
                entry(), outgoing_volunteer_id=lead.volunteer_id, incoming=incoming, planned_on=at.date(), letter="信"
            )
            family.record_family_agreement(entry(), handover_id=hid, note="")
            for _ in range(2):
                family.log_visit(entry(), volunteers=[lead, incoming], place="home", duration_minutes=60, summary="共")
                times.append(at)
            family.complete_handover(entry(), handover_id=hid, incoming=incoming, keep_in_touch=True)
            lead = incoming
        elif len(times) % 3 == 2:
            family.log_message(entry(), volunteer=lead, direction="from_family", channel="wechat", summary="好")
            times.append(at)
        else:
            family.log_visit(entry(), volunteers=[lead], place="home", duration_minutes=90, summary="作业")
            times.append(at)
    app.save(cohort, *people, family)
    return family.id, times


def test_a_family_of_3000_contacts_is_drawn_with_marks_bounded_by_lanes_and_months(ui_app: Flask) -> None:
    # given a family with 3,000 visits and messages over two years, by two leads one after the other
    family, times = long_family(ui_app.extensions["peiban"], 3000)
    months = len({(t.astimezone(SHANGHAI).year, t.astimezone(SHANGHAI).month) for t in times})
    open_account(ui_app, "coordinator", "coordinator")
    # when the coordinator opens its page
    page = text(browser(ui_app, "coordinator").get(f"/families/{family}"))
    picture = svg(page)
    marks = re.findall(CONTACT, picture)
    # then each lane has at most a visit mark and a message mark a month, and the joint visits (on both lanes)
    assert len(marks) <= 2 * 2 * months + 2 * 2, (len(marks), months)
    assert len(re.findall(r"<[a-z]", picture)) < 30 * months  # the whole picture: years, not entries
    assert page.count('<div class="mark-detail"') < 8 * months
    # and together the marks still account for every contact (each joint visit once on each lane)
    assert sum(int(count) if count else 1 for _, _, count in marks) == len(times) + 2
    # and the joint visits are still drawn each on its own, joined across the lanes
    assert len(re.findall(r'<circle class="mark joint_visit"', picture)) == 4
    assert len(re.findall(r'<line class="joint-link"', picture)) == 2


def month_of(days_ago: int) -> tuple[int, int]:
    moment = datetime.now(tz=SHANGHAI) - timedelta(days=days_ago)
    return moment.year, moment.month


def test_a_month_of_several_contacts_is_one_mark_that_says_how_many_and_a_single_one_is_drawn_as_before(
    ui_app: Flask,
) -> None:
    app: Peiban = ui_app.extensions["peiban"]
    # given 甲, the lead since 200 days ago, who made 12 visits and sent 5 messages in one month, and 1 visit in another
    long_ago = datetime.now(tz=UTC) - timedelta(days=200)
    cohort = app.open_cohort(name="2024级", intake_on=long_ago.date(), expected_end_on=date.today(), recorded_by=BY)
    first = app.register_volunteer(cohort_id=cohort, name="甲", contact="-", recorded_by=BY, occurred_at=long_ago)
    app.activate_volunteer(first, recorded_by=BY, occurred_at=long_ago)
    family = app.enrol_family(recorded_by=BY, occurred_at=long_ago, **family_profile())
    app.assign_volunteer(family, volunteer_id=first, role=Role.LEAD, recorded_by=BY, occurred_at=long_ago)
    (year, month), (later_year, later_month) = month_of(120), month_of(60)
    busy = datetime(year, month, 10, 9, tzinfo=SHANGHAI)
    for hour in range(12):
        app.log_visit(
            family, volunteer_ids=[first], recorded_by=BY, occurred_at=busy + timedelta(hours=hour), **visit()
        )
    for hour in range(5):
        at = busy + timedelta(days=2, hours=hour)
        app.log_message(family, volunteer_id=first, recorded_by=BY, occurred_at=at, **message())
    alone = app.log_visit(
        family,
        volunteer_ids=[first],
        recorded_by=BY,
        occurred_at=datetime(later_year, later_month, 15, 16, tzinfo=SHANGHAI),
        **visit(summary="一个人的一次探访"),
    )
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    # when the coordinator opens the family page
    page = text(client.get(f"/families/{family}"))
    picture = svg(page)
    # then the busy month is one visit mark and one message mark, each saying the month and how many
    marks = {key: count for key, _, count in re.findall(CONTACT, picture)}
    visits_key, messages_key = f"visit-{year}-{month:02d}-{first}", f"message-{year}-{month:02d}-{first}"
    assert (marks[visits_key], marks[messages_key]) == ("12", "5")
    assert f"<title>甲 · {year}年{month}月：12 次探访</title>" in picture
    assert f"<title>甲 · {year}年{month}月：5 条消息</title>" in picture
    assert '<circle class="mark visit many"' in picture and '<rect class="mark message many"' in picture
    # and its details tell the days and lead to the record from the first of them
    details = re.search(rf'<div class="mark-detail" id="{visits_key}".*?</div>', page, re.S)
    assert (
        details
        and f"{busy.date()} – {busy.date()}" in details.group(0)
        and "从第一条起在记录中阅读" in details.group(0)
    )
    # and the month with a single visit draws it as before: its own mark and its time
    single = f"visit-{alone}-{first}"
    assert marks[single] == ""
    assert re.search(
        rf'<a href="#{single}" class="contact">\s*<title>甲 · 探访 · {later_year}-{later_month:02d}-15 16:00</title>',
        picture,
    )
    assert re.search(
        rf'<a href="#{single}" class="contact">.*?<circle class="mark visit" cx="[\d.]+" cy="[\d.]+" r="4.5">',
        picture,
        re.S,
    )
    # and the legend names the marks of several
    assert "一个月内的多次探访（越大次数越多）" in page and "一个月内的多条消息（越大条数越多）" in page
    # and in English, the same marks say it in English
    client.get("/language/en")
    english = svg(text(client.get(f"/families/{family}")))
    assert f"<title>甲 · {year}-{month:02d}: 12 visits</title>" in english
    assert f"<title>甲 · {year}-{month:02d}: 5 messages</title>" in english
