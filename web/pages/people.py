"""The lists of families, volunteers and cohorts (search, filters, pages), and the forms that enrol a
family, register a volunteer and put them on duty, and open a cohort.

Lists read the continuity view; a volunteer's list of families holds only the families
they accompany (the guard has worked them out). Forms are checked by the API's own
schemas and run the same commands as the API; a rejected form comes back with every
error beside its field, everything typed kept, and nothing recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from domain.values import VolunteerStatus
from projections.db import Tx
from projections.directory import CohortRow, FamilyRow, VolunteerRow, cohorts, families, volunteer, volunteers
from web.access.guard import visible_families
from web.access.policy import Action, may
from web.api.common import page, peiban
from web.api.idempotency import command_id
from web.i18n import _
from web.pages.enrolment import enrolment_form, read_enrolment
from web.pages.form_token import once
from web.pages.forms import Field, Filled, actor, blank, form_page, local_now, render_form, run
from web.pages.labels import FAMILY_STATUSES, VOLUNTEER_STATUSES, label
from web.pages.listing import continuity, next_page, one_of, page_size, position, search_text
from web.schemas.people import CohortIn, VolunteerIn

bp = Blueprint("people", __name__)


def may_do(action: Action) -> bool:
    return may(g.caller.role, action)


# --- Families --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyLine:
    """A family as its list shows it."""

    family_id: str
    display_name: str
    community: str
    status: str
    status_label: str
    lead: str  # "" when the family has no lead


def family_line(row: FamilyRow) -> FamilyLine:
    status = label(FAMILY_STATUSES, row.status)
    return FamilyLine(row.family_id, row.display_name, row.community, row.status, status, row.lead_name or "")


@bp.route("/families", endpoint="families")
def family_list() -> ResponseReturnValue:
    """Families by name, searched by name or community, filtered by status or by having no lead."""
    filters = {
        "q": search_text(request.args),
        "status": one_of(request.args, "status", FAMILY_STATUSES),
        "uncovered": one_of(request.args, "uncovered", {"1"}),
    }
    with continuity().reading() as tx:
        rows = families(
            tx,
            status=filters["status"] or None,
            search=filters["q"],
            only=visible_families(),
            uncovered=bool(filters["uncovered"]),
            after=position("families"),
            limit=page_size() + 1,
        )
    listed = page(rows, page_size(), lambda f: [f.display_name, f.family_id], of="families")
    return render_template(
        "families.html",
        rows=[family_line(r) for r in listed["items"]],
        filters=filters,
        statuses=[(value, _(text)) for value, text in FAMILY_STATUSES.items()],
        next_url=next_page(listed["next"], "people.families", filters),
        may_enrol=may_do(Action.MANAGE_FAMILY),
    )


@bp.route("/families/new", endpoint="enrol_family", methods=["GET", "POST"])
def enrol_family() -> ResponseReturnValue:
    """Enrol a family: its alias, community, circumstances, household and the guardian's consent."""
    form = enrolment_form()
    common: dict[str, Any] = {"title": _("Enrol a family"), "submit": _("Enrol"), "cancel": url_for("people.families")}
    if request.method == "GET":
        return render_form(blank(form.fields), template="family_new.html", groups=form, **common)

    def send() -> ResponseReturnValue:
        filled, loaded, renamed = read_enrolment(form, request.form)

        def enrol() -> Any:
            return peiban().enrol_family(recorded_by=actor(), command_id=command_id(), **loaded)

        family_id = run(filled, enrol, renamed) if filled.ok else None
        if family_id is None:
            return render_form(filled, template="family_new.html", groups=form, **common)
        return redirect(url_for("family_page.family", family_id=family_id), 303)

    return once(send)


# --- Volunteers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerLine:
    """A volunteer as their list shows them."""

    volunteer_id: str
    name: str
    cohort_name: str
    status: str
    status_label: str
    registered_at: Any
    may_activate: bool


def volunteer_filters(given: Mapping[str, str]) -> dict[str, str]:
    """The list's filters from the address (or, after an activation, from the form that kept them)."""
    with continuity().reading() as tx:
        known = {c.cohort_id for c in cohorts(tx)}
    return {
        "q": search_text(given),
        "cohort_id": one_of(given, "cohort_id", known),
        "status": one_of(given, "status", VOLUNTEER_STATUSES),
    }


def volunteer_list(filters: dict[str, str], problem: str = "", status: int = 200) -> ResponseReturnValue:
    """The list of volunteers with these filters (and a refused activation's reason, if any)."""
    manage = may_do(Action.MANAGE_PEOPLE)
    with continuity().reading() as tx:
        rows = volunteers(
            tx,
            cohort_id=filters["cohort_id"] or None,
            status=filters["status"] or None,
            search=filters["q"],
            after=position("volunteers"),
            limit=page_size() + 1,
        )
        every_cohort = cohorts(tx)
        notice = volunteer_notice(tx)
    listed = page(rows, page_size(), lambda v: [v.name, v.volunteer_id], of="volunteers")
    lines = [volunteer_line(v, manage) for v in listed["items"]]
    page_html = render_template(
        "volunteers.html",
        rows=lines,
        filters=filters,
        cohorts=[(c.cohort_id, c.name) for c in every_cohort],
        statuses=[(value, _(text)) for value, text in VOLUNTEER_STATUSES.items()],
        next_url=next_page(listed["next"], "people.volunteers", filters),
        may_register=manage,
        notice=notice,
        problem=problem,
    )
    return page_html, status


