"""The OpenAPI document says how to prove who one is (so the interactive docs can call the API), and the
API answers JSON in UTF-8 as written."""

from __future__ import annotations

from typing import Any

from flask import Flask

from domain.actor import Actor
from tests.web.api.conftest import log_position, signed_in
from web.access.guard import COOKIE, CSRF_HEADER
from web.access.passwords import hash_password

BODY = {"name": "2026级", "starts_on": "2026-09-01", "ends_on": "2028-01-31"}
PASSWORD = "a-long-and-rare-passphrase-42"


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return [(path, m, op) for path, item in spec["paths"].items() for m, op in item.items() if m in methods]


def test_every_operation_but_sign_in_names_the_bearer_token_or_the_session_cookie(api_app: Flask) -> None:
    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", COOKIE)
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", CSRF_HEADER)
    for path, method, operation in operations(spec):
        if (path, method) == ("/api/v1/session", "post"):
            assert operation["security"] == []
        elif method == "get":
            assert operation["security"] == [{"bearer": []}, {"session": []}], (path, method)
        else:  # a write by cookie also sends the session's CSRF token
            assert operation["security"] == [{"bearer": []}, {"session": [], "csrf": []}], (path, method)


def test_a_write_by_session_cookie_is_done_as_the_document_says(api_app: Flask) -> None:
    # given an account that signs in through the API, as the interactive docs would
    api_app.extensions["peiban.accounts"].open_account(
        user_name="lin",
        display_name="林老师",
        role="coordinator",
        password_hash=hash_password(PASSWORD),
        volunteer_id=None,
        recorded_by=Actor("tests"),
    )
    browser = api_app.test_client()
    signed = browser.post("/api/v1/session", json={"user_name": "lin", "password": PASSWORD})
    assert signed.status_code == 200 and browser.get_cookie(COOKIE) is not None
    before = log_position(browser)
    # when it writes with the cookie alone, then it is refused and nothing is recorded
    assert browser.post("/api/v1/cohorts", json=BODY).status_code == 400
    assert log_position(browser) == before
    # and with the header the csrf scheme names, the write is done
    token = signed.get_json()["csrf_token"]
    assert browser.post("/api/v1/cohorts", json=BODY, headers={CSRF_HEADER: token}).status_code == 201


def test_json_answers_are_utf_8_without_escapes(api_app: Flask) -> None:
    client = signed_in(api_app)
    created = client.post("/api/v1/cohorts", json=BODY)
    assert created.status_code == 201 and created.mimetype == "application/json"
    assert "2026级".encode() in created.get_data() and b"\\u" not in created.get_data()
    refused = client.post("/api/v1/cohorts", json={})
    assert "必填".encode() in refused.get_data() and b"\\u" not in refused.get_data()
    assert created.get_json()["name"] == "2026级"
