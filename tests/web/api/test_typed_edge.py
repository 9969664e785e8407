"""The API parses ids once, at the edge: any spelling of an id names the same thing, a malformed one is refused
and nothing is recorded (the domain below reads no id text)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, log_position, post
from tests.web.api.scenes import assign, family, volunteer


def test_a_visit_naming_a_volunteer_in_two_spellings_counts_them_once(client: FlaskClient) -> None:
    # given a family whose lead is known by an id
    family_id, lead = family(client), volunteer(client, cohort(client), "陈晓")
    assign(client, family_id, lead)
    # when a visit names the lead in lower and in upper case, and the family in upper case
    body = {
        "occurred_at": ago(days=30),
        "volunteer_ids": [lead, lead.upper()],
        "duration_minutes": 90,
        "summary": "一起写作业",
        "place": "home",
    }
    post(client, f"/families/{family_id.upper()}/visits", body)
    # then the visit was recorded once, with the lead once
    entries = client.get(f"/api/v1/families/{family_id}/timeline").get_json()["entries"]
    (visit,) = [e for e in entries if e["kind"] == "visit"]
    assert visit["volunteer_ids"] == [lead]


def test_a_malformed_id_is_refused_at_the_edge_and_records_nothing(client: FlaskClient) -> None:
    family_id, lead = family(client), volunteer(client, cohort(client), "陈晓")
    position = log_position(client)
    # a malformed id in the path names no resource
    closing = client.post("/api/v1/families/42/closure", json={"reason": "r"})
    assert closing.status_code == 404
    # a malformed id in the body is a field error
    body = {"volunteer_id": "not-an-id", "role": "lead", "occurred_at": ago(days=80)}
    refused = client.post(f"/api/v1/families/{family_id}/assignments", json=body)
    assert refused.status_code == 422 and "volunteer_id" in refused.get_json()["errors"]
    assert log_position(client) == position
    assert lead
