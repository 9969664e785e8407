"""Naming a fact of a compartment: to a caller not cleared for it, the fact is not there.

Every route that names an earlier fact — API commands and page forms, by a path parameter or a
body field — is asked by a coordinator and by the family's own volunteer about each fact of the
compartment (concerns, follow-ups, their completions and resolutions, referrals, a visit, a
message, an amendment), in every spelling of its id the schemas accept (canonical, upper case,
without hyphens, braced, ``urn:uuid:``). Each answer must be byte for byte the answer about an id
that names nothing (the spelled id itself aside, which a page may echo), and nothing is recorded.
The ids come from what a cleared reader is shown, never from how ids are made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.summary import REPORT
from tests.web.access.conftest import app_on, browser, open_account, peiban
from tests.web.access.scenes import ago, day
from tests.web.access.test_compartments import API, Compartment, build, found
from web.app import shutdown

SPELLINGS: dict[str, Callable[[str], str]] = {
    "canonical": lambda i: i,
    "upper case": lambda i: i.upper(),
    "no hyphens": lambda i: UUID(i).hex,
    "braced": lambda i: "{" + i + "}",
    "urn": lambda i: UUID(i).urn,
}
UNCLEARED = ("coordinator", "volunteer")
WHEN = ago(hours=1).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
#: what a page's time input showed, sent back changed: the typed time counts (never "now")
TYPED = {"occurred_at": WHEN, "occurred_at__shown": "2000-01-01T00:00"}


@dataclass(frozen=True)
class Probe:
    """One request naming a fact: to the API (JSON) or a page (a form, or no body for GET)."""

    method: str
    path: str
    body: dict[str, Any] | None = None

    @property
    def page(self) -> bool:
        return not self.path.startswith(API)


def probes(family: str, fact: str) -> dict[str, Probe]:
    """Every route that names an earlier fact, naming ``fact`` (as spelled)."""
    on, page = f"{API}/families/{family}", f"/families/{family}"
    follow_up = {"action": "看看", "due_on": str(day(7)), "concern_id": fact}
    referral = {"service_line": "youth_centre", "reason": "看看", "concern_id": fact}
    return {
        "API resolve": Probe("POST", f"{on}/concerns/{fact}/resolution", {"resolution": "看看"}),
        "API complete": Probe("POST", f"{on}/follow-ups/{fact}/done", {}),
        "API follow up": Probe("POST", f"{on}/follow-ups", follow_up),
        "API refer": Probe("POST", f"{on}/referrals", referral),
        "API amend": Probe(
            "POST",
            f"{on}/corrections",
            {"target_event_id": fact, "action": "amend", "reason": "看看", "changes": {"summary": "看看"}},
        ),
        "API retract": Probe(
            "POST", f"{on}/corrections", {"target_event_id": fact, "action": "retract", "reason": "看"}
        ),
        "page resolve (form)": Probe("GET", f"{page}/concerns/{fact}/resolve"),
        "page resolve": Probe("POST", f"{page}/concerns/{fact}/resolve", {"resolution": "看看", **TYPED}),
        "page done (form)": Probe("GET", f"{page}/follow-ups/{fact}/done"),
        "page done": Probe("POST", f"{page}/follow-ups/{fact}/done", {"note": "看看", **TYPED}),
        "page correct (form)": Probe("GET", f"{page}/entries/{fact}/correct"),
        "page retract": Probe(
            "POST", f"{page}/entries/{fact}/correct", {"correction": "retract", "correction_reason": "看看"}
        ),
        "page amend": Probe(
            "POST",
            f"{page}/entries/{fact}/correct",
            {"correction": "amend", "correction_reason": "看看", "summary": "看看"},
        ),
        "page follow up": Probe("POST", f"{page}/follow-ups/new", {**follow_up, **TYPED}),
        "page refer": Probe("POST", f"{page}/referrals/new", {**referral, **TYPED}),
    }


@dataclass
class Callers:
    """One reader, through the API (a token) and through pages (a signed-in browser and its CSRF token)."""

    api: FlaskClient
    pages: FlaskClient
    csrf: str

    def ask(self, probe: Probe) -> TestResponse:
        if probe.page:
            if probe.method == "GET":
                return self.pages.get(probe.path)
            return self.pages.post(probe.path, data={**(probe.body or {}), "csrf_token": self.csrf})
        return self.api.post(probe.path, json=probe.body)


def callers(c: Compartment, role: str) -> Callers:
    user = open_account(c.app, f"pages-{role}", role, volunteer_id=c.volunteer if role == "volunteer" else None)
    pages, csrf = browser(c.app, user)
    return Callers(c.as_(role), pages, csrf)


FORM_TOKEN = re.compile(rb'name="form_token" value="[A-Za-z0-9_-]*"')


def answer(response: TestResponse, spelled: str) -> tuple[int, bytes, list[tuple[str, str]]]:
    """All a caller can tell from an answer (the date aside), the id they spelled replaced by a mark; a form
    shown again carries a fresh one-time token (random whatever was named), which is marked too."""
    body, headers = response.get_data(), sorted((k, v) for k, v in response.headers.items() if k != "Date")
    body = FORM_TOKEN.sub(b'name="form_token" value="<a token>"', body)
    for echoed in {spelled, quote(spelled), quote(spelled, safe="")}:  # as typed, or in an address
        body = body.replace(echoed.encode(), b"<the id>")
        headers = [(k, v.replace(echoed, "<the id>")) for k, v in headers]
    return response.status_code, body, headers


def hidden_facts(c: Compartment) -> dict[str, str]:
    """The compartment's facts, by kind, as a cleared reader (the social worker) sees them: entries and corrections."""
    timeline = c.as_("social_worker").get(f"{API}/families/{c.family}/timeline", query_string={"limit": "500"})
    entries = [e for e in timeline.get_json()["entries"] if e["sensitive"]]
    facts = {f"{e['kind']} {e['event_id'][:8]}": e["event_id"] for e in entries}
    facts |= {f"correction {x['event_id'][:8]}": x["event_id"] for e in entries for x in e["corrections"]}
    return facts


