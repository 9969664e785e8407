"""The dashboard page shows the first page of each list, how many it holds, and "更多 / More" leading to a page
of that list alone, paged to its end; in Simplified Chinese first, English when chosen."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.builders import local_today
from tests.web.api.conftest import post, signed_in
from tests.web.api.scenes import assign, family, volunteer
from tests.web.ui.conftest import browser, open_account, text
from tests.web.ui.test_home import linked_families, section


def coordinator(ui_app: Flask) -> FlaskClient:
    open_account(ui_app, "coordinator", "coordinator")
    return browser(ui_app, "coordinator")


def more_link(html: str) -> str | None:
    found = re.search(r'<p class="pager more"><a class="button" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def next_link(html: str) -> str | None:
    found = re.search(r'<a class="button" rel="next" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_more_leads_to_the_rest_of_a_list_page_by_page(ui_app: Flask) -> None:
    # given five families without a lead, two families on the cliff, and pages of two rows
    ui_app.config["PEIBAN_PAGE_SIZE"] = 2
    api = signed_in(ui_app, "coordinator")
    uncovered = {family(api, name) for name in ("赵家", "吴家", "周家", "郑家", "钱家")}
    ending = {"name": "2023级", "starts_on": str(local_today(-500)), "ends_on": str(local_today(20))}
    lead = volunteer(api, post(api, "/cohorts", ending)["id"], "老义工")
    for name in ("王家", "李家"):
        assign(api, family(api, name), lead)
    client = coordinator(ui_app)
    # when the coordinator opens the dashboard
    page = text(client.get("/"))
    # then each list shows two rows and how many it holds; a longer list has "更多" leading to the rest
    shown = section(page, "uncovered")
    assert '<span class="count">5</span>' in shown and len(linked_families(shown)) == 2
    assert "更多" in shown and "显示 2 个，共 5 个。" in shown
    assert "更多" not in section(page, "cliff") and len(linked_families(section(page, "cliff"))) == 2
    seen = list(linked_families(shown))
    address = more_link(shown)
    while address:
        assert address.startswith("/continuity/uncovered?after=")
        listed = text(client.get(address))
        assert 'id="uncovered"' in listed and "返回陪伴连续性看板" in listed
        rows = linked_families(section(listed, "uncovered"))
        assert 1 <= len(rows) <= 2
        seen += rows
        address = next_link(listed)
    # and every family without a lead was shown exactly once
    assert sorted(seen) == sorted(uncovered)


def test_a_list_page_speaks_english_when_chosen_and_starts_over_on_a_cursor_not_its_own(ui_app: Flask) -> None:
    ui_app.config["PEIBAN_PAGE_SIZE"] = 1
    api = signed_in(ui_app, "coordinator")
    family(api, "赵家")
    family(api, "吴家")
    client = coordinator(ui_app)
    first = text(client.get("/continuity/uncovered"))
    assert "下一页" in first and "返回陪伴连续性看板" in first
    # a cursor altered, or of another list, is no place in this one: the list starts over
    assert linked_families(text(client.get("/continuity/uncovered?after=forged"))) == linked_families(first)
    quiet_next = next_link(text(client.get("/continuity/quiet")))
    assert quiet_next is not None
    other = quiet_next.replace("/continuity/quiet", "/continuity/cliff")
    assert client.get(other).status_code == 200
    assert client.get("/continuity/everyone").status_code == 404
    client.get("/language/en?next=/")
    english = text(client.get("/"))
    assert "More" in section(english, "uncovered") and "Showing 1 of 2." in english
    listed = text(client.get("/continuity/uncovered"))
    assert "Next page" in listed and "Back to the dashboard" in listed and "<h1>Uncovered" in listed
