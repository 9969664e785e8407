"""The family page: the timeline picture above the chronological list, corrections traced, compartments kept."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from tests.web.api.conftest import ago, post, signed_in
from tests.web.api.scenes import family_body
from tests.web.ui.conftest import browser, handover_scene, open_account, text


def svg(page: str) -> str:
    found = re.search(r"<svg class=\"timeline\".*?</svg>", page, re.S)
    assert found, "the page draws the timeline picture"
    return found.group(0)


def lane(picture: str, volunteer_id: str) -> str:
    found = re.search(rf'<g class="lane" data-volunteer="{volunteer_id}">.*?</g>', picture, re.S)
    assert found, volunteer_id
    return found.group(0)


def lane_name(page: str, volunteer_id: str) -> str:
    """The lane's name and cohort, as the column beside the picture shows them."""
    found = re.search(rf'<li style="[^"]*" data-volunteer="{volunteer_id}">(.*?)</li>', page, re.S)
    assert found, volunteer_id
    return found.group(1).strip()


def test_the_picture_has_a_lane_per_volunteer_with_tenures_marks_and_the_handover_bridge(ui_app: Flask) -> None:
    # given 王家: 甲 led, visited twice (one retracted), messaged; handed over to 乙 after a joint visit; 乙 visited
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    # when the coordinator opens the family page
    page = text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))
    picture = svg(page)
    # then the picture comes before the chronological list
    assert page.index("<svg") < page.index('class="entries"')
    # with one lane per volunteer, each named with its cohort in the column beside the picture
    assert picture.count('<g class="lane"') == 2
    first, second = lane(picture, scene.first_lead), lane(picture, scene.second_lead)
    assert re.fullmatch(
        r'<span class="lane-name">甲</span><span class="lane-cohort">2024级</span>', lane_name(page, scene.first_lead)
    )
    assert re.fullmatch(
        r'<span class="lane-name">乙</span><span class="lane-cohort">2025级</span>', lane_name(page, scene.second_lead)
    )
    # 甲's lead tenure ended at the handover; 乙 shadowed nothing and leads now
    assert first.count('class="bar role-lead"') == 1
    assert second.count('class="bar role-lead ongoing"') == 1
    # visits and messages as marks: the retracted visit is left out, the joint visit is on both lanes and joined
    assert first.count('class="mark visit"') == 1 and first.count('class="mark message"') == 1
    assert first.count('class="mark joint_visit"') == second.count('class="mark joint_visit"') == 1
    assert second.count('class="mark visit"') == 1
    assert picture.count('class="joint-link"') == 1
    # the handover bridge, completed, with its joint visit; and the concern
    assert picture.count('class="bridge state-completed"') == 1
    assert "交接 · 甲 → 乙 · 已完成" in picture and "共同探访：1 次" in page
    assert picture.count('class="mark concern-mark"') == 1


def test_the_list_has_chapters_and_shows_corrections_with_their_trace(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    page = text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))
    # one chapter per lead
    assert page.index("<h3>甲 陪伴期间 · 2024级") < page.index("<h3>乙 陪伴期间 · 2025级")
    # the amendment: the corrected value, and who changed it, when and why
    amended = re.search(rf'id="entry-{scene.amended_visit}".*?</li>', page, re.S)
    assert amended and "60 分钟" in amended.group(0)
    assert re.search(r"\d{4}-\d\d-\d\d 由 test-coordinator 更正，原因：时长记错 \(时长（分钟）：90 → 60\)", amended[0])
    # the retraction: struck through, with its trace
    retracted = re.search(
        rf'<li class="entry kind-visit retracted" id="entry-{scene.retracted_visit}".*?</li>', page, re.S
    )
    assert retracted and "<del>" in retracted.group(0)
    assert "由 test-coordinator 撤回，原因：记错了家庭" in retracted.group(0)


