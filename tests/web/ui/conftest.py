"""The pages on a real SQLite store: accounts with passwords, a browser-like client that signs in
through the sign-in form, and a family with two leads and a handover between them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain import Actor, StoreSettings
from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import assign, family, plan_handover, visit, volunteer
from tests.web.passwords import password_hash
from web.app import create_app, shutdown
from web.settings import Settings

PASSWORD = "a-long-and-rare-passphrase-42"


@pytest.fixture
def ui_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data")), {"TESTING": True})
    yield app
    shutdown(app)


def open_account(app: Flask, user_name: str, role: str, volunteer_id: str | None = None) -> str:
    """An account with a password, straight in the accounts store (as `peiban user add` opens it)."""
    app.extensions["peiban.accounts"].open_account(
        user_name=user_name,
        display_name=f"{user_name} 老师",
        role=role,
        password_hash=password_hash(PASSWORD),
        volunteer_id=UUID(volunteer_id) if volunteer_id else None,
        recorded_by=Actor("tests"),
    )
    return user_name


def log_position(app: Flask) -> int:
    """How many facts the case log holds: a refused form must leave it unchanged."""
    return int(app.extensions["peiban"].log_position())


def form_token(page: TestResponse) -> str:
    """The hidden CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def preset_times(page: TestResponse) -> dict[str, str]:
    """The date-and-time inputs a form page fills in beforehand, and the hidden note of what they showed
    (a browser sends them as they stand)."""
    inputs = re.findall(r"<input [^>]*>", page.get_data(as_text=True))
    found = {}
    for tag in inputs:
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        shown_note = name is not None and name.group(1).endswith("__shown")
        if ('type="datetime-local"' in tag or shown_note) and name and value and value.group(1):
            found[name.group(1)] = value.group(1)
    return found


def sign_in(client: FlaskClient, user_name: str, password: str = PASSWORD, next_page: str = "") -> TestResponse:
    """Fill in and send the sign-in form, as a person would."""
    token = form_token(client.get("/signin"))
    fields = {"user_name": user_name, "password": password, "csrf_token": token, "next": next_page}
    return client.post("/signin", data=fields)


def browser(app: Flask, user_name: str) -> FlaskClient:
    """A client signed in through the sign-in page (its session cookie kept)."""
    client = app.test_client()
    assert sign_in(client, user_name).status_code == 303
    return client


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


@dataclass(frozen=True)
class Handover:
    """A family whose first lead handed over to a second (with a joint visit), and one other family."""

    family: str
    other_family: str
    first_lead: str
    second_lead: str
    other_lead: str
    amended_visit: str
    retracted_visit: str


def handover_scene(app: Flask) -> Handover:
    """王家: 甲 (2024级) leads, visits, messages; a concern; handover to 乙 (2025级) with a joint visit; 乙 visits.
    李家: led by 丙, with nothing else."""
    api = signed_in(app, "coordinator")
    old, new = cohort(api, "2024级"), cohort(api, "2025级")
    first, second, other = volunteer(api, old, "甲"), volunteer(api, new, "乙"), volunteer(api, new, "丙")
    wang, li = family(api, "王家"), family(api, "李家")
    assign(api, wang, first, days_ago=85)
    assign(api, li, other, days_ago=85)
    amended = str(visit(api, wang, first, days_ago=70)["event_id"])
    retracted = str(visit(api, wang, first, days_ago=60)["event_id"])
    message = {"occurred_at": ago(days=55), "volunteer_id": first, "direction": "from_family", "channel": "wechat"}
    post(api, f"/families/{wang}/messages", {**message, "summary": "天冷了，注意身体"})
    concern = {"category": "education", "level": "medium", "summary": "作业跟不上", "occurred_at": ago(days=50)}
    post(api, f"/families/{wang}/concerns", concern)
    handover = plan_handover(api, wang, first, second, days_ago=40)
    visit(api, wang, first, second, days_ago=30)
    post(
        api,
        f"/families/{wang}/handovers/{handover}/complete",
        {"keep_in_touch": True, "occurred_at": ago(days=25)},
        200,
    )
    visit(api, wang, second, days_ago=10)
    amend = {"target_event_id": amended, "action": "amend", "reason": "时长记错", "changes": {"duration_minutes": 60}}
    post(api, f"/families/{wang}/corrections", amend)
    post(
        api,
        f"/families/{wang}/corrections",
        {"target_event_id": retracted, "action": "retract", "reason": "记错了家庭"},
    )
    return Handover(wang, li, first, second, other, amended, retracted)
