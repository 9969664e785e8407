"""The briefing: what a volunteer should know before the first visit to a family.

The family's story so far (who accompanied it, the handover letters, recent visits,
what works, what is open), never the sensitive compartments. A volunteer opening a
family they have not visited yet lands here first; reading it is recorded in the read
audit like every other read of a family's record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from projections.read_models import ReadModels
from web.access.guard import extension

bp = Blueprint("briefing_page", __name__)


@bp.route("/families/<uuid:family_id>/briefing", endpoint="briefing")
def briefing(family_id: Any) -> ResponseReturnValue:
    """The briefing before a first visit."""
    models: ReadModels = extension("peiban.read_models")
    return render_template("briefing.html", briefing=models.briefing(family_id, now=datetime.now(tz=UTC)))
