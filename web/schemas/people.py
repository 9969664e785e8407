"""Requests about the volunteers: cohorts, registration, departure and alumni contact."""

from __future__ import annotations

from datetime import date

import marshmallow as ma

from domain.values import DepartureReason
from web.schemas.fields import Strict, choice, occurred_at, text

#: Cohorts are of this century: a date outside is a typing slip (and the calendar arithmetic of reports
#: and caseloads would overflow on the year 1 or 9999).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class CohortIn(Strict):
    name = text("name", metadata={"description": "期次名称 / name, e.g. 2025级"})
    starts_on = ma.fields.Date(
        required=True,
        validate=ma.validate.Range(min=EARLIEST, max=LATEST),
        metadata={"description": "招募日期 / intake date"},
    )
    ends_on = ma.fields.Date(
        required=True,
        validate=ma.validate.Range(min=EARLIEST, max=LATEST),
        metadata={"description": "预计结束日期 / expected end date"},
    )


class VolunteerIn(Strict):
    name = text("name", metadata={"description": "姓名 / name"})
    cohort_id = ma.fields.UUID(required=True, metadata={"description": "所属期次 / cohort"})
    contact = text("contact", metadata={"description": "联系方式 / phone or WeChat"})
    school = text("school", required=False)
    major = text("major", required=False)
    occurred_at = occurred_at()


class DepartureAnnouncedIn(Strict):
    expected_on = ma.fields.Date(required=True, metadata={"description": "预计离开日期 / expected last day"})
    occurred_at = occurred_at()


class DepartureIn(Strict):
    reason = choice(DepartureReason, required=True)
    occurred_at = occurred_at()


class AlumniContactIn(Strict):
    opted_in = ma.fields.Boolean(required=True, metadata={"description": "愿意作为校友义工保持联系 / keeps in touch"})
    occurred_at = occurred_at()
