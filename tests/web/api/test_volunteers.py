"""Volunteers through the API: registration, duty, departure, alumni contact, the directory, and refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.web.api.conftest import ago, cohort, post
from tests.web.api.scenes import (
    NAIVE,
    Rejected,
    Scene,
    ahead,
    assert_rejected,
    broken,
    day,
    invalid,
    listing,
    lookup,
    refused,
    scene_on_a_fresh_store,
    volunteer,
)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with scene_on_a_fresh_store(tmp_path_factory) as built:
        yield built


def test_a_volunteer_is_registered_then_read_and_listed(client: FlaskClient) -> None:
    cohort_id = cohort(client)
    body = {"name": "陈晓", "cohort_id": cohort_id, "contact": "13800000000", "school": "社工学院", "major": "社会工作"}
    response = client.post("/api/v1/volunteers", json=body)
    created = response.get_json()
    assert response.status_code == 201 and response.headers["Location"] == f"/api/v1/volunteers/{created['id']}"
    assert (created["name"], created["cohort_id"], created["cohort_name"]) == ("陈晓", cohort_id, "2025级")
    assert (created["status"], created["departed_at"], created["alumni_opted_in"]) == ("registered", None, False)
    assert client.get(f"/api/v1/volunteers/{created['id']}").get_json() == created
    assert client.get("/api/v1/volunteers").get_json() == {"items": [created], "next": None}


def test_a_volunteer_goes_on_duty_announces_leaving_leaves_and_stays_in_touch(client: FlaskClient) -> None:
    volunteer_id = volunteer(client, cohort(client), "陈晓", active=False)
    steps = [
        ("activate", {"occurred_at": ago(days=60)}, "active"),
        ("departure-announced", {"expected_on": day(30)}, "departing"),
        ("departure", {"reason": "graduated"}, "departed"),
    ]
    for step, body, status in steps:
        assert post(client, f"/volunteers/{volunteer_id}/{step}", body, status=200)["status"] == status
    stays = post(client, f"/volunteers/{volunteer_id}/alumni-contact", {"opted_in": True}, status=200)
    assert stays["alumni_opted_in"] is True and stays["departed_at"] is not None
    leaves = post(client, f"/volunteers/{volunteer_id}/alumni-contact", {"opted_in": False}, status=200)
    assert leaves["alumni_opted_in"] is False


def test_the_directory_pages_by_name_with_a_cursor_and_filters(client: FlaskClient) -> None:
    first, second = cohort(client, "2024级"), cohort(client, "2025级")
    for name, cohort_id, active in [("丁", first, True), ("乙", first, False), ("丙", second, True)]:
        volunteer(client, cohort_id, name, active=active)
    one = client.get("/api/v1/volunteers?limit=2").get_json()
    two = client.get(f"/api/v1/volunteers?limit=2&after={one['next']}").get_json()
    assert [v["name"] for v in one["items"] + two["items"]] == ["丙", "丁", "乙"]  # pinyin: bing3, ding1, yi3
    assert two["next"] is None

    def names(query: str) -> list[str]:
        return [v["name"] for v in client.get(f"/api/v1/volunteers?{query}").get_json()["items"]]

    assert names(f"cohort_id={first}") == ["丁", "乙"]
    assert names("status=registered") == ["乙"]
    assert names(f"cohort_id={first}&status=active&q=丁") == ["丁"]


REJECTED = {
    "unknown field": invalid("/volunteers", {"name": "陈", "cohort_id": "{cohort}", "contact": "1", "age": 20}, "age"),
    "nothing given": invalid("/volunteers", {}, "name", "cohort_id", "contact"),
    "empty and oversized text": invalid(
        "/volunteers", {"name": "", "cohort_id": "{cohort}", "contact": "1" * 101}, "name", "contact"
    ),
    "wrong types": invalid(
        "/volunteers", {"name": 5, "cohort_id": "abc", "contact": ["1"]}, "name", "cohort_id", "contact"
    ),
    "naive occurred_at": invalid(
        "/volunteers", {"name": "陈", "cohort_id": "{cohort}", "contact": "1", "occurred_at": NAIVE}, "occurred_at"
    ),
    "not a time": invalid(
        "/volunteers", {"name": "陈", "cohort_id": "{cohort}", "contact": "1", "occurred_at": "昨天"}, "occurred_at"
    ),
    "future occurred_at": refused(
        "/volunteers",
        {"name": "陈", "cohort_id": "{cohort}", "contact": "1", "occurred_at": ahead(days=1)},
        "occurred_at",
    ),
    "unknown cohort": broken(
        "/volunteers", {"name": "陈", "cohort_id": "{missing}", "contact": "1"}, "cohort_not_found", 404
    ),
    "closed cohort": broken(
        "/volunteers", {"name": "陈", "cohort_id": "{closed_cohort}", "contact": "1"}, "cohort_closed"
    ),
    "activate twice": broken("/volunteers/{lead}/activate", {}, "volunteer_status"),
    "activate unknown": broken("/volunteers/{missing}/activate", {}, "volunteer_not_found", 404),
    "activate with unknown field": invalid("/volunteers/{registered}/activate", {"when": ago(days=1)}, "when"),
    "activate before registering": refused(
        "/volunteers/{registered}/activate", {"occurred_at": ago(days=200)}, "occurred_at"
    ),
    "announce without a date": invalid("/volunteers/{lead}/departure-announced", {}, "expected_on"),
    "announce a bad date": invalid(
        "/volunteers/{lead}/departure-announced", {"expected_on": "明年春天"}, "expected_on"
    ),
    "announce before duty": broken(
        "/volunteers/{registered}/departure-announced", {"expected_on": day(9)}, "volunteer_status"
    ),
    "depart for no known reason": invalid("/volunteers/{lead}/departure", {"reason": "fired"}, "reason"),
    "depart twice": broken("/volunteers/{departed}/departure", {"reason": "graduated"}, "volunteer_status"),
    "alumni choice not a boolean": invalid("/volunteers/{lead}/alumni-contact", {"opted_in": "maybe"}, "opted_in"),
    "alumni choice unchanged": broken(
        "/volunteers/{lead}/alumni-contact", {"opted_in": False}, "alumni_choice_unchanged"
    ),
    "list by unknown status": listing("/volunteers?status=retired", "status"),
    "list with a bad limit": listing("/volunteers?limit=0", "limit"),
    "list after a bad cursor": listing("/volunteers?after=not-a-cursor", "after"),
    "list by a bad cohort id": listing("/volunteers?cohort_id=abc", "cohort_id"),
    "read unknown": lookup("/volunteers/{missing}", "volunteer_not_found"),
    "read a malformed id": lookup("/volunteers/abc", "not_found"),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_refused_requests_say_why_and_record_nothing(scene: Scene, case: Rejected) -> None:
    assert_rejected(scene, case)
