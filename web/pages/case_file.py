"""A family's case file as a printable page: the whole record the reader may read, stamped with the seal.

The same document as the API's JSON (``web.case_file``), laid out for paper: the browser's
"print" (or "save as PDF") gives the auditors' copy, with the stamp on top of the first page.
The guard has let the reader in and records the export in the read audit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from projections.read_models import ReadModels
from web.access.guard import extension
from web.case_file import callers_case_file
from web.i18n import _, local_time
from web.pages.entries import bridge_row, chapters

bp = Blueprint("case_file_page", __name__)


@dataclass(frozen=True)
class Stamp:
    """The stamp on the first page: when, by whom, and where the seal stood."""

    exported: str
    seal: str
    reach: str
    head: str
    compartments: str


def _when(iso: str) -> str:
    return local_time(datetime.fromisoformat(iso))


def stamp(found: dict[str, Any]) -> Stamp:
    """The case file's stamp in the reader's words."""
    seal = found["seal"]
    if seal["state"] == "intact":
        state = _(
            "Verified intact up to fact %(position)s on %(when)s.",
            position=seal["verified_position"],
            when=_when(seal["verified_at"]),
        )
    elif seal["state"] == "broken":
        state = _("The seal was found broken at fact %(position)s.", position=seal["broken_at"])
    else:
        state = _("Not verified yet: run peiban verify on the server.")
    return Stamp(
        exported=_("Exported %(when)s by %(user)s.", when=_when(found["exported_at"]), user=found["exported_by"]),
        seal=state,
        reach=_(
            "The log held %(facts)s facts; the seal reached fact %(sealed)s.",
            facts=seal["log_position"],
            sealed=seal["sealed_position"],
        ),
        head=seal["head"],
        compartments=_("Sensitive compartments included.")
        if found["compartments_included"]
        else _("Sensitive compartments left out: the reader is not cleared for them."),
    )


def _fact_row(fact: dict[str, Any]) -> dict[str, Any]:
    """A raw fact with its fields as JSON text, Chinese left readable."""
    return {**fact, "fields_json": json.dumps(fact["fields"], ensure_ascii=False, sort_keys=True)}


@bp.route("/families/<uuid:family_id>/case-file", endpoint="case_file")
def case_file_page(family_id: Any) -> ResponseReturnValue:
    """The family's case file, to print or save as PDF."""
    found = callers_case_file(family_id)
    models: ReadModels = extension("peiban.read_models")
    timeline = models.timeline(family_id, include_sensitive=found["compartments_included"])
    return render_template(
        "case_file.html",
        found=found,
        stamp=stamp(found),
        timeline=timeline,
        chapters=chapters(timeline),
        bridges=[bridge_row(b) for b in timeline.bridges],
        facts=None if found["facts"] is None else [_fact_row(f) for f in found["facts"]],
    )
