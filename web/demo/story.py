"""The demo story: three years of a companionship programme, loaded into an empty store.

The whole story is planned first as steps, one command each at a moment of a simulated clock; the
steps are sorted by when they were recorded and replayed through the application's public commands,
so every rule applies and the log reads as if staff had typed it over the years. Steps recorded after
the story's end (the start of ``today``) are left out, which is why the cohort leaving now is caught
mid-handover. The calendar is counted in days back from ``today``, and the showcase handovers are placed
relative to it, so every day shows the same situations. The story is seeded: two loads for the same
``today`` record the same facts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain import Actor, Peiban
from domain.encryption import KeyRing
from domain.family_base import promise_ids
from domain.values import (
    Circumstance,
    ConsentScope,
    DepartureReason,
    GuardianConsent,
    HouseholdMember,
    Relation,
    Role,
)
from web.demo import data as d

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = 20231115
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
VISIT_TIMES = ((16, 0), (16, 30), (17, 0), (10, 0))
COORD, SW = d.COORDINATOR, d.SOCIAL_WORKER
Progress = Callable[[int, int], None]


class DemoStoreNotEmpty(Exception):
    """The demo only goes into an empty store: it must never mix with real records."""

    def __init__(self, facts: int) -> None:
        self.facts = facts
        super().__init__(
            f"存储中已有 {facts} 条事实，示例数据只能载入空存储 / "
            f"The store already holds {facts} facts: the demo loads only into an empty store"
        )


@dataclass(frozen=True)
class DemoSummary:
    """What the demo loaded, and where to find its notable moments."""

    cohorts: int
    volunteers: int
    families: int
    facts: int
    alumni_family_id: UUID  # still gets messages from a volunteer who has left
    alumni_volunteer_id: UUID
    corrected_family_id: UUID  # holds the amendment, the retraction and the late entry
    amended_fact_id: UUID
    retracted_fact_id: UUID
    late_entry_fact_id: UUID  # a Monday visit written up on Thursday
    closed_family_id: UUID  # closed soon after its handover
    uncovered_family_id: UUID  # has no lead now
    cliff_family_id: UUID  # its lead's cohort ends soon, and no handover is planned
    quiet_family_id: UUID  # no visit or message for over two months
    planned_family_id: UUID  # a handover planned, its first joint visit still to come
    joint_visits_family_id: UUID  # a handover under way: a joint visit done, more to come
    compartment_family_id: UUID  # holds a concern on the anti-domestic-violence line


class SimulatedClock:
    """The application's clock during the load: the story says what time it is, and time only moves on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance_to(self, moment: datetime) -> None:
        if moment < self.now:
            raise ValueError("the simulated clock never goes back")
        self.now = moment.astimezone(UTC)


@dataclass(frozen=True)
class Step:
    """One command, recorded at ``recorded_at``; ``target`` and fields named ``*_id(s)`` are keys of earlier ids."""

    recorded_at: datetime
    command: str
    target: str | None
    fields: Mapping[str, Any]
    save_as: str | None = None

    def run(self, app: Peiban, ids: dict[str, UUID]) -> None:
        def resolve(name: str, value: Any) -> Any:
            if name.endswith("_ids"):
                return [ids[key] for key in value]
            return ids[value] if name.endswith("_id") else value

        args = [ids[self.target]] if self.target else []
        result = getattr(app, self.command)(*args, **{k: resolve(k, v) for k, v in self.fields.items()})
        if self.save_as:
            ids[self.save_as] = result
            for n, promise in enumerate(promise_ids(result, self.fields.get("follow_ups_promised") or [])):
                ids[f"{self.save_as}:promise:{n}"] = promise  # a promise of the visit, to keep or let go later


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def _fill(value: Any, words: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**words)
    if isinstance(value, Mapping):
        return _filled(value, words)
    return [_fill(v, words) for v in value] if isinstance(value, (list, tuple)) else value


def _filled(fields: Mapping[str, Any], words: Mapping[str, str]) -> dict[str, Any]:
    """The fields with ``{child}``, ``{carer}`` and the like filled in, in every text they hold."""
    return {name: _fill(value, words) for name, value in fields.items()}


