"""Requests that record what happens with a family (visits, messages, concerns, referrals, follow-ups) and
amend it: their descriptive fields derived from ``domain.facts``; who was there, when, and what a fact
follows from, declared here."""

from __future__ import annotations

import marshmallow as ma

from domain.facts import (
    CONCERN,
    FOLLOW_UP,
    FOLLOW_UP_DONE,
    MESSAGE,
    PROMISE_KEPT,
    PROMISE_LET_GO,
    REFERRAL,
    RESOLUTION,
    VISIT,
)
from web.schemas.facts import changes_schema, fact_schema
from web.schemas.fields import occurred_at

#: The most volunteers present at one visit.
MOST_PRESENT = 20

VisitIn = fact_schema(
    "VisitIn",
    VISIT,
    "A visit by the volunteers present.",
    occurred_at=occurred_at(required=True),
    volunteer_ids=ma.fields.List(
        ma.fields.UUID(),
        required=True,
        validate=ma.validate.Length(min=1, max=MOST_PRESENT),
        metadata={"description": "在场的义工 / volunteers present"},
    ),
)
MessageIn = fact_schema(
    "MessageIn",
    MESSAGE,
    "A message between the family and a volunteer.",
    occurred_at=occurred_at(required=True),
    volunteer_id=ma.fields.UUID(required=True),
)
ConcernIn = fact_schema("ConcernIn", CONCERN, "A concern about the family.", occurred_at=occurred_at())
ResolutionIn = fact_schema("ResolutionIn", RESOLUTION, "How an open concern was resolved.", occurred_at=occurred_at())
ReferralIn = fact_schema(
    "ReferralIn",
    REFERRAL,
    "A referral to one of the centre's service lines.",
    concern_id=ma.fields.UUID(allow_none=True, metadata={"description": "因哪项关注转介 / the concern behind it"}),
    occurred_at=occurred_at(),
)
FollowUpIn = fact_schema(
    "FollowUpIn",
    FOLLOW_UP,
    "A follow-up to do by a day.",
    volunteer_id=ma.fields.UUID(allow_none=True, metadata={"description": "由谁跟进 / who follows up"}),
    concern_id=ma.fields.UUID(allow_none=True),
    occurred_at=occurred_at(),
)
FollowUpDoneIn = fact_schema("FollowUpDoneIn", FOLLOW_UP_DONE, "A follow-up done.", occurred_at=occurred_at())
PromiseKeptIn = fact_schema(
    "PromiseKeptIn", PROMISE_KEPT, "A promise made during a visit, kept.", occurred_at=occurred_at()
)
PromiseLetGoIn = fact_schema(
    "PromiseLetGoIn", PROMISE_LET_GO, "A promise made during a visit, let go, and why.", occurred_at=occurred_at()
)
ChangesIn = changes_schema(
    "ChangesIn",
    "The descriptive fields of a visit, message, concern, referral or follow-up; only the target's own apply.",
)
