"""The briefing: what a volunteer should know before the first visit to a family.

The family's story so far (who accompanied it, the handover letters, recent visits,
what works, what is open), never the sensitive compartments. A volunteer opening a
family they have not visited yet lands here first; reading it is recorded in the read
audit like every other read of a family's record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from projections.read_models import ReadModels
from web.access.guard import extension
from web.access.policy import Action, may

bp = Blueprint("briefing_page", __name__)


@bp.route("/families/<uuid:family_id>/briefing", endpoint="briefing")
def briefing(family_id: Any) -> ResponseReturnValue:
    """The briefing before a first visit: open promises with their "kept" and "let go" actions."""
    models: ReadModels = extension("peiban.read_models")
    briefing = models.briefing(family_id, now=datetime.now(tz=UTC))
    return render_template("briefing.html", briefing=briefing, may_record=may(g.caller.role, Action.RECORD))
