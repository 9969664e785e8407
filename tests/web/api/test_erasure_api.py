"""Coordinators' retention list (closed longer than PEIBAN_RETENTION_DAYS, or without consent to records) and
their erasure of a family through the API: the family's words leave every file, others stay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from domain import StoreSettings
from tests.web.api.conftest import ago, post, signed_in
from tests.web.api.scenes import family_body
from web.app import create_app, shutdown
from web.settings import Settings

NAMES = {
    "old": "结案很久金丝雀家",
    "recent": "刚结案家",
    "withdrawn": "撤回同意家",
    "photos": "撤回拍照家",
    "open": "在案家",
}


def needles(word: str) -> tuple[bytes, bytes]:
    """A word as UTF-8, and as JSON writes it with non-ASCII escaped (``\\u7ed3…``)."""
    return word.encode(), json.dumps(word).strip('"').encode()


@pytest.fixture
def retention_app(tmp_path: Path) -> Iterator[Flask]:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"), retention_days=30)
    app = create_app(settings, {"TESTING": True})
    yield app
    shutdown(app)


def families(app: Flask) -> dict[str, str]:
    """Five families: closed 60 and 10 days ago, consent to records withdrawn, to photos only, and one open."""
    api = signed_in(app, "coordinator")
    # (each enrolled with an idempotency key: the API keeps its answer, the family's profile, for retries)
    ids = {
        kind: str(post(api, "/families", family_body(name), **{"Idempotency-Key": kind})["id"])
        for kind, name in NAMES.items()
    }
    post(api, f"/families/{ids['old']}/closure", {"reason": "搬走了", "occurred_at": ago(days=60)}, status=200)
    post(api, f"/families/{ids['recent']}/closure", {"reason": "搬走了", "occurred_at": ago(days=10)}, status=200)
    for kind, scope in (("withdrawn", "records"), ("photos", "photos")):
        body = {"scopes": [scope], "reason": "监护人要求", "occurred_at": ago(days=5)}
        post(api, f"/families/{ids[kind]}/consent-withdrawals", body, status=200)
    return ids


def test_the_retention_list_names_families_closed_too_long_ago_and_without_consent_with_the_reason(
    retention_app: Flask,
) -> None:
    ids = families(retention_app)

    answer = signed_in(retention_app, "coordinator").get("/api/v1/retention")

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["retention_days"] == 30
    listed = [(c["family_id"], c["reason"]) for c in body["candidates"]]
    assert listed == [(ids["old"], "closed_long_ago"), (ids["withdrawn"], "consent_withdrawn")]
    assert all(" / " in c["reason_text"] for c in body["candidates"])
    assert signed_in(retention_app, "social_worker").get("/api/v1/retention").status_code == 403


def test_a_coordinator_erases_a_family_and_its_words_leave_every_file(retention_app: Flask, tmp_path: Path) -> None:
    ids = families(retention_app)
    api, log = signed_in(retention_app, "coordinator"), retention_app.extensions["peiban"]
    before = log.log_position()
    # a social worker may not, and a blank reason is refused: nothing recorded either way
    refused = signed_in(retention_app, "social_worker").post(
        f"/api/v1/families/{ids['old']}/erasure", json={"reason": "x"}
    )
    assert refused.status_code == 403
    blank = api.post(f"/api/v1/families/{ids['old']}/erasure", json={"reason": " "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    assert log.log_position() == before

    erased = post(api, f"/families/{ids['old']}/erasure", {"reason": "保存期满"})

    assert erased["family_id"] == ids["old"] and log.log_position() == before + 1
    assert api.get(f"/api/v1/families/{ids['old']}").status_code == 410
    assert [c["family_id"] for c in api.get("/api/v1/retention").get_json()["candidates"]] == [ids["withdrawn"]]
    data = tmp_path / "data"
    assert [
        p.name for p in data.iterdir() if p.is_file() and any(n in p.read_bytes() for n in needles(NAMES["old"]))
    ] == []
    assert api.get(f"/api/v1/families/{ids['recent']}").get_json()["display_name"] == NAMES["recent"]