def _vol(cohort: int, index: int) -> str:
    return f"volunteer:{cohort}:{index}"


def _fam(index: int) -> str:
    return f"family:{index}"


class Story:
    """The plan: every step of the demo, and the calendar it hangs on."""

    def __init__(self, today: date) -> None:
        self.rng = random.Random(SEED)
        self.today = today
        self.steps: list[Step] = []
        # Counted back in days from the end of the leaving cohort, so that every day tells the same story.
        leaving = today + (d.LEAVING_IN - d.COHORT_TERM) * DAY
        self.intakes = [leaving + (k - d.LEAVING_COHORT) * d.INTAKE_EVERY * DAY for k in range(len(d.VOLUNTEERS))]
        self.ends = [intake + d.COHORT_TERM * DAY for intake in self.intakes]
        self.withdrawn: set[str] = set()
        self.kept: set[str] = set()  # left a family that agreed to keep in touch
        self.alumni: set[str] = set()  # opted into alumni contact

    def fact(
        self,
        by: str,
        command: str,
        target: str | None,
        at: datetime,
        *,
        late: timedelta | None = None,
        save_as: str | None = None,
        **fields: Any,
    ) -> None:
        """Something that happened ``at``, written up a few hours later (or ``late``)."""
        recorded = at + (late if late is not None else timedelta(hours=self.rng.randint(1, 4)))
        self.act(by, command, target, recorded, save_as=save_as, occurred_at=at, **fields)

    def act(
        self, by: str, command: str, target: str | None, at: datetime, *, save_as: str | None = None, **fields: Any
    ) -> None:
        """A command recorded ``at``."""
        self.steps.append(Step(at, command, target, {"recorded_by": Actor(by), **fields}, save_as))

    def name(self, volunteer: str) -> str:
        _, cohort, index = volunteer.split(":")
        return d.VOLUNTEERS[int(cohort)][int(index)]

    def words(self, i: int, outgoing: str = "", incoming: str = "") -> dict[str, str]:
        """What the family's texts are filled in with."""
        seed = d.FAMILIES[i]
        names = {"outgoing": outgoing and self.name(outgoing), "incoming": incoming and self.name(incoming)}
        return {"family": seed.display_name, "child": seed.child[0], "carer": seed.carer, "likes": seed.likes, **names}

    # ---- cohorts ----------------------------------------------------------------------

    def cohort(self, k: int) -> None:
        """Opened, its recruits registered, and after two weeks' training on duty."""
        intake, key = self.intakes[k], f"cohort:{k}"
        name, end = f"{intake.year}级", self.ends[k]
        self.act(
            COORD, "open_cohort", None, _at(intake, 9), save_as=key, name=name, intake_on=intake, expected_end_on=end
        )
        for j, person in enumerate(d.VOLUNTEERS[k]):
            school, major = d.STUDIES[j % len(d.STUDIES)]
            profile: dict[str, Any] = {
                "name": person,
                "contact": f"微信 pb{intake.year}{j + 1:02d}",
                "school": school,
                "major": major,
            }
            self.fact(
                COORD, "register_volunteer", None, _at(intake, 10, 5 * j), save_as=_vol(k, j), cohort_id=key, **profile
            )
            self.fact(COORD, "activate_volunteer", _vol(k, j), _at(intake + 14 * DAY, 9))

    def cohort_end(self, k: int) -> None:
        """Departures announced two months ahead; some opt into alumni contact; graduation; the cohort closed."""
        end = self.ends[k]
        for v in (_vol(k, j) for j in range(len(d.VOLUNTEERS[k]))):
            if v in self.withdrawn:
                continue
            self.fact(COORD, "announce_departure", v, _at(end - 60 * DAY, 10), expected_on=end)
            if v in self.kept - self.alumni and self.rng.random() < 0.6:
                self.fact(self.name(v), "set_alumni_contact", v, _at(end - 10 * DAY, 20), opted_in=True)
            self.fact(COORD, "record_departure", v, _at(end, 17), reason=DepartureReason.GRADUATED)
        self.act(COORD, "close_cohort", f"cohort:{k}", _at(end + 14 * DAY, 10))

    # ---- families -----------------------------------------------------------------------

    def family(self, i: int) -> None:
        """Enrolment, then each lead in turn, joined by handovers, until today (or closure)."""
        seed, (wave, leads), f = d.FAMILIES[i], d.JOURNEYS[i], _fam(i)
        start = _at(self.intakes[wave] + timedelta(days=21 + 5 * (i % 7)), 10)
        self.fact(COORD, "enrol_family", None, start, save_as=f, **self.profile(seed, start.date()))
        lead_from = start + 3 * DAY
        self.fact(COORD, "assign_volunteer", f, lead_from, volunteer_id=_vol(wave, leads[0]), role=Role.LEAD)
        for j in range(len(leads) - 1):
            out, inc = _vol(wave + j, leads[j]), _vol(wave + j + 1, leads[j + 1])
            if i == d.REOPENED and j == 0:
                lead_from = self.close_and_reopen(i, out, inc, lead_from)
                continue
            plan_on = self.handover_planned_on(i, wave + j)
            self.tenure(i, j, out, lead_from, _at(plan_on, 9))
            lead_from = self.handover(i, j, out, inc, plan_on)
        j, last = len(leads) - 1, _vol(wave + len(leads) - 1, leads[-1])
        if i == d.LOST_AT_HANDOVER:
            self.tenure(i, j, last, lead_from, lead_from + 45 * DAY)
            self.fact(COORD, "close_family", f, lead_from + 60 * DAY, **d.LOST_CLOSE)
        elif i == d.WITHDRAWN_LEAD:
            left = _at(self.today - 25 * DAY, 11)
            self.tenure(i, j, last, lead_from, left - 7 * DAY)
            self.fact(COORD, "unassign_volunteer", f, left, volunteer_id=last, **d.LEAD_WITHDREW)
            self.fact(COORD, "record_departure", last, left, reason=DepartureReason.WITHDREW)
            self.withdrawn.add(last)
        else:
            self.tenure(i, j, last, lead_from, _at(self.today - (80 if i == d.QUIET else 0) * DAY, 0))

    def handover_planned_on(self, i: int, cohort: int) -> date:
        """When the handover from the family's lead in ``cohort`` is planned: some weeks before the cohort ends,
        or, for the leaving cohort's showcase families, a set number of days before the story's last day."""
        if cohort == d.LEAVING_COHORT and i in d.UNDER_WAY:
            return self.today - d.UNDER_WAY[i] * DAY
        return self.ends[cohort] - timedelta(days=self.rng.randint(75, 140))

    def profile(self, seed: d.FamilySeed, on: date) -> dict[str, Any]:
        """The enrolment fields: household with birth years and aliases, and the main carer's consent."""
        (child, age), (relation, *_) = seed.child, seed.members[0]
        members = [HouseholdMember(Relation.CHILD, on.year - age, child)]
        members += [HouseholdMember(Relation(r), on.year - a, alias) for r, a, alias in seed.members]
        scopes = (ConsentScope.RECORDS, ConsentScope.HOME_VISITS, ConsentScope.REFERRALS, ConsentScope.KEEP_IN_TOUCH)
        return {
            "display_name": seed.display_name,
            "community": seed.community,
            "household": members,
            "referral_source": seed.referral_source,
            "circumstances": [Circumstance(c) for c in seed.circumstances],
            "consent": GuardianConsent(Relation(relation), scopes, on),
        }

    def tenure(self, i: int, j: int, volunteer: str, start: datetime, stop: datetime) -> None:
        """The j-th lead's time with the family: regular visits and messages, and the family's episode, if any."""
        self.accompany(i, volunteer, start, stop)
        episodes = {
            (d.CONCERN, 1): self.concern,
            (d.SENSITIVE, 1): self.sensitive_concern,
            (d.CORRECTED, 0): self.corrections,
            (d.CO_LED, 0): self.co_lead,
        }
        if (i, j) in episodes:
            episodes[i, j](i, volunteer, (start + (stop - start) / 2).date())

    def accompany(self, i: int, volunteer: str, start: datetime, stop: datetime) -> None:
        """A visit every two to five weeks (a few written up days late), and often a message in between."""
        words, by, f = self.words(i), self.name(volunteer), _fam(i)
        day = start.date() + timedelta(days=self.rng.randint(4, 10))
        while _at(day, 20) < stop - 2 * DAY:
            late = timedelta(days=self.rng.randint(1, 3), hours=4) if self.rng.random() < 0.1 else None
            at = _at(day, *self.rng.choice(VISIT_TIMES))
            fields, key = self.visit(words), f"{f}:visit:{day}"
            self.fact(by, "log_visit", f, at, late=late, save_as=key, volunteer_ids=[volunteer], **fields)
            if fields["follow_ups_promised"]:
                self.settle_promise(by, f, f"{key}:promise:0", day, stop)
            gap = self.rng.randint(16, 38)
            sent = _at(day + timedelta(days=self.rng.randint(3, gap - 3)), 20, 30)
            if self.rng.random() < 0.6 and sent < stop:
                self.fact(by, "log_message", f, sent, volunteer_id=volunteer, **self.message(words))
            day += timedelta(days=gap)

    def settle_promise(self, by: str, f: str, promise: str, day: date, stop: datetime) -> None:
        """A promise is kept a week or so later (one in ten let go); one made lately is still open. Decided by the
        day, not the random draws, so that the rest of the story is drawn as before."""
        settled = _at(day + timedelta(days=7 + day.toordinal() % 5), 19)
        if settled >= stop - 2 * DAY:
            return
        written: dict[str, Any] = {"occurred_at": settled, "promise_id": promise}
        if day.toordinal() % 10 == 0:
            self.act(by, "let_promise_go", f, settled + 2 * HOUR, reason=d.PROMISE_LET_GO, **written)
        else:
            self.act(by, "keep_promise", f, settled + 2 * HOUR, note=d.PROMISE_KEPT, **written)

    def visit(self, words: dict[str, str]) -> dict[str, Any]:
        """An ordinary visit's fields, drawn from the tables."""
        rng = self.rng
        return _filled(
            {
                "place": rng.choice(("home", "home", "home", "centre", "school")),
                "duration_minutes": rng.choice((60, 90, 90, 120)),
                "summary": rng.choice(d.VISIT_SUMMARIES),
                "wellbeing": rng.choice(("good", "good", "steady", "steady", "low")),
                "activities": rng.sample(d.ACTIVITIES, rng.randint(1, 3)),
                "follow_ups_promised": [rng.choice(d.PROMISES)] if rng.random() < 0.3 else [],
            },
            words,
        )

    def message(self, words: dict[str, str]) -> dict[str, Any]:
        """An ordinary message's fields: mostly WeChat, from the child or to the carer."""
        inbound = self.rng.random() < 0.5
        return _filled(
            {
                "direction": "from_family" if inbound else "to_family",
                "channel": self.rng.choices(("wechat", "phone", "sms"), weights=(8, 1, 1))[0],
                "family_member": "{child}" if inbound else "{carer}",
                "summary": self.rng.choice(d.FROM_FAMILY if inbound else d.TO_FAMILY),
            },
            words,
        )

    # ---- handovers ----------------------------------------------------------------------

    def handover(self, i: int, j: int, out: str, inc: str, plan_on: date) -> datetime:
        """A warm handover: a letter, one to three joint visits, the family's agreement; returns when it completed."""
        f, words, by = _fam(i), self.words(i, out, inc), self.name(out)
        if i == d.CANCELLED and j == 0:
            self.cancelled_handover(i, out, plan_on - 25 * DAY)
        if i == d.SHADOWED and j == 1:
            self.fact(COORD, "assign_volunteer", f, _at(plan_on - 14 * DAY, 10), volunteer_id=inc, role=Role.SHADOW)
        handover = self.plan_handover(i, out, inc, plan_on, f"{f}:handover:{j}")
        without_joint_visit = i == d.NO_JOINT_VISIT and j == 0
        joint = 0 if without_joint_visit else 3 if i in d.UNDER_WAY else self.rng.randint(1, 3)
        for n in range(joint):
            visit = {**d.JOINT_VISIT, "summary": d.JOINT_VISIT_SUMMARIES[n]}
            at = _at(plan_on + timedelta(days=10 + 18 * n), 16)
            self.fact(by, "log_visit", f, at, volunteer_ids=[out, inc], **_filled(visit, words))
        keep = (i == d.ALUMNI and j == 0) or self.rng.random() < 0.4
        note = _fill(d.AGREEMENT["note"], words) + (d.KEEP_IN_TOUCH_NOTE if keep else "")
        agreed = _at(plan_on + timedelta(days=12 if joint else 14), 19)
        self.fact(by, "record_family_agreement", f, agreed, handover_id=handover, note=note)
        done = _at(plan_on + timedelta(days=18 * max(joint, 1) + 7), 11)
        if keep:
            self.kept.add(out)
        if i == d.ALUMNI and j == 0:
            self.fact(by, "set_alumni_contact", out, done - DAY, opted_in=True)
            self.alumni.add(out)
            self.alumni_messages(i, out)
        reason = d.NO_JOINT_VISIT_REASON if without_joint_visit else ""
        self.fact(
            COORD, "complete_handover", f, done, handover_id=handover, keep_in_touch=keep, no_joint_visit_reason=reason
        )
        return done

    def plan_handover(self, i: int, out: str, inc: str, on: date, key: str) -> str:
        """Planned by the coordinator, with the outgoing volunteer's letter to the newcomer; returns its key."""
        who: dict[str, Any] = {"outgoing_volunteer_id": out, "incoming_volunteer_id": inc}
        letter = d.HANDOVER_LETTER.format(**self.words(i, out, inc))
        self.fact(
            COORD, "plan_handover", _fam(i), _at(on, 10), save_as=key, planned_on=on + 24 * DAY, letter=letter, **who
        )
        return key

    def cancelled_handover(self, i: int, out: str, plan_on: date) -> None:
        """The first newcomer meets the family once, then withdraws from the programme."""
        f, newcomer = _fam(i), _vol(*d.CANCELLED_NEWCOMER)
        handover = self.plan_handover(i, out, newcomer, plan_on, f"{f}:handover:cancelled")
        visit = _filled({**d.JOINT_VISIT, "summary": d.JOINT_VISIT_SUMMARIES[0]}, self.words(i, out, newcomer))
        self.fact(self.name(out), "log_visit", f, _at(plan_on + 8 * DAY, 16), volunteer_ids=[out, newcomer], **visit)
        self.fact(COORD, "cancel_handover", f, _at(plan_on + 20 * DAY, 10), handover_id=handover, **d.CANCEL)
        self.fact(COORD, "record_departure", newcomer, _at(plan_on + 21 * DAY, 10), reason=DepartureReason.WITHDREW)
        self.withdrawn.add(newcomer)

    def close_and_reopen(self, i: int, out: str, inc: str, lead_from: datetime) -> datetime:
        """The child goes to live with the mother elsewhere, then comes back; returns when the new lead starts."""
        closed, reopened = _at(self.intakes[0] + 300 * DAY, 15), _at(self.intakes[1] + 45 * DAY, 10)
        self.tenure(i, 0, out, lead_from, closed - 10 * DAY)
        self.fact(COORD, "close_family", _fam(i), closed, **d.PAUSE_CLOSE)
        self.fact(COORD, "reopen_family", _fam(i), reopened, **d.REOPEN)
        self.fact(COORD, "assign_volunteer", _fam(i), reopened + 2 * DAY, volunteer_id=inc, role=Role.LEAD)
        return reopened + 2 * DAY

    def alumni_messages(self, i: int, alumni: str) -> None:
        """The first cold spell after the volunteer left: the child writes, and the volunteer answers."""
        left = self.ends[int(alumni.split(":")[1])] + 14 * DAY
        winter = date(left.year, 11, 25) if left <= date(left.year, 11, 25) else date(left.year + 1, 11, 25)
        words, by, f = self.words(i), self.name(alumni), _fam(i)
        self.fact(by, "log_message", f, _at(winter, 20), volunteer_id=alumni, **_filled(d.ALUMNI_MESSAGE, words))
        self.fact(by, "log_message", f, _at(winter, 20, 15), volunteer_id=alumni, **d.ALUMNI_REPLY)

    # ---- episodes -----------------------------------------------------------------------

    def concern(self, i: int, volunteer: str, day: date) -> None:
        """A low visit, a concern, a talk with the teacher, the activity room, and things getting better."""
        f, words, by = _fam(i), self.words(i), self.name(volunteer)
        concern, follow_up = f"{f}:concern", f"{f}:follow-up"
        self.fact(by, "log_visit", f, _at(day, 16), volunteer_ids=[volunteer], **_filled(d.LOW_VISIT, words))
        self.fact(by, "raise_concern", f, _at(day, 18), save_as=concern, **_filled(d.CONCERN_RAISED, words))
        due: dict[str, Any] = {"due_on": day + 14 * DAY, "volunteer_id": volunteer, "concern_id": concern}
        self.fact(SW, "schedule_follow_up", f, _at(day + DAY, 10), save_as=follow_up, **due, **d.CONCERN_FOLLOW_UP)
        self.fact(SW, "make_referral", f, _at(day + 2 * DAY, 10), concern_id=concern, **d.CONCERN_REFERRAL)
        self.fact(
            by, "complete_follow_up", f, _at(day + 9 * DAY, 18), follow_up_id=follow_up, **d.CONCERN_FOLLOW_UP_DONE
        )
        self.fact(SW, "resolve_concern", f, _at(day + 45 * DAY, 11), concern_id=concern, **d.CONCERN_RESOLVED)

    def sensitive_concern(self, i: int, volunteer: str, day: date) -> None:
        """A concern for the anti-domestic-violence line, recorded by the social worker with no details."""
        f = _fam(i)
        concern, follow_up = f"{f}:sensitive-concern", f"{f}:sensitive-follow-up"
        self.fact(SW, "raise_concern", f, _at(day, 11), save_as=concern, **d.SENSITIVE_CONCERN)
        self.fact(SW, "make_referral", f, _at(day, 11, 30), concern_id=concern, **d.SENSITIVE_REFERRAL)
        due: dict[str, Any] = {"due_on": day + 7 * DAY, "concern_id": concern}
        self.fact(SW, "schedule_follow_up", f, _at(day, 12), save_as=follow_up, **due, **d.SENSITIVE_FOLLOW_UP)
        self.fact(
            SW, "complete_follow_up", f, _at(day + 6 * DAY, 15), follow_up_id=follow_up, **d.SENSITIVE_FOLLOW_UP_DONE
        )

    def corrections(self, i: int, volunteer: str, day: date) -> None:
        """A visit amended, a message logged twice and the copy retracted, a Monday visit written up on Thursday."""
        f, words, by = _fam(i), self.words(i), self.name(volunteer)
        visit = _filled(d.AMENDED_VISIT, words)
        self.fact(by, "log_visit", f, _at(day, 15), save_as="fact:amended", volunteer_ids=[volunteer], **visit)
        self.act(
            by, "amend_fact", f, _at(day + 2 * DAY, 21), target_event_id="fact:amended", **_filled(d.AMENDMENT, words)
        )
        sent, message = _at(day + 5 * DAY, 19), self.message(words)
        self.fact(by, "log_message", f, sent, late=timedelta(hours=1), volunteer_id=volunteer, **message)
        copy: dict[str, Any] = {"late": timedelta(hours=2), "save_as": "fact:retracted"}
        self.fact(by, "log_message", f, sent, volunteer_id=volunteer, **copy, **message)
        self.act(by, "retract_fact", f, sent + DAY, target_event_id="fact:retracted", **d.RETRACTION)
        monday, written_up = _at(day + timedelta(days=14 - day.weekday()), 16), timedelta(days=3, hours=5)
        visit = _filled(d.LATE_VISIT, words)
        self.fact(by, "log_visit", f, monday, late=written_up, save_as="fact:late", volunteer_ids=[volunteer], **visit)

    def co_lead(self, i: int, volunteer: str, day: date) -> None:
        """A second volunteer helps as co until shortly before graduating."""
        f, co, assigned = _fam(i), _vol(*d.CO_VOLUNTEER), _at(day - 60 * DAY, 10)
        self.fact(COORD, "assign_volunteer", f, assigned, volunteer_id=co, role=Role.CO)
        visit = self.visit(self.words(i))
        self.fact(self.name(volunteer), "log_visit", f, assigned + 10 * DAY, volunteer_ids=[volunteer, co], **visit)
        ends = _at(self.ends[d.CO_VOLUNTEER[0]] - 40 * DAY, 10)
        self.fact(COORD, "unassign_volunteer", f, ends, volunteer_id=co, **d.CO_ENDS)


