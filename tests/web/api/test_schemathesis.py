"""schemathesis against the generated OpenAPI document, in-process through the WSGI app.

Every operation gets requests generated from its own documentation: valid ones aimed at
a real family, volunteer, cohort, handover, concern and follow-up; invalid ones (negative
generation); and valid ones with made-up ids. At least ``PEIBAN_SCHEMATHESIS_EXAMPLES``
requests (default 1,000) are sent in all. No answer may be a server error, and every answer
must be documented: its status code, its content type, its headers and its body's schema.
Failures are collected rather than raised at once, so one run reports every operation's.
"""

from __future__ import annotations

import math
import os
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain import Actor, Peiban
from tests.builders import family_profile, visit
from tests.web.api.conftest import token_for

EXAMPLES = int(os.environ.get("PEIBAN_SCHEMATHESIS_EXAMPLES", "1000"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
#: How each operation's share of requests is split: (generation mode, aimed at real ids?, share).
MIXES = (
    (GenerationMode.POSITIVE, True, 0.5),
    (GenerationMode.NEGATIVE, True, 0.3),
    (GenerationMode.POSITIVE, False, 0.2),
)


@dataclass
class Outcomes:
    sent: int = 0
    statuses: dict[str, set[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _real_ids(app: Peiban) -> dict[str, str]:
    """A scene to aim requests at: ids of a cohort, two volunteers, a family, a handover, a concern, a follow-up."""
    started = datetime.now(tz=UTC) - timedelta(days=30)
    today = started.date() + timedelta(days=30)
    cohort = app.open_cohort(
        name="2025级",
        intake_on=today - timedelta(days=300),
        expected_end_on=today + timedelta(days=100),
        recorded_by=Actor("c"),
    )
    lead, newcomer = (
        app.register_volunteer(
            cohort_id=cohort, name=name, contact="wechat:x", recorded_by=Actor("c"), occurred_at=started
        )
        for name in ("王义工", "李义工")
    )
    for volunteer in (lead, newcomer):
        app.activate_volunteer(volunteer, recorded_by=Actor("c"), occurred_at=started)
    family = app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile())
    app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=started)
    app.log_visit(
        family, volunteer_ids=[lead], recorded_by=Actor("c"), occurred_at=started + timedelta(days=1), **visit()
    )
    handover = app.plan_handover(
        family, outgoing_volunteer_id=lead, incoming_volunteer_id=newcomer, planned_on=today, recorded_by=Actor("c")
    )
    concern = app.raise_concern(family, category="education", level="low", summary="数学跟不上", recorded_by=Actor("c"))
    follow_up = app.schedule_follow_up(
        family, action="找老师谈谈", due_on=today + timedelta(days=7), recorded_by=Actor("c")
    )
    ids = {
        "cohort_id": cohort,
        "volunteer_id": lead,
        "family_id": family,
        "handover_id": handover,
        "concern_id": concern,
        "follow_up_id": follow_up,
    }
    found = {name: str(value) for name, value in ids.items()}
    # Erasure is for good: it is aimed at a family of its own, so that the rest keep a family to answer about.
    found[ERASABLE] = str(
        app.enrol_family(recorded_by=Actor("c"), occurred_at=started, **family_profile(display_name="待删"))
    )
    return found


#: The id of the family the erasure requests are aimed at.
ERASABLE = "erasable_family_id"


#: Bearer tokens per HTTP method: reads as an auditor (who may read everything), writes as a coordinator.
TOKENS: dict[str, str] = {}


def _exercise(strategy: st.SearchStrategy[Any], budget: int, outcomes: Outcomes) -> int:
    """Send up to ``budget`` generated requests; returns how many were sent (fewer when the space is small)."""
    before = outcomes.sent

    @settings(
        max_examples=budget,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        outcomes.sent += 1
        label = case.operation.label
        try:
            token = TOKENS["GET" if case.method.upper() == "GET" else "POST"]
            response = case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"})
        except (FailureGroup, Exception) as error:  # failed checks, or an exception the app let through
            outcomes.failures.append(f"{label}: {type(error).__name__}: {str(error)[:1500]}")
            return
        outcomes.statuses.setdefault(label, set()).add(response.status_code)

    with suppress(Unsatisfiable):  # nothing in this operation can be made invalid (no body, no query, fixed path)
        send()
    return outcomes.sent - before


def test_every_operation_answers_as_documented_and_never_with_a_server_error(api_app: Flask) -> None:
    ids = _real_ids(api_app.extensions["peiban"])
    TOKENS.update(GET=token_for(api_app, "auditor"), POST=token_for(api_app, "coordinator"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    plan = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document itself is broken
        operation = result.ok()
        aimed = {name: value for name, value in ids.items() if f"{{{name}}}" in operation.path}
        if operation.path.endswith("/erasure"):
            aimed["family_id"] = ids[ERASABLE]
        for mode, real, part in MIXES:
            plan.append((operation.as_strategy(generation_mode=mode, path_parameters=aimed if real else None), part))
    outcomes = Outcomes()

    # Operations with little to vary (a GET without parameters) give fewer requests than asked for;
    # the rest of the budget goes, round by round, to the strategies that still had room.
    share = EXAMPLES / (len(plan) / len(MIXES))
    for _ in range(5):
        roomy = []
        for strategy, part in plan:
            budget = max(1, math.ceil(share * part))
            if _exercise(strategy, budget, outcomes) >= budget:
                roomy.append((strategy, part))
        if outcomes.sent >= EXAMPLES or not roomy:
            break
        plan, share = roomy, (EXAMPLES - outcomes.sent) / sum(part for _, part in roomy)

    report = "\n\n".join(outcomes.failures[:30])
    assert not outcomes.failures, f"{len(outcomes.failures)} answers broke the contract:\n\n{report}"
    assert outcomes.sent >= EXAMPLES, f"only {outcomes.sent} requests generated"
    print(f"{outcomes.sent} requests;", {label: sorted(codes) for label, codes in sorted(outcomes.statuses.items())})
