"""A volunteer on a phone keeps the promises made to a family, visits later, and corrects their own entry:
in a real browser on the demo story. Promises never vanish: they wait on the home page, the briefing and
the family page until someone records them kept or let go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.actor import Actor
from tests.web.browser.conftest import NO_DRIVER, Site, screenshot, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Page, expect

from domain import Peiban
from domain.accounts import Accounts
from projections.read_models import ReadModels
from tests.builders import visit
from tests.web.browser.test_scenarios import PASSWORD, newcomer
from web.access.passwords import hash_password

pytestmark = pytest.mark.browser
ACCOUNT = "chenshounuo"
BOOKS, LUNCH = "下次带两本绘本来", "帮忙问问学校的午托"


def ago(**delta: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(**delta)


def volunteer_with_promises(site: Site) -> tuple[UUID, UUID, UUID, int]:
    """A volunteer on a family, with an account; their visit 18 hours ago promised two things, their visit 12
    hours ago nothing; 6 hours ago a coordinator recorded a visit of theirs. Returns the family, the two visits,
    and how many promises the family's story already held open (its lead's latest, say)."""
    volunteer_id = newcomer(site, "陈守诺")
    peiban: Peiban = site.app.extensions["peiban"]
    family_id = site.demo.alumni_family_id
    models: ReadModels = site.app.extensions["peiban.read_models"]
    already = len(models.timeline(family_id, include_sensitive=False).promises)
    peiban.assign_volunteer(
        family_id, volunteer_id=volunteer_id, role="co", recorded_by=Actor("tests"), occurred_at=ago(hours=20)
    )
    accounts: Accounts = site.app.extensions["peiban.accounts"]
    accounts.open_account(
        user_name=ACCOUNT,
        display_name="陈守诺",
        role="volunteer",
        password_hash=hash_password(PASSWORD),
        volunteer_id=volunteer_id,
        recorded_by=Actor("tests"),
    )
    mine = peiban.log_visit(
        family_id,
        volunteer_ids=[volunteer_id],
        recorded_by=Actor(ACCOUNT),
        occurred_at=ago(hours=18),
        **visit(summary="一起读绘本，孩子很投入", follow_ups_promised=[BOOKS, LUNCH]),
    )
    peiban.log_visit(
        family_id,
        volunteer_ids=[volunteer_id],
        recorded_by=Actor(ACCOUNT),
        occurred_at=ago(hours=12),
        **visit(summary="辅导数学作业"),
    )
    theirs = peiban.log_visit(
        family_id,
        volunteer_ids=[volunteer_id],
        recorded_by=Actor("coordinator"),
        occurred_at=ago(hours=6),
        **visit(summary="协调员代为补记的探访"),
    )
    return family_id, mine, theirs, already


def correct_own_visit(page: Page, mine: UUID, theirs: UUID) -> None:
    """On the family page: their own visit offers a correction, the coordinator's does not; they amend their own."""
    own_entry, others_entry = page.locator(f"#entry-{mine}"), page.locator(f"#entry-{theirs}")
    expect(others_entry.get_by_role("link", name="更正")).to_have_count(0)
    own_entry.get_by_role("link", name="更正").click()
    page.get_by_label("修改：下面的字段应改为新的内容").check()
    page.get_by_label("原因").fill("写错了书名")
    page.get_by_label("经过").fill("一起读绘本《好饿的毛毛虫》，孩子很投入")
    screenshot(page, "promises-correct-own-visit-phone")
    page.get_by_role("button", name="记录更正").click()
    expect(page.locator(f"#entry-{mine}")).to_contain_text("好饿的毛毛虫")
    page.locator(f"#entry-{mine}").scroll_into_view_if_needed()
    screenshot(page, "promises-family-after-phone")


def test_a_volunteer_keeps_one_promise_lets_another_go_and_corrects_their_own_visit(
    own_site: Site, phone_page: Page, desktop_page: Page
) -> None:
    site, page = own_site, phone_page
    peiban: Peiban = site.app.extensions["peiban"]
    family_id, mine, theirs, already = volunteer_with_promises(site)
    # given the volunteer on a phone, two visits after the one where they promised two things
    sign_in(page, site.base_url, ACCOUNT, PASSWORD)
    waiting = page.locator("ul.due-list li.promises a")
    expect(waiting).to_have_text(f"{already + 2} 项承诺待兑现")
    screenshot(page, "promises-home-phone")
    # when they follow it to the briefing, both promises are there
    waiting.click()
    promises = page.locator("ul.promises li")
    expect(promises).to_have_count(already + 2)
    expect(promises.nth(already)).to_contain_text(BOOKS)  # oldest first: the family's older ones, then these
    expect(promises.nth(already + 1)).to_contain_text(LUNCH)
    screenshot(page, "promises-briefing-phone")
    # and they record the older promise kept
    promises.filter(has_text=BOOKS).get_by_role("link", name="已兑现").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("承诺已兑现")
    expect(page.locator("main")).to_contain_text(BOOKS)
    page.get_by_label("备注").fill("带了《好饿的毛毛虫》和《猜猜我有多爱你》")
    screenshot(page, "promises-kept-form-phone")
    page.get_by_role("button", name="记为已兑现").click()
    expect(page.locator("p.notice")).to_have_text("已记录，见下方时间线。")
    # then the family page keeps only the other one open, and tells the kept one on the timeline
    open_now = page.locator("section.actions-panel ul.promises li")
    expect(open_now).to_have_count(already + 1)
    expect(open_now.last).to_contain_text(LUNCH)
    expect(page.locator("li.kind-promise_kept").last).to_contain_text(BOOKS)
    # when they let the other go, with the reason
    open_now.filter(has_text=LUNCH).get_by_role("link", name="放下").click()
    page.get_by_label("为什么放下").fill("妈妈已经自己去学校问过了")
    sent_to, sent = (
        page.url,
        page.evaluate("() => Object.fromEntries(new FormData(document.querySelector('main form')))"),
    )
    page.get_by_role("button", name="放下").click()
    expect(page.locator("p.notice")).to_be_visible()
    expect(page.locator("section.actions-panel ul.promises li")).to_have_count(already)
    position = peiban.log_position()
    # and the same form sent a second time (a double tap, a flaky connection) records nothing more
    again = page.request.post(sent_to, form=sent)
    assert again.ok and peiban.log_position() == position
    correct_own_visit(page, mine, theirs)
    # and on a desk, the same record: nothing left to keep, what was kept and let go on the timeline
    desk = desktop_page
    sign_in(desk, site.base_url, ACCOUNT, PASSWORD)
    expect(desk.locator("ul.due-list li.promises")).to_have_count(1 if already else 0)
    desk.goto(site.url(f"/families/{family_id}?seen=briefing"))
    expect(desk.locator("li.kind-promise_let_go").last).to_contain_text(LUNCH)
    expect(desk.locator(f"#entry-{theirs}").get_by_role("link", name="更正")).to_have_count(0)
    screenshot(desk, "promises-family-desktop")
