"""The home page: the continuity dashboard for coordinators, "my families" for a volunteer."""

from __future__ import annotations

import re

from flask import Flask

from tests.builders import local_today
from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import assign, family, plan_handover, volunteer
from tests.web.ui.conftest import browser, handover_scene, open_account, text

MISSING = "00000000-0000-0000-0000-000000000000"


def section(page: str, section_id: str) -> str:
    """The HTML of one dashboard list."""
    found = re.search(rf'<section [^>]*id="{section_id}".*?</section>', page, re.S)
    assert found, section_id
    return found.group(0)


def linked_families(html: str) -> set[str]:
    return set(re.findall(r'href="/families/([0-9a-f-]{36})"', html))


def test_a_coordinator_sees_each_continuity_list_leading_to_its_families(ui_app: Flask) -> None:
    # given: 张家 whose lead's cohort ends in 20 days, 刘家 without a lead (and never contacted),
    # 陈家 handed over without a joint visit
    api = signed_in(ui_app, "coordinator")
    ending = {"name": "2023级", "starts_on": str(local_today(-500))}
    leaving = post(api, "/cohorts", {**ending, "ends_on": str(local_today(20))})["id"]
    staying = cohort(api, "2025级")
    old, new = volunteer(api, leaving, "老义工"), volunteer(api, staying, "新义工")
    zhang, liu, chen = family(api, "张家"), family(api, "刘家"), family(api, "陈家")
    assign(api, zhang, old)
    handing = volunteer(api, staying, "交出者")
    assign(api, chen, handing)
    handover = plan_handover(api, chen, handing, new)
    reason = {"keep_in_touch": False, "no_joint_visit_reason": "家庭搬家", "occurred_at": ago(days=5)}
    post(api, f"/families/{chen}/handovers/{handover}/complete", reason, 200)
    open_account(ui_app, "coordinator", "coordinator")
    # when the coordinator opens the home page
    page = text(browser(ui_app, "coordinator").get("/"))
    # then each list names its families, each a link to the family page
    assert linked_families(section(page, "cliff")) == {zhang}
    assert linked_families(section(page, "uncovered")) == {liu}
    assert {zhang, liu} <= linked_families(section(page, "quiet"))
    assert linked_families(section(page, "without-joint-visit")) == {chen}
    # and the cohort end dates are at a glance
    cohorts = section(page, "cohorts")
    assert "2023级" in cohorts and str(local_today(20)) in cohorts


def test_a_volunteer_sees_only_their_families_and_others_are_not_found(ui_app: Flask) -> None:
    # given the second lead of 王家, signed in as a volunteer
    scene = handover_scene(ui_app)
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    client = browser(ui_app, "yi")
    # when they open the home page, then it lists 王家 and not 李家 (and no dashboard)
    home = text(client.get("/"))
    assert linked_families(home) == {scene.family}
    assert 'id="cliff"' not in home
    # and their family opens
    assert client.get(f"/families/{scene.family}").status_code == 200
    # but 李家's page answers exactly as a family that does not exist
    other, missing = client.get(f"/families/{scene.other_family}"), client.get(f"/families/{MISSING}")
    assert other.status_code == missing.status_code == 404
    assert text(other).replace(scene.other_family, MISSING) == text(missing)  # the same page but for the address
    assert "李家" not in text(other)
