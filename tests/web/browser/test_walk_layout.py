"""Small layout faults found walking the app in Chromium: each one a reader would stumble on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.browser.conftest import NO_DRIVER, Site, expect_error_page, screenshot, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Page, expect

TAP = 44  # px: the least a finger can hit


def test_on_the_dashboard_a_familys_detail_sits_on_the_line_of_its_name(desktop_page: Page, site: Site) -> None:
    # given the coordinator at a desk on the dashboard, whose risk lists have a family with a plain detail
    page = desktop_page
    sign_in(page, site.base_url, "coordinator", site.accounts["coordinator"])
    rows = page.locator("section.risk ul.families li")
    expect(rows.first).to_be_visible()
    # then in every row the name and its detail end on the same line (the name is a tall tap target)
    gaps = page.evaluate(
        """rows => rows.map(li => {
             const bottom = node => { const r = document.createRange(); r.selectNodeContents(node);
                                      return r.getClientRects()[0].bottom; };
             return Math.abs(bottom(li.querySelector('a')) - bottom(li.querySelector('.detail')));
           })""",
        rows.element_handles(),
    )
    assert len(gaps) >= 3
    assert max(gaps) <= 1, f"a detail out of line with its family's name by {max(gaps)} px"


def test_on_a_phone_every_read_is_a_link_a_finger_can_hit_beside_a_filter_in_error(
    phone_page: Page, site: Site
) -> None:
    # given the auditor on a phone who narrowed the access log with a day that does not exist
    page = phone_page
    sign_in(page, site.base_url, "auditor", site.accounts["auditor"])
    address = site.url("/access?since=2025-02-30")
    expect_error_page(page, address)
    assert page.goto(address).status == 422  # type: ignore[union-attr]
    # then the way back to every read is as tall as a tap
    every = page.locator("form.log-filter .actions a")
    expect(every).to_have_attribute("href", "/access")
    box = every.bounding_box()
    assert box is not None and box["height"] >= TAP, box


def test_on_a_phone_the_access_log_is_a_card_per_read_with_nothing_to_scroll_sideways(
    phone_page: Page, site: Site
) -> None:
    # given the auditor on a phone, after reading a family (so that the log holds reads)
    page = phone_page
    sign_in(page, site.base_url, "auditor", site.accounts["auditor"])
    page.goto(site.url("/families"))
    family = str(page.locator("main a[href^='/families/']").first.get_attribute("href")).split("/")[2]
    page.goto(site.url(f"/families/{family}"))
    # when they open the access log
    page.goto(site.url("/access"))
    cards = page.locator("table.reads tbody tr")
    expect(cards.first).to_be_visible()
    # then each read is a card as wide as the screen, each value labelled, and nothing scrolls sideways
    widths = page.evaluate(
        """() => ({
             page: [document.documentElement.scrollWidth, window.innerWidth],
             box: [...document.querySelectorAll('.table-scroll')].map(b => [b.scrollWidth, b.clientWidth]),
             labels: [...document.querySelectorAll('table.reads tbody tr:first-child td')]
                       .map(td => getComputedStyle(td, '::before').content),
           })"""
    )
    assert widths["page"][0] <= widths["page"][1], widths
    assert all(scrolled <= shown for scrolled, shown in widths["box"]), widths
    assert len(widths["labels"]) >= 4 and all(label not in ("none", '""') for label in widths["labels"]), widths
    card = cards.first.bounding_box()
    assert card is not None and card["width"] <= page.viewport_size["width"], card  # type: ignore[index]


@pytest.fixture
def short_pages(site: Site) -> Iterator[None]:
    """Lists paged a row at a time (the demo's lists are shorter than a page, and some days none holds more than
    two families), for one test."""
    site.app.config["PEIBAN_PAGE_SIZE"] = 1
    try:
        yield
    finally:
        del site.app.config["PEIBAN_PAGE_SIZE"]


def test_on_a_phone_more_leads_from_the_dashboard_to_a_list_paged_to_its_end(
    phone_page: Page, site: Site, short_pages: None
) -> None:
    # given the coordinator on a phone, on a dashboard whose lists show a row each
    page = phone_page
    sign_in(page, site.base_url, "coordinator", site.accounts["coordinator"])
    # (which lists hold more than one family depends on the day the demo was told on: the first that does)
    more = page.locator("section.risk p.more a").first
    expect(more).to_have_text("更多")
    which = str(more.evaluate("a => a.closest('section').id"))
    box = more.bounding_box()
    assert box is not None and box["height"] >= TAP, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the dashboard scrolls sideways"
    # when they follow "更多", then that list's families continue, page after page, within the phone's width
    more.click()
    page.wait_for_url(f"**/continuity/{which.replace('-', '_')}?after=*")
    screenshot(page, "continuity-list-phone")
    seen = 0
    while True:
        rows = page.locator(f"section#{which} ul.families li")
        assert rows.count() == 1
        seen += rows.count()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "a list page scrolls sideways"
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        tap = following.bounding_box()
        assert tap is not None and tap["height"] >= TAP, tap
        following.click()
        page.wait_for_load_state()
    assert seen >= 1
