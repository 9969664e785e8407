"""Read audit: every successful read of a family's record is recorded (who, role, what, from where); nothing else is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.audit import AuditTrail, ReadKind
from tests.web.access.conftest import app_on, peiban
from tests.web.access.scenes import MISSING, Neighbourhood, Where, ago, neighbourhood
from tests.web.api.conftest import signed_in
from web.app import shutdown

API = "/api/v1"
#: What part of a family's record a path reads (the as-of replay is a timeline read with ``as_of``).
WHAT = {"": "profile", "/timeline": "timeline", "/briefing": "briefing", "/events": "raw_facts"}
ADDRESSES = {"coordinator": "10.0.1.1", "social_worker": "10.0.1.2", "auditor": "10.0.1.3", "volunteer": "10.0.1.4"}

Record = tuple[str, str, str, str, str]  # reader, role, family, what, address


@dataclass
class Reader:
    role: str
    user_name: str
    client: FlaskClient


@dataclass
class Run:
    """A scripted morning of reads by every role, and what the access log must hold afterwards."""

    n: Neighbourhood
    readers: dict[str, Reader]
    expected: list[Record] = field(default_factory=list)
    answers: list[tuple[str, str, int]] = field(default_factory=list)  # role, request, status
    briefing_read_at: datetime | None = None

    def read(self, role: str, where: Where, part: str = "", **query: str) -> dict[str, Any]:
        """One read of a family's record; a successful one is expected in the access log."""
        reader = self.readers[role]
        family = self.n.families[where]
        response = reader.client.get(f"{API}/families/{family}{part}", query_string=query)
        self.answers.append((role, f"{where.value}{part}?{query}", response.status_code))
        if 200 <= response.status_code < 300:
            what = "as_of" if "as_of" in query else WHAT[part]
            self.expected.append((reader.user_name, role, family, what, ADDRESSES[role]))
        body = response.get_json()
        assert isinstance(body, dict)
        return body

    def log(self, path: str, as_role: str = "auditor", limit: int = 3) -> list[dict[str, Any]]:
        """Every row of an access-log listing, walked a few rows a page."""
        rows: list[dict[str, Any]] = []
        query = {"limit": str(limit)}
        while True:
            response = self.readers[as_role].client.get(f"{API}{path}", query_string=query)
            assert response.status_code == 200, response.get_json()
            rows += response.get_json()["items"]
            if response.get_json()["next"] is None:
                return rows
            query = {"limit": str(limit), "before": response.get_json()["next"]}


def records(rows: list[dict[str, Any]]) -> Counter[Record]:
    return Counter((r["reader"], r["role"], r["family_id"], r["what"], r["address"]) for r in rows)


