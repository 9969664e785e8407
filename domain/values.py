"""The domain's vocabulary: enumerations and value objects stored inside facts.

Enum values are stored data (they appear inside events): never rename a value.
Plain ``Enum`` (not ``StrEnum``) so that the JSON transcoder sees and tags them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum


class Role(Enum):
    """A volunteer's role in a family's assignment."""

    LEAD = "lead"
    CO = "co"
    SHADOW = "shadow"


class Place(Enum):
    HOME = "home"
    CENTRE = "centre"
    SCHOOL = "school"
    ONLINE = "online"
    OTHER = "other"


class Direction(Enum):
    FROM_FAMILY = "from_family"
    TO_FAMILY = "to_family"


class Channel(Enum):
    WECHAT = "wechat"
    SMS = "sms"
    PHONE = "phone"
    LETTER = "letter"
    IN_PERSON = "in_person"
    OTHER = "other"


class Wellbeing(Enum):
    """How the child seemed on a visit, in the volunteer's judgement."""

    GOOD = "good"
    STEADY = "steady"
    LOW = "low"
    WORRYING = "worrying"


class ServiceLine(Enum):
    """The centre's service lines that families are referred between."""

    COMPANIONSHIP = "companionship"
    CHILDREN_ACTIVITY_ROOM = "children_activity_room"
    YOUTH_CENTRE = "youth_centre"
    WOMENS_HOME = "womens_home"
    CHARITY_SHOP = "charity_shop"
    ANTI_DOMESTIC_VIOLENCE = "anti_domestic_violence"
    SHELTER = "shelter"
    MIGRANT_WORKERS_RIGHTS = "migrant_workers_rights"

    @property
    def is_sensitive(self) -> bool:
        """Facts tagged with a sensitive line form a compartment for cleared staff."""
        return self in SENSITIVE_SERVICE_LINES


SENSITIVE_SERVICE_LINES = frozenset({ServiceLine.ANTI_DOMESTIC_VIOLENCE, ServiceLine.SHELTER})


class ConcernCategory(Enum):
    SAFETY = "safety"
    HEALTH = "health"
    EDUCATION = "education"
    EMOTIONAL = "emotional"
    FAMILY_RELATIONS = "family_relations"
    ECONOMIC = "economic"
    OTHER = "other"


class ConcernLevel(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Circumstance(Enum):
    """Why a family is in the programme, in neutral categories."""

    MIGRANT = "migrant"
    LEFT_BEHIND = "left_behind"
    SINGLE_PARENT = "single_parent"
    GRANDPARENT_CARER = "grandparent_carer"
    DISABILITY = "disability"
    ILLNESS = "illness"
    ECONOMIC_HARDSHIP = "economic_hardship"
    OTHER = "other"


class Relation(Enum):
    """A household member's relation to the family's children."""

    CHILD = "child"
    MOTHER = "mother"
    FATHER = "father"
    GRANDMOTHER = "grandmother"
    GRANDFATHER = "grandfather"
    SIBLING = "sibling"
    GUARDIAN = "guardian"
    OTHER = "other"


class ConsentScope(Enum):
    """What the guardian agreed to."""

    RECORDS = "records"
    HOME_VISITS = "home_visits"
    PHOTOS = "photos"
    KEEP_IN_TOUCH = "keep_in_touch"
    REFERRALS = "referrals"


class DepartureReason(Enum):
    GRADUATED = "graduated"
    WITHDREW = "withdrew"


class VolunteerStatus(Enum):
    REGISTERED = "registered"
    ACTIVE = "active"
    DEPARTING = "departing"
    DEPARTED = "departed"


class HandoverState(Enum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PromiseState(Enum):
    """Where a promise made to a family during a visit stands: open until someone records it kept or let go;
    ``changed`` when an amendment of the visit took its words away."""

    OPEN = "open"
    KEPT = "kept"
    LET_GO = "let_go"
    CHANGED = "changed"


class FamilyStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class HouseholdMember:
    """A person in the household; an alias, never an identity-card name."""

    relation: Relation
    birth_year: int
    alias: str = ""


@dataclass(frozen=True)
class GuardianConsent:
    """A guardian's consent: who gave it, to what, on which day."""

    guardian_relation: Relation
    scopes: tuple[ConsentScope, ...]
    given_on: date
