"""The continuity view: who accompanies each family now, every contact, handover, concern and closure.

Unlike the timeline, this view is folded *as it stands now*: an amendment rewrites the
row it targets and a retraction flags it, so the dashboard, caseloads and reports read
current figures with plain SQL. The fold reads nothing but the facts (never the clock),
so two rebuilds give identical rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from domain.cohort import Cohort
from domain.family import Family
from domain.values import ConsentScope, FamilyStatus, HandoverState, ServiceLine, VolunteerStatus
from domain.volunteer import Volunteer
from projections import continuity_settle as kept
from projections import continuity_standing as standing
from projections.db import Tx
from projections.engine import Handler, View
from projections.erasure import ERASED_VOLUNTEER, forget_actors
from projections.plain import id_text, iso, plain

#: Tables (continuity_<name>) holding correctable facts, and which amended field lands in which column.
AMENDABLE: Mapping[str, Mapping[str, str]] = {
    "contact": {"duration_minutes": "minutes", "service_line": "service_line", "sensitive": "sensitive"},
    "concern": {"level": "level", "category": "category", "service_line": "service_line", "sensitive": "sensitive"},
    "follow_up": {"due_on": "due_on"},
}


def _line(value: Any) -> tuple[str | None, int]:
    """A service line as stored, and whether it opens a sensitive compartment."""
    if value is None:  # most contacts
        return None, 0
    line = ServiceLine(value) if isinstance(value, str) else value
    return (line.value, int(line.is_sensitive)) if isinstance(line, ServiceLine) else (None, 0)


def _table(name: str, columns: str, *indexes: str) -> str:
    """A table's DDL, and an index on each of ``indexes`` (a column)."""
    ddl = f"CREATE TABLE IF NOT EXISTS {name} ({columns})"
    return ";".join([ddl, *(f"CREATE INDEX IF NOT EXISTS {name}_{i} ON {name} ({i})" for i in indexes)])


#: the tables whose rows belong to one family (``family_id``)
FAMILY_TABLES = (
    "continuity_family",
    "continuity_assignment",
    "continuity_handover",
    "continuity_contact",
    "continuity_concern",
    "continuity_follow_up",
    "continuity_closure",
    "continuity_consent",
    "continuity_standing",
)