def plan_demo(today: date) -> list[Step]:
    """Every step of the story in the order it is recorded, up to the start of ``today`` (UTC)."""
    story = Story(today)
    for k in range(len(d.VOLUNTEERS)):
        story.cohort(k)
    for i in range(len(d.FAMILIES)):
        story.family(i)
    for k in range(len(d.VOLUNTEERS)):
        story.cohort_end(k)
    end = datetime.combine(today, time(), UTC)
    return sorted((s for s in story.steps if s.recorded_at < end), key=lambda s: s.recorded_at)


def load_demo(
    env: Mapping[str, str], *, progress: Progress | None = None, today: date | None = None, keys: KeyRing | None = None
) -> DemoSummary:
    """Load the demo story, ending just before ``today`` (default: today in UTC), into the empty store ``env``
    names, encrypted with ``keys`` (as the web layer always stores it)."""
    now = datetime.now(UTC)
    if today is not None and today > now.date():
        raise ValueError("the demo story cannot end in the future")
    steps = plan_demo(today or now.date())
    clock = SimulatedClock(steps[0].recorded_at)
    app = Peiban(env, clock=clock, keys=keys)
    try:
        if app.log_position():
            raise DemoStoreNotEmpty(app.log_position())
        ids: dict[str, UUID] = {}
        for done, step in enumerate(steps, start=1):
            clock.advance_to(step.recorded_at)
            step.run(app, ids)
            if progress:
                progress(done, len(steps))
        return _summary(ids, app.log_position())
    finally:
        app.close()