@pytest.fixture(scope="module")
def compartment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compartment]:
    app = app_on(Path(tmp_path_factory.mktemp("named")) / "data")
    yield build(app)
    shutdown(app)


def differences(c: Compartment, who: Callers, facts: dict[str, str]) -> tuple[list[str], int]:
    """Where asking about a hidden fact answers differently from asking about nothing; and how many were asked."""
    differing, asked = [], 0
    for spelling, spell in SPELLINGS.items():
        nothing = str(uuid4())
        expected = {what: answer(who.ask(p), spell(nothing)) for what, p in probes(c.family, spell(nothing)).items()}
        for kind, fact in facts.items():
            for what, probe in probes(c.family, spell(fact)).items():
                asked += 1
                if answer(who.ask(probe), spell(fact)) != expected[what]:
                    differing.append(f"{what}, {kind} spelled {spelling}")
    return differing, asked


@pytest.mark.parametrize("role", UNCLEARED)
def test_a_hidden_fact_answers_every_route_in_every_spelling_as_a_fact_that_does_not_exist(
    compartment: Compartment, role: str
) -> None:
    # given the facts of the compartment, as the social worker sees them
    c = compartment
    facts = hidden_facts(c)
    kinds = {k.split()[0] for k in facts}
    assert kinds >= {"concern_raised", "concern_resolved", "follow_up_scheduled", "follow_up_done", "referral"}
    assert kinds >= {"visit", "message", "correction"}
    who, before = callers(c, role), peiban(c.app).log_position()

    # when a reader not cleared names each of them, in every spelling, on every route that names a fact
    differing, asked = differences(c, who, facts)

    # then every answer is the one about nothing, nothing is recorded, and the compartment stays out of their reads
    REPORT.append(f"named facts ({role}): {asked} probes of hidden facts, {len(differing)} told apart")
    assert differing == []
    assert peiban(c.app).log_position() == before
    timeline = who.api.get(f"{API}/families/{c.family}/timeline", query_string={"limit": "500"})
    assert timeline.status_code == 200 and found(c, {"timeline": timeline}) == []


def visible_facts(c: Compartment) -> dict[str, str]:
    """The everyday record's concern and visit, as the coordinator sees them."""
    timeline = c.as_("coordinator").get(f"{API}/families/{c.family}/timeline", query_string={"limit": "500"})
    entries = timeline.get_json()["entries"]
    return {kind: next(e["event_id"] for e in entries if e["kind"] == kind) for kind in ("concern_raised", "visit")}


def test_every_spelling_names_the_fact_for_whoever_may_see_it(web: Flask) -> None:
    # given the compartment, and the everyday record the coordinator sees
    c = build(web)
    coordinator, worker = callers(c, "coordinator"), callers(c, "social_worker")
    visible = visible_facts(c)
    statuses: dict[tuple[str, str], int] = {}

    # when, in every spelling, the coordinator refers for the concern they see (by the API and by the page) and
    # amends the visit they see, and the social worker refers for the compartment's open concern
    for spelling, spell in SPELLINGS.items():
        concern, seen_visit, open_concern = (
            spell(visible["concern_raised"]),
            spell(visible["visit"]),
            spell(c.open_concern),
        )
        asked = {
            "coordinator API refer": (coordinator, probes(c.family, concern)["API refer"]),
            "coordinator page refer": (coordinator, probes(c.family, concern)["page refer"]),
            "coordinator API amend": (coordinator, probes(c.family, seen_visit)["API amend"]),
            "social worker API refer": (worker, probes(c.family, open_concern)["API refer"]),
        }
        statuses |= {(what, spelling): who.ask(probe).status_code for what, (who, probe) in asked.items()}

    # then each is recorded: the spellings are one id, and the harness above tells a fact from nothing
    expected = {"coordinator page refer": 303}
    assert statuses == {(what, spelling): expected.get(what, 201) for what, spelling in statuses}
