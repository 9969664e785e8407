"""Pages carry no inline script (the Content-Security-Policy forbids it) and are never cached."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.test import TestResponse

from tests.web.ui.conftest import browser, handover_scene, open_account, text

MISSING = "00000000-0000-0000-0000-000000000000"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.I)


def assert_safe(response: TestResponse) -> None:
    page = text(response)
    assert response.mimetype == "text/html"
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert response.headers["Cache-Control"] == "no-store"
    assert '<link rel="stylesheet" href="/static/peiban.css">' in page


def test_no_page_carries_inline_script(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    coordinator, volunteer = browser(ui_app, "coordinator"), browser(ui_app, "yi")
    pages = {
        "sign-in": ui_app.test_client().get("/signin"),
        "dashboard": coordinator.get("/"),
        "family": coordinator.get(f"/families/{scene.family}"),
        "my families": volunteer.get("/"),
        "not found": volunteer.get(f"/families/{MISSING}"),
        "no such page": coordinator.get("/no-such-page"),
    }
    assert {name: r.status_code for name, r in pages.items()} == {
        "sign-in": 200,
        "dashboard": 200,
        "family": 200,
        "my families": 200,
        "not found": 404,
        "no such page": 404,
    }
    for response in pages.values():
        assert_safe(response)


def test_the_stylesheet_is_served_from_this_machine(ui_app: Flask) -> None:
    response = ui_app.test_client().get("/static/peiban.css")
    assert (response.status_code, response.mimetype) == (200, "text/css")
    assert "http" not in response.get_data(as_text=True)  # no fonts or images from elsewhere
    response.close()
