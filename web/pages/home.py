"""The home page: the continuity dashboard for those who may read it, a volunteer's own families otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from projections.caseload import Caseload
from projections.dashboard import Dashboard
from projections.read_models import ReadModels
from web.access.guard import Caller, extension
from web.access.policy import Action, Scope, may, scope_of
from web.access.refusals import error_page

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class CohortEnd:
    """A cohort whose volunteers lead open families, and when it ends."""

    name: str
    ends_on: date | None
    days_left: int | None
    families: int


def cohort_ends(dashboard: Dashboard) -> list[CohortEnd]:
    """The cohorts leading open families, soonest end first."""
    counted: dict[str, CohortEnd] = {}
    for row in dashboard.families:
        if row.cohort_id is None or not row.is_covered:
            continue
        seen = counted.get(row.cohort_id)
        families = seen.families + 1 if seen else 1
        counted[row.cohort_id] = CohortEnd(row.cohort_name or "", row.cohort_ends_on, row.days_left, families)
    return sorted(counted.values(), key=lambda c: (c.ends_on or date.max, c.name))


def now() -> datetime:
    return datetime.now(tz=UTC)


@bp.route("/", endpoint="home")
def home() -> ResponseReturnValue:
    """The reader's starting point: the continuity dashboard, or a volunteer's own families."""
    caller: Caller = g.caller
    models: ReadModels = extension("peiban.read_models")
    if may(caller.role, Action.READ_DASHBOARD):
        dashboard = models.dashboard(now=now())
        return render_template("dashboard.html", dashboard=dashboard, cohorts=cohort_ends(dashboard))
    if caller.volunteer_id is None or scope_of(caller.role, Action.READ_CASELOAD) is not Scope.SELF:
        return error_page(403)
    caseload: Caseload = models.caseload(caller.volunteer_id, now=now())
    assigned = {f.family_id for f in caseload.families}
    incoming = [
        row
        for row in models.dashboard(now=now()).families
        if row.handover and row.handover.incoming_id == caller.volunteer_id and row.family_id not in assigned
    ]
    return render_template("my_families.html", caseload=caseload, incoming=incoming)
