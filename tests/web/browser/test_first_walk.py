"""First walks through the pages in a real browser: a coordinator at a desk, a volunteer on a phone,
and someone signing in with the keyboard alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.web.browser.conftest import NO_DRIVER, Site, expect_error_page, screenshot, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Page, expect

from projections.directory import volunteer_families
from projections.read_models import ReadModels

pytestmark = pytest.mark.browser
PHONE_WIDTH = 375


def test_a_coordinator_goes_from_the_dashboard_to_a_family_timeline_and_into_english(
    site: Site, desktop_page: Page
) -> None:
    page = desktop_page
    # given the demo's coordinator, signed in at a desk
    sign_in(page, site.base_url, "coordinator", site.accounts["coordinator"])
    # then they land on the continuity dashboard, in Chinese
    expect(page.get_by_role("heading", level=1)).to_have_text("陪伴连续性")
    expect(page.get_by_role("heading", name="各期义工结束日期")).to_be_visible()
    expect(page.get_by_role("heading", name="断崖")).to_be_visible()
    screenshot(page, "coordinator-dashboard-desktop")
    # when they follow a family from the cliff list
    family = page.locator("#cliff ul.families a").first
    name = family.inner_text()
    family.click()
    # then the family page draws its timeline: volunteers' lanes with visits and messages on them
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    picture = page.locator("svg.timeline")
    expect(picture).to_be_visible()
    assert picture.locator("g.lane").count() >= 1
    assert picture.locator(".mark").count() >= 1
    expect(page.get_by_role("heading", name="时间线")).to_be_visible()
    screenshot(page, "coordinator-family-desktop")
    # and when they switch to English in the header, the same page speaks English
    page.locator("header.site").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Timeline", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "coordinator-family-desktop-en")
    # and so does the dashboard
    page.goto(site.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Continuity")
    expect(page.get_by_role("heading", name="Cohort end dates")).to_be_visible()


def families_beyond(site: Site, user_name: str) -> list[str]:
    """Open families the volunteer behind ``user_name`` neither accompanies nor keeps in touch with."""
    volunteer_id = str(site.app.extensions["peiban.accounts"].get(user_name).volunteer_id)
    models: ReadModels = site.app.extensions["peiban.read_models"]
    with models["continuity"].reading() as tx:
        own, alumni = volunteer_families(tx, volunteer_id)
    every = [row.family_id for row in models.dashboard(now=datetime.now(UTC)).families]
    return [str(family) for family in every if str(family) not in own | alumni]


def test_a_volunteer_on_a_phone_sees_their_families_and_no_one_elses(site: Site, phone_page: Page) -> None:
    page = phone_page
    # given the demo's volunteer, signed in on a phone
    sign_in(page, site.base_url, "volunteer", site.accounts["volunteer"])
    # then they see the families they accompany, and the page fits the phone's width
    expect(page.get_by_role("heading", level=1)).to_have_text("我陪伴的家庭")
    assert page.locator("main ul.families a").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "volunteer-home-phone")
    # when they open the address of a family they do not accompany
    beyond = site.url(f"/families/{families_beyond(site, 'volunteer')[0]}")
    expect_error_page(page, beyond)
    response = page.goto(beyond)
    # then the answer is the page a family that does not exist gets
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("未找到")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "volunteer-not-found-phone")


FOCUS_OUTLINE = """() => {
  const style = getComputedStyle(document.activeElement);
  return {visible: document.activeElement.matches(':focus-visible'),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""


def test_the_sign_in_form_is_reached_in_order_with_the_keyboard_and_shows_where_focus_is(
    site: Site, desktop_page: Page
) -> None:
    page = desktop_page
    # given the sign-in page
    page.goto(site.url("/signin"))
    # when someone presses Tab until they reach the sign-in button
    reached: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.getAttribute('type') || ''")
        reached.append(focused)
        # then wherever focus lands on the form, it shows
        if focused in {"user_name", "password", "submit"}:
            assert page.evaluate(FOCUS_OUTLINE) == {"visible": True, "outline": True}, focused
        if focused == "submit":
            break
    # and the user name, the password and the button come in that order
    assert "submit" in reached, reached
    assert reached.index("user_name") < reached.index("password") < reached.index("submit"), reached
    screenshot(page, "signin-keyboard-focus-desktop")


MAIN_PAGES = {
    "coordinator": ["/", "/families", "/volunteers", "/cohorts", "/reports/cohorts", "/families/new"],
    "auditor": ["/access"],
}


@pytest.mark.parametrize("role", sorted(MAIN_PAGES))
def test_the_main_pages_fit_a_phone_and_are_captured(site: Site, phone_page: Page, role: str) -> None:
    page = phone_page
    sign_in(page, site.base_url, role, site.accounts[role])
    for path in MAIN_PAGES[role]:
        response = page.goto(site.url(path))
        assert response is not None and response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, path
        screenshot(page, f"{role}-{path.strip('/').replace('/', '-') or 'home'}-phone")
    # and a volunteer's page, from the list
    if role == "coordinator":
        page.goto(site.url("/volunteers"))
        page.locator("#volunteers a.name").first.click()
        expect(page.get_by_role("heading", name="现在陪伴的家庭")).to_be_visible()
        screenshot(page, "coordinator-volunteer-phone")