class ContinuityView(View):
    """Families, their volunteers and contacts as they stand now, for continuity measures."""

    name = "continuity"
    #: 2: each family's standing and the dashboard's tally (``projections.continuity_standing``); who took part
    #: in each contact kept as the key alone (no row id)
    #: 3: a contact's id, and who took part in it, unique indexes a rebuild makes once its fold is done, sorted once,
    #: no longer the keys of their trees: ids are random, and kept fact by fact each insert landed on a page of its
    #: own, read again from the disk once the trees outgrew the cache (at 1M facts a contact cost twice what it costs
    #: at 50k); the fold looks a contact up within its family
    version = 3
    reading_indexes = frozenset(
        {
            "continuity_assignment_volunteer_id",
            "continuity_contact_event",
            "continuity_contact_handover_id",
            "continuity_contact_volunteer_event",
            "continuity_contact_volunteer_volunteer_id",
        }
    )
    tables: ClassVar[Mapping[str, str]] = {
        "continuity_cohort": _table(
            "continuity_cohort",
            "cohort_id TEXT PRIMARY KEY, name TEXT NOT NULL, intake_on TEXT NOT NULL, expected_end_on TEXT NOT NULL,"
            " closed_at TEXT",
        ),
        "continuity_volunteer": _table(
            "continuity_volunteer",
            "volunteer_id TEXT PRIMARY KEY, name TEXT NOT NULL, cohort_id TEXT NOT NULL, status TEXT NOT NULL,"
            " registered_at TEXT NOT NULL, expected_departure_on TEXT, departed_at TEXT,"
            " alumni_opted_in INTEGER NOT NULL",
        ),
        "continuity_volunteer_erasure": _table(
            "continuity_volunteer_erasure",
            "volunteer_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL, recorded_by TEXT NOT NULL, reason TEXT NOT NULL",
        ),
        "continuity_family": _table(
            "continuity_family",
            "family_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, community TEXT NOT NULL, status TEXT NOT NULL,"
            " enrolled_at TEXT NOT NULL",
        ),
        "continuity_assignment": _table(
            "continuity_assignment",
            "event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, volunteer_id TEXT NOT NULL, role TEXT NOT NULL,"
            " started_at TEXT NOT NULL, ended_at TEXT",
            "family_id",
            "volunteer_id",
        ),
        "continuity_handover": _table(
            "continuity_handover",
            "handover_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, outgoing_id TEXT NOT NULL,"
            " incoming_id TEXT NOT NULL, planned_on TEXT NOT NULL, opened_at TEXT NOT NULL, state TEXT NOT NULL,"
            " closed_at TEXT,"
            " family_agreed INTEGER NOT NULL, keep_in_touch INTEGER, incoming_role TEXT, no_joint_visit_reason TEXT,"
            f" {standing.HANDOVER_COLUMNS}",
            "family_id",
        )
        + standing.HANDOVER_INDEXES,
        "continuity_contact": _table(
            "continuity_contact",
            "event_id TEXT NOT NULL, family_id TEXT NOT NULL, occurred_at TEXT NOT NULL, kind TEXT NOT NULL,"
            " minutes INTEGER, handover_id TEXT, service_line TEXT, sensitive INTEGER NOT NULL,"
            " retracted INTEGER NOT NULL",
            "handover_id",
        )
        # a family's contacts, and one of them by its id (as a correction finds it; in a rebuild, the only way)
        + ";CREATE INDEX IF NOT EXISTS continuity_contact_family_id ON continuity_contact (family_id, event_id)"
        + ";CREATE UNIQUE INDEX IF NOT EXISTS continuity_contact_event ON continuity_contact (event_id)",
        "continuity_contact_volunteer": _table(
            "continuity_contact_volunteer", "event_id TEXT NOT NULL, volunteer_id TEXT NOT NULL", "volunteer_id"
        )
        + ";CREATE UNIQUE INDEX IF NOT EXISTS continuity_contact_volunteer_event"
        " ON continuity_contact_volunteer (event_id, volunteer_id)",
        "continuity_concern": _table(
            "continuity_concern",
            "event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, raised_at TEXT NOT NULL, category TEXT NOT NULL,"
            " level TEXT NOT NULL, service_line TEXT, sensitive INTEGER NOT NULL, resolved_at TEXT,"
            " retracted INTEGER NOT NULL",
            "family_id",
        ),
        "continuity_follow_up": _table(
            "continuity_follow_up",
            "event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, scheduled_at TEXT NOT NULL, due_on TEXT NOT NULL,"
            " volunteer_id TEXT, concern_id TEXT, sensitive INTEGER NOT NULL, done_at TEXT, retracted INTEGER NOT NULL",
            "family_id",
        ),
        "continuity_consent": _table(
            "continuity_consent", "family_id TEXT PRIMARY KEY, records_withdrawn_at TEXT, records_withdrawn_by TEXT"
        ),
        "continuity_closure": _table(
            "continuity_closure",
            "event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, closed_at TEXT NOT NULL, reopened_at TEXT",
            "family_id",
        ),
        "continuity_standing": standing.STANDING,
        "continuity_tally": standing.TALLY,
    }

    def settle(self, tx: Tx) -> None:
        kept.settle(tx)

    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            Cohort.Opened: self.cohort_opened,
            Cohort.Closed: lambda tx, e: self._set(tx, "cohort", e.originator_id, closed_at=iso(e.occurred_at)),
            Volunteer.Registered: self.volunteer_registered,
            Volunteer.Activated: lambda tx, e: self._set(
                tx, "volunteer", e.originator_id, status=VolunteerStatus.ACTIVE.value
            ),
            Volunteer.DepartureAnnounced: lambda tx, e: self._set(
                tx,
                "volunteer",
                e.originator_id,
                status=VolunteerStatus.DEPARTING.value,
                expected_departure_on=e.expected_on.isoformat(),
            ),
            Volunteer.Departed: self.volunteer_departed,
            Volunteer.AlumniContactOptedIn: lambda tx, e: self._set(
                tx, "volunteer", e.originator_id, alumni_opted_in=1
            ),
            Volunteer.AlumniContactOptedOut: lambda tx, e: self._set(
                tx, "volunteer", e.originator_id, alumni_opted_in=0
            ),
            Volunteer.Erased: self.volunteer_erased,
            Family.Enrolled: self.enrolled,
            Family.ProfileUpdated: self.profile_updated,
            Family.Closed: self.closed,
            Family.Reopened: self.reopened,
            Family.VolunteerAssigned: lambda tx, e: self._start(tx, e, e.volunteer_id, e.role),
            Family.VolunteerUnassigned: lambda tx, e: self._end(tx, e, e.volunteer_id),
            Family.AssignmentEnded: lambda tx, e: self._end(tx, e, e.volunteer_id),
            Family.VisitLogged: lambda tx, e: self._contact(tx, e, "visit", e.volunteer_ids, e.duration_minutes),
            Family.MessageLogged: lambda tx, e: self._contact(tx, e, "message", [e.volunteer_id], None),
            Family.HandoverPlanned: self.handover_planned,
            Family.HandoverAgreed: lambda tx, e: self._set(tx, "handover", e.handover_id, family_agreed=1),
            Family.HandoverCompleted: self.handover_completed,
            Family.HandoverCancelled: self.handover_cancelled,
            Family.ConcernRaised: self.concern_raised,
            Family.ConcernResolved: lambda tx, e: self._set(
                tx, "concern", e.concern_id, key="event_id", resolved_at=iso(e.occurred_at)
            ),
            Family.FollowUpScheduled: self.follow_up_scheduled,
            Family.FollowUpDone: lambda tx, e: self._set(
                tx, "follow_up", e.follow_up_id, key="event_id", done_at=iso(e.occurred_at)
            ),
            Family.FactAmended: self.amended,
            Family.FactRetracted: self.retracted,
            Family.Erased: self.erased,
            Family.ConsentWithdrawn: self.consent_withdrawn,
            Family.ConsentRecorded: self.consent_recorded,
        }

    # ---- people ----------------------------------------------------------------------

    def cohort_opened(self, tx: Tx, e: Cohort.Opened) -> None:
        tx.execute(
            "INSERT INTO continuity_cohort (cohort_id, name, intake_on, expected_end_on) VALUES (?, ?, ?, ?)",
            [str(e.originator_id), e.name, e.intake_on.isoformat(), e.expected_end_on.isoformat()],
        )

    def volunteer_registered(self, tx: Tx, e: Volunteer.Registered) -> None:
        tx.execute(
            "INSERT INTO continuity_volunteer (volunteer_id, name, cohort_id, status, registered_at, alumni_opted_in)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            [str(e.originator_id), e.name, str(e.cohort_id), VolunteerStatus.REGISTERED.value, iso(e.occurred_at)],
        )

    def volunteer_departed(self, tx: Tx, e: Volunteer.Departed) -> None:
        volunteer_id = str(e.originator_id)
        self._set(tx, "volunteer", volunteer_id, status=VolunteerStatus.DEPARTED.value, departed_at=iso(e.occurred_at))
        for family_id in kept.volunteer_families(tx, volunteer_id):
            kept.touched(tx, family_id)

    def volunteer_erased(self, tx: Tx, e: Volunteer.Erased) -> None:
        """The volunteer stays in every family's figures, nameless; their tombstone answers for them. Rebuilt after
        the key is gone, their earlier facts are unreadable: the row is made again from what the fact keeps."""
        tx.execute(
            "INSERT INTO continuity_volunteer (volunteer_id, name, cohort_id, status, registered_at, departed_at,"
            " alumni_opted_in) VALUES (?, ?, ?, ?, ?, ?, 0)"
            # the row the rebuild makes from this fact alone, column by column (as in the domain, an erased volunteer
            # is no alumni contact, and no departure is announced for them any more)
            " ON CONFLICT (volunteer_id) DO UPDATE SET name = excluded.name, cohort_id = excluded.cohort_id,"
            " status = excluded.status, registered_at = excluded.registered_at,"
            " expected_departure_on = excluded.expected_departure_on, departed_at = excluded.departed_at,"
            " alumni_opted_in = excluded.alumni_opted_in",
            [
                str(e.originator_id),
                ERASED_VOLUNTEER,
                str(e.cohort_id),
                VolunteerStatus.DEPARTED.value,
                iso(e.registered_at),
                iso(e.departed_at) if e.departed_at else None,
            ],
        )
        tx.execute(
            "INSERT INTO continuity_volunteer_erasure (volunteer_id, erased_at, recorded_by, reason)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (volunteer_id) DO NOTHING",
            [str(e.originator_id), iso(e.occurred_at), e.recorded_by, e.reason],
        )
        forget_actors(tx, e.account_ids, [("continuity_consent", "records_withdrawn_by")])
        for family_id in kept.volunteer_families(tx, str(e.originator_id)):
            kept.touched(tx, family_id)

    # ---- the family's case -----------------------------------------------------------

    def enrolled(self, tx: Tx, e: Family.Enrolled) -> None:
        tx.execute(
            "INSERT INTO continuity_family (family_id, display_name, community, status, enrolled_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [str(e.originator_id), e.display_name, e.community, FamilyStatus.OPEN.value, iso(e.occurred_at)],
        )
        kept.touched(tx, str(e.originator_id))

    def profile_updated(self, tx: Tx, e: Family.ProfileUpdated) -> None:
        shown = {k: v for k, v in e.changes.items() if k in ("display_name", "community")}
        if shown:
            self._set(tx, "family", e.originator_id, **shown)
            kept.touched(tx, str(e.originator_id))

    def closed(self, tx: Tx, e: Family.Closed) -> None:
        fid, when = str(e.originator_id), iso(e.occurred_at)
        self._set(tx, "family", fid, status=FamilyStatus.CLOSED.value)
        tx.execute(
            "UPDATE continuity_assignment SET ended_at = ? WHERE family_id = ? AND ended_at IS NULL", [when, fid]
        )
        tx.execute(
            "INSERT INTO continuity_closure (event_id, family_id, closed_at) VALUES (?, ?, ?)",
            [e.event_key, fid, when],
        )
        kept.touched(tx, fid)

    def reopened(self, tx: Tx, e: Family.Reopened) -> None:
        fid = str(e.originator_id)
        self._set(tx, "family", fid, status=FamilyStatus.OPEN.value)
        tx.execute(
            "UPDATE continuity_closure SET reopened_at = ? WHERE family_id = ? AND reopened_at IS NULL",
            [iso(e.occurred_at), fid],
        )
        kept.touched(tx, fid)

    def _start(self, tx: Tx, e: Family.Event, volunteer_id: Any, role: Any) -> None:
        tx.execute(
            "INSERT INTO continuity_assignment (event_id, family_id, volunteer_id, role, started_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [e.event_key, str(e.originator_id), str(volunteer_id), plain(role), iso(e.occurred_at)],
        )
        kept.touched(tx, str(e.originator_id))

    def _end(self, tx: Tx, e: Family.Event, volunteer_id: Any) -> None:
        tx.execute(
            "UPDATE continuity_assignment SET ended_at = ?"
            " WHERE family_id = ? AND volunteer_id = ? AND ended_at IS NULL",
            [iso(e.occurred_at), str(e.originator_id), str(volunteer_id)],
        )
        kept.touched(tx, str(e.originator_id))

    # ---- contacts and handovers --------------------------------------------------------

    def _contact(
        self,
        tx: Tx,
        e: Family.VisitLogged | Family.MessageLogged,
        kind: str,
        volunteer_ids: list[Any],
        minutes: int | None,
    ) -> None:
        line, sensitive = _line(e.service_line)
        handover = getattr(e, "handover_id", None)
        key, family_id, at = e.event_key, id_text(e.originator_id), iso(e.occurred_at)
        tx.execute(
            "INSERT INTO continuity_contact (event_id, family_id, occurred_at, kind, minutes, handover_id,"
            " service_line, sensitive, retracted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            [
                key,
                family_id,
                at,
                kind,
                minutes,
                str(handover) if handover else None,
                line,
                sensitive,
            ],
        )
        for volunteer_id in dict.fromkeys(volunteer_ids):
            tx.execute(
                "INSERT INTO continuity_contact_volunteer (event_id, volunteer_id) VALUES (?, ?)",
                [key, id_text(volunteer_id)],
            )
        kept.contacted(tx, family_id, at, bool(sensitive))
        if handover:
            tx.execute(
                "UPDATE continuity_handover SET joint_contacts = joint_contacts + 1,"
                " plain_joint_contacts = plain_joint_contacts + ? WHERE handover_id = ?",
                [1 - sensitive, str(handover)],
            )

    def handover_planned(self, tx: Tx, e: Family.HandoverPlanned) -> None:
        tx.execute(
            "INSERT INTO continuity_handover (handover_id, family_id, outgoing_id, incoming_id, planned_on, opened_at,"
            " state, family_agreed) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            [
                e.event_key,
                str(e.originator_id),
                str(e.outgoing_volunteer_id),
                str(e.incoming_volunteer_id),
                e.planned_on.isoformat(),
                iso(e.occurred_at),
                HandoverState.PLANNED.value,
            ],
        )
        kept.touched(tx, str(e.originator_id))

    def handover_completed(self, tx: Tx, e: Family.HandoverCompleted) -> None:
        row = tx.one(
            "SELECT outgoing_id, incoming_id FROM continuity_handover WHERE handover_id = ?", [str(e.handover_id)]
        )
        if row is None:  # the domain only completes handovers it planned
            return
        self._set(
            tx,
            "handover",
            e.handover_id,
            state=HandoverState.COMPLETED.value,
            closed_at=iso(e.occurred_at),
            keep_in_touch=int(e.keep_in_touch),
            incoming_role=e.incoming_role.value,
            no_joint_visit_reason=e.no_joint_visit_reason,
        )
        # As in the domain: both leave their old roles; the incoming volunteer starts in the new one.
        self._end(tx, e, row[0])
        self._end(tx, e, row[1])
        self._start(tx, e, row[1], e.incoming_role)

    def handover_cancelled(self, tx: Tx, e: Family.HandoverCancelled) -> None:
        self._set(tx, "handover", e.handover_id, state=HandoverState.CANCELLED.value, closed_at=iso(e.occurred_at))
        kept.touched(tx, str(e.originator_id))

    # ---- concerns, follow-ups, corrections ----------------------------------------------

    def concern_raised(self, tx: Tx, e: Family.ConcernRaised) -> None:
        line, sensitive = _line(e.service_line)
        tx.execute(
            "INSERT INTO continuity_concern (event_id, family_id, raised_at, category, level, service_line, sensitive,"
            " retracted) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            [
                e.event_key,
                str(e.originator_id),
                iso(e.occurred_at),
                plain(e.category),
                plain(e.level),
                line,
                sensitive,
            ],
        )

    def follow_up_scheduled(self, tx: Tx, e: Family.FollowUpScheduled) -> None:
        concern = str(e.concern_id) if e.concern_id else None
        row = tx.one("SELECT sensitive FROM continuity_concern WHERE event_id = ?", [concern]) if concern else None
        tx.execute(
            "INSERT INTO continuity_follow_up (event_id, family_id, scheduled_at, due_on, volunteer_id, concern_id,"
            " sensitive, retracted) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            [
                e.event_key,
                str(e.originator_id),
                iso(e.occurred_at),
                e.due_on.isoformat(),
                str(e.volunteer_id) if e.volunteer_id else None,
                concern,
                int(row[0]) if row else 0,
            ],
        )

    def consent_withdrawn(self, tx: Tx, e: Family.ConsentWithdrawn) -> None:
        """A guardian who withdrew consent to records makes the family a candidate for erasure."""
        if ConsentScope.RECORDS in e.scopes:
            tx.execute(
                "INSERT INTO continuity_consent (family_id, records_withdrawn_at, records_withdrawn_by)"
                " VALUES (?, ?, ?)"
                " ON CONFLICT (family_id) DO UPDATE SET records_withdrawn_at = excluded.records_withdrawn_at,"
                " records_withdrawn_by = excluded.records_withdrawn_by",
                [str(e.originator_id), iso(e.occurred_at), e.recorded_by],
            )

    def consent_recorded(self, tx: Tx, e: Family.ConsentRecorded) -> None:
        if ConsentScope.RECORDS in e.consent.scopes:
            tx.execute("DELETE FROM continuity_consent WHERE family_id = ?", [str(e.originator_id)])

    def erased(self, tx: Tx, e: Family.Erased) -> None:
        """An erased family leaves no row behind: not in lists, counts, caseloads or due dates."""
        family_id = str(e.originator_id)
        kept.forget(tx, family_id)
        tx.execute(
            "DELETE FROM continuity_contact_volunteer WHERE event_id IN"
            " (SELECT event_id FROM continuity_contact WHERE family_id = ?)",
            [family_id],
        )
        for table in FAMILY_TABLES:
            tx.execute(f"DELETE FROM {table} WHERE family_id = ?", [family_id])

    def amended(self, tx: Tx, e: Family.FactAmended) -> None:
        changes = {name: plain(value) for name, value in e.changes.items()}
        if "service_line" in changes:
            changes["sensitive"] = _line(changes["service_line"])[1]
            # a follow-up belongs to its concern's compartment
            tx.execute(
                "UPDATE continuity_follow_up SET sensitive = ? WHERE concern_id = ?",
                [changes["sensitive"], str(e.target_event_id)],
            )
        for table, columns in AMENDABLE.items():
            found = {column: changes[name] for name, column in columns.items() if name in changes}
            if found:
                self._correct(tx, table, e, **found)
        self._corrected(tx, e)

    @staticmethod
    def _correct(tx: Tx, table: str, e: Family.FactAmended | Family.FactRetracted, **columns: Any) -> None:
        """Set ``columns`` on the corrected fact's row of ``continuity_<table>``, looked up within its family (a
        rebuild makes the index of contacts' ids only once its fold is done)."""
        names = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE continuity_{table} SET {names} WHERE family_id = ? AND event_id = ?",
            [*columns.values(), str(e.originator_id), str(e.target_event_id)],
        )

    def _corrected(self, tx: Tx, e: Family.FactAmended | Family.FactRetracted) -> None:
        """A corrected contact may change the family's last contact and its handover's joint contacts."""
        kept.corrected(tx, str(e.originator_id))
        kept.recount_joint_contacts(tx, str(e.originator_id), str(e.target_event_id))

    def retracted(self, tx: Tx, e: Family.FactRetracted) -> None:
        for table in AMENDABLE:
            self._correct(tx, table, e, retracted=1)
        self._corrected(tx, e)

    @staticmethod
    def _set(tx: Tx, table: str, row_id: Any, *, key: str = "", **columns: Any) -> None:
        """Set ``columns`` on one row of ``continuity_<table>``, keyed by ``<table>_id`` unless told."""
        names = ", ".join(f"{name} = ?" for name in columns)
        tx.execute(
            f"UPDATE continuity_{table} SET {names} WHERE {key or table + '_id'} = ?", [*columns.values(), str(row_id)]
        )
