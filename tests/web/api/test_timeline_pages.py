"""Timeline pages through the API: a reader not cleared for a compartment cannot tell from pages, ``next`` or
cursors that its facts exist, wherever they fall in time; bad paging is refused on its parameter, and recorded
nowhere (not in the case log, not in the read audit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from domain import Actor, Peiban
from tests.builders import family_profile, visit
from tests.web.api.conftest import signed_in

NOW = datetime(2025, 6, 15, 4, tzinfo=UTC)
START = NOW - timedelta(days=60)


def peiban(app: Flask) -> Peiban:
    found = app.extensions["peiban"]
    assert isinstance(found, Peiban)
    return found


def positions(app: Flask) -> tuple[int, int]:
    """Where the case log and the read audit stand."""
    return peiban(app).log_position(), app.extensions["peiban.audit"].log_position()


@pytest.fixture
def family(api_app: Flask) -> Iterator[tuple[Flask, UUID, UUID]]:
    """A family with a lead and ten everyday visits, two days apart (the clock stands still)."""
    with time_machine.travel(NOW, tick=False):
        app = peiban(api_app)
        today = NOW.date()
        cohort = app.open_cohort(
            name="2025级",
            intake_on=today - timedelta(days=400),
            expected_end_on=today + timedelta(days=140),
            recorded_by=Actor("c"),
        )
        lead = app.register_volunteer(
            cohort_id=cohort, name="王义工", contact="wechat:x", recorded_by=Actor("c"), occurred_at=START
        )
        app.activate_volunteer(lead, recorded_by=Actor("c"), occurred_at=START)
        fid = app.enrol_family(recorded_by=Actor("c"), occurred_at=START, **family_profile())
        app.assign_volunteer(fid, volunteer_id=lead, role="lead", recorded_by=Actor("c"), occurred_at=START)
        for day in range(1, 11):
            app.log_visit(
                fid,
                volunteer_ids=[lead],
                occurred_at=START + timedelta(days=2 * day),
                recorded_by=Actor("v"),
                **visit(summary=f"第{day}次"),
            )
        yield api_app, fid, lead


def walk(client: FlaskClient, family: UUID, limit: int) -> list[bytes]:
    """Every page of the family's timeline, as answered (to the byte), following ``next``."""
    pages: list[bytes] = []
    query = {"limit": str(limit)}
    while True:
        response = client.get(f"/api/v1/families/{family}/timeline", query_string=query)
        assert response.status_code == 200, response.get_json()
        pages.append(response.get_data())
        following = response.get_json()["next"]
        if following is None:
            return pages
        query["after"] = following


@pytest.mark.parametrize("limit", [1, 3, 4, 12, 200])
def test_compartment_facts_anywhere_in_time_change_no_page_cursor_or_next(
    family: tuple[Flask, UUID, UUID], limit: int
) -> None:
    api_app, fid, lead = family
    with time_machine.travel(NOW, tick=False):
        readers = {
            "coordinator": signed_in(api_app, "coordinator"),
            "volunteer": signed_in(api_app, "volunteer", str(lead)),
        }
        before = {role: walk(client, fid, limit) for role, client in readers.items()}
        # when a social worker records shelter visits at the moment of the first entries, between two, at the very
        # moment of one (a page's last, for a limit of 3), and after the last; and a concern of the compartment
        app = peiban(api_app)
        for at in (START, START + timedelta(days=3), START + timedelta(days=4), NOW):
            fields = visit(summary="庇护", service_line="shelter")
            app.log_visit(fid, volunteer_ids=[lead], occurred_at=at, recorded_by=Actor("sw"), **fields)
        app.raise_concern(
            fid, recorded_by=Actor("sw"), category="safety", level="high", summary="x", service_line="shelter"
        )
        # then every page those not cleared for it read is the same, to the byte: entries, `next`, cursors
        after = {role: walk(client, fid, limit) for role, client in readers.items()}
        assert after == before
        # while a cleared reader's walk shows the new facts
        cleared = walk(signed_in(api_app, "social_worker"), fid, 500)
        assert cleared[0].count("庇护".encode()) == 4


def cursor_of(client: FlaskClient, family: UUID) -> str:
    found = client.get(f"/api/v1/families/{family}/timeline", query_string={"limit": "1"}).get_json()["next"]
    assert isinstance(found, str)
    return found


@pytest.mark.parametrize(
    ("role", "query", "parameter"),
    [
        ("coordinator", {"limit": "0"}, "limit"),
        ("coordinator", {"limit": "501"}, "limit"),
        ("coordinator", {"limit": "ten"}, "limit"),
        ("coordinator", {"limit": "2.5"}, "limit"),
        ("coordinator", {"limit": "-1"}, "limit"),
        ("coordinator", {"after": "not-a-cursor"}, "after"),
        ("coordinator", {"after": "tampered"}, "after"),
        ("coordinator", {"after": "another family's"}, "after"),
        ("auditor", {"as_of": "2025-06-01T00:00:00"}, "as_of"),
        ("auditor", {"as_of": "yesterday", "limit": "2"}, "as_of"),
        ("auditor", {"as_of": NOW.isoformat(), "limit": "0"}, "limit"),
        ("auditor", {"as_of": NOW.isoformat(), "after": "tampered"}, "after"),
    ],
)
def test_bad_paging_is_422_on_its_parameter_and_recorded_nowhere(
    family: tuple[Flask, UUID, UUID], role: str, query: dict[str, str], parameter: str
) -> None:
    api_app, fid, _ = family
    client = signed_in(api_app, role)
    cursor = cursor_of(client, fid)
    if query.get("after") == "tampered":
        text, _, signature = cursor.rpartition(".")
        query["after"] = f"{text[:-2]}AA.{signature}"
    elif query.get("after") == "another family's":
        other = peiban(api_app).enrol_family(recorded_by=Actor("c"), **family_profile(display_name="张家"))
        peiban(api_app).update_family_profile(other, changes={"community": "城西社区"}, recorded_by=Actor("c"))
        query["after"] = cursor_of(client, other)
    before = positions(api_app)
    # when a page is asked for with a bad parameter
    response = client.get(f"/api/v1/families/{fid}/timeline", query_string=query)
    # then it is refused on that parameter alone, and nothing is recorded: no fact, no read
    body: dict[str, Any] = response.get_json()
    assert (response.status_code, list(body["errors"])) == (422, [f"query.{parameter}"])
    assert " / " in body["message"]
    assert positions(api_app) == before
