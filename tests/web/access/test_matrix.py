"""The authorization matrix, generated from the policy table and the routes table.

Every role × every endpoint of ``web.access.routes.ROUTES`` × (each family in and out of the
signed-in volunteer's scope, and one that does not exist) is asked once, on one store; the
status each answer must have is derived from ``POLICY`` alone:

- 403 when the role may not take the endpoint's action at all;
- 404 when the family (or, for a caseload, the volunteer) is outside the role's scope or does not exist;
- otherwise the endpoint's documented success status (every request is built to succeed).

An out-of-scope answer must be byte for byte the answer about a family that does not exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from domain.accounts import AccountRole
from tests.summary import REPORT
from tests.web.access.conftest import app_on, peiban
from tests.web.access.matrix import (
    API,
    BY_VOLUNTEER,
    FAMILY_NOT_FOUND,
    ROLES,
    VOLUNTEER_NOT_FOUND,
    Matrix,
    Outcome,
    app_routes,
    ask,
    cases,
    documented_statuses,
    expected_status,
    success_statuses,
)
from tests.web.access.matrix_requests import REQUESTS
from tests.web.access.scenes import MISSING, Where, neighbourhood
from tests.web.api.conftest import signed_in
from web.access.routes import PUBLIC, ROUTES
from web.app import shutdown


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    app = app_on(Path(tmp_path_factory.mktemp("matrix")) / "data")
    try:
        n = neighbourhood(peiban(app))
        clients = {
            role: signed_in(app, role.value, n.volunteer if role is AccountRole.VOLUNTEER else None) for role in ROLES
        }
        success = success_statuses(app)
        outcomes = []
        for case in cases(app):
            expected = expected_status(case, success[(case.method, case.endpoint)])
            answer, recorded = ask(clients[case.role], n, case, expected)
            outcomes.append(Outcome(case, expected, answer, recorded))
        yield Matrix(outcomes, app_routes(app, API), documented_statuses(app))
    finally:
        shutdown(app)


def test_the_matrix_asks_every_role_every_routed_endpoint_about_every_kind_of_family(matrix: Matrix) -> None:
    asked = {(o.case.method, o.case.endpoint) for o in matrix.outcomes}
    roles = {o.case.role for o in matrix.outcomes}
    routed = set(ROUTES) & matrix.served

    REPORT.append(f"authorization matrix: {len(matrix.outcomes)} cases, {len(matrix.leaks())} leaks")

    assert asked == routed == set(REQUESTS) and roles == set(AccountRole)
    assert len(matrix.outcomes) >= 500
    family_scoped = {o.case.where for o in matrix.outcomes if o.case.endpoint == "timeline.FamilyTimeline"}
    assert family_scoped == set(Where)
    assert {o.expected for o in matrix.outcomes} >= {200, 201, 403, 404}


def test_every_role_gets_the_status_the_policy_table_decides(matrix: Matrix) -> None:
    wrong = [
        f"{o.case}: expected {o.expected}, got {o.answer.status} {o.answer.body[:160]!r}"
        for o in matrix.outcomes
        if o.answer.status != o.expected
    ]

    assert wrong == [], "\n" + "\n".join(wrong)


def test_out_of_scope_answers_are_byte_identical_to_answers_about_a_family_that_does_not_exist(
    matrix: Matrix,
) -> None:
    out_of_scope = [o for o in matrix.outcomes if o.expected == 404 and o.case.where not in (None, Where.MISSING)]

    leaks = matrix.leaks()

    assert len(out_of_scope) >= 15, "the volunteer is refused about ALUMNI and OTHER families, and others' caseloads"
    assert leaks == [], "\n" + "\n".join(leaks)


def test_every_not_found_answer_is_the_one_shape_whoever_asks(matrix: Matrix) -> None:
    not_found = [o for o in matrix.outcomes if o.expected == 404]

    shapes = {
        json.dumps(o.answer.json(), sort_keys=True, ensure_ascii=False)
        for o in not_found
        if o.case.endpoint not in BY_VOLUNTEER
    }
    volunteer_shapes = {
        json.dumps(o.answer.json(), sort_keys=True, ensure_ascii=False)
        for o in not_found
        if o.case.endpoint in BY_VOLUNTEER
    }

    assert shapes == {json.dumps(FAMILY_NOT_FOUND, sort_keys=True, ensure_ascii=False)}
    assert volunteer_shapes == {json.dumps(VOLUNTEER_NOT_FOUND, sort_keys=True, ensure_ascii=False)}


def test_refused_requests_record_nothing(matrix: Matrix) -> None:
    refused = [o for o in matrix.outcomes if o.expected in (403, 404)]

    recorded = [str(o.case) for o in refused if o.facts_recorded]

    assert refused and recorded == []


def test_every_answer_the_matrix_saw_is_documented_in_the_openapi_document(matrix: Matrix) -> None:
    undocumented = {
        (o.case.method, o.case.endpoint, o.answer.status)
        for o in matrix.outcomes
        if o.answer.status not in matrix.documented[(o.case.method, o.case.endpoint)]
    }

    assert undocumented == set()


def test_every_api_route_is_public_or_in_the_routes_table(tmp_path: Path) -> None:
    app = app_on(tmp_path / "data")
    api_routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    shutdown(app)

    open_by_omission = sorted(r for r in api_routes if r[1] not in PUBLIC and r not in ROUTES)

    assert open_by_omission == []


def test_the_routes_table_names_only_endpoints_that_exist(tmp_path: Path) -> None:
    app = app_on(tmp_path / "data")
    served = app_routes(app)
    shutdown(app)

    assert sorted(set(ROUTES) - served) == []


def concrete(rule_path: str) -> str:
    """A rule's path with every variable filled in (a UUID, the first of the values it may take, or a name)."""
    rule_path = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m[1].strip(), rule_path)
    return re.sub(r"<(?:(uuid|string|path):)?([^<>]+)>", lambda m: MISSING if m[1] == "uuid" else "someone", rule_path)


def non_public_requests(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (method, concrete(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and rule.endpoint not in PUBLIC
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    )


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"HTTP_AUTHORIZATION": f"Bearer pb_{'0' * 32}_000000000000_forged"}, id="forged-token"),
        pytest.param({"HTTP_AUTHORIZATION": "Bearer not-a-token"}, id="malformed-token"),
        pytest.param({"HTTP_COOKIE": "peiban_session=forged-session-id"}, id="forged-cookie"),
    ],
)
def test_requests_without_valid_credentials_to_every_non_public_endpoint_get_401(
    credentials: dict[str, str], tmp_path: Path
) -> None:
    app = app_on(tmp_path / "data")
    client = app.test_client()
    client.environ_base.update(credentials)
    before = peiban(app).log_position()

    answers = {
        (method, path): client.open(path, method=method, json={} if method == "POST" else None)
        for method, path in non_public_requests(app)
    }

    not_401 = {request: a.status_code for request, a in answers.items() if a.status_code != 401}
    assert len(answers) >= 41 and not_401 == {}
    assert {a.get_json()["error"] for a in answers.values()} == {"unauthenticated"}
    assert peiban(app).log_position() == before
    shutdown(app)
