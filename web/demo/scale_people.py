"""A programme's people at scale: a cohort recruited every year for eighteen months, and its volunteers' lives.

The calendar is the demo story's (``web.demo.data``): counted back from the cohort that leaves
``LEAVING_IN`` days after today, so that every generated store shows handovers under way today. Each
volunteer's life is decided up front (registered, activated, perhaps opted into alumni contact, then
graduated at the cohort's end or withdrawn before it) and recorded before any family: the families are
then simulated one at a time against each volunteer's standing *while on duty*.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain import Peiban
from domain.actor import Actor
from domain.aggregate import CommandId, Entry, PeibanAggregate
from domain.cohort import Cohort
from domain.values import DepartureReason
from domain.volunteer import Departure, Volunteer, VolunteerStanding
from web.demo import data as d

DAY = timedelta(days=1)
#: Share of volunteers who withdraw before their cohort ends, and who opt into alumni contact.
WITHDRAWS, OPTS_IN = 0.05, 0.5
SURNAMES = (
    "李王张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高梁宋谢唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)


class Clerk:
    """Entries of facts as staff write them up: mostly the same day, sometimes days late, never in the future,
    and each record's entries in the order they were written."""

    def __init__(self, rng: random.Random, by: Actor, until: datetime) -> None:
        self.rng, self.by, self.until = rng, by, until
        self.written: dict[UUID, datetime] = {}

    def entry(self, record: UUID | None, when: datetime, command_id: CommandId | None = None) -> Entry:
        late = self.rng.random()
        lag = timedelta(minutes=self.rng.randint(5, 600)) if late < 0.85 else DAY * self.rng.randint(1, 6)
        now = min(when + lag, self.until)
        if record is not None:
            now = max(now, self.written.get(record, now))
            self.written[record] = now
        return Entry(self.by, when, now, command_id)

    def began(self, record: UUID, entry: Entry) -> None:
        """``record`` was created by ``entry``: its later facts are written after it."""
        self.written[record] = entry.now


@dataclass(frozen=True)
class Term:
    """One cohort: when it was recruited, when its volunteers were on duty, when it ends."""

    index: int
    cohort_id: UUID
    intake: datetime
    on_duty: datetime
    end: datetime


@dataclass
class Member:
    """A volunteer as the families need them: their standing while on duty, and how (if) they left."""

    standing: VolunteerStanding
    term: Term
    withdraws_at: datetime | None = None
    departure: Departure | None = None

    def stays_past(self, when: datetime) -> bool:
        return self.withdraws_at is None or self.withdraws_at > when


@dataclass
class Staff:
    """Every cohort and its volunteers, oldest first."""

    terms: list[Term] = field(default_factory=list)
    members: list[list[Member]] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def volunteers(self) -> int:
        return sum(len(m) for m in self.members)

    def term_at(self, when: datetime) -> Term:
        """The newest cohort on duty at ``when`` with at least four months to serve (else the newest on duty)."""
        on_duty = [t for t in self.terms if t.on_duty <= when < t.end]
        serving = [t for t in on_duty if t.end - when > 120 * DAY]
        return (serving or on_duty or self.terms[-1:])[-1]

    def pick(self, term: Term, rng: random.Random, until: datetime) -> Member:
        """A volunteer of ``term`` who stays on duty until ``until``."""
        people = self.members[term.index]
        for _ in range(20):
            member = rng.choice(people)
            if member.stays_past(until):
                return member
        return next((m for m in people if m.stays_past(until)), people[0])


def recruit(app: Peiban, clerk: Clerk, *, families: int, start: datetime, today: datetime) -> Staff:
    """Open every cohort the calendar needs from ``start`` to ``today``, with their volunteers' lives recorded."""
    staff = Staff()
    leaving_end = today + d.LEAVING_IN * DAY
    back = max(0, -(-((leaving_end - d.COHORT_TERM * DAY) - (start - 30 * DAY)).days // d.INTAKE_EVERY))
    for k in range(back + 2):
        end = leaving_end + (k - back) * d.INTAKE_EVERY * DAY
        intake = end - d.COHORT_TERM * DAY
        cohort = Cohort.open(
            clerk.entry(None, intake), name=f"{intake.year}级", intake_on=intake.date(), expected_end_on=end.date()
        )
        term = Term(k, cohort.id, intake, intake + 14 * DAY, end)
        people = [_volunteer(clerk, term, j, today) for j in range(max(3, families * 2 // 5))]
        staff.terms.append(term)
        staff.members.append([member for member, _ in people])
        save_counted(app, staff.kinds, cohort, *(volunteer for _, volunteer in people))
    return staff


def _volunteer(clerk: Clerk, term: Term, j: int, today: datetime) -> tuple[Member, Volunteer]:
    rng = clerk.rng
    registered = term.intake + DAY * rng.uniform(0, 5)
    entry = clerk.entry(None, registered)
    volunteer = Volunteer.register(entry, name=f"{rng.choice(SURNAMES)}{j}", cohort_id=term.cohort_id, contact="微信")
    clerk.began(volunteer.id, entry)
    active = term.intake + DAY * rng.uniform(6, 13.9)
    volunteer.activate(clerk.entry(volunteer.id, active))
    if rng.random() < OPTS_IN and active + 30 * DAY < today:
        volunteer.opt_into_alumni_contact(clerk.entry(volunteer.id, active + DAY * rng.uniform(1, 30)))
    member = Member(volunteer.standing, term)
    if rng.random() < WITHDRAWS:
        member.withdraws_at = active + (term.end - active - 90 * DAY) * rng.uniform(0.15, 1)
        if member.withdraws_at < today:
            fact_id = volunteer.depart(clerk.entry(volunteer.id, member.withdraws_at), reason=DepartureReason.WITHDREW)
            member.departure = Departure(volunteer.id, fact_id, member.withdraws_at)
        return member, volunteer
    if term.end - 30 * DAY < today:
        volunteer.announce_departure(clerk.entry(volunteer.id, term.end - 30 * DAY), expected_on=term.end.date())
    graduated = term.end + DAY * rng.uniform(1, 7)
    if graduated < today:
        volunteer.depart(clerk.entry(volunteer.id, graduated), reason=DepartureReason.GRADUATED)
    return member, volunteer


def save_counted(app: Peiban, kinds: Counter[str], *records: PeibanAggregate) -> None:
    """Save ``records`` in one transaction, counting their facts by kind."""
    for record in records:
        kinds.update(type(fact).__name__ for fact in record.pending_events)
    app.save(*records)