def volunteer_line(row: VolunteerRow, manage: bool) -> VolunteerLine:
    registered = row.status == VolunteerStatus.REGISTERED.value
    return VolunteerLine(
        row.volunteer_id,
        row.name,
        row.cohort_name,
        row.status,
        label(VOLUNTEER_STATUSES, row.status),
        row.registered_at,
        manage and registered,
    )


def volunteer_notice(tx: Tx) -> str:
    """What the last form did, named from the view (never echoed from the address)."""
    registered, activated = (volunteer(tx, request.args.get(a, "")) for a in ("registered", "activated"))
    if registered is not None:
        return _("Registered %(name)s.", name=registered.name)
    return _("%(name)s is now on duty.", name=activated.name) if activated is not None else ""


@bp.route("/volunteers", endpoint="volunteers")
def volunteer_page() -> ResponseReturnValue:
    """Volunteers by name, searched by name, filtered by cohort or status."""
    return volunteer_list(volunteer_filters(request.args))


@bp.route("/volunteers/<uuid:volunteer_id>/activate", endpoint="activate_volunteer", methods=["POST"])
def activate_volunteer(volunteer_id: Any) -> ResponseReturnValue:
    """Put a registered volunteer on duty, then back to the list as it was filtered."""
    filters = volunteer_filters(request.form)

    def send() -> ResponseReturnValue:
        done = Filled([], {})
        run(done, lambda: peiban().activate_volunteer(volunteer_id, recorded_by=actor(), command_id=command_id()))
        if not done.ok:
            return volunteer_list(filters, done.errors["form"], done.status)
        kept: dict[str, Any] = {k: v for k, v in filters.items() if v}
        return redirect(url_for("people.volunteers", **kept, activated=str(volunteer_id)), 303)

    return once(send)


def open_cohorts() -> list[CohortRow]:
    with continuity().reading() as tx:
        return [c for c in cohorts(tx) if c.closed_at is None]


def volunteer_fields(open_now: list[CohortRow]) -> list[Field]:
    chosen = request.args.get("cohort_id", "")
    return [
        Field("name", _("Name"), required=True),
        Field(
            "cohort_id",
            _("Cohort"),
            "select",
            required=True,
            choices=[(c.cohort_id, c.name) for c in open_now],
            default=chosen if chosen in {c.cohort_id for c in open_now} else None,
        ),
        Field("contact", _("Phone or WeChat"), required=True),
        Field("school", _("School")),
        Field("major", _("Major")),
        Field("occurred_at", _("Registered on"), "datetime", required=True, default=local_now()),
    ]


@bp.route("/volunteers/new", endpoint="register_volunteer", methods=["GET", "POST"])
def register_volunteer() -> ResponseReturnValue:
    """Register a volunteer in an open cohort."""
    open_now = open_cohorts()
    fields = volunteer_fields(open_now)
    common: dict[str, Any] = {
        "title": _("Register a volunteer"),
        "submit": _("Register"),
        "cancel": url_for("people.volunteers"),
        "intro": "" if open_now else _("No cohort is open: open a cohort first."),
    }

    def record(loaded: dict[str, Any]) -> Any:
        return peiban().register_volunteer(recorded_by=actor(), **loaded, command_id=command_id())

    def done(loaded: dict[str, Any], volunteer_id: Any) -> ResponseReturnValue:
        target = url_for("people.volunteers", cohort_id=str(loaded["cohort_id"]), registered=str(volunteer_id))
        return redirect(target, 303)

    return form_page(fields, VolunteerIn(), record, done, **common)


# --- Cohorts ---------------------------------------------------------------------------------------


@bp.route("/cohorts", endpoint="cohorts")
def cohort_list() -> ResponseReturnValue:
    """Every cohort, newest intake first: intake, expected end, closed or not, and how many volunteers."""
    with continuity().reading() as tx:
        rows = cohorts(tx)
    opened = next((c for c in rows if c.cohort_id == request.args.get("opened")), None)
    notice = _("Opened the cohort %(name)s.", name=opened.name) if opened else ""
    may_open, may_plan = may_do(Action.MANAGE_PEOPLE), may_do(Action.MANAGE_FAMILY)
    return render_template("cohorts.html", rows=rows, notice=notice, may_open=may_open, may_plan=may_plan)


@bp.route("/cohorts/new", endpoint="open_cohort", methods=["GET", "POST"])
def open_cohort() -> ResponseReturnValue:
    """Open a cohort: its name, intake day and expected end."""
    fields = [
        Field("name", _("Cohort name"), required=True, hint=_("Usually the year it began, e.g. the 2025 cohort.")),
        Field("starts_on", _("Intake day"), "date", required=True),
        Field("ends_on", _("Expected end"), "date", required=True, hint=_("When the cohort is expected to graduate.")),
    ]
    common: dict[str, Any] = {
        "title": _("Open a cohort"),
        "submit": _("Open the cohort"),
        "cancel": url_for("people.cohorts"),
    }

    def record(loaded: dict[str, Any]) -> Any:
        dates = {"intake_on": loaded["starts_on"], "expected_end_on": loaded["ends_on"]}
        return peiban().open_cohort(recorded_by=actor(), name=loaded["name"], **dates, command_id=command_id())

    def done(_loaded: dict[str, Any], cohort_id: Any) -> ResponseReturnValue:
        return redirect(url_for("people.cohorts", opened=str(cohort_id)), 303)

    renamed = {"intake_on": "starts_on", "expected_end_on": "ends_on"}
    return form_page(fields, CohortIn(), record, done, renamed=renamed, **common)
