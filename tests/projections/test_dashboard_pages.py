"""The continuity dashboard read a page at a time holds what the whole lists held: the same rows, in the same
order, each exactly once, each page within its limit, and each list's length exact.

Seeded random programmes are told through the application (cohorts ending at different times, leads, joint
visits, messages, contacts in the sensitive compartments, handovers planned, agreed, completed with or without
a joint visit and cancelled, departures, closures and reopenings, renamings, corrections and an erasure), and
every list is checked against a brute-force reading of the continuity view's own rows, worked out as the
dashboard was before it was paged: every open family fetched and each list sorted in Python.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain import Actor, DomainError, Peiban, StoreSettings
from projections.collation import pinyin_key
from projections.continuity_view import ContinuityView
from projections.dashboard import ListPage, cohort_ends, continuity_dashboard, dashboard_page, handed_over_to
from projections.dashboard_lists import DashboardList
from projections.db import MemoryViewDatabase, Tx, view_database
from projections.engine import Projection
from projections.keystore import KeyStore
from projections.plain import from_iso, iso, local_day
from tests.builders import START, StepClock, family_profile, message, visit

#: Names that share syllables, tones and whole names (ties are broken by the id), some not Chinese at all.
NAMES = [
    "王家",
    "汪家",
    "王家",
    "李家",
    "黎家",
    "林家",
    "张家",
    "章家",
    "阿里家",
    "Li family",
    "朱家",
    "赵家",
    "吴家",
    "王",
]
LINES = [None, None, None, "youth_centre", "anti_domestic_violence", "shelter"]


@dataclass
class Programme:
    """A random programme told through the application, and the ids it was told with."""

    app: Peiban
    clock: StepClock
    rng: random.Random
    volunteers: list[UUID] = field(default_factory=list)
    families: list[UUID] = field(default_factory=list)
    contacts: dict[UUID, list[UUID]] = field(default_factory=dict)
    concerns: dict[UUID, list[UUID]] = field(default_factory=dict)
    erased: UUID | None = None
    #: families a handover was planned for
    planned: list[UUID] = field(default_factory=list)

    def attempt(self, command: Callable[[], Any]) -> Any:
        """Run a command; one the domain refuses records nothing, and the story goes on."""
        try:
            return command()
        except DomainError:
            return None

    def later(self) -> None:
        self.clock.now += timedelta(hours=self.rng.choice([1, 5, 20, 30, 70]))

    def when(self) -> datetime | None:
        """Now, or (a late entry) a while ago."""
        return None if self.rng.random() < 0.7 else self.clock.now - timedelta(hours=self.rng.randint(1, 60))


def by(role: str) -> dict[str, Any]:
    return {"recorded_by": Actor(role)}


def tell(app: Peiban, clock: StepClock, seed: int, steps: int = 260) -> Programme:
    rng = random.Random(seed)
    p = Programme(app, clock, rng)
    ends = [START.date() + timedelta(days=d) for d in (25, 50, 90, 400)]
    cohorts = [
        app.open_cohort(name=f"{n}级", intake_on=date(2024, 9, 1), expected_end_on=end, **by("c"))
        for n, end in enumerate(ends)
    ]
    for n in range(9):
        vid = app.register_volunteer(cohort_id=rng.choice(cohorts), name=f"义工{n}", contact="wechat:x", **by("c"))
        app.activate_volunteer(vid, **by("c"))
        p.volunteers.append(vid)
    for name in NAMES + NAMES[:6]:
        clock.now += timedelta(minutes=30)
        p.families.append(app.enrol_family(**family_profile(display_name=name), **by("c")))
    for _ in range(steps):
        p.later()
        rng.choice(STEPS)(p, rng.choice(p.families), rng.choice(p.volunteers))
    return p


def _fields(p: Programme, **more: Any) -> dict[str, Any]:
    line = p.rng.choice(LINES)
    return {**more, **({"service_line": line} if line else {})}


def _on_family(p: Programme, fid: UUID, vid: UUID) -> UUID:
    """A volunteer on the family now (most of the time), else ``vid``."""
    current = p.attempt(lambda: p.app.get_family(fid).roster.current()) or []  # noqa: PLW0108
    return p.rng.choice(current).volunteer_id if current and p.rng.random() < 0.8 else vid


def _visit(p: Programme, fid: UUID, vid: UUID) -> None:
    who = [_on_family(p, fid, vid), *p.rng.sample(p.volunteers, p.rng.choice([0, 0, 1]))]
    found = p.attempt(
        lambda: p.app.log_visit(fid, volunteer_ids=who, occurred_at=p.when(), **visit(**_fields(p)), **by("v"))
    )
    p.contacts.setdefault(fid, []).append(found) if found else None


def _message(p: Programme, fid: UUID, vid: UUID) -> None:
    who = _on_family(p, fid, vid)
    found = p.attempt(lambda: p.app.log_message(fid, volunteer_id=who, occurred_at=p.when(), **message(), **by("v")))
    p.contacts.setdefault(fid, []).append(found) if found else None


def _open_handover(p: Programme, fid: UUID) -> Any:
    return p.attempt(lambda: p.app.get_family(fid).roster.open_handover())  # noqa: PLW0108 (loaded when attempted)


def _joint_visit(p: Programme, fid: UUID, vid: UUID) -> None:
    fid = p.rng.choice(p.planned) if p.planned else fid
    handover = _open_handover(p, fid)
    if handover is not None:
        both = [handover.outgoing_id, handover.incoming_id]
        found = p.attempt(lambda: p.app.log_visit(fid, volunteer_ids=both, **visit(**_fields(p)), **by("v")))
        p.contacts.setdefault(fid, []).append(found) if found else None


def _plan_handover(p: Programme, fid: UUID, vid: UUID) -> None:
    lead = p.attempt(lambda: p.app.get_family(fid).roster.lead())  # noqa: PLW0108
    out = lead.volunteer_id if lead is not None else p.rng.choice(p.volunteers)
    planned = p.attempt(
        lambda: p.app.plan_handover(
            fid, outgoing_volunteer_id=out, incoming_volunteer_id=vid, planned_on=p.clock.now.date(), **by("c")
        )
    )
    if planned:
        p.planned.append(fid)


def _settle_handover(p: Programme, fid: UUID, vid: UUID) -> None:
    fid = p.rng.choice(p.planned) if p.planned else fid
    handover = _open_handover(p, fid)
    if handover is None:
        return
    hid, app = handover.handover_id, p.app
    choice = p.rng.choice(["agree", "agree", "complete", "complete", "cancel"])
    if choice == "agree":
        p.attempt(lambda: app.record_family_agreement(fid, handover_id=hid, **by("c")))
    elif choice == "complete":
        reason = p.rng.choice(["", "孩子住院"])
        p.attempt(
            lambda: app.complete_handover(
                fid, handover_id=hid, keep_in_touch=False, no_joint_visit_reason=reason, **by("c")
            )
        )
    else:
        p.attempt(lambda: app.cancel_handover(fid, handover_id=hid, reason="换人", **by("c")))


def _concern(p: Programme, fid: UUID, vid: UUID) -> None:
    if p.concerns.get(fid) and p.rng.random() < 0.4:
        target = p.rng.choice(p.concerns[fid])
        p.attempt(lambda: p.app.resolve_concern(fid, concern_id=target, resolution="好转", **by("sw")))
        return
    fields = _fields(p, category="emotional", level="medium", summary="情绪低落")
    raised = p.attempt(lambda: p.app.raise_concern(fid, **fields, **by("sw")))
    p.concerns.setdefault(fid, []).append(raised) if raised else None


def _correct(p: Programme, fid: UUID, vid: UUID) -> None:
    if not p.contacts.get(fid):
        return
    target = p.rng.choice(p.contacts[fid])
    if p.rng.random() < 0.5:
        p.attempt(lambda: p.app.retract_fact(fid, target_event_id=target, reason="记错了", **by("sw")))
        return
    line = {"service_line": p.rng.choice(["anti_domestic_violence", "companionship", "shelter"])}
    p.attempt(lambda: p.app.amend_fact(fid, target_event_id=target, changes=line, reason="补正", **by("sw")))


def _erase(p: Programme, fid: UUID, vid: UUID) -> None:
    """Erase one family of the programme (once)."""
    if p.erased is None:
        p.attempt(lambda: p.app.erase_family(fid, reason="监护人撤回同意", **by("c")))
        p.families.remove(fid)
        p.planned = [f for f in p.planned if f != fid]
        p.erased = fid


Step = Callable[[Programme, UUID, UUID], None]
#: Each kind of step, as many times as it is likelier than others.
STEPS: list[Step] = [
    *[lambda p, f, v: p.attempt(lambda: p.app.assign_volunteer(f, volunteer_id=v, role="lead", **by("c")))] * 5,
    lambda p, f, v: p.attempt(lambda: p.app.assign_volunteer(f, volunteer_id=v, role="co", **by("c"))),
    *[_visit] * 10,
    *[_joint_visit] * 2,
    *[_message] * 4,
    *[_plan_handover] * 6,
    *[_settle_handover] * 2,
    lambda p, f, v: p.attempt(lambda: p.app.unassign_volunteer(f, volunteer_id=v, reason="调整", **by("c"))),
    lambda p, f, v: p.attempt(lambda: p.app.record_departure(v, reason="graduated", **by("c"))),
    lambda p, f, v: p.attempt(lambda: p.app.close_family(f, reason="搬家", **by("c"))),
    *[lambda p, f, v: p.attempt(lambda: p.app.reopen_family(f, reason="回来了", **by("c")))] * 3,
    *[
        lambda p, f, v: p.attempt(
            lambda: p.app.update_family_profile(f, changes={"display_name": p.rng.choice(NAMES)}, **by("c"))
        )
    ]
    * 2,
    _concern,
    *[_correct] * 3,
    _erase,
]


# --- the reference: the lists worked out by brute force from the view's own rows -----------------------------


def reference(
    tx: Tx, now: datetime, cliff_days: int, quiet_days: int, sensitive: bool
) -> dict[DashboardList, list[Any]]:
    """Each list's rows, in order, as (id, what a row says)."""
    today, until = local_day(now), iso(now)
    shown = "" if sensitive else " AND sensitive = 0"
    cohorts = {
        r[0]: (r[1], date.fromisoformat(r[2]))
        for r in tx.query("SELECT cohort_id, name, expected_end_on FROM continuity_cohort")
    }
    volunteers = {
        r[0]: r[1:] for r in tx.query("SELECT volunteer_id, name, cohort_id, departed_at FROM continuity_volunteer")
    }
    leads = {
        r[0]: r[1]
        for r in tx.query(
            "SELECT family_id, volunteer_id FROM continuity_assignment WHERE role = 'lead' AND ended_at IS NULL"
        )
    }
    handovers = tx.query(
        "SELECT handover_id, family_id, outgoing_id, incoming_id, planned_on, state, closed_at, family_agreed"
        " FROM continuity_handover"
    )
    contacts = tx.query(
        f"SELECT family_id, occurred_at, handover_id, kind FROM continuity_contact WHERE retracted = 0{shown}"
    )
    last: dict[str, str] = {}
    for fid, occurred, *_ in contacts:
        if occurred <= until:
            last[fid] = max(last.get(fid, occurred), occurred)
    joint = {h[0]: [c for c in contacts if c[2] == h[0]] for h in handovers}
    concerns: dict[str, int] = {}
    open_concerns = "SELECT family_id FROM continuity_concern WHERE retracted = 0 AND resolved_at IS NULL"
    for (fid,) in tx.query(f"{open_concerns} AND raised_at <= ?{shown}", [until]):
        concerns[fid] = concerns.get(fid, 0) + 1
    planned = {h[1]: h for h in handovers if h[5] == "planned"}
    rows = []
    for fid, name, enrolled in tx.query(
        "SELECT family_id, display_name, enrolled_at FROM continuity_family WHERE status = 'open'"
    ):
        lead = leads.get(fid)
        _, cohort_id, departed = volunteers.get(lead, (None, None, None)) if lead else (None, None, None)
        ends = cohorts[cohort_id][1] if cohort_id in cohorts else None
        h = planned.get(fid)
        contact = from_iso(last[fid]) if fid in last else None
        row = {
            "id": fid,
            "name": name,
            "lead": lead,
            "lead_departed": departed is not None and departed <= until,
            "days_left": (ends - today).days if ends else None,
            "successor": h is not None and lead is not None and h[2] == lead,
            "handover": (h[0], len(joint[h[0]]), bool(h[7])) if h else None,
            "days_since_contact": (today - local_day(contact)).days if contact else None,
            "days_quiet": (today - local_day(contact or from_iso(enrolled))).days,
            "concerns": concerns.get(fid, 0),
        }
        row["covered"] = lead is not None and not row["lead_departed"]
        rows.append(row)
    rows.sort(key=lambda r: (pinyin_key(r["name"]), r["id"]))
    cliff = [r for r in rows if r["covered"] and not r["successor"] and (r["days_left"] or 0) <= cliff_days]
    quiet = [r for r in rows if r["days_quiet"] >= quiet_days]
    status = dict(tx.query("SELECT family_id, status FROM continuity_family"))
    in_progress = [
        (
            h[0],
            len([c for c in joint[h[0]] if c[3] == "visit"]),
            bool(h[7]),
            (cohorts[volunteers[h[2]][1]][1] - today).days if volunteers[h[2]][1] in cohorts else None,
            (cohorts[volunteers[h[2]][1]][1].isoformat() if volunteers[h[2]][1] in cohorts else "9999-12-31", h[4]),
        )
        for h in handovers
        if h[5] == "planned" and status[h[1]] == "open" and h[2] in volunteers and h[3] in volunteers
    ]
    unaccompanied = [(h[0], h[6]) for h in handovers if h[5] == "completed" and not joint[h[0]]]
    return {
        DashboardList.FAMILIES: rows,
        DashboardList.UNCOVERED: [r for r in rows if not r["covered"]],
        DashboardList.CLIFF: sorted(cliff, key=lambda r: (r["days_left"] or 0, pinyin_key(r["name"]))),
        DashboardList.QUIET: sorted(quiet, key=lambda r: (-r["days_quiet"], pinyin_key(r["name"]))),
        DashboardList.IN_PROGRESS: [h[:4] for h in sorted(in_progress, key=lambda h: (h[4], h[0]))],
        DashboardList.WITHOUT_JOINT_VISIT: [h[0] for h in sorted(unaccompanied, key=lambda h: (h[1], h[0]))],
    }


