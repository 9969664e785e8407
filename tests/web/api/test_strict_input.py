"""Hostile input to the API is refused at the edge: 400 or 422 in the one error shape, never 500, nothing recorded."""

from __future__ import annotations

from typing import Any

import flask_smorest
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, log_position
from tests.web.api.scenes import assign, family, volunteer
from web.api import resource_blueprints
from web.app import API_RESOURCES

JSON = {"Content-Type": "application/json"}
SHAPE = {"code", "status", "message", "errors", "error"}


@pytest.fixture
def family_with_lead(client: FlaskClient) -> tuple[str, str]:
    lead = volunteer(client, cohort(client), "王义工")
    family_id = family(client)
    assign(client, family_id, lead)
    return family_id, lead


def refused(client: FlaskClient, path: str, raw: str, status: int, fields: set[str]) -> dict[str, Any]:
    """POST ``raw`` as a JSON body: answered ``status`` naming ``fields``, in the one shape; nothing recorded."""
    before = log_position(client)
    response = client.post(f"/api/v1{path}", data=raw.encode("utf-8", "surrogatepass"), headers=JSON)
    answer = response.get_json()
    assert response.status_code == status, answer
    assert set(answer) == SHAPE and answer["code"] == status
    assert set(answer["errors"]) == fields, answer["errors"]
    assert log_position(client) == before
    return dict(answer)


def concern(summary: str = '"作业跟不上"', **more: str) -> str:
    fields = {"category": '"education"', "level": '"low"', "summary": summary, **more}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}"


def test_a_lone_surrogate_in_a_text_field_is_a_field_error(client: FlaskClient, family_with_lead: Any) -> None:
    family_id, _ = family_with_lead
    answer = refused(client, f"/families/{family_id}/concerns", concern(r'"半个\ud800字"'), 422, {"summary"})
    assert answer["errors"]["summary"] == ["含有无效字符 / contains an invalid character"]


def test_a_lone_surrogate_in_a_list_item_or_a_key_names_where_it_is(client: FlaskClient, family_with_lead: Any) -> None:
    family_id, lead = family_with_lead
    body = (
        f'{{"occurred_at": "{ago(days=1)}", "volunteer_ids": ["{lead}"], "duration_minutes": 60, "summary": "好",'
        r' "place": "home", "activities": ["画画", "\udc00"], "\ud800": 1}'
    )
    refused(client, f"/families/{family_id}/visits", body, 422, {"activities.1", "_schema"})


@pytest.mark.parametrize("depth", [50_000, 1_000, 18])
def test_json_nested_deeply_is_a_bad_request(client: FlaskClient, family_with_lead: Any, depth: int) -> None:
    family_id, _ = family_with_lead
    nested = "[" * depth + "]" * depth
    refused(client, f"/families/{family_id}/concerns", nested, 400, {"_schema"})
    refused(client, f"/families/{family_id}/concerns", concern(nested), 400, {"_schema"})


def test_a_moment_past_the_calendar_in_utc_is_a_field_error(client: FlaskClient, family_with_lead: Any) -> None:
    family_id, _ = family_with_lead
    body = concern(occurred_at='"9999-12-31T23:59:59-14:00"')
    refused(client, f"/families/{family_id}/concerns", body, 422, {"occurred_at"})


def test_a_replay_moment_past_the_calendar_in_utc_is_a_query_error(auditor: FlaskClient, client: FlaskClient) -> None:
    family_id = family(client)
    response = auditor.get(f"/api/v1/families/{family_id}/timeline?as_of=9999-12-31T23:59:59-14:00")
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"query.as_of"}


@pytest.mark.parametrize("digits", [5000, 19])
def test_a_number_with_thousands_of_digits_is_a_field_error(
    client: FlaskClient, family_with_lead: Any, digits: int
) -> None:
    family_id, lead = family_with_lead
    body = (
        f'{{"occurred_at": "{ago(days=1)}", "volunteer_ids": ["{lead}"], "duration_minutes": {"9" * digits},'
        ' "summary": "好", "place": "home"}'
    )
    refused(client, f"/families/{family_id}/visits", body, 422, {"duration_minutes"})


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_json_are_a_bad_request(
    client: FlaskClient, family_with_lead: Any, constant: str
) -> None:
    family_id, _ = family_with_lead
    refused(client, f"/families/{family_id}/concerns", concern(extra=constant), 400, {"_schema"})


