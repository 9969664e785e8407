"""The auditor's path in Chromium, on a desktop and a phone: a family, its record replayed as of a day, the raw
facts recorded by then (the day kept), and the access log narrowed to that family."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.browser.conftest import NO_DRIVER, Site, screenshot, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Page, expect


def walk(page: Page, site: Site, size: str) -> None:
    sign_in(page, site.base_url, "auditor", site.accounts["auditor"])
    page.goto(site.url("/families"))
    family = str(page.locator("main a[href^='/families/']").first.get_attribute("href")).split("/")[2]
    page.goto(site.url(f"/families/{family}"))
    day = (date.today() - timedelta(days=60)).isoformat()
    page.locator("#day").fill(day)
    page.locator("form.as-of button").click()
    expect(page.locator(".replay-banner")).to_contain_text(day)
    screenshot(page, f"auditor-{size}-replay")
    page.locator(f"a[href*='/facts?as_of={day}']").click()
    assert parse_qs(urlsplit(page.url).query)["as_of"] == [day]
    expect(page.locator(".replay-banner")).to_contain_text(day)
    expect(page.locator("li.fact").first).to_be_visible()
    screenshot(page, f"auditor-{size}-raw-facts")
    page.goto(site.url("/access"))
    page.locator("#family").select_option(family)
    page.locator("form.log-filter button[type=submit]").click()
    cells = page.locator("table.reads tbody tr td:nth-child(3) a")
    expect(cells.first).to_be_visible()
    assert {str(h).split("/")[2] for h in cells.evaluate_all("links => links.map(a => a.getAttribute('href'))")} == {
        family
    }
    screenshot(page, f"auditor-{size}-access-log")


def test_an_auditor_walks_from_a_replay_to_its_raw_facts_and_the_access_log_on_a_desktop(
    desktop_page: Page, site: Site
) -> None:
    walk(desktop_page, site, "desktop")


def test_an_auditor_walks_from_a_replay_to_its_raw_facts_and_the_access_log_on_a_phone(
    phone_page: Page, site: Site
) -> None:
    walk(phone_page, site, "phone")
