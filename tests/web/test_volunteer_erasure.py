"""Erasure of a volunteer's personal data: their key and their accounts' keys destroyed; no byte of their name,
contact, school, major, user name or display name is left in any file, view or later backup, while every family's
history still shows that a volunteer was there; other volunteers are untouched; rebuilds and restarts keep it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from domain import StoreSettings
from domain.accounts import UserNameTaken
from domain.actor import Actor
from tests.stores import cli_environment
from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import assign, family, plan_handover, visit, volunteer
from tests.web.test_erasure import needles, peiban
from tests.web.ui.conftest import browser, form_token, open_account, text
from web.access.tokens import new_token
from web.app import create_app, shutdown
from web.cli import main
from web.settings import Settings

#: The erased volunteer's words: in their record and in their account.
CANARIES = {
    "name": "抹除金丝雀义工",
    "contact": "微信 canary-contact-7731",
    "school": "抹除金丝雀大学",
    "major": "抹除金丝雀专业",
    "user name": "canary-user-7731",
    "display name": "抹除金丝雀账号名",
}
KEPT = "留存义工"
REASON = "本人要求删除个人资料"


def holding(folder: Path) -> dict[str, list[str]]:
    """Which canaries the raw bytes of each file in ``folder`` hold (``-wal`` files included)."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        raw = path.read_bytes()
        hits = [kind for kind, canary in CANARIES.items() if any(n in raw for n in needles(canary))]
        if hits:
            found[path.name] = hits
    return found


@dataclass
class Scene:
    settings: Settings
    family: str
    erased: str
    kept: str


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    served = create_app(settings, {"TESTING": True})
    yield served
    shutdown(served)


def write_scene(app: Flask, settings: Settings) -> Scene:
    """A family led by the canary volunteer (who visits, and reads the family, under their own account), a
    handover from them to the kept volunteer, both visiting jointly; then the handover completes and the canary
    volunteer leaves."""
    api = signed_in(app, "coordinator")
    intake = cohort(api)
    body = {
        "name": CANARIES["name"],
        "cohort_id": intake,
        "contact": CANARIES["contact"],
        "school": CANARIES["school"],
        "major": CANARIES["major"],
        "occurred_at": ago(days=100),
    }
    erased = str(post(api, "/volunteers", body)["id"])
    post(api, f"/volunteers/{erased}/activate", {"occurred_at": ago(days=99)}, status=200)
    kept = volunteer(api, intake, KEPT)
    fid = family(api)
    assign(api, fid, erased)
    app.extensions["peiban.accounts"].open_account(
        user_name=CANARIES["user name"],
        display_name=CANARIES["display name"],
        role="volunteer",
        password_hash="argon2-not-used",
        volunteer_id=UUID(erased),
        recorded_by=Actor("tests"),
    )
    own = signed_in_as(app, CANARIES["user name"])
    app.config["VOLUNTEER_CLIENT"] = own  # (kept: after the erasure, its token must open nothing)
    assert own.get(f"/api/v1/families/{fid}/timeline").status_code == 200  # a read in the audit, by their name
    visit(own, fid, erased, days_ago=40)  # recorded by their user name
    handover = plan_handover(api, fid, erased, kept)
    visit(api, fid, erased, kept, days_ago=10)
    post(api, f"/families/{fid}/handovers/{handover}/agreement", {"occurred_at": ago(days=9)}, status=200)
    return Scene(settings, fid, erased, kept)


def signed_in_as(app: Flask, user_name: str) -> FlaskClient:
    """An API client with a bearer token of an existing account."""
    accounts = app.extensions["peiban.accounts"]
    token, token_id, token_hash = new_token(accounts.get(user_name))
    accounts.issue_token(user_name, token_id=token_id, token_hash=token_hash, label="tests", recorded_by=Actor("tests"))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def complete_and_depart(app: Flask, scene: Scene) -> None:
    api = signed_in(app, "coordinator")
    handovers = app.extensions["peiban"].get_family(UUID(scene.family)).roster.open_handover()
    assert handovers is not None
    body = {"occurred_at": ago(days=5), "keep_in_touch": False}
    post(api, f"/families/{scene.family}/handovers/{handovers.handover_id}/complete", body, status=200)
    post(api, f"/volunteers/{scene.erased}/departure", {"reason": "graduated", "occurred_at": ago(days=4)}, status=200)


