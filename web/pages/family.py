"""The family page: the timeline picture above the chronological list with its chapters, and what
the reader may record about the family.

The guard has already decided that the reader may see this family (others get the
page a family that does not exist gets) and records the read in the read audit.
Sensitive compartments are shown only to readers the policy clears for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from domain.kinds import EntryKind
from projections.briefing import Pending, pending
from projections.directory import family_roster
from projections.read_models import ReadModels
from projections.timeline import Timeline
from projections.timeline_sketch import Sketch
from web.access.guard import Caller, cleared_for_sensitive, extension
from web.access.policy import Action, may
from web.api.common import author
from web.i18n import _, ngettext, zone
from web.pages.entries import bridge_row, chapters
from web.pages.family_actions import CORRECTABLE
from web.pages.labels import ROLES, label
from web.pages.picture import timeline_picture

bp = Blueprint("family_page", __name__)

#: How many entries the family page lists at once (the newest, or a stretch from ``?from=`` or up to ``?until=``).
STRETCH = 200


@dataclass(frozen=True)
class OnRoster:
    """A volunteer on the family now."""

    volunteer_id: str
    name: str
    role: str


@dataclass(frozen=True)
class Actions:
    """What the reader may do here, and the open items the actions apply to."""

    record: bool
    message: bool
    manage: bool
    correct: bool
    roster: list[OnRoster]
    open_handover: Any
    concerns: list[Pending]
    follow_ups: list[Pending]
    promises: list[Pending]
    correctable: frozenset[str]
    #: whose entries the reader may correct (None: anyone's; a volunteer: their own)
    author: str | None


def actions_for(caller: Caller, family_id: Any, timeline: Timeline) -> Actions:
    models: ReadModels = extension("peiban.read_models")
    with models["continuity"].reading() as tx:
        roster = [OnRoster(v, name, label(ROLES, role)) for v, name, role in family_roster(tx, str(family_id))]
    concerns, follow_ups = pending(timeline.entries, timeline.promises)
    return Actions(
        record=may(caller.role, Action.RECORD),
        message=may(caller.role, Action.MESSAGE),
        manage=may(caller.role, Action.MANAGE_FAMILY),
        correct=may(caller.role, Action.CORRECT),
        roster=roster,
        open_handover=next((b for b in timeline.bridges if b.state == "planned"), None),
        concerns=concerns,
        follow_ups=[f for f in follow_ups if f.kind == "scheduled"],
        promises=[f for f in follow_ups if f.kind == "promised"],
        correctable=frozenset(CORRECTABLE),
        author=author(),
    )


def cliff_warning(lead: str | None, cohort: str | None, days_left: int) -> str:
    """Why a family is on the cliff: its lead's cohort ends soon (or has ended: it ran past its expected end)."""
    if days_left < 0:
        return ngettext(
            "Cliff: %(lead)s's cohort %(cohort)s ended %(num)s day ago and no handover is planned.",
            "Cliff: %(lead)s's cohort %(cohort)s ended %(num)s days ago and no handover is planned.",
            -days_left,
            lead=lead,
            cohort=cohort,
        )
    return ngettext(
        "Cliff: %(lead)s's cohort %(cohort)s ends in %(num)s day and no handover is planned.",
        "Cliff: %(lead)s's cohort %(cohort)s ends in %(num)s days and no handover is planned.",
        days_left,
        lead=lead,
        cohort=cohort,
    )


def warnings(caller: Caller, family_id: Any) -> list[str]:
    """Why the continuity dashboard lists this family, for those who read the dashboard."""
    if not may(caller.role, Action.READ_DASHBOARD):
        return []
    models: ReadModels = extension("peiban.read_models")
    board = models.dashboard(now=datetime.now(tz=UTC), family_id=family_id, include_sensitive=cleared_for_sensitive())
    found = [cliff_warning(r.lead_name, r.cohort_name, r.days_left or 0) for r in board.cliff]
    found += [
        _("Uncovered: the lead %(lead)s has left.", lead=r.lead_name)
        if r.lead_departed
        else _("Uncovered: no lead volunteer.")
        for r in board.uncovered
    ]
    found += [
        ngettext(
            "Quiet: no visit or message for %(num)s day.", "Quiet: no visit or message for %(num)s days.", r.days_quiet
        )
        for r in board.quiet
    ]
    found += [
        _(
            "The handover %(outgoing)s → %(incoming)s was completed without a joint visit.",
            outgoing=h.outgoing_name,
            incoming=h.incoming_name,
        )
        for h in board.without_joint_visit
    ]
    return found


def has_visited(sketch: Sketch, volunteer_id: str) -> bool:
    """Whether the volunteer has a visit of their own on the family's record (a first visit opens on the briefing)."""
    return any(m.kind == EntryKind.VISIT and m.volunteer_id == volunteer_id for m in sketch.months) or any(
        e.kind == EntryKind.VISIT and not e.retracted and volunteer_id in e.volunteer_ids
        for e in sketch.timeline.entries
    )


def entry_id(parameter: str) -> str | None:
    """An entry named in the query (``?from=``, ``?recorded=``): a fact id, or a bad request."""
    given = request.args.get(parameter)
    if not given:
        return None
    try:
        return str(UUID(hex=given))
    except ValueError:
        abort(400)


def to_entry(here: str, listed: set[str]) -> Callable[[str], str]:
    """Where an entry is read on the page at ``here``: below, if it is listed; else on the stretch that starts
    with it."""
    joined = "&" if "?" in here else "?"  # built once: the picture may link thousands of entries
    return lambda event_id: (
        f"#entry-{event_id}" if event_id in listed else f"{here}{joined}from={event_id}#entry-{event_id}"
    )


@bp.route("/families/<uuid:family_id>", endpoint="family")
def family(family_id: Any) -> ResponseReturnValue:
    """A family's relationship timeline: the picture, the handovers, its entries by chapter (the newest, or a
    stretch from ``?from=``, a page at a time), and the actions."""
    models: ReadModels = extension("peiban.read_models")
    start, until, recorded = entry_id("from"), entry_id("until"), entry_id("recorded")
    sketch, stretch = models.family_page(
        family_id,
        zone=zone(),
        include_sensitive=cleared_for_sensitive(),
        start=start,
        until=until,
        showing=recorded,
        size=STRETCH,
    )
    outline = sketch.timeline
    caller: Caller = g.caller
    if caller.volunteer_id and "seen" not in request.args and not has_visited(sketch, caller.volunteer_id):
        return redirect(url_for("briefing_page.briefing", family_id=family_id), 303)
    listed = {e.event_id for e in stretch.timeline.entries}
    return render_template(
        "family.html",
        timeline=outline,
        picture=timeline_picture(sketch, datetime.now(tz=UTC), zone()),
        chapters=chapters(stretch.timeline, stretch.counts, stretch.firsts),
        stretch=stretch,
        entry_href=to_entry(url_for("family_page.family", family_id=family_id), listed),
        stretch_url=partial(url_for, "family_page.family", family_id=family_id),
        bridges=[bridge_row(b) for b in outline.bridges],
        actions=actions_for(g.caller, family_id, outline),
        recorded=recorded or "",
        warnings=warnings(caller, family_id),
    )