def shown(which: DashboardList, item: Any) -> Any:
    """A row of the paged dashboard in the reference's terms."""
    if which is DashboardList.IN_PROGRESS:
        return (item.handover_id, item.joint_visits, item.agreed, item.days_left)
    if which is DashboardList.WITHOUT_JOINT_VISIT:
        return item.handover_id
    h = item.handover
    return {
        "id": item.family_id,
        "name": item.display_name,
        "lead": item.lead_id,
        "lead_departed": item.lead_departed,
        "days_left": item.days_left,
        "successor": item.successor_planned,
        "handover": (h.handover_id, h.joint_visits, h.family_agreed) if h else None,
        "days_since_contact": item.days_since_contact,
        "days_quiet": item.days_quiet,
        "concerns": item.open_concerns,
        "covered": item.is_covered,
    }


def walk(tx: Tx, which: DashboardList, limit: int, **drawn: Any) -> tuple[list[Any], set[int]]:
    """Every row of the list, page after page of ``limit``; and the totals the pages gave."""
    rows: list[Any] = []
    totals: set[int] = set()
    after = None
    for _ in range(100):
        page: ListPage[Any] = dashboard_page(tx, which, after=after, limit=limit, **drawn)
        assert len(page.items) <= limit
        rows += [shown(which, item) for item in page.items]
        totals.add(page.total)
        if page.after is None:
            return rows, totals
        assert len(page.items) == limit, "only the last page is short"
        after = page.after
    raise AssertionError("the pages never ended")


