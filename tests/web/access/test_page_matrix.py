"""The pages under the same policy as the API: every role × every routed page (and form), generated
from ``ROUTES`` and ``POLICY``.

- A role the policy refuses the page's action gets 403, for showing a form and for sending it, and
  nothing is recorded.
- A volunteer asking about a family outside their scope gets the page a family that does not exist
  gets (404, byte for byte).
- A role the policy allows is never refused (never 401/403; never a server error).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.accounts import AccountRole
from domain.actor import Actor
from tests.builders import visit
from tests.web.access.conftest import app_on, peiban
from tests.web.access.scenes import MISSING, Neighbourhood, Where, neighbourhood
from tests.web.ui.conftest import browser, open_account
from web.access.policy import Scope, scope_of
from web.access.routes import ROUTES
from web.app import shutdown

ROLES = list(AccountRole)


def page_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(method, endpoint, rule) of every routed page (not the API)."""
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if not rule.rule.startswith("/api/")}
    return sorted((method, endpoint, rules[endpoint]) for (method, endpoint) in ROUTES if endpoint in rules)


def filled(rule: str, n: Neighbourhood, where: Where) -> str:
    """The rule's address about the family ``where`` names, with ids of that family's own records."""
    family = n.families.get(where, MISSING)
    values = {
        "family_id": family,
        "handover_id": n.handovers.get(where, MISSING),
        "concern_id": n.concerns.get(where, MISSING),
        "follow_up_id": n.follow_ups.get(where, MISSING),
        "event_id": n.visits.get(where, MISSING),
        "volunteer_id": n.present.get(where, n.volunteer),
        "user_name": "volunteer",
        "list_name": "cliff",
    }
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values.get(m.group(1), MISSING)), rule)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Flask, Neighbourhood, dict[AccountRole, FlaskClient]]]:
    app = app_on(Path(tmp_path_factory.mktemp("pages")) / "data")
    try:
        n = neighbourhood(peiban(app))
        # the entry offered for correction is the volunteer's own: a volunteer corrects only what they recorded
        mine = n.app.log_visit(
            UUID(str(n.families[Where.OWN])),
            volunteer_ids=[UUID(str(n.present[Where.OWN]))],
            recorded_by=Actor("page-volunteer"),
            **visit(),
        )
        n.visits[Where.OWN] = str(mine)
        clients = {}
        for role in ROLES:
            name = f"page-{role.value}"
            open_account(app, name, role.value, n.volunteer if role is AccountRole.VOLUNTEER else None)
            clients[role] = browser(app, name)
        yield app, n, clients
    finally:
        shutdown(app)


def csrf_of(client: FlaskClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert found, "the home page carries the session's CSRF token (the sign-out form)"
    return found.group(1)


def test_every_page_answers_each_role_as_the_policy_says(site: Any) -> None:
    app, n, clients = site
    routes = page_routes(app)
    assert len(routes) >= 30, routes  # the family page, its forms, the lists, the audit and report pages
    checked = 0
    for method, endpoint, rule in routes:
        action = ROUTES[(method, endpoint)]
        places = [Where.OWN, Where.OTHER] if "<uuid:family_id>" in rule else [None]
        for role in ROLES:
            scope = scope_of(role, action)
            client = clients[role]
            for where in places:
                url = filled(rule, n, where or Where.OWN)
                position = n.app.log_position()
                if method == "GET":
                    status = client.get(url).status_code
                else:
                    status = client.post(url, data={"csrf_token": csrf_of(client)}).status_code
                checked += 1
                label = f"{role.value} {method} {url} ({endpoint}, {action.value})"
                if scope is None:
                    assert status == 403, label
                    assert n.app.log_position() == position, f"{label} recorded something"
                elif scope is not Scope.ALL and where is Where.OTHER:
                    assert status == 404, label
                    assert n.app.log_position() == position, f"{label} recorded something"
                else:
                    assert status not in (401, 403) and status < 500, f"{label}: {status}"
                    if method == "POST":  # an empty form records nothing
                        assert n.app.log_position() == position, f"{label} recorded something"
    print(f"page matrix: {checked} cases")


def test_a_family_out_of_scope_answers_exactly_like_a_missing_one(site: Any) -> None:
    app, n, clients = site
    volunteer = clients[AccountRole.VOLUNTEER]
    for method, endpoint, rule in page_routes(app):
        if (
            method != "GET"
            or "<uuid:family_id>" not in rule
            or scope_of(AccountRole.VOLUNTEER, ROUTES[(method, endpoint)]) is None
        ):
            continue
        other, missing = volunteer.get(filled(rule, n, Where.OTHER)), volunteer.get(filled(rule, n, Where.MISSING))
        # the same page, but for the address itself (which the language switch carries along)
        assert (other.status_code, unaddressed(other.get_data(as_text=True))) == (
            missing.status_code,
            unaddressed(missing.get_data(as_text=True)),
        ), endpoint


def unaddressed(page: str) -> str:
    return re.sub(r"next=[^\"]*", "next=…", page)