def _summary(ids: dict[str, UUID], facts: int) -> DemoSummary:
    wave, leads = d.JOURNEYS[d.ALUMNI]
    return DemoSummary(
        cohorts=sum(f"cohort:{k}" in ids for k in range(len(d.VOLUNTEERS))),
        volunteers=sum(_vol(k, j) in ids for k, people in enumerate(d.VOLUNTEERS) for j in range(len(people))),
        families=sum(_fam(i) in ids for i in range(len(d.FAMILIES))),
        facts=facts,
        alumni_family_id=ids[_fam(d.ALUMNI)],
        alumni_volunteer_id=ids[_vol(wave, leads[0])],
        corrected_family_id=ids[_fam(d.CORRECTED)],
        amended_fact_id=ids["fact:amended"],
        retracted_fact_id=ids["fact:retracted"],
        late_entry_fact_id=ids["fact:late"],
        closed_family_id=ids[_fam(d.LOST_AT_HANDOVER)],
        uncovered_family_id=ids[_fam(d.WITHDRAWN_LEAD)],
        cliff_family_id=ids[_fam(d.REOPENED)],
        quiet_family_id=ids[_fam(d.QUIET)],
        planned_family_id=ids[_fam(d.JUST_PLANNED)],
        joint_visits_family_id=ids[_fam(d.IN_JOINT_VISITS)],
        compartment_family_id=ids[_fam(d.SENSITIVE)],
    )
