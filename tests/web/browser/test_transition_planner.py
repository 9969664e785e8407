"""The transition planner in a real browser on the demo story: a coordinator opens the leaving cohort's planner
from the dashboard, changes one proposed successor, confirms, and sees the handovers planned on the families
and in the tracking columns; on a desk (1280×800) and on a phone (375×812)."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import NO_DRIVER, SCREENSHOTS, Site, screenshot, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def fits_the_width(page: Page) -> bool:
    """Nothing wider than the window: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def shot(page: Page, name: str) -> None:
    """What the window shows now (a phone's whole page is too tall to read as one picture)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_planner(page: Page) -> None:
    """From the dashboard, the planner of the cohort that ends first."""
    page.locator("#cohorts li").first.get_by_role("link", name="交接规划").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("交接规划：")


def test_a_coordinator_plans_the_leaving_cohorts_handovers_at_once(
    own_site: Site, desktop_page: Page, phone_page: Page
) -> None:
    site, page, phone = own_site, desktop_page, phone_page
    # given the coordinator on the continuity dashboard, handovers under way in view
    sign_in(page, site.base_url, "coordinator", site.accounts["coordinator"])
    expect(page.locator("#in-progress ul.families li").first).to_be_visible()
    screenshot(page, "transition-dashboard-desktop")
    # (the same planner on a phone, before anything is confirmed: a card per family, nothing wider than the screen)
    sign_in(phone, site.base_url, "coordinator", site.accounts["coordinator"])
    open_planner(phone)
    phone.locator("#to-plan").scroll_into_view_if_needed()
    assert fits_the_width(phone)
    shot(phone, "transition-planner-phone")
    # when they open the leaving cohort's transition planner
    open_planner(page)
    families = page.locator("ul.successors > li")
    assert families.count() >= 1, "the leaving cohort has a family still to plan"
    # and change the first family's proposed successor to another volunteer
    first = families.first
    family = first.locator(".who a").inner_text()
    select = first.locator("select")
    proposed = select.input_value()
    assert proposed, "a successor is proposed"
    values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v and v != proposed]
    select.select_option(values[0])
    chosen = select.locator("option:checked").inner_text().split(" · ")[0]
    screenshot(page, "transition-planner-desktop")
    page.get_by_role("button", name="计划这些交接").click()
    # then every chosen handover is planned, and the family shows in the tracking columns with its successor
    expect(page.locator("#planned-notice")).to_contain_text("已计划")
    row = page.locator("table.progress tbody tr", has_text=family)
    expect(row).to_contain_text(chosen)
    expect(row.locator("td").nth(2)).to_have_text("0")  # no joint visit yet
    expect(row.get_by_role("link", name="记录共同探访")).to_be_visible()
    expect(page.locator("ul.successors")).to_have_count(0)  # nothing left to plan
    screenshot(page, "transition-tracking-desktop")
    # and the family's page shows its handover under way
    row.get_by_role("link", name=family).click()
    expect(page.locator("#open-handover")).to_contain_text(chosen)
    # on the phone, the tracking reads as cards
    phone.reload()
    card = phone.locator("table.progress tbody tr", has_text=family)
    expect(card).to_contain_text(chosen)
    card.scroll_into_view_if_needed()
    assert fits_the_width(phone)
    shot(phone, "transition-tracking-phone")
    phone.goto(f"{site.base_url}/")
    phone.locator("#in-progress").scroll_into_view_if_needed()
    assert fits_the_width(phone)
    shot(phone, "transition-dashboard-phone")