# --- the story, on each store --------------------------------------------------------------------------------


#: The programmes told on PostgreSQL too.
ON_POSTGRES = (1, 4)


@pytest.fixture
def programme(durable_store: StoreSettings, request: pytest.FixtureRequest) -> Iterator[tuple[Programme, Projection]]:
    if durable_store.backend == "postgres" and request.param not in ON_POSTGRES:
        pytest.skip("PostgreSQL tells fewer programmes: each fact is folded in a transaction of its own")
    clock = StepClock()
    keys = KeyStore(MemoryViewDatabase("keys"), clock=clock)
    keys.unlock(os.urandom(32))
    app = Peiban(durable_store.env(Peiban.name), clock=clock, keys=keys)
    projection = Projection(app, ContinuityView(), view_database(durable_store, "continuity"), batch_size=1)
    told = tell(app, clock, request.param)
    yield told, projection
    projection.db.close()
    app.close()
    keys.close()


@pytest.mark.parametrize("programme", [1, 2, 3], indirect=True)
def test_every_list_read_a_page_at_a_time_is_the_whole_list_in_its_order(
    programme: tuple[Programme, Projection],
) -> None:
    told, projection = programme
    # given the view folded one fact at a time, as a serving app folds each write
    projection.catch_up()
    last = told.clock.now
    with projection.reading() as tx:
        lengths = {which: 0 for which in DashboardList}
        for days_after, cliff_days, quiet_days, sensitive in [
            (0, 60, 30, True),
            (0, 0, 1, False),
            (3, 45, 5, True),
            (40, 400, 2, False),
            (120, 60, 30, True),
        ]:
            now = last + timedelta(days=days_after)
            drawn = {"now": now, "cliff_days": cliff_days, "quiet_days": quiet_days, "include_sensitive": sensitive}
            expected = reference(tx, now, cliff_days, quiet_days, sensitive)
            # when each list is read a page at a time, then the pages hold the list, each row once, in its order
            for which in DashboardList:
                for limit in (1, 3, 50):
                    rows, totals = walk(tx, which, limit, **drawn)
                    assert rows == expected[which], (which, limit, drawn)
                    assert totals == {len(expected[which])}, (which, limit)
                lengths[which] = max(lengths[which], len(expected[which]))
            # and the dashboard shows the first page of each, with each list's length
            board = continuity_dashboard(tx, limit=4, **drawn)
            for which, page in board.pages.items():
                assert [shown(which, item) for item in page.items] == expected[which][:4]
                assert page.total == len(expected[which])
                assert (page.after is None) == (len(expected[which]) <= 4)
    # the programme filled every list, some beyond a page
    assert all(lengths.values()), lengths
    assert max(lengths.values()) > 4


