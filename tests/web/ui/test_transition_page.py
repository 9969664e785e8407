"""The transition planner's page: the proposal preselected, a confirmation with every error at its family's
select and nothing recorded, a refused family reported while the others are planned, a form sent twice
recording once, coordinators only; and the dashboard keeping handovers in progress in view.

    2024级 leaves in 40 days: 甲 leads 林家 (周 co-volunteers there), 乙 leads 张家, 丙 leads 王家
    2025级 (incoming, 500 days left): 周, 吴
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import local_today
from tests.web.api.conftest import signed_in
from tests.web.api.scenes import Leaving, leaving_cohort, plan_handover
from tests.web.ui.conftest import browser, log_position, open_account, text
from tests.web.ui.test_forms_sent_twice import hidden_inputs


@pytest.fixture
def leaving(ui_app: Flask) -> Leaving:
    api = signed_in(ui_app, "coordinator")
    return leaving_cohort(api)


@pytest.fixture
def coordinator(ui_app: Flask) -> FlaskClient:
    open_account(ui_app, "coordinator", "coordinator")
    return browser(ui_app, "coordinator")


def selected(page: str, family_id: str) -> str:
    """The value selected in a family's successor select ("" for none)."""
    select = re.search(rf'<select id="successor-{family_id}".*?</select>', page, re.S)
    assert select, family_id
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return chosen.group(1) if chosen else ""


def form_of(client: FlaskClient, leaving: Leaving, **successors: str) -> dict[str, str]:
    """The planner's form as a browser sends it: the proposal, with ``successors`` (family name → volunteer key
    or "") changed."""
    page = client.get(leaving.page)
    assert page.status_code == 200
    body = text(page)
    fields = {**hidden_inputs(page), "planned_on": str(local_today(30))}
    for fid in leaving.f.values():
        if f'id="successor-{fid}"' in body:
            fields[f"successor-{fid}"] = selected(body, fid)
    for name, key in successors.items():
        fields[f"successor-{leaving.f[name]}"] = leaving.v[key] if key else ""
    return fields


def test_the_planner_proposes_the_familys_co_and_shows_the_days_left(
    coordinator: FlaskClient, leaving: Leaving
) -> None:
    page = text(coordinator.get(leaving.page))

    assert "交接规划：2024级" in page
    assert "还剩 40 天" in page
    assert selected(page, leaving.f["林家"]) == leaving.v["周"]
    assert "周 · 2025级 · 负责 0 户 · 曾陪伴这个家庭" in page
    assert all(selected(page, leaving.f[n]) for n in ("张家", "王家"))  # room enough: a successor for each


def test_confirming_plans_the_chosen_handovers_and_a_second_send_records_nothing(
    coordinator: FlaskClient, leaving: Leaving
) -> None:
    before = log_position(coordinator.application)
    form = form_of(coordinator, leaving, 张家="吴", 王家="")  # adjusted; 王家 left for later

    sent = coordinator.post(leaving.page, data=form)

    assert sent.status_code == 303
    assert log_position(coordinator.application) == before + 2
    page = text(coordinator.get(sent.headers["Location"]))
    assert "已计划 2 个交接" in page
    progress = page.split('id="progress"')[1]
    assert "甲 → 周" in progress and "乙 → 吴" in progress
    assert "记录共同探访" in progress  # the next action of a handover without a joint visit
    again = coordinator.post(leaving.page, data=form)
    assert again.status_code == 303 and "already_saved=1" in again.headers["Location"]
    assert log_position(coordinator.application) == before + 2


def test_a_refused_family_says_why_beside_it_and_the_others_are_planned(
    ui_app: Flask, coordinator: FlaskClient, leaving: Leaving
) -> None:
    form = form_of(coordinator, leaving, 林家="周", 张家="吴", 王家="吴")
    plan_handover(signed_in(ui_app, "coordinator"), leaving.f["王家"], leaving.v["丙"], leaving.v["周"])
    before = log_position(ui_app)

    sent = coordinator.post(leaving.page, data=form)

    assert sent.status_code == 200
    assert log_position(ui_app) == before + 2
    page = text(sent)
    row = page.split(f'id="family-{leaving.f["王家"]}"')[-1].split("</tr>")[0]
    assert "该家庭已有一个进行中的交接" in row
    assert "已计划 2 个交接" in page and 'role="alert"' in page


def test_a_wrong_choice_is_refused_at_its_select_and_nothing_is_recorded(
    coordinator: FlaskClient, leaving: Leaving
) -> None:
    before = log_position(coordinator.application)
    form = form_of(coordinator, leaving, 张家="甲")  # 甲 leaves with the cohort
    form["planned_on"] = "2025-02-30"

    sent = coordinator.post(leaving.page, data=form)

    assert sent.status_code == 422
    page = text(sent)
    assert 'id="successor-' + leaving.f["张家"] + '-error"' in page or "planned_on-error" in page
    assert log_position(coordinator.application) == before
    form["planned_on"] = str(local_today(30))
    again = text(coordinator.post(leaving.page, data=form))
    assert f'id="successor-{leaving.f["张家"]}-error"' in again
    assert "不是可接手的义工" in again
    assert log_position(coordinator.application) == before


def test_nothing_chosen_is_refused_as_a_whole(coordinator: FlaskClient, leaving: Leaving) -> None:
    before = log_position(coordinator.application)
    sent = coordinator.post(leaving.page, data=form_of(coordinator, leaving, 林家="", 张家="", 王家=""))
    assert sent.status_code == 422
    assert "请至少为一户选择接手义工" in text(sent)
    assert log_position(coordinator.application) == before


def test_only_coordinators_open_the_planner(ui_app: Flask, leaving: Leaving) -> None:
    open_account(ui_app, "social", "social_worker")
    assert browser(ui_app, "social").get(leaving.page).status_code == 403


def test_the_dashboard_keeps_a_planned_handover_in_view_with_its_next_action(
    ui_app: Flask, coordinator: FlaskClient, leaving: Leaving
) -> None:
    handover = plan_handover(signed_in(ui_app, "coordinator"), leaving.f["张家"], leaving.v["乙"], leaving.v["吴"])

    page = text(coordinator.get("/"))

    in_progress = page.split('id="in-progress"')[1].split("</section>")[0]
    assert "张家" in in_progress and "乙 → 吴" in in_progress and "共同探访 0 次" in in_progress
    assert f"/families/{leaving.f['张家']}/visits/new?handover={handover}" in in_progress
    cliff = page.split('id="cliff"')[1].split("</section>")[0]
    assert f"/families/{leaving.f['王家']}/handovers/new" in cliff  # plan a handover, from the dashboard
    assert f"/cohorts/{leaving.cohort}/transition" in page
