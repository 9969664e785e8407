"""The auditors' pages: a family's record replayed as it stood at the end of any day, its raw facts
step by step, and the access log (who read a family's record, and what a user read).

The guard has already asked the policy (replays and raw facts are for auditors; the access
log for coordinators and auditors) and records replays and raw-fact reads in the read
audit. Reading the access log is not itself recorded: it shows who read a record, not the
record, and recording it would fill the very log being read with its own readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from domain import DomainError
from domain.accounts import Accounts
from domain.errors import FamilyNotFound
from projections.plain import iso
from projections.read_models import ReadModels
from web.access.guard import Caller, cleared_for_sensitive, extension
from web.access.policy import Action, may
from web.access.refusals import error_page
from web.api.common import peiban
from web.i18n import _, zone, zone_name
from web.pages.entries import bridge_row, chapters
from web.pages.family import STRETCH, to_entry
from web.pages.forms import Field, Filled, blank
from web.pages.picture import timeline_picture
from web.pages.raw_facts import Window, fact_place, facts_page, position
from web.pages.readers import ReadPage, family_choices, read_page, reader_choices

bp = Blueprint("audit_pages", __name__)

#: Replays are of days a time zone can be added to and taken from without leaving the calendar.
FIRST_DAY = date(1900, 1, 2)


@dataclass(frozen=True)
class AuditTools:
    """What the reader may open from a family's page: the replay and raw facts, the access log, the case file."""

    replay: bool
    access_log: bool
    case_file: bool
    form: Filled


@dataclass(frozen=True)
class Replay:
    """The day a family page is replayed at, and the form to pick another."""

    day: str
    form: Filled


def day_form(value: str = "") -> Filled:
    """The form that asks for a day to replay the record at."""
    hint = _("The record as it stood at the end of that day (%(zone)s).", zone=zone_name())
    filled = blank([Field("day", _("Day"), kind="date", required=True, hint=hint)])
    filled.values["day"] = value
    return filled


def audit_tools() -> AuditTools:
    """For templates: what the signed-in reader may open from a family's page."""
    caller: Caller | None = g.get("caller")
    return AuditTools(
        replay=caller is not None and may(caller.role, Action.READ_RAW_FACTS),
        access_log=caller is not None and may(caller.role, Action.READ_ACCESS_LOG),
        case_file=caller is not None and may(caller.role, Action.EXPORT_CASE_FILE),
        form=day_form(),
    )


@bp.app_context_processor
def template_tools() -> dict[str, Any]:
    return {"audit_tools": audit_tools}


def _day(typed: str) -> tuple[date | None, str]:
    """The day typed (YYYY-MM-DD, up to today), or why it is not one."""
    if not typed:
        return None, _("Required")
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= datetime.now(tz=zone()).date():
        return None, _("Enter a day up to today, like 2025-03-01.")
    return day, ""


def end_of(day: date) -> datetime:
    """The last moment of ``day`` in the configured time zone."""
    return (datetime.combine(day + timedelta(days=1), time(), zone()) - timedelta(microseconds=1)).astimezone(UTC)


def _stretch_asked() -> tuple[dict[str, str | None], str]:
    """The entries a replay's stretch starts from (``?from=``) or ends before (``?until=``), or why they are no
    such thing: each a fact's id, and not both."""
    asked: dict[str, str | None] = {"from": None, "until": None}
    for name in asked:
        given = request.args.get(name, "").strip()
        if not given:
            continue
        try:
            asked[name] = str(UUID(hex=given))
        except ValueError:
            return asked, _("This link to a stretch of entries is not valid: it does not name an entry.")
    if asked["from"] and asked["until"]:
        return asked, _("This link to a stretch of entries is not valid: it names both where to start and end.")
    return asked, ""


@bp.route("/families/<uuid:family_id>/as-of", endpoint="as_of")
def as_of(family_id: Any) -> ResponseReturnValue:
    """A family's page as the record stood at the end of a day: later facts and corrections left out; its entries
    a stretch at a time (the newest, or from ``?from=`` or up to ``?until=`` an entry), as on the family page."""
    typed = request.args.get("day", "").strip()
    form = day_form(typed)
    day, problem = _day(typed)
    if day is None:
        form.errors["day"] = problem
        return render_template("as_of_form.html", form=form, family_id=family_id), 422
    asked, problem = _stretch_asked()
    if problem:
        title = _("Not a valid link")
        return render_template("refusal.html", status=400, title=title, sentence=problem), 400
    models: ReadModels = extension("peiban.read_models")
    moment = end_of(day)
    try:
        sketch, stretch = models.replay_page(
            family_id,
            as_of=moment,
            zone=zone(),
            include_sensitive=cleared_for_sensitive(),
            start=asked["from"],
            until=asked["until"],
            size=STRETCH,
        )
    except FamilyNotFound:
        peiban().family_facts(family_id, limit=1)  # a family that does not exist at all is simply not found
        form.errors["day"] = _("Nothing about this family had been recorded by the end of %(day)s.", day=typed)
        return render_template("as_of_form.html", form=form, family_id=family_id), 404
    outline = sketch.timeline
    here = url_for("audit_pages.as_of", family_id=family_id, day=day.isoformat())
    return render_template(
        "family.html",
        timeline=outline,
        picture=timeline_picture(sketch, moment, zone()),
        chapters=chapters(stretch.timeline, stretch.counts, stretch.firsts),
        stretch=stretch,
        entry_href=to_entry(here, {e.event_id for e in stretch.timeline.entries}),
        stretch_url=partial(url_for, "audit_pages.as_of", family_id=family_id, day=day.isoformat()),
        bridges=[bridge_row(b) for b in outline.bridges],
        actions=None,
        recorded="",
        replay=Replay(day.isoformat(), form),
    )


