"""A volunteer's pages, phone first: my families with what is due, the big "log a visit" button, and the
briefing a family opens on until the volunteer's first visit (every reading of it recorded)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from werkzeug.test import TestResponse

from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import assign, family, plan_handover, visit, volunteer
from tests.web.ui.conftest import browser, form_token, handover_scene, log_position, open_account, preset_times, text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def reads_of(app: Flask, family_id: str) -> list[tuple[str, str]]:
    """(reader, what) of every recorded read of the family, oldest first."""
    items = signed_in(app, "auditor").get(f"/api/v1/families/{family_id}/readers?limit=500").get_json()["items"]
    return [(r["reader"], r["what"]) for r in reversed(items)]


def test_a_new_volunteer_is_briefed_before_the_first_visit_then_sees_the_timeline(ui_app: Flask) -> None:
    # 丙 takes over 王家 from 乙 (a handover is planned): 丙 has never visited
    scene = handover_scene(ui_app)
    api = signed_in(ui_app, "coordinator")
    newcomer = volunteer(api, cohort(api, "2026级"), "丙丙")
    plan_handover(api, scene.family, scene.second_lead, newcomer, days_ago=2)
    worker = signed_in(ui_app, "social_worker")
    post(
        worker,
        f"/families/{scene.family}/concerns",
        {"category": "safety", "level": "urgent", "summary": "庇护中", "service_line": "shelter"},
    )
    open_account(ui_app, "bing", "volunteer", newcomer)
    phone = browser(ui_app, "bing")
    home = text(phone.get("/"))
    # the family being handed over leads to its briefing, and says so
    assert f'href="/families/{scene.family}/briefing">王家</a>' in home
    assert "你还没有探访过：请先读简报。" in home
    # opening the family itself lands on the briefing
    opened = phone.get(f"/families/{scene.family}")
    assert (opened.status_code, opened.headers["Location"]) == (303, f"/families/{scene.family}/briefing")
    briefing = text(phone.get(f"/families/{scene.family}/briefing"))
    assert "第一次探访之前：王家" in briefing
    assert "小明喜欢画画" in briefing  # the handover letter from 甲 to 乙
    assert "甲" in briefing and "2024级" in briefing  # who came before
    assert "作业跟不上" in briefing  # what is open
    assert "庇护中" not in briefing  # never the compartments
    assert ("bing", "briefing") in reads_of(ui_app, scene.family)
    # the first visit (a joint visit with 乙), logged from the briefing's button
    form_path = f"/families/{scene.family}/visits/new"
    assert f'href="{form_path}"' in briefing
    sent = phone.post(
        form_path,
        data={
            "csrf_token": form_token(phone.get(form_path)),
            "occurred_at": (datetime.now(tz=SHANGHAI) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "volunteer_ids": [newcomer, scene.second_lead],
            "duration_minutes": "60",
            "place": "home",
            "summary": "第一次见面，孩子有点害羞",
        },
    )
    assert sent.status_code == 303
    # from now on the family opens on its timeline, with the visit on it
    page = phone.get(sent.headers["Location"])
    assert page.status_code == 200 and "第一次见面，孩子有点害羞" in text(page)
    assert phone.get(f"/families/{scene.family}").status_code == 200
    assert "你还没有探访过" not in text(phone.get("/"))


def test_what_is_due_counts_follow_ups_handovers_and_quiet_families_without_their_words(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    new = cohort(api, "2025级")
    me, other = volunteer(api, new, "丁"), volunteer(api, new, "戊")
    zhao, qian = family(api, "赵家"), family(api, "钱家")
    assign(api, zhao, me, days_ago=60)
    assign(api, qian, me, days_ago=60)
    assign(api, zhao, other, role="co", days_ago=60)
    visit(api, zhao, me, days_ago=20)
    visit(api, qian, me, days_ago=3)
    today = datetime.now(tz=SHANGHAI).date()
    for due_on, who in (
        (today - timedelta(days=2), me),
        (today + timedelta(days=5), None),
        (today + timedelta(days=9), other),
    ):
        body = {"action": f"跟进{due_on}", "due_on": due_on.isoformat(), "occurred_at": ago(days=10)}
        post(api, f"/families/{zhao}/follow-ups", {**body, "volunteer_id": who} if who else body)
    post(
        api,
        f"/families/{qian}/follow-ups",
        {"action": "给奶奶打电话", "due_on": (today + timedelta(days=1)).isoformat()},
    )
    open_account(ui_app, "ding", "volunteer", me)
    home = text(browser(ui_app, "ding").get("/"))
    zhao_at, qian_at = home.index("赵家</a>"), home.index("钱家</a>")
    assert zhao_at < qian_at
    cards = {"赵家": home[zhao_at:qian_at], "钱家": home[qian_at : home.index("</main>")]}
    # 赵家: one follow-up of mine overdue, one for anyone due in 5 days (戊's is not mine); no visit for 20 days
    assert "1 项跟进已逾期" in cards["赵家"]
    assert f"1 项跟进待办，最近截止 {today + timedelta(days=5)}" in cards["赵家"]
    assert "你上次探访是在 20 天前。" in cards["赵家"]
    # 钱家: one due tomorrow, visited 3 days ago
    assert f"1 项跟进待办，最近截止 {today + timedelta(days=1)}" in cards["钱家"]
    assert "天前" not in cards["钱家"] and "逾期" not in cards["钱家"]
    # counts and dates only: no family's words on the home page
    assert "给奶奶打电话" not in home and "跟进" + str(today) not in home
    assert not reads_of(ui_app, zhao)


def test_the_log_a_visit_button_goes_straight_to_an_only_family_or_asks_which(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    new = cohort(api, "2025级")
    me = volunteer(api, new, "丁")
    zhao, qian = family(api, "赵家"), family(api, "钱家")
    assign(api, zhao, me, days_ago=60)
    open_account(ui_app, "ding", "volunteer", me)
    phone = browser(ui_app, "ding")
    assert 'class="button primary big" href="/visits/new"' in text(phone.get("/"))
    only = phone.get("/visits/new")
    assert (only.status_code, only.headers["Location"]) == (303, f"/families/{zhao}/visits/new")
    assign(api, qian, me, days_ago=30)
    chooser = text(phone.get("/visits/new"))
    assert "你探访的是哪个家庭？" in chooser
    assert (
        f'href="/families/{zhao}/visits/new">赵家</a>' in chooser
        and f'href="/families/{qian}/visits/new">钱家</a>' in chooser
    )
    # someone else's family is not offered
    assert len(re.findall(r'href="/families/[^"]+/visits/new"', chooser)) == 2


def test_briefings_are_read_only_within_a_volunteers_own_families(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    phone = browser(ui_app, "yi")
    assert phone.get(f"/families/{scene.other_family}/briefing").status_code == 404
    assert phone.get(f"/families/{scene.family}/briefing").status_code == 200
    assert not any(reader == "yi" for reader, _what in reads_of(ui_app, scene.other_family))
    # a volunteer who has visited goes straight to the timeline
    assert phone.get(f"/families/{scene.family}").status_code == 200


def test_a_volunteers_page_lists_the_families_they_accompany_and_is_theirs_alone_among_volunteers(
    ui_app: Flask,
) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    coordinator = browser(ui_app, "coordinator")
    # from the list of volunteers, a name leads to the volunteer's page
    listing = text(coordinator.get("/volunteers"))
    assert f'href="/volunteers/{scene.second_lead}"' in listing
    page = text(coordinator.get(f"/volunteers/{scene.second_lead}"))
    assert "<h1>乙</h1>" in page and "2025级" in page
    assert f'href="/families/{scene.family}">王家</a>' in page and "李家" not in page
    # 乙's two visits (the joint one and one since) fall in their cohort's term
    assert re.search(r"本期（[^）]+）：探访 2 次", page)
    # a volunteer sees their own page, and another volunteer's answers like one that does not exist
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    phone = browser(ui_app, "yi")
    assert phone.get(f"/volunteers/{scene.second_lead}").status_code == 200
    assert phone.get(f"/volunteers/{scene.other_lead}").status_code == 404


def test_an_alumni_volunteer_messages_a_family_that_keeps_in_touch_without_reading_its_record(ui_app: Flask) -> None:
    # 甲 handed 王家 over to 乙, and the family agreed to keep in touch with 甲
    scene = handover_scene(ui_app)
    open_account(ui_app, "jia", "volunteer", scene.first_lead)
    phone = browser(ui_app, "jia")
    # once 甲 has agreed too, the family is on 甲's home page
    assert "与你保持联系的家庭" not in text(phone.get("/"))
    post(signed_in(ui_app, "coordinator"), f"/volunteers/{scene.first_lead}/alumni-contact", {"opted_in": True}, 200)
    home = text(phone.get("/"))
    assert "与你保持联系的家庭" in home
    assert "<title>我陪伴的家庭 · 陪伴 Peiban</title>" in home
    form_path = f"/families/{scene.family}/messages/new"
    assert f'href="{form_path}"' in home
    form = phone.get(form_path)
    assert form.status_code == 200 and 'class="cancel" href="/"' in text(form)
    sent = phone.post(
        form_path,
        data={
            **preset_times(form),
            "csrf_token": form_token(form),
            "volunteer_id": scene.first_lead,
            "direction": "from_family",
            "channel": "wechat",
            "summary": "孩子说考试进步了，想告诉甲老师",
        },
    )
    # recorded, and back home (the family's record is not theirs to read any more)
    assert (sent.status_code, sent.headers["Location"]) == (303, "/?recorded=message")
    assert "你的消息已记录。" in text(phone.get(sent.headers["Location"]))
    assert phone.get(f"/families/{scene.family}").status_code == 404
    open_account(ui_app, "coordinator", "coordinator")
    assert "孩子说考试进步了，想告诉甲老师" in text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))


def test_a_coordinator_records_how_a_volunteers_time_ends_and_their_family_shows_it(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    coordinator = browser(ui_app, "coordinator")
    page_path = f"/volunteers/{scene.second_lead}"
    assert f'href="{page_path}/departure-announced"' in text(coordinator.get(page_path))

    def send(path: str, fields: dict[str, str]) -> TestResponse:
        form = coordinator.get(path)
        return coordinator.post(path, data={**preset_times(form), "csrf_token": form_token(form), **fields})

    position = log_position(ui_app)
    # a departure without its reason is refused beside the field, and nothing is recorded
    refused = send(f"{page_path}/departure", {})
    assert refused.status_code == 422 and 'id="reason-error"' in text(refused)
    assert log_position(ui_app) == position
    # announced, then recorded: the volunteer's status follows
    last_day = (datetime.now(tz=SHANGHAI).date() + timedelta(days=20)).isoformat()
    assert send(f"{page_path}/departure-announced", {"expected_on": last_day}).status_code == 303
    assert "即将离开" in text(coordinator.get(page_path))
    assert send(f"{page_path}/alumni-contact", {"opted_in": "yes"}).status_code == 303
    assert send(f"{page_path}/departure", {"reason": "graduated"}).status_code == 303
    page = text(coordinator.get(page_path))
    assert "已离开" in page and "愿意作为校友义工保持联系" in page and "/departure" not in page
    # and the departure ended 乙's assignment: the family 乙 led is uncovered now, and its record says why
    family_page = text(coordinator.get(f"/families/{scene.family}"))
    assert "无人陪伴：没有主责义工。" in family_page and "因义工离开项目而结束" in family_page
    # a volunteer may not record any of it
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    assert browser(ui_app, "yi").get(f"{page_path}/departure").status_code == 403
