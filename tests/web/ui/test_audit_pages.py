"""The auditors' pages: the record replayed as it stood at the end of a day, raw facts one by one, and
the access log; each refused to those the policy does not allow, and the family reads audited."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.app_base import utc_now
from projections.plain import local_day
from tests.web.api.conftest import ago, post, signed_in
from tests.web.ui.conftest import Handover, browser, handover_scene, open_account, text
from web.pages import readers

MISSING = "00000000-0000-0000-0000-000000000000"


def days_ago(days: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(days=days)


def dated_handover_scene(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Handover:
    """The handover scene with its facts recorded six days ago, the amendment four days ago and the
    retraction two days ago (the scene's commands run on the application's clock)."""
    peiban = app.extensions["peiban"]
    monkeypatch.setattr(peiban, "clock", lambda: days_ago(6))

    def recorded_later(run: Any, days: int) -> Any:
        def later(*args: Any, **kwargs: Any) -> Any:
            peiban.clock = lambda: days_ago(days)
            return run(*args, **kwargs)

        return later

    for command, days in (("amend_fact", 4), ("retract_fact", 2)):
        monkeypatch.setattr(peiban, command, recorded_later(getattr(peiban, command), days))
    scene = handover_scene(app)
    monkeypatch.setattr(peiban, "clock", utc_now)
    return scene


def day(days: float) -> str:
    """The local (Asia/Shanghai) calendar day ``days`` ago."""
    return local_day(days_ago(days)).isoformat()


def entry(page: str, event_id: str) -> str:
    found = re.search(rf'<li class="entry[^"]*" id="entry-{event_id}".*?</li>', page, re.S)
    assert found, event_id
    return found.group(0)


def as_of(client: FlaskClient, family: str, on: str) -> Any:
    return client.get(f"/families/{family}/as-of", query_string={"day": on})


def test_as_of_a_day_shows_the_record_as_it_stood_then_and_today_shows_the_corrections(
    ui_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 王家: a visit amended (90 → 60 minutes) four days ago, another retracted two days ago
    scene = dated_handover_scene(ui_app, monkeypatch)
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")
    # when the auditor replays the day before the amendment
    response = as_of(auditor, scene.family, day(5))
    before = text(response)
    # then the visit has its original duration and no trace of a correction, the other is not struck through
    assert response.status_code == 200
    assert "90 分钟" in entry(before, scene.amended_visit) and "更正" not in entry(before, scene.amended_visit)
    retracted = entry(before, scene.retracted_visit)
    assert "retracted" not in retracted.split(">")[0] and "<del>" not in retracted and "撤回" not in retracted
    # with a banner naming the day, a link back to today's record, and the picture and chapters of the family page
    assert f"{day(5)} 结束时的记录" in before
    assert f'href="/families/{scene.family}">返回今天的记录</a>' in before
    assert '<svg class="timeline"' in before and "<h3>甲 陪伴期间 · 2024级" in before
    assert 'id="day" name="day" type="date" value="' + day(5) + '"' in before
    # the day between the amendment and the retraction: amended, with its trace; not yet retracted
    between = text(as_of(auditor, scene.family, day(3)))
    assert "60 分钟" in entry(between, scene.amended_visit) and "时长记错" in entry(between, scene.amended_visit)
    assert "<del>" not in entry(between, scene.retracted_visit)
    # and today's record shows both corrections with their traces
    today = text(auditor.get(f"/families/{scene.family}"))
    assert "时长记错" in entry(today, scene.amended_visit) and "60 分钟" in entry(today, scene.amended_visit)
    assert "<del>" in entry(today, scene.retracted_visit) and "记错了家庭" in entry(today, scene.retracted_visit)


def test_the_replay_and_the_raw_facts_are_recorded_in_the_read_audit_as_such(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")

    assert as_of(auditor, scene.family, day(0)).status_code == 200
    assert auditor.get(f"/families/{scene.family}/facts").status_code == 200

    log = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/readers").get_json()["items"]
    shen = [(r["what"], r["detail"], r["role"]) for r in log if r["reader"] == "shen"]
    assert shen == [("raw_facts", "", "auditor"), ("as_of", f"day={day(0)}", "auditor")]


@pytest.mark.parametrize("typed", ["", "2025-02-30", "yesterday", "0001-01-01", "9999-12-31"])
def test_a_day_that_is_not_a_past_calendar_day_is_refused_beside_the_field(ui_app: Flask, typed: str) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")

    response = as_of(auditor, scene.family, typed)

    page = text(response)
    assert response.status_code == 422
    field = re.search(r'<div class="field field-date invalid" id="field-day">.*?</div>', page, re.S)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert re.search(r'<p class="error" id="day-error">(必填|请输入不晚于今天的日期，例如 2025-03-01。)</p>', field[0])
    assert f'value="{html.escape(typed)}"' in field.group(0), "what was typed is kept"
    log = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/readers").get_json()["items"]
    assert [r for r in log if r["reader"] == "shen"] == [], "nothing was read"


def test_a_day_before_the_family_was_recorded_says_so_and_a_family_that_does_not_exist_is_not_found(
    ui_app: Flask,
) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")

    early = as_of(auditor, scene.family, "2020-01-01")
    missing = as_of(auditor, MISSING, day(0))

    assert early.status_code == 404 and "截至 2020-01-01 结束时，这个家庭还没有任何记录。" in text(early)
    assert missing.status_code == 404 and 'id="field-day"' not in text(missing)


def test_only_auditors_may_replay_or_read_raw_facts_and_the_access_log_is_for_coordinators_too(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "social-worker", "social_worker")
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    open_account(ui_app, "shen", "auditor")
    pages = {
        "as-of": f"/families/{scene.family}/as-of?day={day(0)}",
        "facts": f"/families/{scene.family}/facts",
        "family readers": f"/families/{scene.family}/readers",
        "reader's reads": "/access/readers/yi",
        "access log": "/access",
    }
    statuses = {
        user: {name: browser(ui_app, user).get(path).status_code for name, path in pages.items()}
        for user in ("coordinator", "social-worker", "yi", "shen")
    }
    assert statuses == {
        "coordinator": {"as-of": 403, "facts": 403, "family readers": 200, "reader's reads": 200, "access log": 200},
        "social-worker": {"as-of": 403, "facts": 403, "family readers": 403, "reader's reads": 403, "access log": 403},
        "yi": {"as-of": 403, "facts": 403, "family readers": 403, "reader's reads": 403, "access log": 403},
        "shen": {"as-of": 200, "facts": 200, "family readers": 200, "reader's reads": 200, "access log": 200},
    }
    # and the volunteer's family page offers none of them; the coordinator's only the readers; the auditor's all
    family = f"/families/{scene.family}"
    yi, coordinator, shen = (text(browser(ui_app, user).get(family)) for user in ("yi", "coordinator", "shen"))
    assert "/as-of" not in yi and "/facts" not in yi and "/readers" not in yi
    assert "/as-of" not in coordinator and "/facts" not in coordinator and f"{family}/readers" in coordinator
    assert f'action="{family}/as-of"' in shen and f"{family}/facts" in shen and f"{family}/readers" in shen


def fact_positions(page: str) -> list[int]:
    return [int(p) for p in re.findall(r'<li class="fact" id="fact-(\d+)">', page)]


def test_the_raw_facts_page_through_every_fact_in_order_and_step_one_by_one(ui_app: Flask) -> None:
    # given 王家 with more facts than a page holds
    scene = handover_scene(ui_app)
    api = signed_in(ui_app, "coordinator")
    for n in range(12):
        message = {"occurred_at": ago(days=9 - n / 2), "volunteer_id": scene.second_lead, "channel": "wechat"}
        post(api, f"/families/{scene.family}/messages", {**message, "direction": "to_family", "summary": f"第{n}条"})
    stored = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/events?limit=500").get_json()
    expected = [(f["position"], f["kind"]) for f in stored["items"]]
    assert len(expected) > 20
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")
    # when the auditor pages through with the "later facts" button
    walked: list[int] = []
    url: str | None = f"/families/{scene.family}/facts"
    pages = 0
    while url:
        page = text(auditor.get(url))
        walked += fact_positions(page)
        found = re.search(r'<a class="button" href="([^"]+)" rel="next">', page)
        url, pages = html.unescape(found.group(1)) if found else None, pages + 1
    # then every fact comes once, in the order it was recorded, with its stored topic
    assert walked == [position for position, _ in expected] and pages == 2
    first = text(auditor.get(f"/families/{scene.family}/facts"))
    assert "<code>peiban.Family.Enrolled</code>" in first and "<code>peiban.Family.VisitLogged</code>" in first
    assert "test-coordinator" in first and "一起写作业，聊了学校的事" in first
    # ids stay as stored, each volunteer's name beside it, linked to the volunteer's page
    assert f'<a href="/volunteers/{scene.first_lead}">甲</a> <code>{scene.first_lead}</code>' in first
    # and stepping fact by fact from the first reaches the last, crossing to the next page
    stepped, position, page = [1], 1, first
    while True:
        fact = re.search(rf'<li class="fact" id="fact-{position}">.*?</li>', page, re.S)
        assert fact
        following = re.search(r'<a href="([^"]+)">下一条 →</a>', fact.group(0))
        if not following:
            break
        target = html.unescape(following.group(1))
        if not target.startswith("#"):
            page = text(auditor.get(target))
        position = int(target.rpartition("#fact-")[2])
        stepped.append(position)
    assert stepped == walked
    # a position that is not one answers "not found", whatever is typed
    for typed in ("0", "-1", "²", "9" * 5000, "abc"):
        assert auditor.get(f"/families/{scene.family}/facts?from={typed}").status_code == 404, typed


def test_the_readers_pages_list_who_read_what_newest_first_a_page_at_a_time(
    ui_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")
    auditor.get(f"/families/{scene.family}")
    as_of(auditor, scene.family, day(0))
    auditor.get(f"/families/{scene.family}/facts")
    browser(ui_app, "coordinator").get(f"/families/{scene.other_family}")
    monkeypatch.setattr(readers, "READS_PER_PAGE", 2)
    coordinator = browser(ui_app, "coordinator")

    def walk(url: str) -> list[str]:
        rows: list[str] = []
        while True:
            page = text(coordinator.get(url))
            rows += re.findall(r"<tr>\s*<td[^>]*><time.*?</tr>", page, re.S)
            older = re.search(r'<a class="button" href="([^"]+)" rel="next">', page)
            if not older:
                return rows
            url = url.partition("?")[0] + html.unescape(older.group(1))

    family = walk(f"/families/{scene.family}/readers")
    shen = walk("/access/readers/shen")
    everything = walk("/access")

    assert [re.findall(r"<td[^>]*>(时间线|按日期回放|原始事实)</td>", r) for r in family] == [
        ["原始事实"],
        ["按日期回放"],
        ["时间线"],
    ]
    assert all(">shen 老师</a>" in r and "评估/审计" in r and "127.0.0.1" in r for r in family)
    assert len(shen) == 3 and all(scene.family[:8] in r for r in shen)
    assert len(everything) == 4 and "协调员" in everything[0] and scene.other_family[:8] in everything[0]
    assert f"day={day(0)}" in family[1]
    # reading the access log is not itself a read of a family's record
    assert len(walk(f"/families/{scene.family}/readers")) == 3


def test_the_header_links_to_the_access_log_for_those_who_may_read_it(ui_app: Flask) -> None:
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "social-worker", "social_worker")
    open_account(ui_app, "shen", "auditor")

    shown = {
        user: 'href="/access"' in text(browser(ui_app, user).get("/"))
        for user in ("coordinator", "social-worker", "shen")
    }

    assert shown == {"coordinator": True, "social-worker": False, "shen": True}
