"""The cohort report page for funders: how each cohort handed its families over, and visits over
time, as charts above tables of the same numbers, and the report as a CSV file for a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from projections.plain import local_day
from projections.read_models import ReadModels
from projections.reports import CohortReport, MonthVisits, cohort_report_csv
from web.access.guard import cleared_for_sensitive, extension
from web.i18n import N_, _, ngettext, translations
from web.pages.charts import BarChart, LineChart, bar_chart, line_chart

bp = Blueprint("report_pages", __name__)

MONTH_NAMES = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)
#: Excel takes a CSV file for the local ANSI code page unless it starts with a UTF-8 byte order mark.
BOM = "\ufeff"


def _days(value: float | None) -> str:
    """A number of days as text (a median may be a half day: 2.5 days, else 3 days)."""
    if value is None:
        return "–"
    counted = 1 if value == 1 else 2  # a half day is counted in the plural: 2.5 days, 0.5 days
    return str(translations().ungettext("%(num)s day", "%(num)s days", counted)) % {"num": format(value, "g")}


def gap_chart(report: CohortReport) -> BarChart:
    """Median gap at handover per cohort, the longest gap marked on each bar."""
    rows = [
        (
            t.cohort_name,
            t.gap_days_median,
            _("median %(median)s, longest %(max)s", median=_days(t.gap_days_median), max=_days(t.gap_days_max)),
        )
        for t in report.transitions
    ]
    return bar_chart(
        "gap",
        _("Gap at handover, in days"),
        _("Days from the outgoing volunteer's last visit to the newcomer's first: bar, the median; line, the longest."),
        rows,
        markers=[None if t.gap_days_max is None else float(t.gap_days_max) for t in report.transitions],
    )


def joint_visit_chart(report: CohortReport) -> BarChart:
    """The share of each cohort's handovers with a joint visit."""
    rows = [
        (
            t.cohort_name,
            t.joint_visit_share,
            _(
                "%(share)s%% (%(joint)s of %(count)s)",
                share=round(100 * t.joint_visit_share),
                joint=t.with_joint_visit,
                count=t.handovers,
            ),
        )
        for t in report.transitions
    ]
    return bar_chart(
        "joint",
        _("Handovers with a joint visit"),
        _("The share of each cohort's handovers in which both volunteers visited the family together."),
        rows,
        scale_max=1.0,
    )


def lost_chart(report: CohortReport) -> BarChart:
    """Families closed within 90 days of a handover, per cohort, on the scale of the families handed over."""
    rows = [
        (
            t.cohort_name,
            float(t.families_lost),
            ngettext(
                "%(lost)s of %(num)s family",
                "%(lost)s of %(num)s families",
                t.families_handed_over,
                lost=t.families_lost,
            ),
        )
        for t in report.transitions
    ]
    return bar_chart(
        "lost",
        _("Families lost at handover"),
        _("Families closed within 90 days after one of the cohort's handovers."),
        rows,
        scale_max=float(max([t.families_handed_over for t in report.transitions] + [1])),
    )


def visits_chart(months: tuple[MonthVisits, ...], *, partial: bool = False) -> LineChart:
    """Visits per calendar month, described by its span and its busiest month; ``partial`` when the last
    month is still running."""
    first, last = (months[0].month, months[-1].month) if months else ("", "")
    most = max(months, key=lambda m: m.visits, default=None)
    description = (
        _(
            "Visits each month from %(first)s to %(last)s; most in %(month)s (%(visits)s).",
            first=first,
            last=last,
            month=most.month,
            visits=most.visits,
        )
        if most
        else _("No visits yet.")
    )
    series = [(m.month, m.visits) for m in months]
    return line_chart("visits", _("Visits per month"), description, series, partial_last=partial)


@dataclass(frozen=True)
class YearOfVisits:
    """A row of the visits table: a year and its twelve months (None: outside the months reported)."""

    year: int
    months: list[int | None]


def visits_by_year(months: tuple[MonthVisits, ...]) -> list[YearOfVisits]:
    """Visits per month laid out a year a row, so that the table stays short on a phone."""
    counted = {(int(m.month[:4]), int(m.month[5:])): m.visits for m in months}
    years = sorted({year for year, _ in counted})
    return [YearOfVisits(year, [counted.get((year, month)) for month in range(1, 13)]) for year in years]


@bp.route("/reports/cohorts", endpoint="cohorts")
def cohorts() -> ResponseReturnValue:
    """The cohort report: handover gaps, joint visits, families lost and visits per month, charted and tabled."""
    models: ReadModels = extension("peiban.read_models")
    report = models.cohort_report(include_sensitive=cleared_for_sensitive())
    months = models.visits_per_month(include_sensitive=cleared_for_sensitive())
    today = local_day(datetime.now(tz=UTC))
    partial_month = today.strftime("%Y-%m") if months and months[-1].month == today.strftime("%Y-%m") else None
    return render_template(
        "reports.html",
        report=report,
        months=months,
        partial_month=partial_month,
        today=today.isoformat(),
        today_day=today,
        years=visits_by_year(months),
        month_names=[_(name) for name in MONTH_NAMES],
        charts={
            "gap": gap_chart(report),
            "joint": joint_visit_chart(report),
            "lost": lost_chart(report),
            "visits": visits_chart(months, partial=partial_month is not None),
        },
    )


@bp.route("/reports/cohorts.csv", endpoint="cohorts_csv")
def cohorts_csv() -> ResponseReturnValue:
    """The cohort report as a CSV file (UTF-8 with a byte order mark, so that Excel reads the Chinese)."""
    models: ReadModels = extension("peiban.read_models")
    filename = f"peiban-cohort-report-{local_day(datetime.now(tz=UTC)).isoformat()}.csv"
    return Response(
        (BOM + cohort_report_csv(models.cohort_report(include_sensitive=cleared_for_sensitive()))).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
