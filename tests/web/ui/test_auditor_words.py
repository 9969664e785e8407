"""The auditor's path and the words on the pages: the access log narrowed by family, reader and days; raw
facts as of a replayed day; people named, not accounts; English plurals and hints; errors at their fields."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.actor import Actor
from tests.web.api.conftest import ago, post
from tests.web.ui.conftest import browser, form_token, handover_scene, log_position, open_account, preset_times, text
from tests.web.ui.test_audit_pages import as_of, dated_handover_scene, day
from web.access.tokens import new_token
from web.i18n import LANGUAGE_COOKIE, days_ago, ngettext
from web.pages import names

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def in_english(client: FlaskClient) -> FlaskClient:
    client.set_cookie(LANGUAGE_COOKIE, "en")
    return client


def api_as(app: Flask, user_name: str) -> FlaskClient:
    """The API as an account opened with a display name (``<name> 老师``), through a bearer token."""
    accounts = app.extensions["peiban.accounts"]
    token, token_id, token_hash = new_token(accounts.get(user_name))
    accounts.issue_token(user_name, token_id=token_id, token_hash=token_hash, label="tests", recorded_by=Actor("tests"))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def reads_shown(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td[^>]*><time.*?</tr>", page, re.S)


def test_the_access_log_narrows_by_family_reader_and_days_and_names_the_readers(ui_app: Flask) -> None:
    # given reads of two families by an auditor and a coordinator
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    open_account(ui_app, "lin", "coordinator")
    auditor, coordinator = browser(ui_app, "shen"), browser(ui_app, "lin")
    auditor.get(f"/families/{scene.family}")
    auditor.get(f"/families/{scene.other_family}")
    coordinator.get(f"/families/{scene.family}")
    # when the log is asked for all, one family, one reader, both, and days
    every = reads_shown(text(coordinator.get("/access")))
    family = reads_shown(text(coordinator.get("/access", query_string={"family": scene.family})))
    reader = reads_shown(text(coordinator.get("/access", query_string={"reader": "shen"})))
    both = reads_shown(text(coordinator.get("/access", query_string={"family": scene.family, "reader": "shen"})))
    today = reads_shown(text(coordinator.get("/access", query_string={"since": day(0), "until": day(0)})))
    before = reads_shown(text(coordinator.get("/access", query_string={"until": day(1)})))
    # then each filter narrows the log, and readers are shown by their names
    assert (len(every), len(family), len(reader), len(both), len(today), len(before)) == (3, 2, 2, 1, 3, 0)
    assert all("shen 老师" in r for r in reader) and all("陈" not in r for r in reader)
    assert any("lin 老师" in r for r in family)


def test_a_bad_day_in_the_access_log_filter_is_said_at_its_field_and_the_next_page_keeps_the_filter(
    ui_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "lin", "coordinator")
    coordinator = browser(ui_app, "lin")
    refused = coordinator.get("/access", query_string={"since": "2025-13-40"})
    assert refused.status_code == 422
    assert re.search(r'<p class="error" id="since-error">[^<]+</p>', text(refused))
    assert '<a href="#since">' in text(refused) and not reads_shown(text(refused))
    for _n in range(3):
        coordinator.get(f"/families/{scene.family}")
    monkeypatch.setattr("web.pages.readers.READS_PER_PAGE", 2)
    page = text(coordinator.get("/access", query_string={"family": scene.family}))
    older = re.search(r'<a class="button" href="([^"]+)" rel="next">', page)
    assert older and f"family={scene.family}" in older.group(1)


def test_raw_facts_as_of_a_replayed_day_leave_out_the_facts_recorded_later(
    ui_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 王家: its facts recorded six days ago, an amendment four days ago, a retraction two days ago
    scene = dated_handover_scene(ui_app, monkeypatch)
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")
    # when the auditor replays the day before the amendment and follows the link to the raw facts
    replay = text(as_of(auditor, scene.family, day(5)))
    link = re.search(r'href="(/families/[^"]+/facts\?as_of=[^"]+)"', replay)
    assert link and f"as_of={day(5)}" in link.group(1)
    then = auditor.get(link.group(1).replace("&amp;", "&"))
    later = text(auditor.get(f"/families/{scene.family}/facts", query_string={"as_of": day(3)}))
    now = text(auditor.get(f"/families/{scene.family}/facts"))
    # then the raw facts of that day hold neither correction; two days on, the amendment; today, both
    assert then.status_code == 200 and "peiban.Family.VisitLogged" in text(then)
    assert "FactAmended" not in text(then) and "FactRetracted" not in text(then)
    assert "FactAmended" in later and "FactRetracted" not in later
    assert "FactAmended" in now and "FactRetracted" in now
    # and a correction's target links to the fact it corrects
    target = re.search(rf'<a href="([^"]+)"><code>{scene.amended_visit}</code></a>', later)
    assert target
    assert auditor.get(f"/families/{scene.family}/facts", query_string={"as_of": "tomorrow"}).status_code == 422


def test_raw_facts_label_fields_and_values_in_the_readers_language(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")
    chinese = text(auditor.get(f"/families/{scene.family}/facts"))
    english = text(in_english(browser(ui_app, "shen")).get(f"/families/{scene.family}/facts"))
    assert "时长（分钟）" in chinese or "时长" in chinese
    assert "How long (minutes)" in english and '<code class="muted">duration_minutes</code>' in english
    assert "at home" in english and "家访" not in english


def test_entries_raw_facts_and_the_log_name_people_not_accounts(ui_app: Flask) -> None:
    # given a message recorded by lin, whose account is shown as "lin 老师"
    scene = handover_scene(ui_app)
    open_account(ui_app, "lin", "coordinator")
    message = {"occurred_at": ago(days=1), "volunteer_id": scene.second_lead, "channel": "wechat"}
    recorded = post(
        api_as(ui_app, "lin"),
        f"/families/{scene.family}/messages",
        {**message, "direction": "to_family", "summary": "你好"},
    )
    open_account(ui_app, "shen", "auditor")
    auditor = browser(ui_app, "shen")
    family = text(auditor.get(f"/families/{scene.family}"))
    at_fact = {"fact": recorded["event_id"]}
    facts = text(auditor.get(f"/families/{scene.family}/facts", query_string=at_fact, follow_redirects=True))
    assert "由 lin 老师 记录" in family and "由 lin 记录" not in family
    assert '<span class="name">lin 老师</span> <code class="muted">lin</code>' in facts


def test_an_erased_account_and_volunteer_read_as_the_neutral_placeholder(ui_app: Flask) -> None:
    with ui_app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert names.volunteer(names.ERASED_VOLUNTEER) == "erased volunteer"
        assert names.person(names.ERASED_VOLUNTEER) == "erased volunteer"
        assert names.person("peiban-cli") == "peiban-cli"  # a name no account has: as recorded
    with ui_app.test_request_context():
        assert names.person(names.ERASED_VOLUNTEER) == "已删除的义工"


@pytest.mark.parametrize(
    ("count", "english", "chinese"), [(0, "today", "今天"), (1, "yesterday", "昨天"), (2, "2 days ago", "2 天前")]
)
def test_days_ago_says_today_and_yesterday(ui_app: Flask, count: int, english: str, chinese: str) -> None:
    with ui_app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert days_ago(count) == english
    with ui_app.test_request_context():
        assert days_ago(count) == chinese


def test_english_counts_are_singular_at_one_and_plural_at_two(ui_app: Flask) -> None:
    with ui_app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert ngettext("%(num)s entry", "%(num)s entries", 1) == "1 entry"
        assert ngettext("%(num)s entry", "%(num)s entries", 2) == "2 entries"
        assert ngettext("leads %(num)s family", "leads %(num)s families", 1) == "leads 1 family"
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    page = text(in_english(browser(ui_app, "shen")).get(f"/families/{scene.family}"))
    counts = re.findall(r'<span class="count">(\d+) (entry|entries)</span>', page)
    assert counts and all((n == "1") == (word == "entry") for n, word in counts)
    assert ("1", "entry") in counts and not re.search(r"\b1 entries\b|\b1 families\b", page)


def test_english_form_hints_hold_no_chinese(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "lin", "coordinator")
    client = in_english(browser(ui_app, "lin"))
    for path in (
        f"/families/{scene.family}/visits/new",
        "/families/new",
        "/cohorts/new",
        f"/families/{scene.family}/messages/new",
    ):
        page = text(client.get(path))
        hints = re.findall(r'<p class="hint"[^>]*>(.*?)</p>', page, re.S)
        assert hints, path
        assert not [h for h in hints if CJK.search(h)], path


def test_a_negative_duration_is_said_at_its_field_and_the_banner_links_to_it(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "lin", "coordinator")
    client = browser(ui_app, "lin")
    form = client.get(f"/families/{scene.family}/visits/new")
    token = re.search(r'name="form_token" value="([^"]*)"', text(form))
    sent: dict[str, Any] = {
        "csrf_token": form_token(form),
        **preset_times(form),
        "form_token": token.group(1) if token else "",
        "volunteer_ids": scene.second_lead,
        "place": "home",
        "summary": "一起读书",
        "duration_minutes": "-30",
    }
    before = log_position(ui_app)
    refused = client.post(f"/families/{scene.family}/visits/new", data=sent)
    page = text(refused)
    assert refused.status_code == 422 and log_position(ui_app) == before
    error = re.search(r'<p class="error" id="duration_minutes-error">([^<]+)</p>', page)
    assert error and "1" in error.group(1) and "整数" not in error.group(1)
    assert re.search(r'<div class="error banner"[^>]*>.*<a href="#duration_minutes">[^<]*1[^<]*</a>', page, re.S)


def test_an_auditor_sees_nothing_open_rather_than_an_empty_heading(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")
    page = text(browser(ui_app, "shen").get(f"/families/{scene.other_family}"))
    panel = re.search(r'<section class="actions-panel".*?</section>', page, re.S)
    assert panel and "待处理的事项" in panel.group(0) and "没有待处理的事项。" in panel.group(0)
