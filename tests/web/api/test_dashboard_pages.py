"""The dashboard through the API: the first page of each list, how many each holds, the address of the rest;
each list paged on its own with ``limit`` and ``after``; bad paging parameters refused field by field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import local_today
from tests.web.api.conftest import app_in, log_position, post, signed_in
from tests.web.api.scenes import assign, family, plan_handover, visit, volunteer

LISTS = ("families", "uncovered", "cliff", "quiet", "in_progress", "without_joint_visit")


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """Seven families whose lead's cohort ends in 20 days (five led by 老义工, two by another), three of them with
    a handover planned; four families without a lead; two visited a week ago, the others quiet. One programme for
    the module: its tests only read it."""
    with app_in(tmp_path_factory.mktemp("programme")) as app:
        yield _programme(signed_in(app, "coordinator"))


def _programme(client: FlaskClient) -> FlaskClient:
    ending = post(
        client, "/cohorts", {"name": "2023级", "starts_on": str(local_today(-500)), "ends_on": str(local_today(20))}
    )
    staying = post(
        client, "/cohorts", {"name": "2025级", "starts_on": str(local_today(-100)), "ends_on": str(local_today(400))}
    )
    old, other = volunteer(client, ending["id"], "老义工"), volunteer(client, ending["id"], "另一位")
    new = volunteer(client, staying["id"], "新义工")
    for n, name in enumerate(["王家", "汪家", "李家", "黎家", "林家", "张家", "章家"]):
        fid = family(client, name)
        assign(client, fid, old if n < 5 else other)
        if n in (1, 3, 6):
            plan_handover(client, fid, old if n < 5 else other, new)
        if n < 2:
            visit(client, fid, old, days_ago=7)
    for name in ("赵家", "吴家", "周家", "郑家"):
        family(client, name)
    return client


def get(client: FlaskClient, path: str, **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1{path}", query_string=query)
    assert response.status_code == 200, response.get_json()
    found: dict[str, Any] = response.get_json()
    return found


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r.get("handover_id") if "step" in r or "completed_at" in r else r["family_id"] for r in rows]


def every_row(client: FlaskClient, address: str | None) -> list[dict[str, Any]]:
    """The rows of a list from the page at ``address`` on, following each page's ``next``."""
    rows: list[dict[str, Any]] = []
    while address:
        response = client.get(address)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        rows += page["items"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(address).query).items()}
        assert len(page["items"]) <= int(query["limit"])
        address = (
            f"{urlsplit(address).path}?{'&'.join(f'{k}={v}' for k, v in {**query, 'after': page['next']}.items())}"
            if page["next"]
            else None
        )
    return rows


def test_the_dashboard_shows_a_first_page_of_each_list_and_where_the_rest_are(programme: FlaskClient) -> None:
    whole = get(programme, "/dashboard/continuity", limit=500)
    # when the dashboard is asked for two rows of each list
    board = get(programme, "/dashboard/continuity", limit=2)
    # then each list shows its first two rows, says how many it holds, and links to the rest
    assert board["totals"] == {name: len(whole[name]) for name in LISTS}
    assert (board["totals"]["families"], board["totals"]["cliff"], board["totals"]["uncovered"]) == (11, 4, 4)
    assert board["totals"]["in_progress"] == board["in_progress_total"] == 3
    for name in LISTS:
        assert board[name] == whole[name][:2]
        if board["totals"][name] > 2:
            # and following the link, page after page, gives the rest of the list, each row once, in its order
            rest = every_row(programme, board["more"][name])
            assert ids(board[name] + rest) == ids(whole[name])
        else:
            assert board["more"][name] is None
    # the cliff: soonest end first, then by name in pinyin order (李 li3 before 林 lin2 before 章 zhang1)
    assert [r["display_name"] for r in whole["cliff"]] == ["李家", "林家", "王家", "张家"]
    assert [r["display_name"] for r in whole["families"]][:4] == ["黎家", "李家", "林家", "汪家"]


