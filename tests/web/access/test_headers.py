"""Security headers: a Content-Security-Policy without inline script, no framing, no sniffing, no referrer,
and family data never stored in a cache."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.web.access.conftest import app_on, peiban
from tests.web.access.scenes import Neighbourhood, Where, neighbourhood
from tests.web.api.conftest import signed_in
from web.app import shutdown

API = "/api/v1"
SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Neighbourhood]]:
    app = app_on(Path(tmp_path_factory.mktemp("headers")) / "data")
    yield app, neighbourhood(peiban(app))
    shutdown(app)


def policy(response: TestResponse) -> dict[str, list[str]]:
    """The Content-Security-Policy, directive by directive."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def family_data(app: Flask, n: Neighbourhood) -> dict[str, TestResponse]:
    """Every kind of answer that carries family data, each read by a role that may read it."""
    family = n.families[Where.OWN]
    auditor, volunteer = signed_in(app, "auditor"), signed_in(app, "volunteer", n.volunteer)
    return {
        "profile": volunteer.get(f"{API}/families/{family}"),
        "timeline": volunteer.get(f"{API}/families/{family}/timeline"),
        "briefing": volunteer.get(f"{API}/families/{family}/briefing"),
        "families": volunteer.get(f"{API}/families"),
        "caseload": volunteer.get(f"{API}/volunteers/{n.volunteer}/caseload"),
        "raw facts": auditor.get(f"{API}/families/{family}/events"),
        "as-of replay": auditor.get(f"{API}/families/{family}/timeline", query_string={"as_of": "2030-01-01T00:00Z"}),
        "readers": auditor.get(f"{API}/families/{family}/readers"),
        "dashboard": auditor.get(f"{API}/dashboard/continuity"),
        "report": auditor.get(f"{API}/reports/cohorts", query_string={"format": "csv"}),
        "refused": volunteer.get(f"{API}/families/{n.families[Where.OTHER]}"),
    }


def answers(app: Flask, n: Neighbourhood) -> dict[str, TestResponse]:
    """Family data, refusals, the pages, health, and the API document."""
    anonymous = app.test_client()
    return {
        **family_data(app, n),
        "unauthenticated": anonymous.get(f"{API}/families"),
        "forbidden": signed_in(app, "volunteer", n.volunteer).get(f"{API}/dashboard/continuity"),
        "front page": anonymous.get("/", follow_redirects=True),
        "health": anonymous.get("/healthz"),
        "openapi": anonymous.get(f"{API}/openapi.json"),
    }


def test_family_data_is_never_stored_in_a_cache(site: tuple[Flask, Neighbourhood]) -> None:
    reads = family_data(*site)

    assert {label: r.status_code for label, r in reads.items() if r.status_code >= 300} == {"refused": 404}
    assert {label: r.headers.get("Cache-Control") for label, r in reads.items()} == dict.fromkeys(reads, "no-store")


def test_no_page_or_answer_may_run_inline_script_or_be_framed(site: tuple[Flask, Neighbourhood]) -> None:
    for label, response in answers(*site).items():
        directives = policy(response)

        assert directives, f"{label}: no Content-Security-Policy"
        assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
        assert directives["frame-ancestors"] == ["'none'"], label
        assert "*" not in directives["default-src"], label


def test_every_answer_says_nosniff_and_sends_no_referrer(site: tuple[Flask, Neighbourhood]) -> None:
    found = answers(*site)

    assert {label: r.headers.get("X-Content-Type-Options") for label, r in found.items()} == dict.fromkeys(
        found, "nosniff"
    )
    assert {
        label for label, r in found.items() if r.headers.get("Referrer-Policy") not in SAFE_REFERRER_POLICIES
    } == set()


def test_pages_hold_no_inline_script_for_the_policy_to_block(site: tuple[Flask, Neighbourhood]) -> None:
    app, _ = site

    page = app.test_client().get("/", follow_redirects=True)

    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert [s for s in scripts if "src=" not in s] == []
    assert not re.search(r"\son[a-z]+\s*=", html), "no inline event handlers either"
    assert page.headers["Cache-Control"] == "no-store"


def test_only_the_api_documentation_page_may_run_its_inline_starter_script(site: tuple[Flask, Neighbourhood]) -> None:
    app, _ = site

    docs = app.test_client().get(f"{API}/docs")

    directives = policy(docs)
    assert docs.status_code == 200 and "'unsafe-inline'" in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"] and docs.headers["X-Content-Type-Options"] == "nosniff"


def test_static_assets_may_be_cached_but_are_still_nosniff(site: tuple[Flask, Neighbourhood]) -> None:
    app, _ = site
    client = app.test_client()

    assets = [client.get(f"{API}/docs/assets/swagger-ui.css"), client.get(f"{API}/docs/assets/swagger-ui-bundle.js")]

    assert [a.status_code for a in assets] == [200, 200]
    assert all(a.headers.get("Cache-Control") != "no-store" for a in assets)
    assert all(a.headers["X-Content-Type-Options"] == "nosniff" for a in assets)
    for asset in assets:
        asset.close()
