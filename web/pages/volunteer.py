"""One volunteer's page: who they are, the families they accompany now, and their visits this month
and this term. Coordinators, social workers and auditors open any volunteer's; a volunteer only their own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from projections.read_models import ReadModels
from web.access.guard import extension

bp = Blueprint("volunteer_page", __name__)


@bp.route("/volunteers/<uuid:volunteer_id>", endpoint="volunteer")
def volunteer(volunteer_id: Any) -> ResponseReturnValue:
    """A volunteer's caseload."""
    models: ReadModels = extension("peiban.read_models")
    return render_template("volunteer.html", caseload=models.caseload(volunteer_id, now=datetime.now(tz=UTC)))
