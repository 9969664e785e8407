"""An erased family's page and API answer with a tombstone (when and why), 410 Gone; other families are untouched."""

from __future__ import annotations

from uuid import UUID

from flask import Flask

from domain import Actor
from tests.web.api.conftest import ago, post, signed_in
from tests.web.ui.conftest import browser, form_token, handover_scene, open_account, text

REASON = "监护人撤回同意"


def test_an_erased_familys_pages_and_api_show_when_and_why_and_nothing_else(ui_app: Flask) -> None:
    # given two families, and a coordinator who reads them
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    pages, api = browser(ui_app, "coordinator"), signed_in(ui_app, "coordinator")
    before = ui_app.extensions["peiban"].log_position()
    # when the first family is erased
    ui_app.extensions["peiban"].erase_family(UUID(scene.family), reason=REASON, recorded_by=Actor("coordinator"))
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


def test_a_coordinator_finds_a_family_on_the_retention_page_and_erases_it_once_confirmed(ui_app: Flask) -> None:
    # given a family whose guardian withdrew consent to records, and another
    scene = handover_scene(ui_app)
    api = signed_in(ui_app, "coordinator")
    withdrawal = {"scopes": ["records"], "reason": "监护人要求", "occurred_at": ago(days=1)}
    post(api, f"/families/{scene.family}/consent-withdrawals", withdrawal, status=200)
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "social_worker", "social_worker")
    pages = browser(ui_app, "coordinator")
    # when the coordinator opens the retention page
    listing = text(pages.get("/retention"))
    # then it names the family and why, with a link to erase it
    assert "王家" in listing and "撤回了对记录的同意" in listing and "李家" not in listing
    erase = f"/families/{scene.family}/erase"
    assert erase in listing
    # and a social worker may open neither
    assert browser(ui_app, "social_worker").get("/retention").status_code == 403
    assert browser(ui_app, "social_worker").get(erase).status_code == 403
    # and the form refuses without the confirmation, recording nothing
    log = ui_app.extensions["peiban"]
    before = log.log_position()
    form = pages.get(erase)
    unconfirmed = pages.post(erase, data={"reason": REASON, "csrf_token": form_token(form)})
    assert unconfirmed.status_code == 422 and log.log_position() == before
    # and erases once confirmed, back to the family's tombstone
    form = pages.get(erase)
    done = pages.post(erase, data={"reason": REASON, "confirm": "erase", "csrf_token": form_token(form)})
    assert done.status_code == 303 and log.log_position() == before + 1
    tombstone = pages.get(done.headers["Location"])
    assert tombstone.status_code == 410 and REASON in text(tombstone)
    assert "王家" not in text(pages.get("/retention"))
