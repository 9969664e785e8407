"""The home page: the continuity dashboard for those who may read it, a volunteer's own families otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from domain.compartments import NO_COMPARTMENT
from projections.caseload import Caseload
from projections.collation import pinyin_key
from projections.dashboard import CLIFF_DAYS, QUIET_DAYS, Dashboard
from projections.dashboard_lists import DashboardList, Position
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
from web.api.common import encode_cursor
from web.api.dashboard import list_cursor, list_position
from web.pages.listing import page_size

bp = Blueprint("home", __name__)

#: The dashboard's lists that have a page of their own (every open family is in the list of families).
PAGED = frozenset(DashboardList) - {DashboardList.FAMILIES}


def now() -> datetime:
    return datetime.now(tz=UTC)


def more(which: DashboardList, after: Position | None) -> str | None:
    """The address of the page of ``which`` that starts after ``after`` (None: nothing follows)."""
    if after is None:
        return None
    return url_for(
        "home.continuity_list", list_name=which.value, after=encode_cursor(list(after), of=list_cursor(which))
    )


def continuing(which: DashboardList) -> Position | None:
    """Where a page of the list starts: a cursor that is not ours, or of another list, starts over."""
    try:
        return list_position(which, request.args.get("after"))
    except HTTPException:
        return None


@bp.route("/", endpoint="home")
def home() -> ResponseReturnValue:
    """The reader's starting point: the continuity dashboard, or a volunteer's own families."""
    caller: Caller = g.caller
    models: ReadModels = extension("peiban.read_models")
    if may(caller.role, Action.READ_DASHBOARD):
        dashboard: Dashboard = models.dashboard(now=now(), include_sensitive=cleared_for_sensitive(), limit=page_size())
        return render_template(
            "dashboard.html",
            dashboard=dashboard,
            more={which.value: more(which, page.after) for which, page in dashboard.pages.items()},
            cohorts=models.cohort_ends(now=now()),
            may_plan=may(caller.role, Action.MANAGE_FAMILY),
            cliff_days=dashboard.cliff_days,
            quiet_days=dashboard.quiet_days,
        )
    if caller.volunteer_id is None or scope_of(caller.role, Action.READ_CASELOAD) is not Scope.SELF:
        return error_page(403)
    caseload: Caseload = models.caseload(caller.volunteer_id, now=now())
    assigned = {f.family_id for f in caseload.families}
    incoming = [row for row in models.handed_over_to(caller.volunteer_id) if row.family_id not in assigned]
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


@bp.route("/continuity/<list_name>", endpoint="continuity_list")
def continuity_list(list_name: str) -> ResponseReturnValue:
    """One of the dashboard's lists, a page at a time, in the order that needs action first."""
    if list_name not in PAGED:
        return error_page(404)
    which = DashboardList(list_name)
    models: ReadModels = extension("peiban.read_models")
    page = models.dashboard_page(
        which, now=now(), include_sensitive=cleared_for_sensitive(), after=continuing(which), limit=page_size()
    )
    return render_template(
        "continuity_list.html",
        which=which.value,
        page=page,
        next_url=more(which, page.after),
        may_plan=may(g.caller.role, Action.MANAGE_FAMILY),
        cliff_days=CLIFF_DAYS,
        quiet_days=QUIET_DAYS,
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
