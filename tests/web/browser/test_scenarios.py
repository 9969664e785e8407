"""The people's main journeys, in a real browser on the demo story: a coordinator carries a family
across a cohort's end, a new volunteer meets a family's past before the first visit, and an auditor
replays a record as it stood before a correction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from tests.web.browser.conftest import NO_DRIVER, Site, expect_error_page, screenshot, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Page, expect

from domain import Actor, Peiban
from domain.accounts import Accounts
from projections.directory import cohorts, volunteer_families
from projections.read_models import ReadModels
from web.access.passwords import hash_password

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE_WIDTH = 375
PASSWORD = "a-new-volunteers-passphrase-7"


def typed(hours_ago: float) -> str:
    """A moment some hours ago as a person types it into a date-and-time input (local wall time)."""
    return (datetime.now(tz=SHANGHAI) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def newcomer(site: Site, name: str) -> UUID:
    """A volunteer of the newest open cohort, on duty since yesterday (set up through the application)."""
    peiban: Peiban = site.app.extensions["peiban"]
    models: ReadModels = site.app.extensions["peiban.read_models"]
    with models["continuity"].reading() as tx:
        newest = max((c for c in cohorts(tx) if c.closed_at is None), key=lambda c: c.intake_on)
    volunteer_id = peiban.register_volunteer(
        cohort_id=UUID(newest.cohort_id),
        name=name,
        contact="微信 new-volunteer",
        school="社工学院",
        recorded_by=Actor("tests"),
        occurred_at=datetime.now(tz=UTC) - timedelta(days=2),
    )
    peiban.activate_volunteer(
        volunteer_id, recorded_by=Actor("tests"), occurred_at=datetime.now(tz=UTC) - timedelta(days=1)
    )
    return volunteer_id


def test_a_coordinator_carries_a_family_on_the_cliff_across_to_a_new_volunteer(
    own_site: Site, desktop_page: Page
) -> None:
    site, page = own_site, desktop_page
    incoming = newcomer(site, "林新")
    # given the coordinator at a desk, on the continuity dashboard
    sign_in(page, site.base_url, "coordinator", site.accounts["coordinator"])
    # when they open the family on the cliff list (its lead's cohort ends soon; nothing planned)
    cliff = page.locator("#cliff ul.families a", has_text=family_name(site, site.demo.cliff_family_id))
    cliff.click()
    expect(page.locator("svg.timeline")).to_be_visible()
    # and plan a handover to the newcomer, with a letter
    page.locator("section.actions-panel").get_by_role("link", name="计划交接").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("计划交接")
    outgoing = page.get_by_label("交出的义工").input_value()
    assert outgoing, "the family's lead is proposed as the outgoing volunteer"
    page.get_by_label("接手的义工").select_option(str(incoming))
    page.get_by_label("计划交接日").fill((datetime.now(tz=SHANGHAI).date() + timedelta(days=10)).isoformat())
    page.get_by_label("交接信").fill("孩子喜欢下棋；奶奶耳朵不好，说话要慢一点。")
    page.get_by_label("作出计划的时间").fill(typed(3))
    screenshot(page, "coordinator-plan-handover-desktop")
    page.get_by_role("button", name="计划交接").click()
    # then the family page shows the handover in progress, and the newcomer's lane
    expect(page.locator("#open-handover")).to_contain_text("林新")
    expect(page.locator(f'svg.timeline g.lane[data-volunteer="{incoming}"]')).to_have_count(1)
    # when they log the joint visit: both volunteers come ticked
    page.get_by_role("link", name="记录共同探访").click()
    expect(page.locator(f'input[name="volunteer_ids"][value="{incoming}"]')).to_be_checked()
    expect(page.locator(f'input[name="volunteer_ids"][value="{outgoing}"]')).to_be_checked()
    page.get_by_label("探访时间").fill(typed(2))
    page.get_by_label("家访").check()
    page.get_by_label("经过").fill("两位义工一起去，奶奶做了饺子，孩子教新义工下棋。")
    screenshot(page, "coordinator-joint-visit-desktop")
    page.get_by_role("button", name="记录探访").click()
    expect(page.locator("p.notice")).to_be_visible()
    expect(page.locator("#open-handover")).to_contain_text("共同探访：1 次")
    # and complete the handover; the family keeps in touch with the outgoing volunteer
    page.get_by_role("link", name="完成交接").click()
    page.get_by_label("是").check()
    page.get_by_label("发生时间").fill(typed(1))
    page.get_by_role("button", name="完成交接").click()
    # then the picture shows the new chapter: the newcomer leads from now on, after a handover bridge
    picture = page.locator("svg.timeline")
    expect(picture.locator(f'g.lane[data-volunteer="{incoming}"] rect.bar.role-lead.ongoing')).to_have_count(1)
    expect(picture.locator(f'g.lane[data-volunteer="{outgoing}"] rect.bar.role-lead.ongoing')).to_have_count(0)
    expect(picture.locator("a.bridge.state-completed").last).to_be_visible()
    assert picture.locator("line.chapter-line").count() >= 1
    # and the chronological list opens a chapter with the newcomer
    expect(page.locator("details.chapter h3").last).to_contain_text("林新 陪伴期间")
    expect(page.locator("#open-handover")).to_have_count(0)
    screenshot(page, "coordinator-new-chapter-desktop")


def family_name(site: Site, family_id: UUID) -> str:
    models: ReadModels = site.app.extensions["peiban.read_models"]
    return models.timeline(family_id).display_name


def test_a_new_volunteer_reads_the_briefing_logs_a_visit_and_sees_it_at_once(own_site: Site, phone_page: Page) -> None:
    site, page = own_site, phone_page
    # given a volunteer just on duty, put on a family as co-volunteer, with an account of their own
    volunteer_id = newcomer(site, "周小新")
    peiban: Peiban = site.app.extensions["peiban"]
    family_id = site.demo.alumni_family_id
    peiban.assign_volunteer(
        family_id,
        volunteer_id=volunteer_id,
        role="co",
        recorded_by=Actor("tests"),
        occurred_at=datetime.now(tz=UTC) - timedelta(hours=20),
    )
    accounts: Accounts = site.app.extensions["peiban.accounts"]
    accounts.open_account(
        user_name="zhouxiaoxin",
        display_name="周小新",
        role="volunteer",
        password_hash=hash_password(PASSWORD),
        volunteer_id=volunteer_id,
        recorded_by=Actor("tests"),
    )
    name = family_name(site, family_id)
    # when they sign in on a phone
    sign_in(page, site.base_url, "zhouxiaoxin", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("我陪伴的家庭")
    expect(page.locator("main")).to_contain_text("你还没有探访过：请先读简报。")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "new-volunteer-home-phone")
    # the family opens on its briefing: who came before, the letters, what is open
    page.locator("main ul.families").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"第一次探访之前：{name}")
    expect(page.get_by_role("heading", name="在你之前陪伴这个家庭的义工")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "new-volunteer-briefing-phone")
    # and reading it is recorded
    assert ("zhouxiaoxin", "briefing") in reads_of(site, family_id)
    # when they log their first visit from the briefing
    page.locator("main").get_by_role("link", name="记录探访").click()
    expect(page.locator(f'input[name="volunteer_ids"][value="{volunteer_id}"]')).to_be_checked()
    page.get_by_label("探访时间").fill(typed(1))
    page.get_by_label("在中心").check()
    page.get_by_label("时长（分钟）").fill("45")
    page.get_by_label("经过").fill("第一次见面：一起做手工，孩子话不多但一直在笑。")
    page.get_by_label("活动").fill("手工\n聊天")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "new-volunteer-visit-form-phone")
    page.get_by_role("button", name="记录探访").click()
    # then the family's timeline shows it at once: in the list, and as a mark on their lane
    expect(page.locator("p.notice")).to_be_visible()
    visit = page.locator("li.entry.kind-visit", has_text="第一次见面：一起做手工")
    expect(visit).to_be_visible()
    expect(visit).to_contain_text("周小新")
    expect(page.locator(f'svg.timeline g.lane[data-volunteer="{volunteer_id}"] .mark.visit')).to_have_count(1)
    screenshot(page, "new-volunteer-timeline-phone")
    # and another family's address answers "not found"
    models: ReadModels = site.app.extensions["peiban.read_models"]
    with models["continuity"].reading() as tx:
        own, alumni = volunteer_families(tx, str(volunteer_id))
    other = next(
        row.family_id for row in models.dashboard(now=datetime.now(UTC)).families if row.family_id not in own | alumni
    )
    address = site.url(f"/families/{other}")
    expect_error_page(page, address)
    response = page.goto(address)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("未找到")


def reads_of(site: Site, family_id: UUID) -> list[tuple[str, str]]:
    from projections.access_log import reads

    with site.app.extensions["peiban.access_log"].reading() as tx:
        return [(r.reader, r.what) for r in reads(tx, family_id=str(family_id), before="9999", limit=500)]


def test_an_auditor_replays_a_family_as_it_stood_before_a_correction_then_today(site: Site, desktop_page: Page) -> None:
    page = desktop_page
    family_id, amended = site.demo.corrected_family_id, str(site.demo.amended_fact_id)
    models: ReadModels = site.app.extensions["peiban.read_models"]
    entry = next(e for e in models.timeline(family_id).entries if e.event_id == amended)
    correction = entry.corrections[0]
    before = (correction.recorded_at.astimezone(SHANGHAI) - timedelta(days=1)).date()
    assert entry.recorded_at.astimezone(SHANGHAI).date() <= before, "the visit was recorded before that day"
    # given the auditor on the family's page today
    sign_in(page, site.base_url, "auditor", site.accounts["auditor"])
    page.goto(site.url(f"/families/{family_id}"))
    today = page.locator(f"#entry-{amended}")
    expect(today.locator("p.trace")).to_contain_text(correction.reason)
    expect(today).to_contain_text(str(entry.data["summary"]))
    # when they replay the record as it stood at the end of the day before the correction
    page.get_by_label("日期").fill(before.isoformat())
    page.get_by_role("button", name="回放").click()
    # then the entry reads as first recorded, with no trace of a correction still to come
    expect(page.locator(".replay-banner")).to_contain_text(before.isoformat())
    then = page.locator(f"#entry-{amended}")
    expect(then).to_contain_text(str(entry.original["summary"]))
    expect(then).to_contain_text(f"{entry.original['duration_minutes']} 分钟")
    expect(then).not_to_contain_text(str(entry.data["summary"]))
    expect(then.locator("p.trace")).to_have_count(0)
    expect(page.locator("section.actions-panel")).to_have_count(0)  # history is read, not written
    screenshot(page, "auditor-as-of-desktop")
    # and back to today's record: the amendment, with its trace (who, when, why, from what to what)
    page.get_by_role("link", name="返回今天的记录").click()
    now = page.locator(f"#entry-{amended}")
    expect(now).to_contain_text(str(entry.data["summary"]))
    expect(now.locator("p.trace")).to_contain_text(
        f"{entry.original['duration_minutes']} → {entry.data['duration_minutes']}"
    )
    screenshot(page, "auditor-today-desktop")
    # and both reads are in the read audit, the replay as a replay
    reads = reads_of(site, family_id)
    assert ("auditor", "as_of") in reads and ("auditor", "timeline") in reads
