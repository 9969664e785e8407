"""An erased family's page and API answer with a tombstone (when and why), 410 Gone; other families are untouched."""

from __future__ import annotations

from flask import Flask

from tests.web.api.conftest import signed_in
from tests.web.ui.conftest import browser, handover_scene, open_account, text

REASON = "监护人撤回同意"


def test_an_erased_familys_pages_and_api_show_when_and_why_and_nothing_else(ui_app: Flask) -> None:
    # given two families, and a coordinator who reads them
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    pages, api = browser(ui_app, "coordinator"), signed_in(ui_app, "coordinator")
    before = ui_app.extensions["peiban"].log_position()
    # when the first family is erased
    ui_app.extensions["peiban"].erase_family(scene.family, reason=REASON, recorded_by="coordinator")
    assert ui_app.extensions["peiban"].log_position() == before + 1
    # then its page is a tombstone, in Chinese first
    page = pages.get(f"/families/{scene.family}")
    assert page.status_code == 410
    assert "已于" in text(page) and f"删除，原因：{REASON}" in text(page) and "王家" not in text(page)
    # and the API says the same, for the family, its timeline and its briefing
    for path in ("", "/timeline", "/briefing"):
        answer = api.get(f"/api/v1/families/{scene.family}{path}")
        assert answer.status_code == 410, (path, answer.get_json())
        body = answer.get_json()
        assert body["error"] == "family_erased" and REASON in body["message"] and "erased on" in body["message"]
    # and it is gone from the list, while the other family stays
    listed = api.get("/api/v1/families").get_json()["items"]
    assert [f["id"] for f in listed] == [scene.other_family]
    assert api.get(f"/api/v1/families/{scene.other_family}/timeline").status_code == 200