def script(run: Run) -> None:
    """Mixed reads, successful and refused, by every role; the volunteer reads a briefing before a first visit."""
    own, handover, alumni, other, missing = Where.OWN, Where.HANDOVER, Where.ALUMNI, Where.OTHER, Where.MISSING
    read = run.read
    # the volunteer prepares the first visit to the family being handed over to them
    read("volunteer", handover, "/briefing")
    run.briefing_read_at = datetime.now(tz=UTC)
    read("coordinator", own)
    page = read("coordinator", own, "/timeline", limit="2")
    read("coordinator", own, "/timeline", limit="2", after=page["next"])
    read("coordinator", other, "/briefing")
    read("coordinator", own, "/events")  # 403: raw facts are for auditors
    read("coordinator", own, "/timeline", as_of=ago(days=1).isoformat())  # 403: so is the replay
    read("coordinator", missing)  # 404
    read("coordinator", own, "/timeline", limit="0")  # 422
    read("social_worker", alumni)
    read("social_worker", alumni, "/timeline")
    read("social_worker", alumni, "/briefing")
    read("social_worker", alumni, "/events")  # 403
    facts = read("auditor", own, "/events", limit="3")
    read("auditor", own, "/events", limit="3", after=facts["next"])
    read("auditor", other, "/timeline", as_of=datetime.now(tz=UTC).isoformat())
    read("auditor", other, "/timeline", as_of=ago(days=365).isoformat())  # 404: no record a year ago
    read("auditor", missing, "/events")  # 404
    read("auditor", handover, "/briefing")
    read("volunteer", own)
    read("volunteer", own, "/timeline")
    read("volunteer", own, "/briefing")
    read("volunteer", handover, "/timeline")
    read("volunteer", other)  # 404: not theirs
    read("volunteer", alumni, "/timeline")  # 404: alumni only send messages
    read("volunteer", own, "/timeline", as_of=ago(days=1).isoformat())  # 403
    read("volunteer", own, "/events")  # 403
    read("volunteer", missing, "/briefing")  # 404
    for role in ("coordinator", "volunteer"):  # reads that are not of a family's record
        run.readers[role].client.get(f"{API}/families")
    run.readers["volunteer"].client.get(f"{API}/volunteers/{run.n.volunteer}/caseload")
    run.readers["coordinator"].client.get(f"{API}/dashboard/continuity")
    anonymous = run.readers["coordinator"].client.application.test_client()
    assert anonymous.get(f"{API}/families/{run.n.families[own]}").status_code == 401


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    app = app_on(Path(tmp_path_factory.mktemp("audit")) / "data")
    n = neighbourhood(peiban(app))
    readers = {}
    for role, address in ADDRESSES.items():
        client = signed_in(app, role, n.volunteer if role == "volunteer" else None)
        client.environ_base["REMOTE_ADDR"] = address
        user_name = client.get(f"{API}/session").get_json()["user_name"]
        readers[role] = Reader(role, user_name, client)
    scripted = Run(n, readers)
    script(scripted)
    yield scripted
    shutdown(app)


def test_the_run_mixes_successful_and_refused_reads_by_every_role(run: Run) -> None:
    statuses = Counter(status for _, _, status in run.answers)

    assert {role for role, _, _ in run.answers} == set(ADDRESSES)
    assert statuses[200] == len(run.expected) >= 15
    assert statuses[403] >= 5 and statuses[404] >= 5 and statuses[422] == 1


@pytest.mark.parametrize("as_role", ["coordinator", "auditor"])
def test_every_successful_family_read_is_one_access_record_with_reader_role_what_and_address(
    run: Run, as_role: str
) -> None:
    logged: Counter[Record] = Counter()
    for where in Where:
        logged += records(run.log(f"/families/{run.n.families[where]}/readers", as_role))

    assert logged.total() == len(run.expected)
    assert logged == Counter(run.expected)


def test_failed_reads_are_not_recorded(run: Run) -> None:
    missing = run.log(f"/families/{MISSING}/readers")
    volunteers_reads = records(run.log(f"/readers/{run.readers['volunteer'].user_name}/reads"))

    assert missing == []
    assert {what for (_, _, _, what, _) in volunteers_reads} == {"profile", "timeline", "briefing"}
    assert {family for (_, _, family, _, _) in volunteers_reads} == {
        run.n.families[Where.OWN],
        run.n.families[Where.HANDOVER],
    }


def test_what_a_user_read_lists_exactly_that_users_reads(run: Run) -> None:
    for reader in run.readers.values():
        listed = records(run.log(f"/readers/{reader.user_name}/reads", "coordinator"))

        assert listed == Counter(r for r in run.expected if r[0] == reader.user_name), reader.role


def test_reading_the_access_log_is_not_itself_a_family_read(run: Run) -> None:
    family = run.n.families[Where.OWN]

    first = run.log(f"/families/{family}/readers")
    again = run.log(f"/families/{family}/readers")

    assert first == again


def test_an_as_of_replay_is_recorded_as_such_with_its_moment(run: Run) -> None:
    (replay,) = [r for r in run.log(f"/families/{run.n.families[Where.OTHER]}/readers") if r["what"] == "as_of"]

    assert replay["reader"] == run.readers["auditor"].user_name and replay["detail"].startswith("as_of=")


