"""Years of a programme at scale (``peiban demo --scale FAMILIES --years Y``): realistic rates, fast.

Every family's life is planned as moments (enrolled; a lead from the newest cohort; visits two to four
times a month and messages in between; now and then a concern, sometimes referred or followed up; at the
cohort's end a handover to a volunteer of the next cohort, often one who shadowed first, with joint visits;
alumni keeping in touch; a lead who withdraws leaving the family uncovered for a while; some families
closing). The moments are replayed in time order on the real aggregates, so every rule holds, and saved
through the application (encrypted, as ``peiban serve`` requires) a batch of families per transaction.
Moments after today are left out, which is why the cohort leaving now is caught mid-handover.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain import Peiban
from domain.actor import DEPARTURE_POLICY, Actor
from domain.aggregate import Entry
from domain.family import Family
from domain.values import Circumstance, ConsentScope, GuardianConsent, HouseholdMember, Relation, Role
from web.demo.scale_people import DAY, SURNAMES, Clerk, Member, Staff, recruit, save_counted

BY = Actor("generator")
CIRCUMSTANCES = (
    Circumstance.MIGRANT,
    Circumstance.LEFT_BEHIND,
    Circumstance.SINGLE_PARENT,
    Circumstance.GRANDPARENT_CARER,
)
COMMUNITIES = ("城东社区", "桥头村", "新塘社区", "河西社区", "工业园社区", "南湖村")
Action = Callable[[Family, Entry], Any]


@dataclass(frozen=True)
class ScaleSummary:
    """What the generator recorded."""

    cohorts: int
    volunteers: int
    families: int
    facts: int
    kinds: dict[str, int]


@dataclass
class Plan:
    """One family's moments, replayed in time order (ties in the order planned)."""

    clerk: Clerk
    until: datetime
    moments: list[tuple[datetime, int, Action]] = field(default_factory=list)
    closes_at: datetime | None = None

    def at(self, when: datetime, action: Action) -> bool:
        """Plan ``action`` at ``when``; False (and nothing planned) once ``when`` is past the story's end."""
        if when >= self.until:
            return False
        self.moments.append((when, len(self.moments), action))
        return True

    def replay(self, family: Family) -> None:
        for when, _, action in sorted(self.moments, key=lambda m: (m[0], m[1])):
            action(family, self.clerk.entry(family.id, when))


