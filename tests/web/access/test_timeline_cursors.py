"""A timeline cursor carries no authority: every page asks scope and compartments afresh, and an old cursor never
replays the record as it stood to a reader who may not replay it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain import Actor
from projections.plain import iso
from tests.web.access.conftest import peiban
from tests.web.access.scenes import ago
from tests.web.access.test_compartments import API, Compartment, build, found


def timeline(client: FlaskClient, family: str, **query: str) -> TestResponse:
    return client.get(f"{API}/families/{family}/timeline", query_string=query)


def first_cursor(client: FlaskClient, family: str, **query: str) -> str:
    response = timeline(client, family, limit="1", **query)
    assert response.status_code == 200, response.get_json()
    cursor = response.get_json()["next"]
    assert isinstance(cursor, str)
    return cursor


def walk(client: FlaskClient, family: str, cursor: str) -> list[dict[str, Any]]:
    """Every entry from the cursor on, page by page."""
    entries: list[dict[str, Any]] = []
    following: str | None = cursor
    while following:
        response = timeline(client, family, limit="2", after=following)
        assert response.status_code == 200, response.get_json()
        entries += response.get_json()["entries"]
        following = response.get_json()["next"]
    return entries


def everyday(c: Compartment, kind: str) -> str:
    entries = timeline(c.as_("coordinator"), c.family, limit="500").get_json()["entries"]
    return str(next(e["event_id"] for e in entries if e["kind"] == kind))


def test_an_old_cursor_shows_the_record_as_it_stands_now_not_as_it_stood(web: Flask) -> None:
    # given a coordinator's cursor, and then a social worker moving the everyday visit into the shelter compartment
    # and retracting the everyday concern
    c = build(web)
    coordinator, worker = c.as_("coordinator"), c.as_("social_worker")
    visit, concern = everyday(c, "visit"), everyday(c, "concern_raised")
    cursor = first_cursor(coordinator, c.family)
    moved = {
        "target_event_id": visit,
        "action": "amend",
        "reason": "其实是庇护",
        "changes": {"service_line": "shelter"},
    }
    assert worker.post(f"{API}/families/{c.family}/corrections", json=moved).status_code == 201
    retracted = {"target_event_id": concern, "action": "retract", "reason": "记错"}
    assert worker.post(f"{API}/families/{c.family}/corrections", json=retracted).status_code == 201

    # when the coordinator follows the old cursor to the end
    entries = walk(coordinator, c.family, cursor)

    # then the moved visit is not there, the concern shows as retracted, and nothing of the compartment appears
    assert visit not in {e["event_id"] for e in entries}
    assert [e["retracted"] for e in entries if e["event_id"] == concern] == [True]
    assert not any(e["sensitive"] for e in entries)


def test_a_cleared_readers_cursor_shows_an_uncleared_reader_nothing_of_the_compartment(web: Flask) -> None:
    c = build(web)
    cursor = first_cursor(c.as_("social_worker"), c.family)

    pages = {"walk": timeline(c.as_("coordinator"), c.family, limit="500", after=cursor)}

    assert pages["walk"].status_code == 200 and found(c, pages) == []


def test_a_replay_cursor_is_followed_only_by_readers_who_may_replay(web: Flask) -> None:
    # given an auditor's cursor through the record as it stood a moment ago
    c = build(web)
    as_of = ago(seconds=0).isoformat()
    cursor = first_cursor(c.as_("auditor"), c.family, as_of=as_of)
    before = peiban(web).log_position()

    # when others follow it, then they are refused exactly as a replay they asked for themselves
    for role in ("coordinator", "social_worker", "volunteer"):
        client = c.as_(role)
        followed, asked = timeline(client, c.family, after=cursor), timeline(client, c.family, as_of=as_of)
        assert followed.status_code == asked.status_code == 403
        assert followed.get_data() == asked.get_data()
    assert timeline(c.as_("auditor"), c.family, after=cursor).status_code == 200
    assert peiban(web).log_position() == before


def test_a_cursor_names_its_family(web: Flask) -> None:
    c = build(web)
    coordinator = c.as_("coordinator")
    cursor = first_cursor(coordinator, c.family)

    elsewhere = timeline(coordinator, c.other_family, after=cursor)

    assert (elsewhere.status_code, list(elsewhere.get_json()["errors"])) == (422, ["query.after"])


def test_every_page_asks_the_volunteers_scope_again(web: Flask) -> None:
    # given the family's volunteer halfway through its timeline, and then taken off the family
    c = build(web)
    volunteer = c.as_("volunteer")
    cursor = first_cursor(volunteer, c.family)
    peiban(web).unassign_volunteer(
        UUID(c.family), volunteer_id=UUID(c.volunteer), reason="换人", recorded_by=Actor("tests")
    )

    # when they follow their cursor, then the family is, to them, a family that does not exist
    followed = timeline(volunteer, c.family, after=cursor)
    missing = timeline(volunteer, c.other_family)
    assert (followed.status_code, followed.get_data()) == (404, missing.get_data())


def test_the_read_audit_keeps_neither_a_cursor_nor_the_fact_just_recorded(web: Flask) -> None:
    # given a social worker walking the timeline by cursor, and opening the family page at a fact they recorded
    c = build(web)
    worker = c.as_("social_worker")
    cursor = first_cursor(worker, c.family)
    assert timeline(worker, c.family, after=cursor).status_code == 200
    assert worker.get(f"/families/{c.family}", query_string={"recorded": c.open_concern}).status_code == 200

    # when the coordinator reads who read the family
    log = c.as_("coordinator").get(f"{API}/families/{c.family}/readers", query_string={"limit": "500"})

    # then the audit says who read what and when, but holds nothing that names a fact of the compartment
    details = [r["detail"] for r in log.get_json()["items"] if r["reader"].startswith("test-social_worker")]
    assert len(details) >= 3 and set(details) == {""}
    assert found(c, {"readers": log}) == []


def test_the_read_audit_tells_the_moment_each_page_showed_whatever_as_of_is_sent_beside_a_cursor(web: Flask) -> None:
    # given an auditor's walk through the record as it stood a moment ago, and one through the record as it stands now
    c = build(web)
    auditor = c.as_("auditor")
    then = ago(seconds=0)
    replay = first_cursor(auditor, c.family, as_of=then.isoformat())
    current = first_cursor(auditor, c.family)

    # when the auditor follows the replay's cursor alone, then with an older as_of beside it, and the current walk's
    # cursor with that as_of too (a cursor's page is as of the cursor's moment: the as_of beside it changes nothing)
    year_ago = ago(days=365).isoformat()
    for query in ({"after": replay}, {"after": replay, "as_of": year_ago}, {"after": current, "as_of": year_ago}):
        assert timeline(auditor, c.family, limit="1", **query).status_code == 200

    # then the read audit tells what each page showed: the record as it stood at the replay's moment, or as it stands
    log = c.as_("coordinator").get(f"{API}/families/{c.family}/readers", query_string={"limit": "500"})
    reads = [(r["what"], r["detail"]) for r in reversed(log.get_json()["items"]) if r["reader"] == "test-auditor"]
    replayed = ("as_of", f"as_of={quote(iso(then), safe=':')}")
    assert reads == [replayed, ("timeline", ""), replayed, replayed, ("timeline", "")]