@pytest.mark.parametrize("typed", ["5%C2%85", "%E0%A5%AB", "%EF%BC%95", "5_0", "+5", "%205", "9" * 40, "5%0A"])
def test_integer_query_parameters_take_ascii_digits_only(auditor: FlaskClient, client: FlaskClient, typed: str) -> None:
    family_id = family(client)
    for path in ("/families", "/volunteers", f"/families/{family_id}/timeline", f"/families/{family_id}/events"):
        response = auditor.get(f"/api/v1{path}?limit={typed}")
        assert response.status_code == 422, (path, response.get_json())
        assert set(response.get_json()["errors"]) == {"query.limit"}
    response = auditor.get(f"/api/v1/dashboard/continuity?quiet_days={typed}")
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"query.quiet_days"}


def test_ascii_digits_still_read_as_numbers(auditor: FlaskClient, client: FlaskClient) -> None:
    family(client)
    assert len(auditor.get("/api/v1/families?limit=1").get_json()["items"]) == 1
    assert auditor.get("/api/v1/dashboard/continuity?quiet_days=007").status_code == 200


def test_an_empty_cursor_is_a_query_error_not_the_first_page(auditor: FlaskClient, client: FlaskClient) -> None:
    # ``after=`` is no cursor at all: refused by name (as schemathesis found, it was read as "the first page")
    family_id = family(client)
    paths = [
        "/families",
        "/volunteers",
        f"/families/{family_id}/timeline",
        f"/families/{family_id}/events",
        "/dashboard/continuity/in_progress",
        "/dashboard/continuity/without_joint_visit",
        "/dashboard/continuity/quiet",
    ]
    for path in paths:
        response = auditor.get(f"/api/v1{path}?after=")
        assert response.status_code == 422, (path, response.get_json())
        assert response.get_json()["errors"] == {"query.after": ["游标无效 / invalid cursor"]}, path
        assert auditor.get(f"/api/v1{path}").status_code == 200, path  # and without it, the first page
    # the documents say so: a cursor is a string of one character or more, never null
    spec = auditor.get("/api/v1/openapi.json").get_json()
    cursors = [
        p["schema"]
        for operations in spec["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for p in operation.get("parameters", [])
        if isinstance(p, dict) and p.get("name") == "after"
    ]
    assert len(cursors) == 7 and all(c == {"type": "string", "minLength": 1} for c in cursors), cursors


def test_a_body_over_the_size_limit_is_refused_with_413_in_the_one_shape(
    api_app: Flask, client: FlaskClient, family_with_lead: Any
) -> None:
    family_id, _ = family_with_lead
    too_big = api_app.config["MAX_CONTENT_LENGTH"] + 1
    body = concern('"' + "字" * (too_big // 3) + '"')
    answer = refused(client, f"/families/{family_id}/concerns", body, 413, set())
    assert answer["error"] == "request_entity_too_large" and " / " in answer["message"]


def test_a_letter_at_its_limit_fits_under_the_size_limit(api_app: Flask) -> None:
    from domain.limits import LETTER_TEXT

    assert len(("\\u5b57" * LETTER_TEXT).encode()) * 2 < api_app.config["MAX_CONTENT_LENGTH"]


def test_every_resource_reads_its_body_strictly() -> None:
    from web.api.body import StrictParser

    assert all(isinstance(blueprint.ARGUMENTS_PARSER, StrictParser) for blueprint in resource_blueprints(API_RESOURCES))


def test_flasks_own_json_reader_is_the_strict_one(api_app: Flask) -> None:
    with api_app.test_request_context("/", method="POST", data="[" * 50_000, headers=JSON):
        from flask import request

        assert request.get_json(silent=True) is None


def test_the_size_limit_is_documented_on_every_post(api_app: Flask) -> None:
    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    posts = [operation for methods in spec["paths"].values() for m, operation in methods.items() if m == "post"]
    assert posts and all("413" in operation["responses"] for operation in posts)


def test_every_resource_module_is_registered_from_the_explicit_list() -> None:
    """A resource module whose blueprint is left out of ``web.app.API_RESOURCES`` would silently serve nothing."""
    import importlib
    import pkgutil

    import web.api

    defined = {
        name
        for name in (m.name for m in pkgutil.iter_modules(web.api.__path__))
        if isinstance(getattr(importlib.import_module(f"web.api.{name}"), "blp", None), flask_smorest.Blueprint)
    }
    listed = {module.__name__.rsplit(".", 1)[1] for module in API_RESOURCES}
    assert listed == defined