def generate_programme(
    app: Peiban,
    *,
    families: int,
    years: float = 2,
    seed: int = 7,
    today: datetime | None = None,
    batch: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> ScaleSummary:
    """Record ``families`` families over the last ``years`` years, with cohorts and volunteers to match."""
    until = (today or datetime.now(UTC)).astimezone(UTC) - timedelta(minutes=10)
    start, rng, first = until - DAY * round(365 * years), random.Random(seed), app.log_position()
    clerk = Clerk(rng, BY, until)
    staff = recruit(app, clerk, families=families, start=start, today=until)
    waiting: list[Family] = []
    for i in range(families):
        waiting.append(_family(staff, clerk, i, start, until))
        if len(waiting) >= batch or i == families - 1:
            save_counted(app, staff.kinds, *waiting)
            waiting = []
            if progress is not None:
                progress(i + 1, families)
    return ScaleSummary(
        len(staff.terms), staff.volunteers, families, app.log_position() - first, dict(sorted(staff.kinds.items()))
    )


def _family(staff: Staff, clerk: Clerk, i: int, start: datetime, until: datetime) -> Family:
    rng = clerk.rng
    early = rng.random() < 0.6
    enrolled = start + (DAY * rng.uniform(0, 90) if early else (until - start - 30 * DAY) * rng.random())
    entry = clerk.entry(None, enrolled)
    family = Family.enrol(
        entry,
        display_name=f"{rng.choice(SURNAMES)}家{i}",
        community=rng.choice(COMMUNITIES),
        referral_source="学校老师",
        household=[HouseholdMember(Relation.CHILD, enrolled.year - rng.randint(6, 14))],
        circumstances=[rng.choice(CIRCUMSTANCES)],
        consent=GuardianConsent(Relation.MOTHER, (ConsentScope.RECORDS, ConsentScope.HOME_VISITS), enrolled.date()),
    )
    clerk.began(family.id, entry)
    plan = Plan(clerk, until)
    if rng.random() < 0.04 * (until - start).days / 365:
        plan.closes_at = enrolled + (until - enrolled) * rng.uniform(0.2, 1)
    quiet = rng.random() < 0.05  # no visit or message for the last ten weeks
    _accompany(staff, plan, rng, enrolled + DAY * rng.uniform(1, 10), quiet)
    plan.replay(family)
    return family


def _accompany(staff: Staff, plan: Plan, rng: random.Random, t: datetime, quiet: bool) -> None:
    """Leads one after another: each until their handover at their cohort's end, or until they withdraw."""
    term = staff.term_at(t)
    lead = staff.pick(term, rng, t + 60 * DAY)
    if not _take_lead(plan, rng, lead, t):
        return
    while True:
        next_term = staff.terms[min(term.index + 1, len(staff.terms) - 1)]
        planned_on = term.end - DAY * rng.uniform(10, 70)
        incoming = staff.pick(next_term, rng, term.end + 30 * DAY)
        shadow_at = next_term.on_duty + DAY * rng.uniform(20, 60)
        stop = min(m for m in (planned_on, lead.withdraws_at, plan.closes_at) if m is not None)
        shadows = next_term is not term and stop == planned_on and t < shadow_at < stop and rng.random() < 0.3
        _contacts(plan, rng, [lead], t, stop, quiet)
        if shadows:
            plan.at(shadow_at, _assign(incoming, Role.SHADOW))
        if stop == plan.closes_at:
            plan.at(stop, lambda f, e: f.close(e, reason="家庭搬离本市"))
            return
        if stop == lead.withdraws_at:
            if not _withdrawn(plan, lead, stop):
                return
            t = stop + DAY * rng.uniform(7, 45)  # uncovered until the coordinator finds another lead
            term = staff.term_at(t)
            lead = staff.pick(term, rng, t + 60 * DAY)
            if not _take_lead(plan, rng, lead, t):
                return
            continue
        done = _handover(plan, rng, lead, incoming, planned_on, term.end, quiet)
        if done is None:
            return
        t, lead, term = done, incoming, next_term


def _take_lead(plan: Plan, rng: random.Random, lead: Member, t: datetime) -> bool:
    """``lead`` becomes the family's lead at ``t`` (a closure planned before then moves after it)."""
    if plan.closes_at is not None and plan.closes_at <= t:
        plan.closes_at = t + DAY * rng.uniform(10, 60)
    return plan.at(t, _assign(lead, Role.LEAD))


def _assign(member: Member, role: Role) -> Action:
    return lambda f, e: f.assign(e, volunteer=member.standing, role=role)


def _withdrawn(plan: Plan, lead: Member, when: datetime) -> bool:
    """The lead's withdrawal ends their assignment, as the departure policy would (the same command)."""
    departure = lead.departure
    if departure is None:
        return False
    command = departure.command_for

    def end(f: Family, e: Entry) -> None:
        f.end_assignment_on_departure(Entry(DEPARTURE_POLICY, None, e.now, command(f.id)), departure)

    return plan.at(when, end)


def _contacts(plan: Plan, rng: random.Random, leads: list[Member], t: datetime, stop: datetime, quiet: bool) -> None:
    """Visits two to four a month, messages one to three, a concern now and then, from ``t`` until ``stop``."""
    if quiet:
        stop = min(stop, plan.until - 70 * DAY)
    for per_month, make in ((rng.uniform(2, 4), _visit), (rng.uniform(1, 3), _message), (1 / 12, _concern)):
        when = t + DAY * rng.expovariate(per_month / 30)
        while when < stop:
            make(plan, rng, leads, when)
            when += DAY * rng.expovariate(per_month / 30)


def _visit(plan: Plan, rng: random.Random, volunteers: list[Member], when: datetime) -> None:
    standings = [m.standing for m in volunteers]
    fields = {"place": rng.choice(["home", "home", "centre", "school"]), "duration_minutes": rng.randint(40, 150)}
    summary = rng.choice(["陪孩子写作业，聊了学校的事", "一起读绘本，孩子很开心", "和奶奶聊了孩子的近况"])
    plan.at(when, lambda f, e: f.log_visit(e, volunteers=standings, summary=summary, activities=["陪伴"], **fields))


def _message(plan: Plan, rng: random.Random, volunteers: list[Member], when: datetime) -> None:
    standing = volunteers[0].standing
    direction = rng.choice(["from_family", "to_family"])
    plan.at(
        when,
        lambda f, e: f.log_message(e, volunteer=standing, direction=direction, channel="wechat", summary="问候近况"),
    )


def _concern(plan: Plan, rng: random.Random, volunteers: list[Member], when: datetime) -> None:
    sensitive = rng.random() < 0.03
    line = {"service_line": "anti_domestic_violence"} if sensitive else {}
    level, category = rng.choice(["low", "medium", "medium", "high"]), rng.choice(["education", "health", "emotional"])
    raised: dict[str, Any] = {}

    def raise_(f: Family, e: Entry) -> None:
        raised["id"] = f.raise_concern(e, category=category, level=level, summary="需要关注", **line)

    plan.at(when, raise_)
    if rng.random() < 0.25:
        service = "anti_domestic_violence" if sensitive else rng.choice(["youth_centre", "womens_home", "charity_shop"])
        plan.at(
            when + DAY,
            lambda f, e: f.make_referral(e, concern_id=raised["id"], service_line=service, reason="转介跟进"),
        )
    if rng.random() < 0.2:
        _follow_up(plan, when + DAY, raised, (when + 14 * DAY).date())
    plan.at(
        when + DAY * rng.uniform(7, 60),
        lambda f, e: f.resolve_concern(e, concern_id=raised["id"], resolution="情况好转"),
    )


def _follow_up(plan: Plan, when: datetime, concern: dict[str, Any], due: date) -> None:
    scheduled: dict[str, Any] = {}

    def schedule(f: Family, e: Entry) -> None:
        scheduled["id"] = f.schedule_follow_up(e, concern_id=concern["id"], action="电话回访", due_on=due)

    plan.at(when, schedule)
    plan.at(when + 10 * DAY, lambda f, e: f.complete_follow_up(e, follow_up_id=scheduled["id"], note="已回访"))


def _handover(
    plan: Plan, rng: random.Random, out: Member, inc: Member, planned_on: datetime, end: datetime, quiet: bool
) -> datetime | None:
    """Plan, joint visits, the family's agreement, completion just before the cohort ends; when it completed."""
    handover: dict[str, Any] = {}

    def open_(f: Family, e: Entry) -> None:
        handover["id"] = f.plan_handover(
            e,
            outgoing_volunteer_id=out.standing.volunteer_id,
            incoming=inc.standing,
            planned_on=end.date(),
            letter="孩子喜欢画画，奶奶耳朵不太好",
        )

    completed = end - DAY * rng.uniform(0, 8)
    if not plan.at(planned_on, open_):
        return None
    joint = rng.choice([0, 1, 1, 2, 2, 3])
    when = planned_on
    for _ in range(joint):
        when += DAY * rng.uniform(3, 12)
        _visit(plan, rng, [out, inc], min(when, completed - DAY))
    if joint:
        plan.at(completed - DAY / 2, lambda f, e: f.record_family_agreement(e, handover_id=handover["id"], note="同意"))
    _contacts(plan, rng, [out], planned_on, completed, quiet)
    keep = rng.random() < 0.4
    reason = "" if joint else "家长外出打工，未能安排共同家访"
    if not plan.at(
        completed,
        lambda f, e: f.complete_handover(
            e, handover_id=handover["id"], incoming=inc.standing, keep_in_touch=keep, no_joint_visit_reason=reason
        ),
    ):
        return None
    if plan.closes_at is not None and plan.closes_at < completed:
        plan.closes_at = completed + DAY * rng.uniform(10, 80)  # lost at the handover
    if keep and out.standing.alumni_opted_in:
        when = completed + DAY * rng.uniform(30, 120)
        while when < completed + 365 * DAY and (plan.closes_at is None or when < plan.closes_at):
            _message(plan, rng, [out], when)
            when += DAY * rng.uniform(45, 120)
    return completed