@bp.route("/families/<uuid:family_id>/facts", endpoint="facts")
def facts(family_id: Any) -> ResponseReturnValue:
    """A family's raw facts in the order they were recorded, a page at a time, each with its own anchor;
    ``?as_of=`` a day: those recorded by its end; ``?fact=`` an id: off to that fact."""
    start = position(request.args.get("from", "1"))
    if start is None:
        return error_page(404)
    typed = request.args.get("as_of", "").strip()
    window = Window(family_id, start)
    if typed:
        day, problem = _day(typed)
        if day is None:
            return error_page(422, sentence=problem)
        window = Window(family_id, start, day.isoformat(), end_of(day))
        g.replayed = day.isoformat()  # the read audit records the facts as of that day
    if "fact" in request.args:
        return fact_place(window, request.args["fact"])
    return facts_page(window)


@bp.route("/families/<uuid:family_id>/readers", endpoint="family_readers")
def family_readers(family_id: Any) -> ResponseReturnValue:
    """Who read this family's record, when, what and from where, newest first."""
    page = read_page(family_id=str(family_id))
    heading = _("Who read this family's record")
    return render_template("readers.html", heading=heading, page=page, family_id=family_id, reader=None)


def shown_name(user_name: str) -> str:
    """An account's display name with its user name, or the user name alone (an account may be gone)."""
    accounts: Accounts = extension("peiban.accounts")
    try:
        return f"{accounts.get(user_name).display_name} ({user_name})"
    except DomainError:
        return user_name


@bp.route("/access/readers/<string:user_name>", endpoint="reader_reads")
def reader_reads(user_name: str) -> ResponseReturnValue:
    """What one user read, newest first."""
    heading = _("What %(user)s read", user=shown_name(user_name))
    return render_template(
        "readers.html", heading=heading, page=read_page(reader=user_name), family_id=None, reader=user_name
    )


@dataclass(frozen=True)
class LogFilter:
    """The access log's filter as typed, and what it asks of the log (empty: no bound)."""

    form: Filled
    family_id: str | None = None
    reader: str | None = None
    since: str = ""
    until: str = "9999"

    @property
    def query(self) -> dict[str, str]:
        """The filter as query parameters, for the next page's link."""
        return {k: v for k, v in self.form.values.items() if v}


def log_filter() -> LogFilter:
    """The access log's filter from the query (``family``, ``reader``, ``since``, ``until``), each checked."""
    fields = [
        Field("family", _("Family"), kind="select", choices=family_choices()),
        Field("reader", _("Reader"), kind="select", choices=reader_choices()),
        Field("since", _("From (day)"), kind="date"),
        Field("until", _("To (day)"), kind="date"),
    ]
    form = blank(fields)
    form.values.update({f.name: request.args.get(f.name, "").strip()[:100] for f in fields})
    for f in fields[:2]:
        if form.values[f.name] and form.values[f.name] not in {value for value, _shown in f.choices}:
            form.errors[f.name] = _("Pick one of the choices offered.")
    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        if form.values[name]:
            days[name], problem = _day(form.values[name])
            if problem:
                form.errors[name] = problem
    since, until = days.get("since"), days.get("until")
    if since and until and since > until:
        form.errors["until"] = _("The last day comes on or after the first.")
    if form.errors:
        return LogFilter(form)
    return LogFilter(
        form,
        family_id=form.values["family"] or None,
        reader=form.values["reader"] or None,
        since=iso(end_of(since - timedelta(days=1)) + timedelta(microseconds=1)) if since else "",
        until=iso(end_of(until) + timedelta(microseconds=1)) if until else "9999",
    )


@bp.route("/access", endpoint="access_log")
def access_log() -> ResponseReturnValue:
    """Every read of every family's record, newest first, narrowed by family, reader and days."""
    user_name = request.args.get("user", "").strip()
    if user_name:
        return redirect(url_for("audit_pages.reader_reads", user_name=user_name), 303)
    chosen = log_filter()
    heading = _("Access log")
    if chosen.form.errors:
        page = ReadPage([], None, first=True)
        body = render_template("readers.html", heading=heading, page=page, family_id=None, reader=None, chosen=chosen)
        return body, 422
    page = read_page(family_id=chosen.family_id, reader=chosen.reader, since=chosen.since, until=chosen.until)
    return render_template("readers.html", heading=heading, page=page, family_id=None, reader=None, chosen=chosen)
