"""The timeline view: every fact of every family as an entry, corrections kept beside them.

Entries are stored as recorded, never rewritten: an amendment or a retraction is a
row of its own that points at its target, so a timeline can be read as it stands
now or as it stood on any earlier date (the as-of replay), without touching the log.
Volunteer and cohort names are folded in too, so chapters can say who and which cohort.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from domain.cohort import Cohort
from domain.family import Family
from domain.values import ServiceLine
from domain.volunteer import Volunteer
from projections.db import Tx
from projections.engine import Handler, View
from projections.erasure import ERASED_VOLUNTEER, forget_actors
from projections.plain import fact_fields, fact_json, iso

#: The kind of each family fact, as timelines and the API name it.
KINDS: Mapping[type[Any], str] = {
    Family.Enrolled: "enrolled",
    Family.ProfileUpdated: "profile_updated",
    Family.ConsentRecorded: "consent_recorded",
    Family.ConsentWithdrawn: "consent_withdrawn",
    Family.Closed: "closed",
    Family.Reopened: "reopened",
    Family.VolunteerAssigned: "assigned",
    Family.VolunteerUnassigned: "unassigned",
    Family.AssignmentEnded: "unassigned",  # by the system, for the departure it names (``caused_by``)
    Family.VisitLogged: "visit",
    Family.MessageLogged: "message",
    Family.HandoverPlanned: "handover_planned",
    Family.HandoverAgreed: "handover_agreed",
    Family.HandoverCompleted: "handover_completed",
    Family.HandoverCancelled: "handover_cancelled",
    Family.ConcernRaised: "concern_raised",
    Family.ConcernResolved: "concern_resolved",
    Family.ReferralMade: "referral",
    Family.FollowUpScheduled: "follow_up_scheduled",
    Family.FollowUpDone: "follow_up_done",
}

#: Facts that point at an earlier fact and belong to its compartment.
LINKS = {
    "concern_resolved": "concern_id",
    "referral": "concern_id",
    "follow_up_scheduled": "concern_id",
    "follow_up_done": "follow_up_id",
}


def _volunteers(event: Any) -> str:
    """The volunteers a fact involves, as space-separated ids (a visit's, a message's, a handover's)."""
    ids = getattr(event, "volunteer_ids", None)
    if ids is not None:
        return " ".join(map(str, ids))
    one = getattr(event, "volunteer_id", None)
    if one is not None:
        return str(one)
    outgoing = getattr(event, "outgoing_volunteer_id", None)
    return f"{outgoing} {event.incoming_volunteer_id}" if outgoing else ""


class TimelineView(View):
    name = "timeline"
    tables: ClassVar[Mapping[str, str]] = {
        "timeline_entry": (
            "CREATE TABLE IF NOT EXISTS timeline_entry ("
            " event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " kind TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,"
            " volunteer_ids TEXT NOT NULL, service_line TEXT, sensitive INTEGER NOT NULL, data TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS timeline_entry_family ON timeline_entry (family_id, occurred_at)"
        ),
        "timeline_correction": (
            "CREATE TABLE IF NOT EXISTS timeline_correction ("
            " event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, target_event_id TEXT NOT NULL,"
            " action TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,"
            " reason TEXT NOT NULL, changes TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS timeline_correction_family ON timeline_correction (family_id)"
        ),
        "timeline_erasure": (
            "CREATE TABLE IF NOT EXISTS timeline_erasure ("
            " family_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL, recorded_by TEXT NOT NULL, reason TEXT NOT NULL)"
        ),
        "timeline_volunteer": (
            "CREATE TABLE IF NOT EXISTS timeline_volunteer ("
            " volunteer_id TEXT PRIMARY KEY, name TEXT NOT NULL, cohort_id TEXT NOT NULL)"
        ),
        "timeline_cohort": (
            "CREATE TABLE IF NOT EXISTS timeline_cohort ("
            " cohort_id TEXT PRIMARY KEY, name TEXT NOT NULL, intake_on TEXT NOT NULL, expected_end_on TEXT NOT NULL)"
        ),
    }

    def handlers(self) -> Mapping[type[Any], Handler]:
        folds: dict[type[Any], Handler] = dict.fromkeys(KINDS, self.entry)
        folds[Family.FactAmended] = self.correction
        folds[Family.FactRetracted] = self.correction
        folds[Volunteer.Registered] = self.volunteer
        folds[Cohort.Opened] = self.cohort
        folds[Family.Erased] = self.erased
        folds[Volunteer.Erased] = self.volunteer_erased
        return folds

    def entry(self, tx: Tx, event: Any) -> None:
        kind = KINDS[type(event)]
        line = getattr(event, "service_line", None)
        sensitive = isinstance(line, ServiceLine) and line.is_sensitive
        link = getattr(event, LINKS.get(kind, ""), None)
        if link is not None and not sensitive:
            row = tx.one("SELECT sensitive FROM timeline_entry WHERE event_id = ?", [str(link)])
            sensitive = bool(row and row[0])
        tx.execute(
            "INSERT INTO timeline_entry (event_id, family_id, version, kind, occurred_at, recorded_at, recorded_by,"
            " volunteer_ids, service_line, sensitive, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event.event_key,
                str(event.originator_id),
                event.originator_version,
                kind,
                iso(event.occurred_at),
                iso(event.timestamp),
                event.recorded_by,
                _volunteers(event),
                line.value if isinstance(line, ServiceLine) else None,
                int(sensitive),
                fact_json(event),
            ],
        )

    def correction(self, tx: Tx, event: Any) -> None:
        amended = isinstance(event, Family.FactAmended)
        changes = fact_fields(event).get("changes", {}) if amended else {}
        tx.execute(
            "INSERT INTO timeline_correction (event_id, family_id, target_event_id, action, recorded_at, recorded_by,"
            " reason, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event.event_key,
                str(event.originator_id),
                str(event.target_event_id),
                "amend" if amended else "retract",
                iso(event.timestamp),
                event.recorded_by,
                event.reason,
                json.dumps(changes, ensure_ascii=False),
            ],
        )

    def erased(self, tx: Tx, event: Family.Erased) -> None:
        """Drop every row of an erased family; keep only the tombstone (when, by whom, why)."""
        family_id = str(event.originator_id)
        for table in ("timeline_entry", "timeline_correction"):
            tx.execute(f"DELETE FROM {table} WHERE family_id = ?", [family_id])
        tx.execute(
            "INSERT INTO timeline_erasure (family_id, erased_at, recorded_by, reason) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (family_id) DO NOTHING",
            [family_id, iso(event.occurred_at), event.recorded_by, event.reason],
        )

    def volunteer_erased(self, tx: Tx, event: Volunteer.Erased) -> None:
        """The volunteer stays on every timeline they were on, nameless; so do the user names of their accounts."""
        tx.execute(
            "INSERT INTO timeline_volunteer (volunteer_id, name, cohort_id) VALUES (?, ?, ?)"
            " ON CONFLICT (volunteer_id) DO UPDATE SET name = excluded.name",
            [str(event.originator_id), ERASED_VOLUNTEER, str(event.cohort_id)],
        )
        forget_actors(
            tx,
            event.account_ids,
            [
                ("timeline_entry", "recorded_by"),
                ("timeline_correction", "recorded_by"),
                ("timeline_erasure", "recorded_by"),
            ],
        )

    def volunteer(self, tx: Tx, event: Any) -> None:
        tx.execute(
            "INSERT INTO timeline_volunteer (volunteer_id, name, cohort_id) VALUES (?, ?, ?)",
            [str(event.originator_id), event.name, str(event.cohort_id)],
        )

    def cohort(self, tx: Tx, event: Any) -> None:
        tx.execute(
            "INSERT INTO timeline_cohort (cohort_id, name, intake_on, expected_end_on) VALUES (?, ?, ?, ?)",
            [str(event.originator_id), event.name, event.intake_on.isoformat(), event.expected_end_on.isoformat()],
        )