@pytest.mark.parametrize("name", LISTS)
def test_each_list_pages_through_every_row_exactly_once(programme: FlaskClient, name: str) -> None:
    whole = get(programme, "/dashboard/continuity", limit=500, quiet_days=5)[name]
    # when the list is read one row at a time
    rows = every_row(programme, f"/api/v1/dashboard/continuity/{name}?limit=1&quiet_days=5")
    first = get(programme, f"/dashboard/continuity/{name}", limit=1, quiet_days=5)
    # then it holds every row of the dashboard's list, in the same order, and each page says how many in all
    assert ids(rows) == ids(whole) and len(set(ids(rows))) == len(rows)
    assert (first["list"], first["total"]) == (name, len(whole))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
        ({"limit": "两"}, "query.limit"),
        ({"after": "not-a-cursor"}, "query.after"),
        ({"after": "eyJhIjoxfQ.0123456789abcdef01234567"}, "query.after"),
        ({"limit": 10, "cliff_days": -1}, "query.cliff_days"),
    ],
)
def test_bad_paging_parameters_are_refused_field_by_field(
    programme: FlaskClient, query: dict[str, Any], field: str
) -> None:
    before = log_position(programme)
    for path in ("/dashboard/continuity/cliff", "/dashboard/continuity/in_progress"):
        response = programme.get(f"/api/v1{path}", query_string=query)
        assert response.status_code == 422, response.get_json()
        errors = response.get_json()["errors"]
        assert set(errors) == {field}
        assert all(" / " in message for message in errors[field]), errors  # 中文 / English
    if "after" not in query:
        assert set(programme.get("/api/v1/dashboard/continuity", query_string=query).get_json()["errors"]) == {field}
    assert log_position(programme) == before


def test_a_cursor_of_one_list_does_not_page_another(programme: FlaskClient) -> None:
    board = get(programme, "/dashboard/continuity", limit=1)
    families_cursor = parse_qs(urlsplit(board["more"]["families"]).query)["after"][0]
    # a position among all families (name, id) is no position on the cliff (cohort end, name, id)
    response = programme.get("/api/v1/dashboard/continuity/cliff", query_string={"after": families_cursor})
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"query.after"}
    assert programme.get("/api/v1/dashboard/continuity/everyone").status_code == 404


def test_a_cursor_is_good_for_its_own_list_only_even_where_positions_have_the_same_shape(
    programme: FlaskClient,
) -> None:
    # Every list's cursor taken to every other paged list: refused by name, though several lists' positions are the
    # same shape (all families and the uncovered ones: name, id; the families' and the volunteers' directories).
    board = get(programme, "/dashboard/continuity", limit=1)
    cursors = {name: parse_qs(urlsplit(board["more"][name]).query)["after"][0] for name in LISTS if board["more"][name]}
    cursors["/families"] = get(programme, "/families", limit=1)["next"]
    cursors["/volunteers"] = get(programme, "/volunteers", limit=1)["next"]
    assert set(cursors) >= {"families", "uncovered", "/families", "/volunteers"}, set(cursors)
    paths = {name: f"/dashboard/continuity/{name}" for name in LISTS} | {p: p for p in ("/families", "/volunteers")}
    before = log_position(programme)
    for owner, cursor in cursors.items():
        assert programme.get(f"/api/v1{paths[owner]}", query_string={"after": cursor}).status_code == 200, owner
        for other, path in paths.items():
            if other != owner:
                response = programme.get(f"/api/v1{path}", query_string={"after": cursor})
                assert response.status_code == 422, (owner, other, response.get_json())
                assert response.get_json()["errors"] == {"query.after": ["游标无效 / invalid cursor"]}
    assert log_position(programme) == before


def test_the_paged_lists_are_in_the_openapi_document(api_app: Flask, client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    family_list = paths["/api/v1/dashboard/continuity/{family_list}"]
    parameters = {p["name"]: p for p in family_list["parameters"] + family_list["get"]["parameters"]}
    assert parameters["family_list"]["schema"]["enum"] == ["families", "uncovered", "cliff", "quiet"]
    assert {"limit", "after", "cliff_days", "quiet_days"} <= set(parameters)
    for path in ("in_progress", "without_joint_visit"):
        assert "422" in paths[f"/api/v1/dashboard/continuity/{path}"]["get"]["responses"]
    dashboard = paths["/api/v1/dashboard/continuity"]["get"]
    assert "limit" in {p["name"] for p in dashboard["parameters"]}
