"""Families through the API: enrolment, profile, consent, closure, reopening, the directory, and refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from projections.collation import pinyin_key
from tests.web.api.conftest import ago, cohort, post
from tests.web.api.scenes import (
    NAIVE,
    Rejected,
    Scene,
    ahead,
    assert_rejected,
    assign,
    broken,
    day,
    family,
    family_body,
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


def test_a_family_is_enrolled_with_its_household_and_consent_and_read_back(client: FlaskClient) -> None:
    response = client.post("/api/v1/families", json=family_body("王家", referral_source="居委会"))
    created = response.get_json()
    assert response.status_code == 201 and response.headers["Location"] == f"/api/v1/families/{created['id']}"
    assert (created["display_name"], created["community"], created["referral_source"]) == ("王家", "城东社区", "居委会")
    assert created["household"] == [
        {"relation": "child", "birth_year": 2015, "alias": "小明"},
        {"relation": "mother", "birth_year": 1985, "alias": ""},
    ]
    assert created["circumstances"] == ["migrant"] and created["consent_scopes"] == ["home_visits", "records"]
    assert (created["status"], created["lead_id"], created["lead_name"]) == ("open", None, None)
    assert client.get(f"/api/v1/families/{created['id']}").get_json() == created


def test_profile_changes_and_consents_show_in_the_profile(client: FlaskClient) -> None:
    family_id = family(client)
    changes = {"display_name": "王家（新）", "circumstances": ["single_parent"], "occurred_at": ago(days=5)}
    recorded = post(client, f"/families/{family_id}/profile", changes, status=200)
    assert recorded["family_id"] == family_id and recorded["event_id"]
    consent = {"guardian_relation": "mother", "scopes": ["photos", "keep_in_touch"], "given_on": day(-1)}
    post(client, f"/families/{family_id}/consents", consent, status=200)
    post(
        client, f"/families/{family_id}/consent-withdrawals", {"scopes": ["home_visits"], "reason": "改为中心活动"}, 200
    )
    profile = client.get(f"/api/v1/families/{family_id}").get_json()
    assert (profile["display_name"], profile["circumstances"]) == ("王家（新）", ["single_parent"])
    assert profile["consent_scopes"] == ["keep_in_touch", "photos", "records"]
    assert profile["community"] == "城东社区" and len(profile["household"]) == 2


def test_a_closed_case_loses_its_lead_and_can_be_reopened(client: FlaskClient) -> None:
    family_id, lead = family(client), volunteer(client, cohort(client), "陈晓")
    assign(client, family_id, lead)
    assert client.get(f"/api/v1/families/{family_id}").get_json()["lead_name"] == "陈晓"
    post(client, f"/families/{family_id}/closure", {"reason": "搬回老家", "occurred_at": ago(days=2)}, status=200)
    closed = client.get(f"/api/v1/families/{family_id}").get_json()
    assert (closed["status"], closed["lead_id"]) == ("closed", None)
    post(client, f"/families/{family_id}/reopening", {"reason": "又回来了"}, status=200)
    assert client.get(f"/api/v1/families/{family_id}").get_json()["status"] == "open"


def test_the_directory_pages_by_name_and_filters_by_status_or_name(client: FlaskClient) -> None:
    ids = {
        name: family(client, name, community=community)
        for name, community in [("丁家", "东"), ("乙家", "西"), ("丙家", "东")]
    }
    post(client, f"/families/{ids['乙家']}/closure", {"reason": "结案"}, status=200)
    one = client.get("/api/v1/families?limit=2").get_json()
    two = client.get(f"/api/v1/families?limit=2&after={one['next']}").get_json()
    assert [f["display_name"] for f in one["items"] + two["items"]] == sorted(ids, key=pinyin_key) and two[
        "next"
    ] is None

    def names(query: str) -> list[str]:
        return [f["display_name"] for f in client.get(f"/api/v1/families?{query}").get_json()["items"]]

    assert names("status=closed") == ["乙家"]
    assert names("status=open&q=东") == ["丙家", "丁家"]  # in pinyin order: bing3 before ding1


def test_the_openapi_document_lists_the_allowed_values(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    member = schemas["HouseholdMemberIn"]["properties"]["relation"]
    assert member["type"] == "string" and "grandmother" in member["enum"]
    assert schemas["AssignmentIn"]["properties"]["role"]["enum"] == ["lead", "co", "shadow"]
    assert schemas["FamilyIn"]["properties"]["display_name"]["maxLength"] == 50
    assert schemas["FamilyIn"]["additionalProperties"] is False


def _consent(**changes: object) -> dict[str, object]:
    return {"guardian_relation": "mother", "scopes": ["records"], "given_on": day(-1), **changes}


REJECTED = {
    "unknown fields, nested too": invalid(
        "/families",
        family_body(nickname="x", household=[{"relation": "child", "birth_year": 2015, "id_card": "1"}]),
        "nickname",
        "household.0.id_card",
    ),
    "nothing given": invalid("/families", {}, "display_name", "community", "household", "circumstances", "consent"),
    "empty and oversized text": invalid("/families", family_body("王" * 51, community=""), "display_name", "community"),
    "wrong member types": invalid(
        "/families",
        family_body(household=[{"relation": "uncle", "birth_year": "2015"}]),
        "household.0.relation",
        "household.0.birth_year",
    ),
    "no household": invalid("/families", family_body(household=[]), "household"),
    "no child": refused("/families", family_body(household=[{"relation": "mother", "birth_year": 1985}]), "household"),
    "consent without records": refused("/families", family_body(consent=_consent(scopes=["photos"])), "consent.scopes"),
    "consent given in future": refused("/families", family_body(consent=_consent(given_on=day(3))), "consent.given_on"),
    "consent on no date": invalid("/families", family_body(consent=_consent(given_on="上周")), "consent.given_on"),
    "unknown circumstance": invalid("/families", family_body(circumstances=["rich"]), "circumstances.0"),
    "naive occurred_at": invalid("/families", family_body(occurred_at=NAIVE), "occurred_at"),
    "future occurred_at": refused("/families", family_body(occurred_at=ahead(days=1)), "occurred_at"),
    "no profile change": refused("/families/{family}/profile", {}, "_schema"),
    "unknown profile field": invalid("/families/{family}/profile", {"nickname": "x"}, "nickname"),
    "emptied name": invalid("/families/{family}/profile", {"display_name": ""}, "display_name"),
    "household left without child": refused(
        "/families/{family}/profile", {"household": [{"relation": "father", "birth_year": 1980}]}, "household"
    ),
    "profile of unknown family": broken("/families/{missing}/profile", {"community": "西"}, "family_not_found", 404),
    "profile changed before enrolment": refused(
        "/families/{family}/profile", {"community": "西", "occurred_at": ago(days=200)}, "occurred_at"
    ),
    "unknown consent scope": invalid("/families/{family}/consents", _consent(scopes=["everything"]), "scopes.0"),
    "consent on no day": invalid(
        "/families/{family}/consents", {"guardian_relation": "mother", "scopes": ["photos"]}, "given_on"
    ),
    "consent to nothing": refused("/families/{family}/consents", _consent(scopes=[]), "scopes"),
    "withdraw without reason": invalid("/families/{family}/consent-withdrawals", {"scopes": ["photos"]}, "reason"),
    "withdraw nothing": refused("/families/{family}/consent-withdrawals", {"scopes": [], "reason": "x"}, "scopes"),
    "close twice": broken("/families/{closed_family}/closure", {"reason": "x"}, "family_already_closed"),
    "close during a handover": broken("/families/{family}/closure", {"reason": "x"}, "handover_already_open"),
    "close without reason": invalid("/families/{family2}/closure", {}, "reason"),
    "close with oversized reason": invalid("/families/{family2}/closure", {"reason": "长" * 4001}, "reason"),
    "close before enrolment": refused(
        "/families/{family2}/closure", {"reason": "x", "occurred_at": ago(days=200)}, "occurred_at"
    ),
    "reopen an open case": broken("/families/{family2}/reopening", {"reason": "x"}, "family_not_closed"),
    "reopen unknown": broken("/families/{missing}/reopening", {"reason": "x"}, "family_not_found", 404),
    "list by unknown status": listing("/families?status=archived", "status"),
    "list too many": listing("/families?limit=501", "limit"),
    "list after a bad cursor": listing("/families?after=WzFd", "after"),
    "read unknown": lookup("/families/{missing}", "family_not_found"),
    "read a malformed id": lookup("/families/123", "not_found"),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_refused_requests_say_why_and_record_nothing(scene: Scene, case: Rejected) -> None:
    assert_rejected(scene, case)
