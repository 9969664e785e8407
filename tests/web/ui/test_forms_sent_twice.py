"""A recording form sent twice (back and resubmit, a double click, a retry after the server died) records
once: its one-time token names the command it sends, and the second sending moves on to the first result,
saying it was already saved."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.ui.conftest import browser, handover_scene, log_position, open_account, preset_times, text
from tests.web.ui.test_people_pages import good_enrolment

ALREADY_SAVED = "这条记录已经保存过了"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def hidden_inputs(page: TestResponse) -> dict[str, str]:
    """The hidden inputs of a page's form (CSRF token, form token, times shown), as a browser sends them."""
    found = {}
    for tag in re.findall(r'<input type="hidden" [^>]*>', text(page)):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            found[name.group(1)] = value.group(1)
    return found


def filled_in(client: FlaskClient, path: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The form at ``path`` as the browser will send it, every time it is sent: what the page holds, and ``fields``."""
    page = client.get(path)
    assert page.status_code == 200, path
    return {**preset_times(page), **hidden_inputs(page), **fields}


@pytest.fixture
def coordinator(ui_app: Flask) -> FlaskClient:
    open_account(ui_app, "coordinator", "coordinator")
    return browser(ui_app, "coordinator")


def _visit_form(ui_app: Flask, client: FlaskClient) -> tuple[str, dict[str, Any]]:
    scene = handover_scene(ui_app)
    when = (datetime.now(tz=UTC) - timedelta(days=1)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    fields = {"occurred_at": when, "volunteer_ids": [scene.second_lead], "duration_minutes": "60"}
    fields |= {"place": "home", "summary": "一起读绘本"}
    path = f"/families/{scene.family}/visits/new"
    return path, filled_in(client, path, fields)


def _says_already_saved(client: FlaskClient, response: TestResponse) -> bool:
    location = response.headers["Location"]
    return parse_qs(urlsplit(location).query).get("already_saved") == ["1"] and ALREADY_SAVED in text(
        client.get(location)
    )


def test_the_visit_form_sent_again_records_one_visit_and_says_it_was_already_saved(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    path, form = _visit_form(ui_app, coordinator)
    first = coordinator.post(path, data=form)
    assert first.status_code == 303
    position = log_position(ui_app)

    # when the person goes back and sends the same page again
    again = coordinator.post(path, data=form)

    # then nothing new is recorded, and they land on the first visit, told it was already saved
    assert again.status_code == 303 and log_position(ui_app) == position
    assert again.headers["Location"].endswith(f"#entry-{first.headers['Location'].rsplit('#entry-', 1)[1]}")
    assert _says_already_saved(coordinator, again)
    assert ALREADY_SAVED not in text(coordinator.get(first.headers["Location"]))


def test_the_visit_form_sent_again_after_its_answer_was_lost_still_records_one_visit(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    # given a visit recorded through the form, whose kept answer was lost (the server died before keeping it)
    path, form = _visit_form(ui_app, coordinator)
    first = coordinator.post(path, data=form)
    with ui_app.extensions["peiban.idempotency"].db.write() as tx:
        tx.execute("UPDATE request_answer SET status = 0, location = ''")
    position = log_position(ui_app)

    # when the form is sent again, then the log answers: the same visit, nothing new recorded
    again = coordinator.post(path, data=form)
    assert again.status_code == 303 and log_position(ui_app) == position
    assert again.headers["Location"] == first.headers["Location"]


def test_a_form_shown_again_with_its_errors_keeps_its_token_and_records_once_when_corrected(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    path, form = _visit_form(ui_app, coordinator)
    refused = coordinator.post(path, data={**form, "summary": ""})
    assert refused.status_code == 422 and hidden_inputs(refused)["form_token"] == form["form_token"]
    position = log_position(ui_app)
    first = coordinator.post(path, data=form)
    assert first.status_code == 303 and log_position(ui_app) == position + 1
    assert _says_already_saved(coordinator, coordinator.post(path, data=form))
    assert log_position(ui_app) == position + 1


def test_the_enrol_form_sent_again_enrols_one_family(ui_app: Flask, coordinator: FlaskClient) -> None:
    form = filled_in(coordinator, "/families/new", good_enrolment())
    first = coordinator.post("/families/new", data=form)
    assert first.status_code == 303
    position = log_position(ui_app)
    again = coordinator.post("/families/new", data=form)
    assert again.status_code == 303 and log_position(ui_app) == position
    assert urlsplit(again.headers["Location"]).path == first.headers["Location"]
    assert _says_already_saved(coordinator, again)


def test_a_retraction_sent_again_is_not_refused_and_records_nothing(ui_app: Flask, coordinator: FlaskClient) -> None:
    scene = handover_scene(ui_app)
    path = f"/families/{scene.family}/entries/{scene.amended_visit}/correct"
    form = filled_in(coordinator, path, {"correction": "retract", "correction_reason": "记错了家庭"})
    assert coordinator.post(path, data=form).status_code == 303
    position = log_position(ui_app)
    again = coordinator.post(path, data=form)  # the entry is retracted now: the token is read first
    assert again.status_code == 303 and log_position(ui_app) == position
    assert _says_already_saved(coordinator, again)


def test_putting_a_volunteer_on_duty_twice_from_the_list_records_it_once(
    ui_app: Flask, coordinator: FlaskClient
) -> None:
    sent = filled_in(
        coordinator, "/cohorts/new", {"name": "2026级", "starts_on": "2025-09-01", "ends_on": "2027-06-30"}
    )
    cohort_id = parse_qs(urlsplit(coordinator.post("/cohorts/new", data=sent).headers["Location"]).query)["opened"][0]
    fields = {"name": "周同学", "cohort_id": cohort_id, "contact": "微信 zhou"}
    coordinator.post("/volunteers/new", data=filled_in(coordinator, "/volunteers/new", fields))
    page = coordinator.get(f"/volunteers?cohort_id={cohort_id}")
    button = re.search(
        r'<form method="post" class="row-action" action="(/volunteers/[0-9a-f-]{36}/activate)"', text(page)
    )
    assert button
    form = hidden_inputs(page)
    assert coordinator.post(button.group(1), data=form).status_code == 303
    position = log_position(ui_app)
    again = coordinator.post(button.group(1), data=form)
    assert again.status_code == 303 and log_position(ui_app) == position
    assert _says_already_saved(coordinator, again)
