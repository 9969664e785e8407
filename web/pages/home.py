"""The home page: the continuity dashboard for those who may read it, a volunteer's own families otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from domain.compartments import NO_COMPARTMENT
from projections.caseload import Caseload
from projections.collation import pinyin_key
from projections.dashboard import Dashboard
from projections.directory import family as family_row
from projections.directory import volunteer as volunteer_row
from projections.directory import volunteer_families
from projections.due import due_for
from projections.plain import local_day
from projections.read_models import ReadModels
from projections.timeline_promises import open_promise_counts
from web.access.guard import Caller, cleared_for_sensitive, extension
from web.access.policy import Action, Scope, may, scope_of
from web.access.refusals import error_page

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class CohortEnd:
    """A cohort whose volunteers lead open families, and when it ends."""

    cohort_id: str
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
        counted[row.cohort_id] = CohortEnd(
            row.cohort_id, row.cohort_name or "", row.cohort_ends_on, row.days_left, families
        )
    return sorted(counted.values(), key=lambda c: (c.ends_on or date.max, c.name))


def now() -> datetime:
    return datetime.now(tz=UTC)


@bp.route("/", endpoint="home")
def home() -> ResponseReturnValue:
    """The reader's starting point: the continuity dashboard, or a volunteer's own families."""
    caller: Caller = g.caller
    models: ReadModels = extension("peiban.read_models")
    if may(caller.role, Action.READ_DASHBOARD):
        dashboard = models.dashboard(now=now(), include_sensitive=cleared_for_sensitive())
        return render_template(
            "dashboard.html",
            dashboard=dashboard,
            cohorts=cohort_ends(dashboard),
            may_plan=may(caller.role, Action.MANAGE_FAMILY),
        )
    if caller.volunteer_id is None or scope_of(caller.role, Action.READ_CASELOAD) is not Scope.SELF:
        return error_page(403)
    caseload: Caseload = models.caseload(caller.volunteer_id, now=now())
    assigned = {f.family_id for f in caseload.families}
    incoming = [
        row
        for row in models.dashboard(now=now(), include_sensitive=cleared_for_sensitive()).families
        if row.handover and row.handover.incoming_id == caller.volunteer_id and row.family_id not in assigned
    ]
    with models["continuity"].reading() as tx:
        ids = [f.family_id for f in caseload.families] + [r.family_id for r in incoming]
        due = due_for(tx, caller.volunteer_id, ids, today=local_day(now()))
        own, alumni = volunteer_families(tx, caller.volunteer_id)
        me = volunteer_row(tx, caller.volunteer_id)
        opted_in = me is not None and me.alumni_opted_in  # the families agreed; the volunteer must have too
        in_touch = sorted(family_rows(tx, alumni - own if opted_in else set()), key=family_order)
    with models["timeline"].reading() as tx:
        promises = open_promise_counts(tx, ids, NO_COMPARTMENT)  # counts only: no family's words, no read to audit
    return render_template(
        "my_families.html",
        caseload=caseload,
        promises=promises,
        incoming=incoming,
        in_touch=in_touch,
        due=due,
        today=local_day(now()),
        recorded=request.args.get("recorded", ""),
    )


@bp.route("/visits/new", endpoint="log_visit")
def log_visit() -> ResponseReturnValue:
    """The big "log a visit" button: straight to the form of a volunteer's only family, else pick the family."""
    caller: Caller = g.caller
    if caller.volunteer_id is None:
        return redirect(url_for("home.home"), 303)
    models: ReadModels = extension("peiban.read_models")
    with models["continuity"].reading() as tx:
        own, _alumni = volunteer_families(tx, caller.volunteer_id)
        names = {f.family_id: f.display_name for f in family_rows(tx, own)}
    if len(own) == 1:
        return redirect(url_for("family_actions.visit", family_id=next(iter(own))), 303)
    return render_template("pick_family.html", families=sorted(names.items(), key=lambda item: item[1]))


def family_order(row: Any) -> Any:
    return pinyin_key(row.display_name)


def family_rows(tx: Any, family_ids: set[str]) -> list[Any]:
    """The directory rows of these families (for their names)."""
    rows = [family_row(tx, family_id) for family_id in family_ids]
    return [r for r in rows if r is not None]
