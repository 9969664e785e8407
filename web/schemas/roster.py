"""Requests about who accompanies a family: assignments, and the steps of a handover."""

from __future__ import annotations

import marshmallow as ma

from domain.values import Role
from web.schemas.fields import Strict, choice, occurred_at, text


class AssignmentIn(Strict):
    volunteer_id = ma.fields.UUID(required=True)
    role = choice(Role, required=True, metadata={"description": "主责/协同/见习 / role"})
    occurred_at = occurred_at()


class AssignmentEndIn(Strict):
    reason = text("reason", metadata={"description": "解除原因 / why the assignment ends"})
    occurred_at = occurred_at()


class HandoverIn(Strict):
    outgoing_volunteer_id = ma.fields.UUID(required=True, metadata={"description": "交出的义工 / outgoing"})
    incoming_volunteer_id = ma.fields.UUID(required=True, metadata={"description": "接手的义工 / incoming"})
    planned_on = ma.fields.Date(required=True, metadata={"description": "计划交接日期 / planned day"})
    letter = text("letter", metadata={"description": "交接信 / the outgoing volunteer's letter"})
    occurred_at = occurred_at()


class AgreementIn(Strict):
    note = text("note", required=False)
    occurred_at = occurred_at()


class CompletionIn(Strict):
    keep_in_touch = ma.fields.Boolean(
        required=True, metadata={"description": "家庭同意与交出的义工保持联系 / the family keeps in touch"}
    )
    no_joint_visit_reason = text(
        "no_joint_visit_reason",
        required=False,
        metadata={"description": "未能共同探访的原因 / why there was no joint visit"},
    )
    occurred_at = occurred_at()


class CancellationIn(Strict):
    reason = text("reason")
    occurred_at = occurred_at()