def erase_by_api(app: Flask, scene: Scene, status: int = 201) -> dict[str, Any]:
    return post(signed_in(app, "coordinator"), f"/volunteers/{scene.erased}/erasure", {"reason": REASON}, status)


def test_only_a_departed_volunteer_on_no_family_is_erased_and_a_refusal_records_nothing(
    app: Flask, settings: Settings
) -> None:
    scene = write_scene(app, settings)
    log = app.extensions["peiban"]
    before = log.log_position()
    # while still on duty: refused, naming the status
    refused = erase_by_api(app, scene, status=409)
    assert refused["error"] == "volunteer_status" and "record their departure first" in refused["message"]
    # departed, but still the outgoing volunteer of an open handover: refused, naming the family
    post(signed_in(app, "coordinator"), f"/volunteers/{scene.erased}/departure", {"reason": "graduated"}, status=200)
    after_departure = log.log_position()
    refused = erase_by_api(app, scene, status=409)
    assert refused["error"] == "volunteer_still_accompanies" and scene.family in refused["message"]
    # a blank reason: a field error
    blank = post(signed_in(app, "coordinator"), f"/volunteers/{scene.erased}/erasure", {"reason": "  "}, status=422)
    assert "reason" in blank["errors"]
    assert log.log_position() == after_departure > before
    assert app.extensions["peiban"].get_volunteer(UUID(scene.erased)).name == CANARIES["name"]
    assert holding(settings.store.data_dir), "nothing was erased: the views still hold the volunteer's words"


