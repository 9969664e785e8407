"""The timeline picture in a real browser, at a desk (1280×800) and on a phone (375×812), as the coordinator
and as a volunteer: today's line, a legend for every mark drawn, text of at least 12 px, the lane names in
view, and each mark's details opened by a click or tap and by the keyboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.web.browser.conftest import NO_DRIVER, Site, sign_in

pytest.importorskip("playwright.sync_api", reason=NO_DRIVER)

from playwright.sync_api import Locator, Page, expect

from projections.directory import volunteer_families
from projections.read_models import ReadModels

pytestmark = pytest.mark.browser
MIN_TEXT_PX = 12.0

#: The kinds of mark the legend names, by the element that draws each in the picture.
DRAWN_BY = {
    "today": "line.today-line",
    "cohort-end": "line.cohort-end-line",
    "chapter": "line.chapter-line",
    "bar-lead": "rect.bar.role-lead",
    "bar-co": "rect.bar.role-co",
    "bar-shadow": "rect.bar.role-shadow",
    "visit": "circle.mark.visit:not(.many)",
    "joint_visit": "circle.mark.joint_visit",
    "message": "rect.mark.message:not(.many)",
    "visit-month": "circle.mark.visit.many",
    "message-month": "rect.mark.message.many",
    "bridge-planned": "a.bridge.state-planned",
    "bridge-completed": "a.bridge.state-completed",
    "bridge-cancelled": "a.bridge.state-cancelled",
}

#: The smallest text on the picture's section, in CSS pixels as rendered (an SVG's scale included).
SMALLEST_TEXT = """section => {
  let smallest = Infinity;
  for (const el of section.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('title, desc, .mark-detail:not(:target)')) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const scale = el instanceof SVGElement && el.getScreenCTM() ? el.getScreenCTM().a : 1;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize) * scale);
  }
  return smallest;
}"""


def family_for(site: Site, role: str) -> str:
    """The coordinator's: the family with the longest story; the volunteer's: one they accompany."""
    models: ReadModels = site.app.extensions["peiban.read_models"]
    if role == "volunteer":
        volunteer_id = str(site.app.extensions["peiban.accounts"].get("volunteer").volunteer_id)
        with models["continuity"].reading() as tx:
            own, _alumni = volunteer_families(tx, volunteer_id)
        return sorted(own)[0]
    families = [str(row.family_id) for row in models.dashboard(now=datetime.now(UTC)).families]
    return max(families, key=lambda family: len(models.timeline(family).entries))


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_the_picture_reads_at_a_desk_and_on_a_phone(
    site: Site, request: pytest.FixtureRequest, tmp_path: Path, role: str, size: str
) -> None:
    page: Page = request.getfixturevalue(f"{size}_page")
    width = page.viewport_size["width"] if page.viewport_size else 0
    # given someone signed in, on a family's page
    sign_in(page, site.base_url, role, site.accounts[role])
    page.goto(site.url(f"/families/{family_for(site, role)}"))
    section = page.locator("section[aria-labelledby=picture-heading]")
    picture = section.locator("svg.timeline")
    expect(picture).to_be_visible()
    # then today is drawn, in view where the picture starts (its recent end), and labelled
    expect(picture.locator("line.today-line")).to_have_count(1)
    expect(picture.locator("text.today-label")).to_have_text("今天")
    today = picture.locator("line.today-line").bounding_box()
    assert today and 0 <= today["x"] <= width, "today's line is in view without scrolling"
    # and the legend names every kind of mark the picture draws, and nothing it does not
    drawn = {key for key, selector in DRAWN_BY.items() if picture.locator(selector).count()}
    named = set(section.locator("ul.legend li").evaluate_all("items => items.map(i => i.dataset.key)"))
    assert drawn <= named, f"drawn but not in the legend: {drawn - named}"
    assert {k for k in named if k in DRAWN_BY} == drawn
    # and no text on it is smaller than 12 px
    assert section.evaluate(SMALLEST_TEXT) >= MIN_TEXT_PX
    # and every lane's name is in view, beside the picture, whatever the scroll
    names = section.locator("ol.lane-names li")
    assert names.count() == picture.locator("g.lane").count() + 1  # and the concerns' row
    for index in range(names.count()):
        box = names.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        expect(names.nth(index)).to_be_visible()
    page.screenshot(path=str(tmp_path / f"{role}-{size}.png"), full_page=True)
    # when they tap or click the newest visit or message
    mark = picture.locator("a.contact").last
    target = str(mark.get_attribute("href"))
    details = page.locator(f".mark-detail{target}")
    expect(details).to_be_hidden()
    if size == "phone":
        mark.tap()
    else:
        mark.click()
    # then its details open under the picture, with a way to the entry in the record
    expect(details).to_be_visible()
    expect(details.locator("h3")).to_contain_text(" · ")
    several = "many" in str(mark.get_attribute("class"))
    expect(
        details.get_by_role("link", name="从第一条起在记录中阅读" if several else "在下方记录中查看")
    ).to_be_visible()
    page.screenshot(path=str(tmp_path / f"{role}-{size}-tapped.png"))
    # and a mark of several contacts in a month opens the month's count, and the way to the first of them
    if role == "coordinator":  # the demo's longest story has months of several visits
        open_a_month_of_several(page, picture.locator("a.contact.many").first, size)
    # and with the keyboard: Tab goes from the picture's frame into its marks
    section.locator(".timeline-picture").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('svg.timeline') !== null")
    # and Enter on a tenure bar opens its details instead
    bar = picture.locator("a.tenure").last
    bar.focus()
    expect(bar).to_be_focused()
    page.keyboard.press("Enter")
    bar_details = page.locator(f".mark-detail{bar.get_attribute('href')}")
    expect(bar_details).to_be_visible()
    expect(details).to_be_hidden()
    page.screenshot(path=str(tmp_path / f"{role}-{size}-keyboard.png"))


def open_a_month_of_several(page: Page, merged: Locator, size: str) -> None:
    """Tap or click a mark of several contacts in a month: its details say how many, and lead to the first."""
    merged.tap() if size == "phone" else merged.click()
    month = page.locator(f".mark-detail{merged.get_attribute('href')}")
    expect(month).to_be_visible()
    expect(month.locator("h3")).to_contain_text(f"：{merged.get_attribute('data-count')} ")
    expect(month.get_by_role("link", name="从第一条起在记录中阅读")).to_be_visible()