def test_times_are_shown_in_shanghai(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    page = text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))
    timeline = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/timeline").get_json()
    (entry,) = (e for e in timeline["entries"] if e["event_id"] == scene.amended_visit)
    shown = datetime.fromisoformat(entry["occurred_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"<time>{shown:%Y-%m-%d %H:%M}</time>" in page
    assert "时间按北京时间显示。" in page


def test_sensitive_compartments_follow_the_policy_and_every_read_is_audited(ui_app: Flask) -> None:
    # given a concern in the anti-domestic-violence compartment of 王家
    scene = handover_scene(ui_app)
    api = signed_in(ui_app, "coordinator")
    concern = {"category": "safety", "level": "high", "summary": "需要社工介入", "occurred_at": ago(days=3)}
    post(api, f"/families/{scene.family}/concerns", {**concern, "service_line": "anti_domestic_violence"})
    open_account(ui_app, "social-worker", "social_worker")
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    # when the social worker and the family's volunteer open the family page
    cleared = text(browser(ui_app, "social-worker").get(f"/families/{scene.family}"))
    volunteer = text(browser(ui_app, "yi").get(f"/families/{scene.family}"))
    # then only the cleared reader sees it, in the list and in the picture
    assert "需要社工介入" in cleared and svg(cleared).count("concern-mark") == 2
    assert "需要社工介入" not in volunteer and svg(volunteer).count("concern-mark") == 1
    # and both reads are in the read audit, as the API's reads are
    readers = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/readers").get_json()["items"]
    assert {(r["reader"], r["what"]) for r in readers} >= {("social-worker", "timeline"), ("yi", "timeline")}


def test_the_family_page_says_why_the_dashboard_lists_the_family_to_those_who_read_the_dashboard(
    ui_app: Flask,
) -> None:
    scene = handover_scene(ui_app)
    api = signed_in(ui_app, "coordinator")
    alone = post(api, "/families", family_body("周家"))["id"]
    open_account(ui_app, "coordinator", "coordinator")
    coordinator = browser(ui_app, "coordinator")
    # a family without a lead is uncovered; one led and visited ten days ago is not on any list
    alone_page, led_page = (
        text(coordinator.get(f"/families/{alone}")),
        text(coordinator.get(f"/families/{scene.family}")),
    )
    assert '<ul class="warnings"' in alone_page and "无人陪伴：没有主责义工。" in alone_page
    assert '<ul class="warnings"' not in led_page
    # a volunteer is not shown the dashboard's judgement
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    assert '<ul class="warnings"' not in text(browser(ui_app, "yi").get(f"/families/{scene.family}"))


def test_a_compartment_contact_does_not_quiet_the_warning_for_those_who_may_not_see_it(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    api, worker = signed_in(ui_app, "coordinator"), signed_in(ui_app, "social_worker")
    # 李家 (enrolled 90 days ago, led by 丙) has had no contact; then a shelter message, five days ago
    message = {"occurred_at": ago(days=5), "volunteer_id": scene.other_lead, "direction": "to_family"}
    post(
        worker,
        f"/families/{scene.other_family}/messages",
        {**message, "channel": "phone", "summary": "庇护所安排", "service_line": "shelter"},
    )
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "worker", "social_worker")
    coordinator, social_worker = browser(ui_app, "coordinator"), browser(ui_app, "worker")
    # the coordinator, not cleared for the compartment, still sees a quiet family, on its page and the dashboard
    assert "沉寂：已经 90 天没有探访或消息。" in text(coordinator.get(f"/families/{scene.other_family}"))
    quiet = {row["family_id"]: row for row in api.get("/api/v1/dashboard/continuity").get_json()["quiet"]}
    assert quiet[scene.other_family]["days_quiet"] == 90
    # the social worker, who may read it, sees the recent contact
    assert "沉寂" not in text(social_worker.get(f"/families/{scene.other_family}"))
    assert "庇护所安排" in text(social_worker.get(f"/families/{scene.other_family}"))


def test_a_record_moved_out_of_a_compartment_keeps_its_compartment_history_from_those_not_cleared(
    ui_app: Flask,
) -> None:
    scene = handover_scene(ui_app)
    worker = signed_in(ui_app, "social_worker")
    body = {
        "occurred_at": ago(days=3),
        "volunteer_ids": [scene.second_lead],
        "duration_minutes": 40,
        "place": "centre",
        "summary": "在庇护所陪孩子画画",
        "service_line": "shelter",
    }
    visit_id = post(worker, f"/families/{scene.family}/visits", body)["event_id"]
    changes = {"service_line": "companionship", "summary": "在中心陪孩子画画"}
    amend = {"target_event_id": visit_id, "action": "amend", "reason": "误标为庇护服务", "changes": changes}
    post(worker, f"/families/{scene.family}/corrections", amend)
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "worker", "social_worker")
    entry_pattern = rf'id="entry-{visit_id}">.*?</li>'
    seen = re.search(entry_pattern, text(browser(ui_app, "coordinator").get(f"/families/{scene.family}")), re.S)
    # the coordinator now sees the visit, and that it was amended, but nothing of its time in the compartment
    assert seen and "在中心陪孩子画画" in seen.group(0) and "详情不显示" in seen.group(0)
    assert "庇护" not in seen.group(0) and "误标" not in seen.group(0)
    # the social worker sees the whole trace
    full = re.search(entry_pattern, text(browser(ui_app, "worker").get(f"/families/{scene.family}")), re.S)
    assert full and "误标为庇护服务" in full.group(0) and "庇护 → 陪伴服务" in full.group(0)
