"""A fresh process reads and writes what an earlier one stored: snapshots included.

An operator restarts the server; the new process has imported the aggregate classes
but has never written a snapshot itself. Every stored topic must resolve there.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from datetime import datetime
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from domain import Actor, DomainError, Peiban, StoreSettings
from domain.accounts import Account
from domain.aggregate import PeibanAggregate
from domain.audit import FamilyRead
from domain.cohort import Cohort
from domain.family import Family
from domain.rules import LeadAlreadyAssigned
from domain.volunteer import Volunteer
from tests.builders import StepClock, message, scene, visit

PAST_THE_SNAPSHOT = Peiban.snapshotting_intervals[Family] + 10


def stored_topics() -> list[str]:
    """Every topic Peiban may write: aggregates, their facts and snapshots, and read-audit entries."""
    topics = [FamilyRead.TOPIC]
    for aggregate in (Family, Volunteer, Cohort, Account):
        topics.append(get_topic(aggregate))
        topics += [
            value.TOPIC
            for name, value in vars(aggregate).items()
            if isinstance(value, type) and issubclass(value, (PeibanAggregate.Event, Snapshot)) and name != "Event"
        ]
    return topics


def test_every_stored_topic_resolves_in_a_fresh_process() -> None:
    # given a new interpreter that has imported the domain, as a restarted server has
    script = (
        "import sys\n"
        "import domain, domain.accounts, domain.audit\n"
        "from eventsourcing.utils import resolve_topic\n"
        "for topic in sys.argv[1:]:\n"
        "    cls = resolve_topic(topic)\n"
        "    assert cls.TOPIC == topic or topic.count('.') == 1, topic\n"
        "    print(topic, cls.__qualname__)\n"
    )
    topics = stored_topics()
    assert "peiban.Family.Snapshot" in topics
    # when it resolves every topic we store
    done = subprocess.run([sys.executable, "-c", script, *topics], capture_output=True, text=True, check=False)
    # then each resolves to its class
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == len(topics)


def write_in_a_new_process(settings: StoreSettings, family_id: UUID, lead: UUID, other: UUID, now: datetime) -> dict:
    """Runs in a spawned interpreter: load the long family, record on it, and try a rule."""
    app = Peiban(settings.env(Peiban.name), clock=StepClock(now))
    try:
        before = app.log_position()
        message_id = app.log_message(family_id, volunteer_id=lead, recorded_by=Actor("v1"), **message())
        visit_id = app.log_visit(family_id, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="重启后"))
        refused = ""
        try:
            app.assign_volunteer(family_id, volunteer_id=other, role="lead", recorded_by=Actor("coord"))
        except LeadAlreadyAssigned as error:
            refused = type(error).__name__
        family = app.get_family(family_id)
        return {
            "written": app.log_position() - before,
            "version": family.version,
            "ids": [str(message_id), str(visit_id)],
            "refused": refused,
        }
    finally:
        app.close()


def test_a_long_family_takes_new_facts_in_a_new_process(durable_store: StoreSettings, clock: StepClock) -> None:
    # given a family past the snapshot interval, stored, and its application closed
    app = Peiban(durable_store.env(Peiban.name), clock=clock)
    s = scene(app, clock)
    for i in range(PAST_THE_SNAPSHOT):
        clock.advance(hours=1)
        app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary=f"第{i}次"))
    version = app.get_family(s.fid).version
    assert list(app.snapshots.get(s.fid))  # type: ignore[union-attr]
    app.close()
    # when a new process (a restarted server) records on it
    clock.advance(hours=1)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:
        result = pool.apply(write_in_a_new_process, (durable_store, s.fid, s.lead, s.volunteers[1], clock.now))
    # then both facts are recorded, the rules still hold, and nothing else was written
    assert result == {"written": 2, "version": version + 2, "ids": result["ids"], "refused": "LeadAlreadyAssigned"}
    reopened = Peiban(durable_store.env(Peiban.name), clock=clock)
    facts = reopened.family_facts(s.fid)
    assert [str(f.event_id) for f in facts[-2:]] == result["ids"]
    assert reopened.get_family(s.fid).version == version + 2
    with pytest.raises(DomainError):
        reopened.log_visit(s.fid, volunteer_ids=[s.volunteers[1]], recorded_by=Actor("v1"), **visit())
    reopened.close()
