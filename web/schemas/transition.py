"""A cohort's transition: the successors a coordinator confirms, and the proposal and progress answered."""

from __future__ import annotations

import marshmallow as ma

from projections.transition import Risk, Step
from web.schemas.fields import Strict

#: The most families one confirmation plans (a cohort leads far fewer).
MOST_FAMILIES = 1000


class SuccessorIn(Strict):
    family_id = ma.fields.UUID(required=True, metadata={"description": "家庭 / the family"})
    incoming_volunteer_id = ma.fields.UUID(
        required=True, metadata={"description": "接手的义工 / the successor (incoming volunteer)"}
    )


class TransitionIn(Strict):
    planned_on = ma.fields.Date(required=True, metadata={"description": "计划交接日期 / planned handover day"})
    handovers = ma.fields.List(
        ma.fields.Nested(SuccessorIn),
        required=True,
        validate=ma.validate.Length(min=1, max=MOST_FAMILIES),
        metadata={"description": "每户一位接手义工 / one successor per family; families left out are not planned"},
    )


class SuccessorOut(ma.Schema):
    volunteer_id = ma.fields.String()
    name = ma.fields.String()
    cohort_id = ma.fields.String()
    cohort_name = ma.fields.String()
    caseload = ma.fields.Integer(metadata={"description": "现负责（含接手中）的家庭数 / families led or being taken"})
    room = ma.fields.Integer(metadata={"description": "上限内还可接手几户 / families more under the maximum"})
    incoming = ma.fields.Boolean(metadata={"description": "属于新一期 / of the incoming cohort"})


class TransitionFamilyOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    lead_id = ma.fields.String(metadata={"description": "离开的主责义工 / the leaving lead"})
    lead_name = ma.fields.String()
    step = ma.fields.Enum(Step, by_value=True)
    handover_id = ma.fields.String(allow_none=True)
    incoming_volunteer_id = ma.fields.String(attribute="incoming_id", allow_none=True)
    incoming_name = ma.fields.String(allow_none=True)
    planned_on = ma.fields.Date(allow_none=True)
    joint_visits = ma.fields.Integer()
    agreed = ma.fields.Boolean()
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    served_by = ma.fields.Function(
        lambda f: sorted(f.served_by), metadata={"description": "曾任协同或见习的义工 / served it as co or shadow"}
    )
    proposed_volunteer_id = ma.fields.String(
        attribute="proposed_id", allow_none=True, metadata={"description": "建议的接手义工 / proposed successor"}
    )
    risks = ma.fields.List(ma.fields.Enum(Risk, by_value=True))


class CohortTransitionOut(ma.Schema):
    cohort_id = ma.fields.String()
    cohort_name = ma.fields.String()
    ends_on = ma.fields.Date()
    days_left = ma.fields.Integer()
    max_caseload = ma.fields.Integer(metadata={"description": "PEIBAN_MAX_CASELOAD"})
    risk_days = ma.fields.Integer(metadata={"description": "PEIBAN_TRANSITION_RISK_DAYS"})
    incoming_cohort_name = ma.fields.String(allow_none=True)
    families = ma.fields.List(ma.fields.Nested(TransitionFamilyOut))
    candidates = ma.fields.List(ma.fields.Nested(SuccessorOut))


class PlannedOut(ma.Schema):
    family_id = ma.fields.String()
    handover_id = ma.fields.String()
    incoming_volunteer_id = ma.fields.String()


class RefusedOut(ma.Schema):
    family_id = ma.fields.String()
    error = ma.fields.String(metadata={"description": "稳定的原因代码 / stable reason, e.g. handover_already_open"})
    message = ma.fields.String(metadata={"description": "中文 / English"})


class ConfirmationOut(ma.Schema):
    planned = ma.fields.List(ma.fields.Nested(PlannedOut))
    refused = ma.fields.List(ma.fields.Nested(RefusedOut))
