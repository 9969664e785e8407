"""The dashboard page shows the first page of each list, how many it holds, and "更多 / More" leading to a page
of that list alone, paged to its end; in Simplified Chinese first, English when chosen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from domain import Actor
from domain.values import Role
from tests.builders import family_profile, local_today
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


def test_a_cohort_past_its_expected_end_is_said_to_have_ended_not_to_end_in_minus_days(ui_app: Flask) -> None:
    app = ui_app.extensions["peiban"]
    by, long_ago = Actor("tests"), datetime.now(tz=UTC) - timedelta(days=400)
    # given a cohort that was expected to end 3 days ago, whose volunteer 甲 still leads 赵家 (no handover planned)
    cohort = app.open_cohort(
        name="2023级", intake_on=long_ago.date(), expected_end_on=local_today(-3), recorded_by=by, occurred_at=long_ago
    )
    lead = app.register_volunteer(cohort_id=cohort, name="甲", contact="-", recorded_by=by, occurred_at=long_ago)
    app.activate_volunteer(lead, recorded_by=by, occurred_at=long_ago)
    family = app.enrol_family(recorded_by=by, occurred_at=long_ago, **{**family_profile(), "display_name": "赵家"})
    app.assign_volunteer(family, volunteer_id=lead, role=Role.LEAD, recorded_by=by, occurred_at=long_ago)
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    # when the coordinator reads the dashboard, the cliff list and the family's page
    pages = [text(client.get(path)) for path in ("/", "/continuity/cliff", f"/families/{family}")]
    # then each says the cohort has ended, 3 days ago, and none counts days left below zero
    assert "已结束 3 天" in pages[0] and "甲，2023级 已结束 3 天" in pages[1]
    assert "断崖：甲 所在的 2023级 已结束 3 天，尚未计划交接。" in pages[2]
    assert not any(re.search(r"-\d+ ?天", page) for page in pages)
