"""The retention list for coordinators: families to consider erasing, each with the reason and a link to erase it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from projections.retention import RetentionReason
from web.api.common import now, read_models
from web.i18n import N_, _, local_date

bp = Blueprint("retention_page", __name__)

#: What each reason says (English message ids, translated when shown).
REASONS = {
    RetentionReason.CLOSED_LONG_AGO: N_("Closed on %(day)s, longer ago than the retention period"),
    RetentionReason.CONSENT_WITHDRAWN: N_("The guardian withdrew consent to records on %(day)s"),
}


@bp.get("/retention")
def retention() -> ResponseReturnValue:
    """Families closed longer than the retention period, or whose guardian withdrew consent to records."""
    days = current_app.config["PEIBAN_SETTINGS"].retention_days
    found = read_models().retention_candidates(now=now(), retention_days=days)
    rows = [(c.family_id, c.display_name, _(REASONS[c.reason], day=local_date(c.since))) for c in found]
    return render_template("retention.html", rows=rows, days=days)
