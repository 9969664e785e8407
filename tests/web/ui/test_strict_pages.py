"""Hostile input to the pages: a ``next`` with line breaks, a form that is not UTF-8, a body too large.
Refused with a page (400, 413) or a field error (422), never 500, nothing recorded."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from flask import Flask

from tests.web.ui.conftest import (
    PASSWORD,
    browser,
    form_token,
    handover_scene,
    log_position,
    open_account,
    preset_times,
    text,
)

HOSTILE_NEXT = ["/\r\nSet-Cookie: x=1", "/families\n", "/\t/evil.example", "/ /evil.example", "/\x85"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_language_switch_to_a_next_with_a_line_break_is_a_bad_request(ui_app: Flask, target: str) -> None:
    response = ui_app.test_client().get("/language/en?" + urllib.parse.urlencode({"next": target}))
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers.get("Location", "")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_with_a_next_with_a_line_break_is_refused_beside_the_form(ui_app: Flask, target: str) -> None:
    open_account(ui_app, "alice", "coordinator")
    client = ui_app.test_client()
    shown = client.get("/signin?" + urllib.parse.urlencode({"next": target}))
    assert shown.status_code == 400 and "要返回的地址无效" in text(shown)
    fields = {"user_name": "alice", "password": PASSWORD, "csrf_token": form_token(shown), "next": target}
    sent = client.post("/signin", data=fields)
    assert sent.status_code == 422 and "要返回的地址无效" in text(sent)
    assert "Location" not in sent.headers
    again = client.post("/signin", data={**fields, "csrf_token": form_token(sent), "next": ""})
    assert again.status_code == 303  # the address was dropped from the form; signing in again works


def test_a_plain_next_still_leads_back(ui_app: Flask) -> None:
    open_account(ui_app, "alice", "coordinator")
    client = ui_app.test_client()
    shown = client.get("/signin?next=/families%3Fq%3D%E7%8E%8B")
    fields = {
        "user_name": "alice",
        "password": PASSWORD,
        "csrf_token": form_token(shown),
        "next": "/families?q=%E7%8E%8B",
    }
    assert client.post("/signin", data=fields).headers["Location"].endswith("/families?q=%E7%8E%8B")


@pytest.mark.parametrize("raw", [b"%ED%A0%80", b"%FF%FE", b"\xed\xa0\x80"])
def test_a_form_that_is_not_utf8_is_a_bad_request_and_records_nothing(ui_app: Flask, raw: bytes) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    path = f"/families/{scene.family}/concerns/new"
    form = client.get(path)
    fields = {**preset_times(form), "csrf_token": form_token(form), "category": "education", "level": "low"}
    body = urllib.parse.urlencode(fields).encode() + b"&summary=half" + raw
    position = log_position(ui_app)
    sent = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert sent.status_code == 400
    assert log_position(ui_app) == position


def test_a_form_too_large_is_refused_with_a_page_and_records_nothing(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    path = f"/families/{scene.family}/concerns/new"
    form = client.get(path)
    fields = {**preset_times(form), "csrf_token": form_token(form), "category": "education", "level": "low"}
    position = log_position(ui_app)
    sent = client.post(path, data={**fields, "summary": "字" * ui_app.config["MAX_CONTENT_LENGTH"]})
    assert sent.status_code == 413 and "一次发送的内容太多" in text(sent)
    assert log_position(ui_app) == position


def test_a_summary_over_the_limit_is_refused_beside_its_field_kept_whole_and_nothing_recorded(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    path = f"/families/{scene.family}/concerns/new"
    form = client.get(path)
    drawn = re.search(r'<textarea id="summary"[^>]*>', text(form))
    assert drawn and "maxlength" not in drawn.group(0)  # a browser would cut a pasted summary to fit
    assert "最多 4000 个字" in text(form)
    long_summary = ("孩子说想念离开的义工。" * 1260)[:12600]
    assert len(long_summary) == 12600
    position = log_position(ui_app)
    fields = {**preset_times(form), "csrf_token": form_token(form), "category": "education", "level": "low"}
    sent = client.post(path, data={**fields, "summary": long_summary})
    page = text(sent)
    assert sent.status_code == 422
    error = re.search(r'<p class="error" id="summary-error">([^<]*)</p>', page)
    assert error and "4000" in error.group(1)
    assert long_summary in page  # kept whole in the form, to be shortened by the writer
    assert log_position(ui_app) == position
    at_limit = client.post(path, data={**fields, "summary": long_summary[:4000]})
    assert at_limit.status_code == 303 and log_position(ui_app) == position + 1