def test_an_erased_volunteer_leaves_no_word_in_any_file_view_or_backup(
    app: Flask, settings: Settings, tmp_path: Path
) -> None:
    scene = write_scene(app, settings)
    complete_and_depart(app, scene)
    data = settings.store.data_dir
    app.extensions["peiban.access_log"].catch_up()  # (the access log folds reads when it is read)
    assert {"view_timeline", "view_continuity", "view_access_log"} <= {n.split(".")[0] for n in holding(data)}
    log = app.extensions["peiban"]
    before = log.log_position()

    answer = erase_by_api(app, scene)

    assert answer["volunteer_id"] == scene.erased and log.log_position() == before + 1
    assert erase_by_api(app, scene, status=410)["error"] == "volunteer_erased"  # a second time: nothing recorded
    assert log.log_position() == before + 1
    assert holding(data) == {}
    # every view: the family's history still shows a volunteer came, nameless; the kept volunteer keeps a name
    api = signed_in(app, "coordinator")
    timeline = api.get(f"/api/v1/families/{scene.family}/timeline").get_json()
    shown = repr(timeline)
    assert scene.erased in shown and "已删除的义工 / erased volunteer" in shown and KEPT in shown
    auditor = signed_in(app, "auditor")
    reads = auditor.get(f"/api/v1/families/{scene.family}/readers").get_json()
    assert "已删除的义工 / erased volunteer" in repr(reads)
    for path in ("/volunteers", "/dashboard/continuity", "/reports/cohorts", f"/families/{scene.family}"):
        got = api.get(f"/api/v1{path}")
        assert got.status_code == 200, path
        assert not any(c in got.get_data(as_text=True) for c in CANARIES.values()), path
    # the volunteer's own answers are a tombstone, the kept volunteer's are not
    gone = api.get(f"/api/v1/volunteers/{scene.erased}")
    assert (
        gone.status_code == 410 and REASON in gone.get_json()["message"] and "erased on" in gone.get_json()["message"]
    )
    assert api.get(f"/api/v1/volunteers/{scene.erased}/caseload").status_code == 410
    assert api.get(f"/api/v1/volunteers/{scene.kept}").get_json()["name"] == KEPT
    # and their account can no longer sign in (its token opens nothing), nor be listed, nor opened again
    assert app.config["VOLUNTEER_CLIENT"].get(f"/api/v1/volunteers/{scene.erased}/caseload").status_code == 401
    with pytest.raises(UserNameTaken):
        app.extensions["peiban.accounts"].open_account(
            user_name=CANARIES["user name"].upper(),
            display_name="新",
            role="auditor",
            password_hash="x",
            recorded_by=Actor("t"),
        )
    assert CANARIES["user name"] not in [a.user_name for a in app.extensions["peiban.accounts"].all_accounts()]
    assert holding(data) == {}
    backup = peiban(settings, "backup", str(tmp_path / "backup"))
    assert backup.returncode == 0, backup.stderr
    assert holding(tmp_path / "backup") == {}
    verified = peiban(settings, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_rebuilds_and_restarts_keep_a_volunteer_erased(settings: Settings) -> None:
    app = create_app(settings, {"TESTING": True})
    try:
        scene = write_scene(app, settings)
        complete_and_depart(app, scene)
        erase_by_api(app, scene)
    finally:
        shutdown(app)

    rebuilt = peiban(settings, "rebuild")  # a new process, folding the volunteer's facts as tombstones

    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert holding(settings.store.data_dir) == {}
    restarted = create_app(settings, {"TESTING": True})
    try:
        api = signed_in(restarted, "coordinator")
        assert api.get(f"/api/v1/volunteers/{scene.erased}").status_code == 410
        timeline = repr(api.get(f"/api/v1/families/{scene.family}/timeline").get_json())
        assert "已删除的义工 / erased volunteer" in timeline and scene.erased in timeline and KEPT in timeline
        listed = api.get("/api/v1/volunteers").get_json()["items"]
        assert sorted(v["name"] for v in listed) == sorted([KEPT, "已删除的义工 / erased volunteer"])
        report = api.get("/api/v1/reports/cohorts")
        assert report.status_code == 200 and not any(c in report.get_data(as_text=True) for c in CANARIES.values())
    finally:
        shutdown(restarted)
    assert holding(settings.store.data_dir) == {}


@pytest.mark.parametrize("spelling", [str.upper, lambda u: u.replace("-", ""), lambda u: f"urn:uuid:{u}"])
def test_peiban_erase_volunteer_takes_any_spelling_of_the_id_and_says_when_already_erased(
    settings: Settings, spelling: Any
) -> None:
    app = create_app(settings, {"TESTING": True})
    try:
        scene = write_scene(app, settings)
        complete_and_depart(app, scene)
    finally:
        shutdown(app)
    env = cli_environment(settings.store)

    first = CliRunner().invoke(main, ["erase-volunteer", spelling(scene.erased), "--reason", REASON], env=env)
    again = CliRunner().invoke(main, ["erase-volunteer", scene.erased, "--reason", REASON], env=env)

    assert first.exit_code == 0, first.output
    assert f"erased volunteer {scene.erased}" in first.output
    assert again.exit_code == 0 and REASON in again.output and "erased on" in again.output
    assert holding(settings.store.data_dir) == {}


def test_peiban_erase_volunteer_refuses_one_still_on_duty_and_records_nothing(settings: Settings) -> None:
    app = create_app(settings, {"TESTING": True})
    try:
        scene = write_scene(app, settings)
        before = app.extensions["peiban"].log_position()
    finally:
        shutdown(app)
    env = cli_environment(settings.store)

    refused = CliRunner().invoke(main, ["erase-volunteer", scene.erased, "--reason", REASON], env=env)
    unknown = CliRunner().invoke(main, ["erase-volunteer", "not-an-id", "--reason", REASON], env=env)

    assert refused.exit_code == 1 and "record their departure first" in refused.output
    assert unknown.exit_code == 2 and "not-an-id" in unknown.output  # a usage error, before anything runs
    app = create_app(settings, {"TESTING": True})
    try:
        assert app.extensions["peiban"].log_position() == before
    finally:
        shutdown(app)


def test_a_coordinator_erases_a_volunteer_on_their_page_once_confirmed(app: Flask, settings: Settings) -> None:
    scene = write_scene(app, settings)
    complete_and_depart(app, scene)
    open_account(app, "coordinator", "coordinator")
    open_account(app, "social_worker", "social_worker")
    pages = browser(app, "coordinator")
    page = f"/volunteers/{scene.erased}"
    erase = f"{page}/erase"
    assert erase in text(pages.get(page))
    assert browser(app, "social_worker").get(erase).status_code == 403
    log = app.extensions["peiban"]
    before = log.log_position()
    form = pages.get(erase)
    assert "删除义工的个人资料" in text(form) or "Erase the volunteer" in text(form)
    unconfirmed = pages.post(erase, data={"reason": REASON, "csrf_token": form_token(form)})
    assert unconfirmed.status_code == 422 and log.log_position() == before
    form = pages.get(erase)
    sent = {"reason": REASON, "confirm": "erase", "csrf_token": form_token(form)}

    done = pages.post(erase, data=sent)
    twice = pages.post(erase, data=sent)

    assert done.status_code == 303 and log.log_position() == before + 1
    assert twice.status_code == 410 and REASON in text(twice), "sent twice: the tombstone, nothing recorded"
    tombstone = pages.get(done.headers["Location"])
    assert tombstone.status_code == 410 and REASON in text(tombstone) and "已于" in text(tombstone)
    assert pages.get(erase).status_code == 410
    family_page = text(pages.get(f"/families/{scene.family}"))
    assert "已删除的义工" in family_page and CANARIES["name"] not in family_page and KEPT in family_page
    listing = text(pages.get("/volunteers"))
    assert "已删除的义工" in listing and CANARIES["name"] not in listing


def test_an_erased_volunteer_is_named_in_the_readers_language_on_pages(app: Flask, settings: Settings) -> None:
    """Views keep one neutral text in both languages; each page shows the half in its reader's language."""
    scene = write_scene(app, settings)
    complete_and_depart(app, scene)
    erase_by_api(app, scene)
    open_account(app, "coordinator", "coordinator")
    pages = browser(app, "coordinator")
    chinese = text(pages.get(f"/families/{scene.family}"))
    pages.get("/language/en")
    english = text(pages.get(f"/families/{scene.family}"))

    assert "已删除的义工" in chinese and "erased volunteer" not in chinese
    assert "erased volunteer" in english and "已删除的义工" not in english


def test_an_erased_volunteers_user_name_is_not_shown_in_raw_facts_or_the_case_file(
    app: Flask, settings: Settings
) -> None:
    """Facts keep who recorded them by user name, under the family's key (not destroyed): what shows them —
    the raw facts page and the case file — names an erased account as no one."""
    scene = write_scene(app, settings)
    complete_and_depart(app, scene)
    open_account(app, "auditor", "auditor")
    auditor_api = signed_in(app, "auditor")
    auditor_pages = browser(app, "auditor")
    case_file = f"/api/v1/families/{scene.family}/case-file"
    raw_facts = f"/families/{scene.family}/facts?limit=500"
    assert CANARIES["user name"] in auditor_api.get(case_file).get_data(as_text=True)  # before: the volunteer's visit

    erase_by_api(app, scene)

    exported = auditor_api.get(case_file)
    assert exported.status_code == 200
    assert CANARIES["user name"] not in exported.get_data(as_text=True)
    assert "已删除的义工 / erased volunteer" in exported.get_data(as_text=True)
    page = auditor_pages.get(raw_facts)
    assert page.status_code == 200 and CANARIES["user name"] not in text(page)


def test_peiban_events_names_an_erased_volunteers_account_as_no_one(app: Flask, settings: Settings) -> None:
    """The operator's view of the log (`peiban events`) shows who recorded each fact; after the erasure, not by
    the erased account's user name."""
    scene = write_scene(app, settings)
    complete_and_depart(app, scene)

    def events_of_the_family() -> str:
        listed = CliRunner().invoke(
            main, ["events", "--family", str(scene.family), "--limit", "500"], env=cli_environment(settings.store)
        )
        assert listed.exit_code == 0, listed.output
        return listed.output

    assert CANARIES["user name"] in events_of_the_family()  # before: the volunteer recorded a visit

    erase_by_api(app, scene)

    after = events_of_the_family()
    assert CANARIES["user name"] not in after
    assert "recorded_by 记录人 已删除的义工 / erased volunteer" in after
