"""Recording from the family page: every action is a form; good input is recorded and shown at once,
bad input comes back with the error beside its field, the input kept, and nothing recorded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import assign, family, volunteer
from tests.web.ui.conftest import browser, form_token, handover_scene, log_position, open_account, preset_times, text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def typed(moment: datetime) -> str:
    """A moment as a person types it into a datetime input: local wall time."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def days_ago(days: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(days=days)


def send(client: FlaskClient, path: str, fields: dict[str, Any]) -> TestResponse:
    """Open the form page, then send it filled in (with the page's CSRF token), as a browser would."""
    form = client.get(path)
    assert form.status_code == 200, path
    return client.post(path, data={**preset_times(form), "csrf_token": form_token(form), **fields})


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    assert found, f"an error beside {name}"
    return found.group(1)


def entry_ids(client: FlaskClient, family_id: str) -> list[str]:
    return re.findall(r'id="entry-([0-9a-f-]{36})"', text(client.get(f"/families/{family_id}")))


@pytest.fixture
def coordinator(ui_app: Flask) -> FlaskClient:
    open_account(ui_app, "coordinator", "coordinator")
    return browser(ui_app, "coordinator")


def test_a_visit_logged_through_the_form_is_on_the_timeline_at_once(ui_app: Flask, coordinator: FlaskClient) -> None:
    scene = handover_scene(ui_app)
    before = entry_ids(coordinator, scene.family)
    when = days_ago(2).replace(second=0, microsecond=0)
    sent = send(
        coordinator,
        f"/families/{scene.family}/visits/new",
        {
            "occurred_at": typed(when),
            "volunteer_ids": [scene.second_lead],
            "duration_minutes": "75",
            "place": "school",
            "summary": "和孩子一起去学校见了班主任",
            "wellbeing": "steady",
            "activities": "家校沟通\r\n作业辅导\r\n",
        },
    )
    assert sent.status_code == 303
    new_id = sent.headers["Location"].rsplit("#entry-", 1)[1]
    assert new_id not in before
    page = text(coordinator.get(sent.headers["Location"]))
    assert "已记录" in page  # the notice
    entry = re.search(rf'<li class="entry kind-visit" id="entry-{new_id}">.*?</li>', page, re.S)
    assert entry and "和孩子一起去学校见了班主任" in entry.group(0) and "75" in entry.group(0)
    # the local time typed is the moment recorded (shown back in Asia/Shanghai)
    assert when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") in entry.group(0)
    facts = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/events?limit=500").get_json()["items"]
    stored = next(f for f in facts if f["event_id"] == new_id)
    assert datetime.fromisoformat(stored["occurred_at"]) == when
    assert stored["fields"]["activities"] == ["家校沟通", "作业辅导"]
    assert stored["recorded_by"] == "coordinator"


