"""Cohorts through the API; the error shape, bilingual messages, idempotency, the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from domain import StoreSettings
from tests.web.api.conftest import cohort, log_position, post, signed_in
from web.app import create_app, shutdown
from web.settings import Settings

BODY = {"name": "2026级", "starts_on": "2026-09-01", "ends_on": "2028-01-31"}


def test_a_cohort_is_opened_listed_read_and_closed(client: FlaskClient) -> None:
    created = post(client, "/cohorts", BODY)
    assert created["name"] == "2026级" and created["starts_on"] == "2026-09-01" and created["closed_at"] is None
    listed = client.get("/api/v1/cohorts").get_json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    assert client.get(f"/api/v1/cohorts/{created['id']}").get_json() == created
    closed = post(client, f"/cohorts/{created['id']}/close", {}, status=200)
    assert closed["closed_at"] is not None
    again = client.post(f"/api/v1/cohorts/{created['id']}/close", json={})
    assert again.status_code == 409 and again.get_json()["error"] == "cohort_already_closed"


def test_schema_violations_are_422_field_by_field_in_both_languages_and_record_nothing(client: FlaskClient) -> None:
    before = log_position(client)
    response = client.post("/api/v1/cohorts", json={"name": "", "starts_on": "soon", "extra": 1})
    body = response.get_json()
    assert response.status_code == 422
    assert set(body) == {"code", "status", "message", "errors", "error"}
    assert set(body["errors"]) == {"name", "starts_on", "ends_on", "extra"}
    assert body["errors"]["extra"] == ["未知字段 / Unknown field."]
    assert body["errors"]["ends_on"][0].startswith("必填")
    assert log_position(client) == before


def test_a_broken_domain_rule_names_the_api_field_and_records_nothing(client: FlaskClient) -> None:
    before = log_position(client)
    response = client.post("/api/v1/cohorts", json={**BODY, "ends_on": "2025-01-01"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["ends_on"]
    assert log_position(client) == before


def test_unknown_ids_and_routes_are_404_in_the_same_shape(client: FlaskClient) -> None:
    missing = client.get("/api/v1/cohorts/00000000-0000-0000-0000-000000000000").get_json()
    assert (missing["code"], missing["error"]) == (404, "cohort_not_found")
    assert "未找到" in missing["message"] and "not found" in missing["message"]
    assert client.get("/api/v1/no-such-thing").get_json()["code"] == 404


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_records_nothing(
    client: FlaskClient,
) -> None:
    first = client.post("/api/v1/cohorts", json=BODY, headers={"Idempotency-Key": "phone-1"})
    position = log_position(client)
    retry = client.post("/api/v1/cohorts", json=BODY, headers={"Idempotency-Key": "phone-1"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.get_json() == first.get_json() and retry.headers["Idempotent-Replayed"] == "true"
    assert log_position(client) == position
    other = client.post("/api/v1/cohorts", json={**BODY, "name": "另一期"}, headers={"Idempotency-Key": "phone-1"})
    assert other.status_code == 422 and log_position(client) == position


def test_idempotency_survives_a_restart(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    first_app = create_app(settings, {"TESTING": True})
    first = signed_in(first_app).post("/api/v1/cohorts", json=BODY, headers={"Idempotency-Key": "k"})
    shutdown(first_app)
    restarted = create_app(settings, {"TESTING": True})
    retry_client = signed_in(restarted)
    retry = retry_client.post("/api/v1/cohorts", json=BODY, headers={"Idempotency-Key": "k"})
    assert retry.get_json() == first.get_json()
    assert len(retry_client.get("/api/v1/cohorts").get_json()["items"]) == 1
    shutdown(restarted)


def test_the_openapi_document_and_local_docs_are_served(client: FlaskClient) -> None:
    cohort(client)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/cohorts" in spec["paths"]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as script:
        assert script.status_code == 200 and len(script.get_data()) > 100_000
