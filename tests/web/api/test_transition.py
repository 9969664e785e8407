"""The transition planner's API: the proposal, a confirmation planning many handovers at once (a family refused
says why, the others are planned), a retry that records nothing, and a rejected confirmation that records nothing.

    2024级 leaves in 40 days: 甲 leads 林家 (周 co-volunteers there), 乙 leads 张家, 丙 leads 王家
    2025级 (incoming, 500 days left): 周, 吴
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.web.api.conftest import log_position, signed_in
from tests.web.api.scenes import MISSING, Leaving, day, leaving_cohort, plan_handover


@pytest.fixture
def leaving(client: FlaskClient) -> Leaving:
    return leaving_cohort(client)


def by_name(leaving: Leaving, answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    names = {fid: name for name, fid in leaving.f.items()}
    return {names[f["family_id"]]: f for f in answer["families"]}


def test_the_proposal_prefers_the_familys_co_volunteer(client: FlaskClient, leaving: Leaving) -> None:
    answer = client.get(leaving.api).get_json()

    assert (answer["cohort_name"], answer["days_left"], answer["max_caseload"]) == ("2024级", 40, 3)
    assert answer["incoming_cohort_name"] == "2025级"
    families = by_name(leaving, answer)
    assert set(families) == {"林家", "张家", "王家"}
    assert families["林家"]["proposed_volunteer_id"] == leaving.v["周"]
    assert families["林家"]["served_by"] == [leaving.v["周"]]
    assert all(f["step"] == "to_plan" for f in families.values())
    assert {c["name"] for c in answer["candidates"]} == {"周", "吴"}  # the leaving cohort takes over nothing


def test_a_confirmation_plans_every_family_but_one_refused_and_a_retry_records_nothing(
    client: FlaskClient, leaving: Leaving
) -> None:
    """Given 王家 got a handover meanwhile, when the coordinator confirms 林家 → 周, 张家 → 周 (adjusted),
    王家 → 吴: 林家 and 张家 are planned, 王家 refused with its reason; the same request again records nothing."""
    plan_handover(client, leaving.f["王家"], leaving.v["丙"], leaving.v["吴"])
    before = log_position(client)
    choices = [("林家", "周"), ("张家", "周"), ("王家", "吴")]
    body = {
        "planned_on": day(30),
        "handovers": [{"family_id": leaving.f[f], "incoming_volunteer_id": leaving.v[v]} for f, v in choices],
    }

    first = client.post(leaving.api, json=body, headers={"Idempotency-Key": "transition-1"})

    assert first.status_code == 200, first.get_json()
    answer = first.get_json()
    assert {p["family_id"] for p in answer["planned"]} == {leaving.f["林家"], leaving.f["张家"]}
    assert [(r["family_id"], r["error"]) for r in answer["refused"]] == [(leaving.f["王家"], "handover_already_open")]
    assert answer["refused"][0]["message"].startswith("该家庭")  # Chinese first
    assert log_position(client) == before + 2
    families = by_name(leaving, client.get(leaving.api).get_json())
    assert (families["张家"]["step"], families["张家"]["incoming_volunteer_id"]) == ("planned", leaving.v["周"])
    assert families["林家"]["planned_on"] == day(30)

    retry = client.post(leaving.api, json=body, headers={"Idempotency-Key": "transition-1"})
    assert retry.get_json() == answer
    assert log_position(client) == before + 2


def test_the_same_confirmation_without_a_kept_answer_plans_nothing_new(client: FlaskClient, leaving: Leaving) -> None:
    """Each family's command derives from the request's: the log, not the kept answer, knows it was planned."""
    body = {
        "planned_on": day(30),
        "handovers": [{"family_id": leaving.f["张家"], "incoming_volunteer_id": leaving.v["吴"]}],
    }
    first = client.post(leaving.api, json=body, headers={"Idempotency-Key": "transition-2"}).get_json()
    before = log_position(client)
    client.application.extensions["peiban.idempotency"].release("test-coordinator", "transition-2")

    again = client.post(leaving.api, json=body, headers={"Idempotency-Key": "transition-2"}).get_json()

    assert again["planned"] == first["planned"]
    assert log_position(client) == before


def test_a_rejected_confirmation_says_which_choice_is_wrong_and_records_nothing(
    client: FlaskClient, leaving: Leaving
) -> None:
    before = log_position(client)
    body = {
        "planned_on": day(30),
        "handovers": [
            {"family_id": leaving.f["林家"], "incoming_volunteer_id": leaving.v["周"]},
            {"family_id": MISSING, "incoming_volunteer_id": leaving.v["吴"]},
            {"family_id": leaving.f["张家"], "incoming_volunteer_id": leaving.v["甲"]},  # leaving too
            {"family_id": leaving.f["林家"], "incoming_volunteer_id": leaving.v["吴"]},
        ],
    }

    refused = client.post(leaving.api, json=body)

    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert set(errors) == {"handovers.1.family_id", "handovers.2.incoming_volunteer_id", "handovers.3.family_id"}
    assert errors["handovers.3.family_id"] == ["这个家庭列了两次 / This family is listed twice"]
    assert log_position(client) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"handovers": []}, "planned_on"),
        ({"planned_on": "2025-13-01", "handovers": []}, "planned_on"),
        ({"planned_on": "2025-06-01", "handovers": [{"family_id": "x", "incoming_volunteer_id": MISSING}]}, None),
    ],
)
def test_malformed_confirmations_are_refused_at_their_field(
    client: FlaskClient, leaving: Leaving, body: dict[str, Any], field: str | None
) -> None:
    before = log_position(client)
    refused = client.post(leaving.api, json=body)
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert (field in errors) if field else ("handovers.0.family_id" in errors)
    assert log_position(client) == before


def test_only_coordinators_plan_a_transition(client: FlaskClient, leaving: Leaving) -> None:
    for role in ("social_worker", "auditor"):
        assert signed_in(client.application, role).get(leaving.api).status_code == 403
    assert client.get(f"/api/v1/cohorts/{MISSING}/transition").status_code == 404


def test_openapi_documents_the_transition(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    operations = paths["/api/v1/cohorts/{cohort_id}/transition"]
    assert {"get", "post"} <= set(operations)
    assert "422" in operations["post"]["responses"]
