"""The authorization matrix: its cases, the status the policy table gives each, and the answers the app gives."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from domain.accounts import AccountRole
from tests.web.access.matrix_requests import REQUESTS, ROSTER_CHANGES
from tests.web.access.scenes import Neighbourhood, Where
from web.access.policy import Action, Scope, scope_of
from web.access.routes import REFINED, ROUTES

API = "/api/v1"
#: The coordinator comes last: the requests it may make change rosters, after every other role has asked.
ROLES = (AccountRole.VOLUNTEER, AccountRole.SOCIAL_WORKER, AccountRole.AUDITOR, AccountRole.COORDINATOR)
EXISTING = frozenset(Where) - {Where.MISSING}
#: What each scope of the policy reaches, among the volunteer's neighbourhood (SELF: their own caseload).
REACH: dict[Scope, frozenset[Where]] = {
    Scope.ALL: EXISTING,
    Scope.OWN: frozenset({Where.OWN, Where.HANDOVER}),
    Scope.ALUMNI: frozenset({Where.OWN, Where.HANDOVER, Where.ALUMNI}),
    Scope.SELF: frozenset({Where.OWN}),
}
#: Scoped by the volunteer in the path rather than by a family.
BY_VOLUNTEER = frozenset({"caseload.VolunteerCaseload"})
#: Reads only the access log: a family that does not exist simply has no readers.
WITHOUT_FAMILY_LOOKUP = frozenset({"access.FamilyReaders"})
FAMILY_NOT_FOUND = {
    "code": 404,
    "status": "Not Found",
    "message": "未找到该家庭 / Family not found",
    "errors": {},
    "error": "family_not_found",
}
VOLUNTEER_NOT_FOUND = {
    **FAMILY_NOT_FOUND,
    "message": "未找到该义工 / Volunteer not found",
    "error": "volunteer_not_found",
}


@dataclass(frozen=True)
class Case:
    """One request of the matrix: who asks, which endpoint, about which family (or volunteer), refined or not."""

    role: AccountRole
    method: str
    endpoint: str
    where: Where | None
    refined_by: str | None = None

    @property
    def action(self) -> Action:
        if self.refined_by is not None:
            return REFINED[(self.endpoint, self.refined_by)]
        return ROUTES[(self.method, self.endpoint)]

    @property
    def request(self) -> tuple[AccountRole, str, str, str | None]:
        return self.role, self.method, self.endpoint, self.refined_by

    def __str__(self) -> str:
        refined = f"?{self.refined_by}" if self.refined_by else ""
        where = f" [{self.where.value}]" if self.where else ""
        return f"{self.role.value:<13} {self.method:<4} {self.endpoint}{refined}{where}"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Outcome:
    case: Case
    expected: int
    answer: Answer
    facts_recorded: int


def expected_status(case: Case, success: int) -> int:
    """What the policy table says this request must get."""
    scope = scope_of(case.role, case.action)
    if scope is None:
        return 403
    if case.where is None or case.where in REACH[scope]:
        return success
    if case.where is Where.MISSING and scope is Scope.ALL and case.endpoint in WITHOUT_FAMILY_LOOKUP:
        return success
    return 404


def documented_statuses(app: Flask) -> dict[tuple[str, str], set[int]]:
    """Each operation's documented answers, from the OpenAPI document."""
    spec = app.test_client().get(f"{API}/openapi.json").get_json()
    found = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) & {"GET", "POST"}:
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation:
                found[(method, rule.endpoint)] = {int(code) for code in operation["responses"]}
    return found


def success_statuses(app: Flask) -> dict[tuple[str, str], int]:
    """Each operation's documented success status."""
    return {key: min(c for c in codes if 200 <= c < 300) for key, codes in documented_statuses(app).items()}


def app_routes(app: Flask, under: str = "/") -> set[tuple[str, str]]:
    """(method, endpoint) of every route the app serves under a path, HEAD and OPTIONS aside."""
    return {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(under)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def cases(app: Flask) -> list[Case]:
    """The whole matrix over the API's routed endpoints, in the order it is asked (the roster changes last)."""
    served = app_routes(app, API)
    found = []
    for role in ROLES:
        for method, endpoint in sorted(ROUTES, key=lambda key: key[1] in ROSTER_CHANGES):
            if (method, endpoint) not in served:
                continue  # a page, or a row without an endpoint (test_the_routes_table_names_only_endpoints_that_exist)
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            refinements = [None, *(p for (e, p) in REFINED if e == endpoint)]
            if "family_id" in rule.arguments:
                places: list[Where | None] = list(Where)
            elif endpoint in BY_VOLUNTEER:
                places = [Where.OWN, Where.OTHER, Where.MISSING]
            else:
                places = [None]
            found += [Case(role, method, endpoint, where, refined) for refined in refinements for where in places]
    return found


def refinement(name: str | None) -> dict[str, str]:
    return {"as_of": datetime.now(tz=UTC).isoformat()} if name == "as_of" else {}


def ask(client: FlaskClient, n: Neighbourhood, case: Case, expected: int) -> tuple[Answer, int]:
    """The answer to one case, and how many facts the request itself recorded (targets prepared beforehand aside)."""
    path, body = REQUESTS[(case.method, case.endpoint)](n, case.where or Where.OWN, 200 <= expected < 300)
    prepared = n.app.log_position()
    url = API + path
    if case.method == "GET":
        response = client.get(url, query_string=refinement(case.refined_by))
    else:
        response = client.post(url, json=body)
    headers = tuple(sorted((k, v) for k, v in response.headers.items() if k != "Date"))
    answer = Answer(response.status_code, response.get_data(), headers)
    return answer, n.app.log_position() - prepared


@dataclass(frozen=True)
class Matrix:
    outcomes: list[Outcome]
    served: set[tuple[str, str]]
    documented: dict[tuple[str, str], set[int]]

    def by_request(self) -> dict[tuple[AccountRole, str, str, str | None], dict[Where | None, Outcome]]:
        grouped: dict[tuple[AccountRole, str, str, str | None], dict[Where | None, Outcome]] = {}
        for outcome in self.outcomes:
            grouped.setdefault(outcome.case.request, {})[outcome.case.where] = outcome
        return grouped

    def leaks(self) -> list[str]:
        """Out-of-scope answers that differ in any way from the answer about a family that does not exist."""
        found = []
        for answers in self.by_request().values():
            missing = answers.get(Where.MISSING)
            for where, outcome in answers.items():
                if missing is None or where in (None, Where.MISSING) or outcome.expected != 404:
                    continue
                if outcome.answer != missing.answer:
                    found.append(f"{outcome.case}: {outcome.answer} != {missing.answer}")
        return found