@pytest.mark.parametrize("programme", [4], indirect=True)
def test_a_view_folded_fact_by_fact_and_one_rebuilt_hold_the_same_rows_and_tally(
    programme: tuple[Programme, Projection],
) -> None:
    told, projection = programme
    # given the view folded one fact at a time
    projection.catch_up()
    folded = projection.digest()
    # when it is rebuilt in batches of a thousand facts
    projection.batch_size = 1000
    projection.rebuild()
    # then every row, and every count of the tally, is the same, and so is every list
    assert projection.digest() == folded
    with projection.reading() as tx:
        drawn = {"now": told.clock.now, "cliff_days": 60, "quiet_days": 30, "include_sensitive": True}
        expected = reference(tx, told.clock.now, 60, 30, True)
        for which in DashboardList:
            assert walk(tx, which, 2, **drawn) == (expected[which], {len(expected[which])})


@pytest.mark.parametrize("programme", [5], indirect=True)
def test_cohort_ends_and_handovers_to_a_volunteer_are_read_without_every_family(
    programme: tuple[Programme, Projection],
) -> None:
    told, projection = programme
    with projection.reading() as tx:
        now = told.clock.now
        every = reference(tx, now, 60, 30, True)[DashboardList.FAMILIES]
        # the cohorts whose volunteers lead open families: as many families as the whole list counts for each
        led: dict[str, int] = {}
        cohort_of = dict(tx.query("SELECT volunteer_id, cohort_id FROM continuity_volunteer"))
        for row in every:
            if row["covered"]:
                led[cohort_of[row["lead"]]] = led.get(cohort_of[row["lead"]], 0) + 1
        assert {c.cohort_id: c.families for c in cohort_ends(tx, now=now)} == led
        ends = [c.ends_on for c in cohort_ends(tx, now=now)]
        assert ends == sorted(ends)
        # the families being handed over to each volunteer, by name
        for volunteer in told.volunteers:
            incoming = [r["id"] for r in every if r["handover"] and _incoming(tx, r["handover"][0]) == str(volunteer)]
            assert [f.family_id for f in handed_over_to(tx, str(volunteer))] == incoming


def _incoming(tx: Tx, handover_id: str) -> str:
    row = tx.one("SELECT incoming_id FROM continuity_handover WHERE handover_id = ?", [handover_id])
    assert row is not None
    return str(row[0])
