"""Volunteer: a social-work student who accompanies families for about 18 months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import CommandId, PeibanAggregate, check_actor
from domain.checks import Checks
from domain.rules import AlumniChoiceUnchanged, VolunteerStatusRule
from domain.values import DepartureReason, VolunteerStatus

STATUS_ZH = {
    VolunteerStatus.REGISTERED: "已登记未上岗",
    VolunteerStatus.ACTIVE: "在岗",
    VolunteerStatus.DEPARTING: "即将离开",
    VolunteerStatus.DEPARTED: "已离开",
}


@dataclass(frozen=True)
class VolunteerStanding:
    """What a family's rules need to know about a volunteer at the moment of a command."""

    volunteer_id: UUID
    name: str
    status: VolunteerStatus
    departed_at: datetime | None
    alumni_opted_in: bool
    active_since: datetime | None = None

    def describe_status(self) -> str:
        return STATUS_ZH[self.status]

    def was_present_at(self, when: datetime) -> bool:
        """Had not yet left the programme at ``when``."""
        return self.departed_at is None or when < self.departed_at


@dataclass(frozen=True)
class Departure:
    """A volunteer's departure as the families they served need it: who left, when, and which fact says so."""

    volunteer_id: UUID
    fact_id: UUID
    occurred_at: datetime

    @classmethod
    def of(cls, fact: Volunteer.Departed) -> Departure:
        return cls(fact.originator_id, fact.event_id, fact.occurred_at)

    def command_for(self, family_id: UUID) -> CommandId:
        """The one command ending this departure's assignment on ``family_id``: the same however often it is
        sent (a policy run twice, or resumed after a crash), so the family answers it once."""
        return CommandId(uuid5(self.fact_id, f"end-assignment:{family_id}"))