def test_a_volunteer_reading_a_briefing_before_their_first_visit_shows_as_such(run: Run) -> None:
    # given the volunteer read the briefing of the family being handed over to them
    family = run.n.families[Where.HANDOVER]
    volunteer = run.readers["volunteer"]
    # when they later log their first visit to the family
    visit = {
        "occurred_at": datetime.now(tz=UTC).isoformat(), "volunteer_ids": [run.n.volunteer],
        "duration_minutes": 60, "summary": "第一次见面", "place": "home",
    }  # fmt: skip
    assert volunteer.client.post(f"{API}/families/{family}/visits", json=visit).status_code == 201
    # then the access log shows a volunteer's briefing read, from before any visit of theirs to the family
    rows = run.log(f"/families/{family}/readers")
    (briefing,) = [r for r in rows if r["reader"] == volunteer.user_name and r["what"] == "briefing"]
    timeline = run.readers["auditor"].client.get(f"{API}/families/{family}/timeline").get_json()
    theirs = [e for e in timeline["entries"] if e["kind"] == "visit" and run.n.volunteer in e["volunteer_ids"]]
    assert briefing["role"] == "volunteer" and briefing["address"] == ADDRESSES["volunteer"]
    assert theirs and all(e["recorded_at"] > briefing["read_at"] for e in theirs)
    assert run.briefing_read_at is not None and datetime.fromisoformat(briefing["read_at"]) <= run.briefing_read_at


@pytest.mark.parametrize("role", ["volunteer", "social_worker"])
def test_volunteers_and_social_workers_may_not_read_the_access_log(run: Run, role: str) -> None:
    client = run.readers[role].client

    answers = [
        client.get(f"{API}/families/{run.n.families[Where.OWN]}/readers"),
        client.get(f"{API}/readers/{run.readers[role].user_name}/reads"),
        client.get(f"{API}/readers/{run.readers['coordinator'].user_name}/reads"),
    ]

    assert [(a.status_code, a.get_json()["error"]) for a in answers] == [(403, "forbidden")] * 3


def test_walking_the_access_log_page_by_page_lists_reads_made_at_the_same_moment(web: Flask) -> None:
    # given four reads of a family recorded at one moment (concurrent requests, or a coarse clock)
    audit = web.extensions["peiban.audit"]
    assert isinstance(audit, AuditTrail)
    moment, family = datetime.now(tz=UTC), uuid4()
    audit.clock = lambda: moment
    for reader in ("a", "b", "c", "d"):
        audit.record_read(reader=reader, role="auditor", family_id=family, what=ReadKind.PROFILE, address="10.0.0.1")
    auditor = signed_in(web, "auditor")
    # when an auditor walks who read the family, two rows a page
    rows, query = [], {"limit": "2"}
    while True:
        page = auditor.get(f"{API}/families/{family}/readers", query_string=query).get_json()
        rows += page["items"]
        if page["next"] is None:
            break
        query = {"limit": "2", "before": page["next"]}
    # then every read is listed once
    assert sorted(r["reader"] for r in rows) == ["a", "b", "c", "d"]


def test_an_as_of_on_a_read_that_does_not_replay_is_recorded_as_the_read_it_is(tmp_path: Path) -> None:
    # given a family's profile, briefing, raw facts and case file, which are never replayed
    app = app_on(tmp_path / "data")
    family = neighbourhood(peiban(app)).families[Where.OWN]
    auditor = signed_in(app, "auditor")
    reads = {"": "profile", "/briefing": "briefing", "/events": "raw_facts", "/case-file": "export"}

    # when the auditor reads each with an ?as_of= beside it (which none of them reads)
    for part in reads:
        response = auditor.get(f"{API}/families/{family}{part}", query_string={"as_of": ago(days=365).isoformat()})
        assert response.status_code == 200, (part, response.get_json())

    # then the read audit says what was read, not a replay of the record a year ago
    log = auditor.get(f"{API}/families/{family}/readers", query_string={"limit": "500"}).get_json()["items"]
    assert [(r["what"], r["detail"]) for r in reversed(log)] == [(what, "") for what in reads.values()]
    shutdown(app)
