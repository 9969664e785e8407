"""The family page: the timeline picture above the chronological list with its chapters.

The guard has already decided that the reader may see this family (others get the
page a family that does not exist gets) and records the read in the read audit.
Sensitive compartments are shown only to readers the policy clears for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from projections.read_models import ReadModels
from web.access.guard import cleared_for_sensitive, extension
from web.i18n import zone
from web.pages.entries import bridge_row, chapters
from web.pages.picture import timeline_picture

bp = Blueprint("family_page", __name__)


@bp.route("/families/<uuid:family_id>", endpoint="family")
def family(family_id: Any) -> ResponseReturnValue:
    """A family's relationship timeline: the picture, the handovers, and every entry by chapter."""
    models: ReadModels = extension("peiban.read_models")
    timeline = models.timeline(family_id, include_sensitive=cleared_for_sensitive())
    return render_template(
        "family.html",
        timeline=timeline,
        picture=timeline_picture(timeline, datetime.now(tz=UTC), zone()),
        chapters=chapters(timeline),
        bridges=[bridge_row(b) for b in timeline.bridges],
    )
