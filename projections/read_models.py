"""Every view of one application, and the queries users ask of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import NotFound, Peiban, StoreSettings
from domain.compartments import EVERY_COMPARTMENT, NO_COMPARTMENT, Clearance
from domain.errors import CohortNotFound, FamilyNotFound, VolunteerNotFound
from projections.briefing import Briefing, build_briefing
from projections.caseload import Caseload, volunteer_caseload
from projections.continuity_view import ContinuityView
from projections.dashboard import (
    CLIFF_DAYS,
    LIMIT,
    QUIET_DAYS,
    CohortEnd,
    Dashboard,
    HandedOver,
    ListPage,
    cohort_ends,
    continuity_dashboard,
    dashboard_page,
    handed_over_to,
)
from projections.dashboard_lists import DashboardList, Position
from projections.db import view_database
from projections.engine import Progress, Projection, View
from projections.erasure import refuse_erased, refuse_erased_volunteer
from projections.rebuild import Rebuilt, rebuild_together
from projections.rebuild_apart import OpenLog, rebuild_apart, spare_cores
from projections.reports import CohortReport, MonthVisits, cohort_report, visits_per_month
from projections.retention import RetentionCandidate, retention_candidates
from projections.timeline import Page, Timeline, last_recorded, load_timeline
from projections.timeline_as_of import replay_page
from projections.timeline_as_of_record import replay_record
from projections.timeline_outline import Stretch
from projections.timeline_page import family_page_as_of, family_page_now
from projections.timeline_replay import replay
from projections.timeline_sketch import Sketch
from projections.timeline_view import TimelineView
from projections.transition import Transition, cohort_transition

VIEWS: tuple[type[View], ...] = (TimelineView, ContinuityView)
#: From how many facts a rebuild of several views folds each in a process of its own, if the machine has cores
#: to spare (below, starting the processes costs more than it saves; on a busy machine, each process reading
#: the log again costs more than they gain).
APART_FROM = 20_000


def _clearance(include_sensitive: bool) -> Clearance:
    return EVERY_COMPARTMENT if include_sensitive else NO_COMPARTMENT


class ReadModels:
    """The views of one Peiban application, each kept current by following its log."""

    def __init__(self, app: Peiban, settings: StoreSettings, *, batch_size: int = 1000) -> None:
        self.app = app
        self.settings = settings
        self.projections: dict[str, Projection] = {
            view.name: Projection(app, view(), view_database(settings, view.name), batch_size=batch_size)
            for view in VIEWS
        }

    def __getitem__(self, name: str) -> Projection:
        try:
            return self.projections[name]
        except KeyError:
            raise NotFound() from None

    def catch_up(self) -> int:
        """Fold every new fact into every view."""
        return sum(p.catch_up() for p in self.projections.values())

    def rebuild(
        self,
        names: list[str] | None = None,
        progress: Progress | None = None,
        *,
        open_log: OpenLog | None = None,
        apart: bool | None = None,
    ) -> Rebuilt:
        """Rebuild the named views (default: all) from the log, switching each over when done: each in a process of
        its own, opening the log with ``open_log``, if ``apart`` (when not told: if the log holds ``APART_FROM``
        facts or more and the machine has a core to spare for each other view); else all in one pass here. A
        store that other processes cannot open (in memory) is rebuilt here."""
        chosen = [self[name] for name in (names or list(self.projections))]
        if apart is None:
            apart = self.app.log_position() >= APART_FROM and spare_cores() >= len(chosen) - 1
        shared = self.settings.backend in ("sqlite", "postgres")
        if apart and open_log is not None and shared and len(chosen) > 1:
            return rebuild_apart(chosen, open_log, progress)
        return rebuild_together(chosen, progress)

    def close(self) -> None:
        for projection in self.projections.values():
            projection.db.close()

    def timeline(
        self,
        family_id: Any,
        *,
        as_of: datetime | None = None,
        include_sensitive: bool = True,
        page: Page | None = None,
    ) -> Timeline:
        """A family's relationship timeline (every entry, or a ``page``), now or as the record stood at ``as_of``;
        the compartments' facts only if ``include_sensitive``."""
        clearance = _clearance(include_sensitive)
        with self["timeline"].reading() as tx:
            refuse_erased(tx, str(family_id))
            if as_of is not None and page is not None:
                found = replay_page(tx, str(family_id), as_of=as_of, clearance=clearance, page=page)
            elif as_of is not None:
                found = replay(tx, str(family_id), as_of=as_of, clearance=clearance, page=None)
            else:
                found = load_timeline(tx, str(family_id), clearance=clearance, page=page)
        if found is None:
            raise FamilyNotFound()
        return found

    def family_page(
        self,
        family_id: Any,
        *,
        zone: ZoneInfo,
        include_sensitive: bool = True,
        start: str | None = None,
        until: str | None = None,
        showing: str | None = None,
        size: int = 200,
    ) -> tuple[Sketch, Stretch]:
        """A family's page: the sketch of its whole record (its contacts by month of ``zone``) and a stretch of
        ``size`` entries read whole, from the entry ``start`` or up to the entry ``until`` (default: the newest
        ``size``), or from ``showing`` if it would not be in it."""
        clearance = _clearance(include_sensitive)
        with self["timeline"].reading() as tx:
            refuse_erased(tx, str(family_id))
            found = family_page_now(
                tx, str(family_id), clearance, zone, start=start, until=until, showing=showing, size=size
            )
        if found is None:
            raise FamilyNotFound()
        return found

    def replay_page(
        self,
        family_id: Any,
        *,
        as_of: datetime,
        zone: ZoneInfo,
        include_sensitive: bool = True,
        start: str | None = None,
        until: str | None = None,
        size: int = 200,
    ) -> tuple[Sketch, Stretch]:
        """A family's replay page: the sketch of its record as it stood at ``as_of`` (its contacts by month of
        ``zone``) and a stretch of ``size`` entries read whole, as they stood, from the entry ``start`` or up to the
        entry ``until`` (default: the newest ``size``)."""
        clearance = _clearance(include_sensitive)
        with self["timeline"].reading() as tx:
            refuse_erased(tx, str(family_id))
            found = family_page_as_of(
                tx, str(family_id), as_of=as_of, clearance=clearance, zone=zone, start=start, until=until, size=size
            )
        if found is None:
            raise FamilyNotFound()
        return found

    def replay_record(
        self,
        family_id: Any,
        *,
        as_of: datetime,
        include_sensitive: bool = True,
        start: str | None = None,
        until: str | None = None,
        size: int = 200,
    ) -> tuple[Timeline, Stretch]:
        """The outline of a family's record as it stood at ``as_of`` (every entry, without the words of visits and
        messages) and a stretch of ``size`` entries read whole, as they stood, from the entry ``start`` or up to the
        entry ``until`` (default: the newest ``size``): what the replay page's reads (``replay_page``) tell, read
        entry by entry."""
        clearance = _clearance(include_sensitive)
        with self["timeline"].reading() as tx:
            refuse_erased(tx, str(family_id))
            found = replay_record(
                tx, str(family_id), as_of=as_of, clearance=clearance, start=start, until=until, size=size
            )
        if found is None:
            raise FamilyNotFound()
        return found

    def last_recorded(self, family_id: Any, *, include_sensitive: bool = True) -> datetime | None:
        """When the latest fact or correction of the family the reader may see was recorded."""
        with self["timeline"].reading() as tx:
            return last_recorded(tx, str(family_id), _clearance(include_sensitive))

    def briefing(self, family_id: Any, *, now: datetime) -> Briefing:
        """A volunteer's briefing: never includes the sensitive compartments."""
        return build_briefing(self.timeline(family_id, include_sensitive=False), now=now)

    def dashboard(
        self,
        *,
        now: datetime,
        cliff_days: int = CLIFF_DAYS,
        quiet_days: int = QUIET_DAYS,
        family_id: Any = None,
        include_sensitive: bool = True,
        limit: int = LIMIT,
    ) -> Dashboard:
        """The continuity dashboard: the first ``limit`` rows of each list (open families, uncovered, cliff,
        quiet, handovers in progress or completed without a joint visit) and how many each holds, or the lists
        of just ``family_id`` (counting the sensitive compartments' contacts and concerns only if
        ``include_sensitive``)."""
        only = str(family_id) if family_id is not None else None
        with self["continuity"].reading() as tx:
            return continuity_dashboard(
                tx,
                now=now,
                cliff_days=cliff_days,
                quiet_days=quiet_days,
                only=only,
                include_sensitive=include_sensitive,
                limit=limit,
            )

    def dashboard_page(
        self,
        which: DashboardList,
        *,
        now: datetime,
        cliff_days: int = CLIFF_DAYS,
        quiet_days: int = QUIET_DAYS,
        include_sensitive: bool = True,
        after: Position | None = None,
        limit: int = LIMIT,
    ) -> ListPage[Any]:
        """A page of one of the dashboard's lists, after the position where the page before ended."""
        with self["continuity"].reading() as tx:
            return dashboard_page(
                tx,
                which,
                now=now,
                cliff_days=cliff_days,
                quiet_days=quiet_days,
                include_sensitive=include_sensitive,
                after=after,
                limit=limit,
            )

    def cohort_ends(self, *, now: datetime) -> list[CohortEnd]:
        """The cohorts whose volunteers lead open families, soonest end first, with how many each leads."""
        with self["continuity"].reading() as tx:
            return cohort_ends(tx, now=now)

    def handed_over_to(self, volunteer_id: Any) -> list[HandedOver]:
        """The open families being handed over to the volunteer."""
        with self["continuity"].reading() as tx:
            return handed_over_to(tx, str(volunteer_id))

    def transition(
        self, cohort_id: Any, *, now: datetime, max_caseload: int, risk_days: int, include_sensitive: bool = True
    ) -> Transition:
        """A cohort's transition: its families, proposed successors (caseloads under ``max_caseload``), each
        handover's step and the families at risk (fewer than ``risk_days`` left and no plan or joint visit)."""
        with self["continuity"].reading() as tx:
            found = cohort_transition(
                tx,
                str(cohort_id),
                now=now,
                max_caseload=max_caseload,
                risk_days=risk_days,
                include_sensitive=include_sensitive,
            )
        if found is None:
            raise CohortNotFound()
        return found

    def caseload(self, volunteer_id: Any, *, now: datetime, include_sensitive: bool = True) -> Caseload:
        """A volunteer's families, roles, last visits, and visits and hours this month and term (the sensitive
        compartments' visits counted only if ``include_sensitive``: for the volunteer, and for cleared readers)."""
        with self["continuity"].reading() as tx:
            refuse_erased_volunteer(tx, str(volunteer_id))
            found = volunteer_caseload(tx, str(volunteer_id), now=now, include_sensitive=include_sensitive)
        if found is None:
            raise VolunteerNotFound()
        return found

    def families_of(self, volunteer_id: Any) -> set[str]:
        """The families a volunteer is still on: an assignment not ended, or a handover still open."""
        with self["continuity"].reading() as tx:
            rows = tx.query(
                "SELECT family_id FROM continuity_assignment WHERE volunteer_id = ? AND ended_at IS NULL"
                " UNION SELECT family_id FROM continuity_handover"
                " WHERE state NOT IN ('completed', 'cancelled') AND (outgoing_id = ? OR incoming_id = ?)",
                [str(volunteer_id)] * 3,
            )
        return {str(r[0]) for r in rows}

    def cohort_report(self, *, include_sensitive: bool = True) -> CohortReport:
        """The cohort continuity report: per cohort transition and per quarter (the sensitive compartments'
        contacts counted only if ``include_sensitive``)."""
        with self["continuity"].reading() as tx:
            return cohort_report(tx, include_sensitive=include_sensitive)

    def retention_candidates(self, *, now: datetime, retention_days: int) -> list[RetentionCandidate]:
        """Families to consider erasing: closed more than ``retention_days`` ago, or without consent to records."""
        with self["continuity"].reading() as tx:
            return retention_candidates(tx, now=now, retention_days=retention_days)

    def visits_per_month(self, *, include_sensitive: bool = True) -> tuple[MonthVisits, ...]:
        """Visits in each calendar month, oldest first (the cohort report's service over time)."""
        with self["continuity"].reading() as tx:
            return visits_per_month(tx, include_sensitive=include_sensitive)