def test_a_visit_form_with_mistakes_shows_each_error_beside_its_field_keeps_the_input_and_records_nothing(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    scene = handover_scene(ui_app)
    position = log_position(ui_app)
    sent = send(
        coordinator,
        f"/families/{scene.family}/visits/new",
        {
            "occurred_at": "yesterday",
            "duration_minutes": "an hour",
            "place": "home",
            "summary": "",
            "social_worker": "王社工",
        },
    )
    assert sent.status_code == 422
    page = text(sent)
    assert field_error(page, "occurred_at") == "请填写日期和时间，例如 2025-03-01 18:30。"
    assert field_error(page, "volunteer_ids") == "必填"
    assert field_error(page, "summary") == "必填"
    assert field_error(page, "duration_minutes") == "应为整数"
    assert 'aria-invalid="true" aria-describedby="summary-hint summary-error"' in page
    assert 'role="alert"' in page
    # what was typed is still there
    assert 'value="an hour"' in page and 'value="王社工"' in page and 'value="home"\n              checked' in page
    assert log_position(ui_app) == position


def test_a_visit_the_domain_refuses_comes_back_with_the_reason_and_records_nothing(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    # 丙 leads 李家, not 王家: a visit to 王家 by 丙 breaks the rule
    scene = handover_scene(ui_app)
    position = log_position(ui_app)
    sent = send(
        coordinator,
        f"/families/{scene.family}/visits/new",
        {
            "occurred_at": typed(days_ago(1)),
            "volunteer_ids": [scene.other_lead],
            "duration_minutes": "30",
            "place": "home",
            "summary": "走错了门",
        },
    )
    assert sent.status_code == 409
    banner = re.search(r'<div class="error banner" role="alert" id="form-error"[^>]*>\s*<p>([^<]+)</p>', text(sent))
    assert banner and banner.group(1).strip()
    assert "走错了门" in text(sent)
    assert log_position(ui_app) == position


def test_the_english_reader_gets_english_errors(ui_app: Flask, coordinator: FlaskClient) -> None:
    scene = handover_scene(ui_app)
    coordinator.get("/language/en?next=/")
    sent = send(
        coordinator, f"/families/{scene.family}/concerns/new", {"level": "high", "occurred_at": typed(days_ago(1))}
    )
    assert sent.status_code == 422
    assert field_error(text(sent), "summary") == "Required"
    assert field_error(text(sent), "category") == "Required"


def test_a_coordinator_plans_a_handover_logs_the_joint_visit_and_completes_it(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    api = signed_in(ui_app, "coordinator")
    old, new = cohort(api, "2024级"), cohort(api, "2025级")
    outgoing, incoming = volunteer(api, old, "甲"), volunteer(api, new, "乙")
    wang = family(api, "王家")
    assign(api, wang, outgoing, days_ago=60)
    # plan: the outgoing lead is proposed
    form = text(coordinator.get(f"/families/{wang}/handovers/new"))
    assert re.search(rf'<option value="{outgoing}" selected>甲</option>', form)
    planned = send(
        coordinator,
        f"/families/{wang}/handovers/new",
        {
            "outgoing_volunteer_id": outgoing,
            "incoming_volunteer_id": incoming,
            "planned_on": (datetime.now(tz=SHANGHAI).date() + timedelta(days=7)).isoformat(),
            "letter": "孩子喜欢画画；奶奶周末在家。",
            "occurred_at": typed(days_ago(3)),
        },
    )
    assert planned.status_code == 303
    page = text(coordinator.get(f"/families/{wang}"))
    assert "交接进行中" in page and "甲 → 乙" in page
    joint_link = re.search(r'href="(/families/[^"]+/visits/new\?handover=[^"]+)"', page)
    assert joint_link
    # the joint visit form ticks both volunteers
    joint_form = text(coordinator.get(joint_link.group(1)))
    for volunteer_id in (outgoing, incoming):
        assert re.search(rf'value="{volunteer_id}"\s+checked', joint_form)
    visited = coordinator.post(
        joint_link.group(1),
        data={
            "csrf_token": form_token(coordinator.get(joint_link.group(1))),
            "occurred_at": typed(days_ago(2)),
            "volunteer_ids": [outgoing, incoming],
            "duration_minutes": "90",
            "place": "home",
            "summary": "甲带乙第一次见家人",
        },
    )
    assert visited.status_code == 303
    page = text(coordinator.get(f"/families/{wang}"))
    assert "共同探访：1" in page
    complete = re.search(r'href="(/families/[^"]+/handovers/[^"]+/complete)"', page)
    assert complete
    done = send(coordinator, complete.group(1), {"keep_in_touch": "yes", "occurred_at": typed(days_ago(1))})
    assert done.status_code == 303
    page = text(coordinator.get(f"/families/{wang}"))
    # a new chapter with 乙, the handover closed, 甲 kept as an alumni contact on the family
    assert "乙 陪伴期间 · 2025级" in page
    assert "交接进行中" not in page
    roster = re.search(r"<h3>现在陪伴这个家庭</h3>.*?</ul>", page, re.S)
    assert roster and "乙" in roster.group(0) and "甲" not in roster.group(0)


def test_completing_without_a_joint_visit_needs_a_reason_and_records_nothing_without_it(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    api = signed_in(ui_app, "coordinator")
    old, new = cohort(api, "2024级"), cohort(api, "2025级")
    outgoing, incoming = volunteer(api, old, "甲"), volunteer(api, new, "乙")
    wang = family(api, "王家")
    assign(api, wang, outgoing, days_ago=60)
    body = {"outgoing_volunteer_id": outgoing, "incoming_volunteer_id": incoming, "planned_on": "2030-01-01"}
    handover = post(api, f"/families/{wang}/handovers", {**body, "letter": "信", "occurred_at": ago(days=3)})["id"]
    position = log_position(ui_app)
    path = f"/families/{wang}/handovers/{handover}/complete"
    refused = send(coordinator, path, {"keep_in_touch": "no", "occurred_at": typed(days_ago(1))})
    assert refused.status_code in (409, 422)
    assert 'id="form-error"' in text(refused)
    assert log_position(ui_app) == position
    missing = send(coordinator, path, {"occurred_at": typed(days_ago(1))})
    assert missing.status_code == 422 and field_error(text(missing), "keep_in_touch") == "必填"
    assert log_position(ui_app) == position
    done = send(
        coordinator,
        path,
        {"keep_in_touch": "no", "no_joint_visit_reason": "甲提前离校", "occurred_at": typed(days_ago(1))},
    )
    assert done.status_code == 303
    assert "没有共同探访：甲提前离校" in text(coordinator.get(f"/families/{wang}"))


def test_an_amendment_needs_a_reason_and_a_change_and_leaves_its_trace(ui_app: Flask, coordinator: FlaskClient) -> None:
    scene = handover_scene(ui_app)
    path = f"/families/{scene.family}/entries/{scene.amended_visit}/correct"
    form = text(coordinator.get(path))
    assert 'name="duration_minutes" type="number" value="60"' in form  # today's value (already amended once)
    position = log_position(ui_app)
    no_reason = send(coordinator, path, {"correction": "amend", "duration_minutes": "45", "place": "home"})
    assert no_reason.status_code == 422 and field_error(text(no_reason), "correction_reason") == "必填"
    nothing_changed = send(
        coordinator,
        path,
        {"correction": "amend", "correction_reason": "核对", "duration_minutes": "60", "place": "home"},
    )
    assert nothing_changed.status_code == 422 and "至少修改一个字段" in text(nothing_changed)
    bad_value = send(
        coordinator,
        path,
        {"correction": "amend", "correction_reason": "核对", "duration_minutes": "9999", "place": "home"},
    )
    assert bad_value.status_code == 422 and field_error(text(bad_value), "duration_minutes")
    assert log_position(ui_app) == position
    amended = send(
        coordinator,
        path,
        {"correction": "amend", "correction_reason": "家长说只待了45分钟", "duration_minutes": "45", "place": "home"},
    )
    assert amended.status_code == 303
    assert log_position(ui_app) == position + 1
    page = text(coordinator.get(f"/families/{scene.family}"))
    entry = re.search(rf'id="entry-{scene.amended_visit}">.*?</li>', page, re.S)
    assert entry and "家长说只待了45分钟" in entry.group(0) and "时长（分钟）：60 → 45" in entry.group(0)


def test_a_retraction_strikes_the_entry_through_and_it_cannot_be_corrected_again(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    scene = handover_scene(ui_app)
    visits = [e for e in entry_ids(coordinator, scene.family) if e not in (scene.amended_visit, scene.retracted_visit)]
    target = next(
        e
        for e in visits
        if f'href="/families/{scene.family}/entries/{e}/correct"' in text(coordinator.get(f"/families/{scene.family}"))
    )
    path = f"/families/{scene.family}/entries/{target}/correct"
    assert send(coordinator, path, {"correction": "retract", "correction_reason": "重复记录"}).status_code == 303
    page = text(coordinator.get(f"/families/{scene.family}"))
    assert re.search(rf'class="entry [^"]*retracted[^"]*" id="entry-{target}"', page)
    assert f"/entries/{target}/correct" not in page
    assert coordinator.get(path).status_code == 404


def test_a_concern_is_raised_and_resolved_and_a_follow_up_scheduled_and_done(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    scene = handover_scene(ui_app)
    raised = send(
        coordinator,
        f"/families/{scene.family}/concerns/new",
        {"category": "health", "level": "high", "summary": "孩子最近常头疼", "occurred_at": typed(days_ago(1))},
    )
    assert raised.status_code == 303
    concern_id = raised.headers["Location"].rsplit("#entry-", 1)[1]
    page = text(coordinator.get(f"/families/{scene.family}"))
    assert re.search(r'<span class="level level-high">高</span> 孩子最近常头疼', page)
    follow_up = send(
        coordinator,
        f"/families/{scene.family}/follow-ups/new",
        {
            "action": "陪家长去社区医院",
            "due_on": "2031-05-01",
            "concern_id": concern_id,
            "occurred_at": typed(days_ago(1)),
        },
    )
    assert follow_up.status_code == 303
    follow_up_id = follow_up.headers["Location"].rsplit("#entry-", 1)[1]
    assert "截止 2031-05-01" in text(coordinator.get(f"/families/{scene.family}"))
    done = send(
        coordinator,
        f"/families/{scene.family}/follow-ups/{follow_up_id}/done",
        {"note": "已就诊", "occurred_at": typed(days_ago(0.5))},
    )
    assert done.status_code == 303
    resolved = send(
        coordinator,
        f"/families/{scene.family}/concerns/{concern_id}/resolve",
        {"resolution": "医生说是近视，已配眼镜", "occurred_at": typed(days_ago(0.4))},
    )
    assert resolved.status_code == 303
    page = text(coordinator.get(f"/families/{scene.family}"))
    panel = re.search(r'<section class="actions-panel".*?</section>', page, re.S)
    assert panel and "作业跟不上" in panel.group(0) and "孩子最近常头疼" not in panel.group(0)
    assert "陪家长去社区医院" not in panel.group(0)
    assert "医生说是近视，已配眼镜" in page
    # a resolved concern has no resolve form any more
    assert coordinator.get(f"/families/{scene.family}/concerns/{concern_id}/resolve").status_code == 404


def test_a_volunteer_records_on_their_own_family_only_and_cannot_manage_it(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    phone = browser(ui_app, "yi")
    page = text(phone.get(f"/families/{scene.family}"))
    assert "记录探访" in page and "分配义工" not in page and "/correct" not in page
    # the visit form ticks the volunteer and offers only who is on the family now
    form = text(phone.get(f"/families/{scene.family}/visits/new"))
    assert re.search(rf'value="{scene.second_lead}"\s+checked', form)
    assert scene.other_lead not in form
    # another family's forms answer like a family that does not exist
    for path in (f"/families/{scene.other_family}/visits/new", f"/families/{scene.other_family}/concerns/new"):
        assert phone.get(path).status_code == 404
    position = log_position(ui_app)
    other = phone.post(
        f"/families/{scene.other_family}/visits/new",
        data={"csrf_token": form_token(form_page := phone.get(f"/families/{scene.family}/visits/new")), "summary": "x"},
    )
    assert form_page.status_code == 200 and other.status_code == 404
    # managing the family is not for volunteers
    assert phone.get(f"/families/{scene.family}/assignments/new").status_code == 403
    assert phone.get(f"/families/{scene.family}/handovers/new").status_code == 403
    assert log_position(ui_app) == position


def test_a_form_sent_without_its_csrf_token_is_refused_and_records_nothing(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    scene = handover_scene(ui_app)
    position = log_position(ui_app)
    sent = coordinator.post(
        f"/families/{scene.family}/concerns/new",
        data={"category": "health", "level": "low", "summary": "x", "occurred_at": typed(days_ago(1))},
    )
    assert sent.status_code == 400
    assert log_position(ui_app) == position


def test_compartments_stay_out_of_a_coordinators_forms(ui_app: Flask, coordinator: FlaskClient) -> None:
    scene = handover_scene(ui_app)
    worker = signed_in(ui_app, "social_worker")
    sensitive = {"category": "safety", "level": "urgent", "summary": "家暴迹象", "service_line": "shelter"}
    concern_id = post(worker, f"/families/{scene.family}/concerns", sensitive)["id"]
    # not offered as a service line to record into, not offered as a concern to refer for, not resolvable by id
    referral = text(coordinator.get(f"/families/{scene.family}/referrals/new"))
    assert 'value="shelter"' not in referral and concern_id not in referral and "家暴迹象" not in referral
    assert coordinator.get(f"/families/{scene.family}/concerns/{concern_id}/resolve").status_code == 404
    assert coordinator.get(f"/families/{scene.family}/entries/{concern_id}/correct").status_code == 404
    position = log_position(ui_app)
    empty = coordinator.get(f"/families/{scene.family}/referrals/new")
    sent = coordinator.post(
        f"/families/{scene.family}/referrals/new",
        data={
            "csrf_token": form_token(empty),
            **preset_times(empty),
            "service_line": "companionship",
            "reason": "x",
            "concern_id": concern_id,
        },
    )
    assert sent.status_code == 404
    assert log_position(ui_app) == position
    # a compartment visit cannot be corrected by someone who may not read it, by page or by API
    shelter_visit = dict(visit_body(scene.second_lead), service_line="shelter")
    visit_id = post(worker, f"/families/{scene.family}/visits", shelter_visit)["event_id"]
    assert coordinator.get(f"/families/{scene.family}/entries/{visit_id}/correct").status_code == 404
    retract = {"target_event_id": visit_id, "action": "retract", "reason": "x"}
    api = signed_in(ui_app, "coordinator")
    refused = api.post(f"/api/v1/families/{scene.family}/corrections", json=retract)
    assert (refused.status_code, refused.get_json()["error"]) == (404, "fact_not_found")
    assert log_position(ui_app) == position + 1
    # a social worker is offered both
    form = text(signed_in_page(ui_app).get(f"/families/{scene.family}/referrals/new"))
    assert 'value="shelter"' in form and concern_id in form


def visit_body(volunteer_id: str) -> dict[str, Any]:
    return {
        "occurred_at": ago(days=1),
        "volunteer_ids": [volunteer_id],
        "duration_minutes": 30,
        "place": "centre",
        "summary": "在庇护所见面",
    }


def signed_in_page(app: Flask) -> FlaskClient:
    open_account(app, "worker", "social_worker")
    return browser(app, "worker")


def test_assigning_and_ending_an_assignment(ui_app: Flask, coordinator: FlaskClient) -> None:
    api = signed_in(ui_app, "coordinator")
    new = cohort(api, "2025级")
    first, second = volunteer(api, new, "丁"), volunteer(api, new, "戊")
    inactive = volunteer(api, new, "己", active=False)
    zhao = family(api, "赵家")
    form = text(coordinator.get(f"/families/{zhao}/assignments/new"))
    assert first in form and second in form and inactive not in form  # only volunteers on duty
    position = log_position(ui_app)
    bad = send(
        coordinator, f"/families/{zhao}/assignments/new", {"volunteer_id": first, "occurred_at": typed(days_ago(1))}
    )
    assert bad.status_code == 422 and field_error(text(bad), "role") == "必填"
    assert log_position(ui_app) == position
    for volunteer_id, role in ((first, "lead"), (second, "co")):
        sent = send(
            coordinator,
            f"/families/{zhao}/assignments/new",
            {"volunteer_id": volunteer_id, "role": role, "occurred_at": typed(days_ago(5))},
        )
        assert sent.status_code == 303
    roster = re.search(r"<h3>现在陪伴这个家庭</h3>.*?</ul>", text(coordinator.get(f"/families/{zhao}")), re.S)
    assert roster and "丁" in roster.group(0) and "主责" in roster.group(0) and "戊" in roster.group(0)
    # a second lead is refused by the domain, with the reason shown
    again = send(
        coordinator,
        f"/families/{zhao}/assignments/new",
        {"volunteer_id": second, "role": "lead", "occurred_at": typed(days_ago(1))},
    )
    assert again.status_code == 409 and 'id="form-error"' in text(again)
    ended = send(
        coordinator,
        f"/families/{zhao}/assignments/{second}/end",
        {"reason": "课程冲突", "occurred_at": typed(days_ago(1))},
    )
    assert ended.status_code == 303
    roster = re.search(r"<h3>现在陪伴这个家庭</h3>.*?</ul>", text(coordinator.get(f"/families/{zhao}")), re.S)
    assert roster and "戊" not in roster.group(0)
    assert coordinator.get(f"/families/{zhao}/assignments/{second}/end").status_code == 404


def test_a_time_left_as_the_form_showed_it_records_the_moment_the_form_is_sent(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    scene = handover_scene(ui_app)
    path = f"/families/{scene.family}/concerns/new"
    shown = preset_times(coordinator.get(path))
    assert shown["occurred_at"] == shown["occurred_at__shown"]  # the form shows now, and notes it
    # sent untouched, even minutes later: now, to the second (not the start of the minute shown)
    opened_long_ago = {"occurred_at": "2026-01-05T09:30", "occurred_at__shown": "2026-01-05T09:30"}
    body = {"category": "health", "level": "low", "summary": "感冒了"}
    before = datetime.now(tz=UTC)
    sent = coordinator.post(path, data={**body, **opened_long_ago, "csrf_token": form_token(coordinator.get(path))})
    assert sent.status_code == 303
    concern_id = sent.headers["Location"].rsplit("#entry-", 1)[1]
    facts = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/events?limit=500").get_json()["items"]
    stored = datetime.fromisoformat(next(f for f in facts if f["event_id"] == concern_id)["occurred_at"])
    assert before - timedelta(seconds=1) <= stored <= datetime.now(tz=UTC)
    # a time typed over it is the time typed
    moment = days_ago(3).replace(second=0, microsecond=0)
    typed_over = {"occurred_at": typed(moment), "occurred_at__shown": "2026-01-05T09:30"}
    sent = coordinator.post(path, data={**body, **typed_over, "csrf_token": form_token(coordinator.get(path))})
    concern_id = sent.headers["Location"].rsplit("#entry-", 1)[1]
    facts = signed_in(ui_app, "auditor").get(f"/api/v1/families/{scene.family}/events?limit=500").get_json()["items"]
    assert datetime.fromisoformat(next(f for f in facts if f["event_id"] == concern_id)["occurred_at"]) == moment


@pytest.mark.parametrize(
    ("field", "value"),
    [("duration_minutes", "²"), ("duration_minutes", "9" * 5000), ("occurred_at", "0001-01-01T00:00")],
)
def test_odd_numbers_and_times_are_refused_beside_their_field(
    ui_app: Flask, coordinator: FlaskClient, field: str, value: str
) -> None:
    scene = handover_scene(ui_app)
    position = log_position(ui_app)
    fields = {
        "occurred_at": typed(days_ago(1)),
        "volunteer_ids": [scene.second_lead],
        "duration_minutes": "30",
        "place": "home",
        "summary": "x",
    }
    sent = send(coordinator, f"/families/{scene.family}/visits/new", {**fields, field: value})
    assert sent.status_code == 422 and field_error(text(sent), field)
    assert log_position(ui_app) == position
