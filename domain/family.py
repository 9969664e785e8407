"""Family: the accompanied household and every fact of its relationship with volunteers.

The Family is the consistency boundary for the rules that must never break: one
lead at a time, visits only by volunteers on the family when it happened, one
open handover, corrections only of live facts. Volunteer facts that a rule needs
(active? departed?) arrive as ``VolunteerStanding`` values from the application.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import Draft, Entry, PeibanAggregate
from domain.family_base import CONTACTS, FIXED, FamilyBase
from domain.family_case import FamilyCase
from domain.family_concerns import FamilyConcerns
from domain.family_contacts import FamilyContacts
from domain.family_corrections import FamilyCorrections
from domain.family_handovers import FamilyHandovers
from domain.family_profile import check_consent, check_household
from domain.family_roster import FamilyRoster
from domain.family_state import Fact, Roster
from domain.values import Circumstance, FamilyStatus, GuardianConsent, HouseholdMember

__all__ = ["CONTACTS", "FIXED", "Family", "FamilyBase"]

Event = PeibanAggregate.Event


class Family(
    FamilyCase,
    FamilyRoster,
    FamilyHandovers,
    FamilyContacts,
    FamilyConcerns,
    FamilyCorrections,
    PeibanAggregate,
    created_event_name="Enrolled",
):
    """A family in the companionship programme, from enrolment on. Its story is told by subject: the case
    (``domain.family_case``), the roster (``family_roster``), handovers (``family_handovers``), contacts
    (``family_contacts``), concerns (``family_concerns``) and corrections (``family_corrections``); each
    holds its facts beside the commands that record them."""

    TOPIC = "peiban.Family"

    class Created(PeibanAggregate.Created, Event):
        TOPIC = "peiban.Family.Created"

    class Enrolled(Created):
        TOPIC = "peiban.Family.Enrolled"
        display_name: str
        community: str
        referral_source: str
        household: list[HouseholdMember]
        circumstances: list[Circumstance]
        consent: GuardianConsent

    class Snapshot(LibrarySnapshot):
        TOPIC = "peiban.Family.Snapshot"

    #: 2: facts keep their service line and what they follow from, and traces are kept (see domain.compartments)
    #: 3: the promises made during visits are kept (see ``FamilyContacts.PromiseKept``)
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot from before compartments were folded: what it cannot tell is taken as sensitive."""
        state["traces"] = None

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot from before promises were kept cannot tell them: the application folds such a family from
        its first fact (``PeibanBase._get``)."""
        state["promises"] = None

    def __init__(
        self,
        recorded_by: str,
        occurred_at: datetime,
        display_name: str,
        community: str,
        referral_source: str,
        household: list[HouseholdMember],
        circumstances: list[Circumstance],
        consent: GuardianConsent,
    ) -> None:
        self.display_name = display_name
        self.community = community
        self.referral_source = referral_source
        self.household = household
        self.circumstances = circumstances
        self.consent_scopes = list(consent.scopes)
        self.enrolled_at = occurred_at
        self.status = FamilyStatus.OPEN
        self.closed_at = None
        #: why the record was erased (only ever seen on the aggregate that records it: it is then never loaded)
        self.erasure_reason = ""
        #: when who-accompanies-the-family last changed; such changes are recorded in time order
        self.roster_changed_at = occurred_at
        #: each volunteer's latest visit or message (by volunteer id hex)
        self.last_seen = {}
        self.roster = Roster()
        self.facts = {}
        #: fact -> the fact it resolves, completes or corrects (None: not kept, in a snapshot older than that)
        self.traces = {}
        self.open_concerns = []
        self.open_follow_ups = []
        self.promises = {}

    # ---- commands ------------------------------------------------------------

    @classmethod
    def enrol(
        cls,
        entry: Entry,
        *,
        display_name: str,
        community: str,
        referral_source: str,
        household: Sequence[HouseholdMember],
        circumstances: Sequence[Circumstance],
        consent: GuardianConsent,
    ) -> Family:
        """Enrol a family with its household and its guardian's consent."""
        draft = Draft(entry)
        return cls._begin_with(
            cls.Enrolled,
            draft,
            display_name=draft.text("display_name", display_name),
            community=draft.text("community", community),
            referral_source=draft.text("referral_source", referral_source, required=False),
            household=check_household(draft, household, draft.now),
            circumstances=draft.choices("circumstances", circumstances, Circumstance),
            consent=check_consent(draft, consent, draft.now),
        )

    def noted(self, fact: PeibanAggregate.Event) -> None:
        """Also keep every fact that cannot be corrected, so that naming one is told apart from a missing fact;
        and who recorded each fact (volunteers correct only their own)."""
        super().noted(fact)
        self.facts.setdefault(fact.event_id.hex, Fact(FIXED, folded=True)).recorded_by = fact.recorded_by
