"""Volunteer: a social-work student who accompanies families for about 18 months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from uuid import UUID, uuid5

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import CommandId, Draft, Entry, PeibanAggregate
from domain.rules import AlumniChoiceUnchanged, VolunteerStatusRule
from domain.values import DepartureReason, VolunteerStatus


class VolunteerAction(Enum):
    """What was asked of a volunteer whose status forbids it (``VolunteerStatusRule``'s ``action``)."""

    ACTIVATE = "activate"
    ANNOUNCE_DEPARTURE = "announce_departure"
    DEPART = "depart"
    CHANGE_ALUMNI_CHOICE = "change_alumni_choice"
    ERASE = "erase"


@dataclass(frozen=True)
class VolunteerStanding:
    """What a family's rules need to know about a volunteer at the moment of a command."""

    volunteer_id: UUID
    name: str
    status: VolunteerStatus
    departed_at: datetime | None
    alumni_opted_in: bool
    active_since: datetime | None = None

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
        self, recorded_by: str, occurred_at: datetime, name: str, cohort_id: UUID, contact: str, school: str, major: str
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
        cls, entry: Entry, *, name: str, cohort_id: UUID, contact: str, school: str = "", major: str = ""
    ) -> Volunteer:
        """Register a recruit of a cohort; they become active when activated."""
        draft = Draft(entry)
        return cls._begin_with(
            cls.Registered,
            draft,
            cohort_id=cohort_id,
            name=draft.text("name", name),
            contact=draft.text("contact", contact),
            school=draft.text("school", school, required=False),
            major=draft.text("major", major, required=False),
        )

    def _draft(self, entry: Entry) -> Draft:
        """A command's checks on this volunteer: its facts happen no earlier than the registration."""
        return Draft(entry, not_before=self.registered_at)

    def _change(
        self,
        event_class: type[PeibanAggregate.Event],
        draft: Draft,
        *,
        allowed: set[VolunteerStatus],
        action: VolunteerAction,
        **fields: object,
    ) -> UUID:
        """Record a change of a volunteer whose status is one of ``allowed`` (``action`` names it in a refusal)."""
        draft.done()
        if self.status not in allowed:
            raise VolunteerStatusRule(status=self.status, action=action)
        return self._record(event_class, draft, **fields)

    def activate(self, entry: Entry) -> UUID:
        """Put a registered volunteer on duty: from now on they can be assigned."""
        return self._change(
            self.Activated, self._draft(entry), allowed={VolunteerStatus.REGISTERED}, action=VolunteerAction.ACTIVATE
        )

    def announce_departure(self, entry: Entry, *, expected_on: date) -> UUID:
        """Record that the volunteer will leave (graduation, withdrawal) on a date."""
        draft = self._draft(entry)
        expected = draft.day("expected_on", expected_on)
        return self._change(
            self.DepartureAnnounced,
            draft,
            allowed={VolunteerStatus.ACTIVE},
            action=VolunteerAction.ANNOUNCE_DEPARTURE,
            expected_on=expected,
        )

    def depart(self, entry: Entry, *, reason: DepartureReason) -> UUID:
        """Record that the volunteer has left the programme (graduated or withdrew)."""
        draft = self._draft(entry)
        why = draft.choice("reason", reason, DepartureReason)
        return self._change(
            self.Departed,
            draft,
            allowed={VolunteerStatus.REGISTERED, VolunteerStatus.ACTIVE, VolunteerStatus.DEPARTING},
            action=VolunteerAction.DEPART,
            reason=why,
        )

    def opt_into_alumni_contact(self, entry: Entry) -> UUID:
        """The volunteer is willing to keep in touch with families after leaving."""
        if self.alumni_opted_in:
            raise AlumniChoiceUnchanged()
        return self._change(
            self.AlumniContactOptedIn,
            self._draft(entry),
            allowed=set(VolunteerStatus),
            action=VolunteerAction.CHANGE_ALUMNI_CHOICE,
        )

    def opt_out_of_alumni_contact(self, entry: Entry) -> UUID:
        """The volunteer no longer wants to be contacted as alumni."""
        if not self.alumni_opted_in:
            raise AlumniChoiceUnchanged()
        return self._change(
            self.AlumniContactOptedOut,
            self._draft(entry),
            allowed=set(VolunteerStatus),
            action=VolunteerAction.CHANGE_ALUMNI_CHOICE,
        )

    def check_erasable(self) -> None:
        """Only a volunteer who has left may be erased: one still serving would leave families with a lead nobody
        can name or reach."""
        if self.status is not VolunteerStatus.DEPARTED:
            raise VolunteerStatusRule(status=self.status, action=VolunteerAction.ERASE)

    def erase(self, entry: Entry, *, reason: str, account_ids: list[UUID]) -> UUID:
        """Record that the volunteer's personal data is erased (the application then destroys their key)."""
        draft = Draft(entry.as_recorded())
        why = draft.text("reason", reason)
        draft.done()
        self.check_erasable()
        return self._record(
            self.Erased,
            draft,
            reason=why,
            cohort_id=self.cohort_id,
            registered_at=self.registered_at,
            departed_at=self.departed_at,
            account_ids=sorted(set(account_ids)),
        )