class Volunteer(PeibanAggregate, created_event_name="Registered"):
    """A volunteer from registration to departure, and afterwards as alumni."""

    TOPIC = "peiban.Volunteer"

    class Created(PeibanAggregate.Created, PeibanAggregate.Event):
        TOPIC = "peiban.Volunteer.Created"

    class Registered(Created):
        TOPIC = "peiban.Volunteer.Registered"
        name: str
        cohort_id: UUID
        contact: str
        school: str
        major: str

    class Activated(PeibanAggregate.Event):
        TOPIC = "peiban.Volunteer.Activated"

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.status = VolunteerStatus.ACTIVE
            volunteer.active_since = self.occurred_at

    class DepartureAnnounced(PeibanAggregate.Event):
        TOPIC = "peiban.Volunteer.DepartureAnnounced"
        expected_on: date

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.status = VolunteerStatus.DEPARTING
            volunteer.expected_departure_on = self.expected_on

    class Departed(PeibanAggregate.Event):
        TOPIC = "peiban.Volunteer.Departed"
        reason: DepartureReason

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.status = VolunteerStatus.DEPARTED
            volunteer.departed_at = self.occurred_at
            volunteer.departure_reason = self.reason

    class AlumniContactOptedIn(PeibanAggregate.Event):
        TOPIC = "peiban.Volunteer.AlumniContactOptedIn"

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.alumni_opted_in = True

    class AlumniContactOptedOut(PeibanAggregate.Event):
        TOPIC = "peiban.Volunteer.AlumniContactOptedOut"

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.alumni_opted_in = False

    class Erased(PeibanAggregate.Event):
        """The volunteer's key was destroyed: a fact without personal data, kept readable under the erasure
        register's key. It keeps what the programme's figures and the families' histories need of the
        volunteer (their cohort, when they served) and the accounts that were theirs (ids only), so that
        views, rebuilt after the key is gone, still place them, nameless, where they were."""

        TOPIC = "peiban.Volunteer.Erased"
        reason: str
        cohort_id: UUID
        registered_at: datetime
        departed_at: datetime | None
        account_ids: list[UUID]

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.erasure_reason = self.reason

    class Snapshot(LibrarySnapshot):
        TOPIC = "peiban.Volunteer.Snapshot"

    def __init__(
        self,
        recorded_by: str,
        occurred_at: datetime,
        name: str,
        cohort_id: UUID,
        contact: str,
        school: str,
        major: str,
    ) -> None:
        self.name = name
        self.cohort_id = cohort_id
        self.contact = contact
        self.school = school
        self.major = major
        self.registered_at = occurred_at
        self.status = VolunteerStatus.REGISTERED
        self.active_since: datetime | None = None
        self.expected_departure_on: date | None = None
        self.departed_at: datetime | None = None
        self.departure_reason: DepartureReason | None = None
        self.alumni_opted_in = False
        #: why the personal data was erased (only ever seen on the aggregate that records it: it is never loaded again)
        self.erasure_reason = ""

    @property
    def standing(self) -> VolunteerStanding:
        return VolunteerStanding(
            self.id, self.name, self.status, self.departed_at, self.alumni_opted_in, self.active_since
        )

    @classmethod
    def register(
        cls,
        *,
        name: Any,
        cohort_id: UUID,
        contact: Any,
        school: Any = "",
        major: Any = "",
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> Volunteer:
        """Register a recruit of a cohort; they become active when activated."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        values = dict(
            name=checks.text("name", name),
            contact=checks.text("contact", contact),
            school=checks.text("school", school, required=False),
            major=checks.text("major", major, required=False),
        )
        when = checks.moment("occurred_at", occurred_at, now=now)
        checks.done()
        return cls._create(
            cls.Registered,
            id=cls.new_id(command_id),
            timestamp=now,
            fact_id=uuid4(),
            command_id=command_id,
            recorded_by=by,
            occurred_at=when,
            cohort_id=cohort_id,
            **values,
        )

    def _change(
        self,
        event_class: type[PeibanAggregate.Event],
        *,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        allowed: set[VolunteerStatus],
        action: tuple[str, str],
        checks: Checks | None = None,
        command_id: CommandId | None = None,
        **fields: Any,
    ) -> UUID:
        checks = checks or Checks()
        by = check_actor(checks, recorded_by)
        when = checks.moment("occurred_at", occurred_at, now=now, not_before=self.registered_at)
        checks.done()
        if self.status not in allowed:
            raise VolunteerStatusRule(status=self.standing.describe_status(), action=action[0], action_en=action[1])
        return self._record(event_class, now=now, command_id=command_id, recorded_by=by, occurred_at=when, **fields)

    def activate(
        self, *, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """Put a registered volunteer on duty: from now on they can be assigned."""
        return self._change(
            self.Activated,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=occurred_at,
            now=now,
            allowed={VolunteerStatus.REGISTERED},
            action=("上岗", "be activated"),
        )

    def announce_departure(
        self,
        *,
        expected_on: Any,
        recorded_by: Any,
        occurred_at: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the volunteer will leave (graduation, withdrawal) on a date."""
        checks = Checks()
        expected = checks.day("expected_on", expected_on)
        return self._change(
            self.DepartureAnnounced,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=occurred_at,
            now=now,
            allowed={VolunteerStatus.ACTIVE},
            action=("登记即将离开", "announce a departure"),
            checks=checks,
            expected_on=expected,
        )

    def depart(
        self, *, reason: Any, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """Record that the volunteer has left the programme (graduated or withdrew)."""
        checks = Checks()
        why = checks.choice("reason", reason, DepartureReason)
        return self._change(
            self.Departed,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=occurred_at,
            now=now,
            allowed={VolunteerStatus.REGISTERED, VolunteerStatus.ACTIVE, VolunteerStatus.DEPARTING},
            action=("离开", "depart"),
            checks=checks,
            reason=why,
        )

    def opt_into_alumni_contact(
        self, *, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """The volunteer is willing to keep in touch with families after leaving."""
        if self.alumni_opted_in:
            raise AlumniChoiceUnchanged()
        return self._change(
            self.AlumniContactOptedIn,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=occurred_at,
            now=now,
            allowed=set(VolunteerStatus),
            action=("", ""),
        )

    def opt_out_of_alumni_contact(
        self, *, recorded_by: Any, occurred_at: Any, now: datetime, command_id: CommandId | None = None
    ) -> UUID:
        """The volunteer no longer wants to be contacted as alumni."""
        if not self.alumni_opted_in:
            raise AlumniChoiceUnchanged()
        return self._change(
            self.AlumniContactOptedOut,
            command_id=command_id,
            recorded_by=recorded_by,
            occurred_at=occurred_at,
            now=now,
            allowed=set(VolunteerStatus),
            action=("", ""),
        )

    def check_erasable(self) -> None:
        """Only a volunteer who has left may be erased: one still serving would leave families with a lead nobody
        can name or reach."""
        if self.status is not VolunteerStatus.DEPARTED:
            raise VolunteerStatusRule(
                status=self.standing.describe_status(),
                action="删除个人资料（请先登记离开）",
                action_en="have their personal data erased (record their departure first)",
            )

    def erase(
        self,
        *,
        reason: Any,
        account_ids: list[UUID],
        recorded_by: Any,
        now: datetime,
        command_id: CommandId | None = None,
    ) -> UUID:
        """Record that the volunteer's personal data is erased (the application then destroys their key)."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        why = checks.text("reason", reason)
        checks.done()
        self.check_erasable()
        return self._record(
            self.Erased,
            now=now,
            command_id=command_id,
            recorded_by=by,
            occurred_at=now,
            reason=why,
            cohort_id=self.cohort_id,
            registered_at=self.registered_at,
            departed_at=self.departed_at,
            account_ids=sorted(set(account_ids)),
        )
