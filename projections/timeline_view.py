"""The timeline view: every fact of every family as an entry, folded as it arrives.

Each entry is stored with what a read needs and must not re-derive: its compartment (the
domain's one rule, ``projections.timeline_compartments``), the chapter it falls in
(``projections.timeline_chapters``), whether it was retracted and its fields as amended. A
family's chapters, its handovers (the bridges between chapters) and its name are rows of their
own. Corrections are also kept as rows that point at their target, and originals beside the
amended fields, so that a timeline can be replayed as it stood on any earlier date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from domain.cohort import Cohort
from domain.compartments import sensitive
from domain.family import Family
from domain.kinds import EntryKind
from domain.values import PromiseState, ServiceLine
from domain.volunteer import Volunteer
from projections.db import Tx
from projections.engine import FROM_EMPTY, Handler, View
from projections.erasure import ERASED_VOLUNTEER, forget_actors
from projections.plain import fact_fields, fact_json, from_iso, id_text, iso
from projections.timeline_chapters import TURNING, Placed, fold_chapters, turn
from projections.timeline_compartments import FOLLOWS, TRACES, Link, compartment, stored
from projections.timeline_promises import PROMISES_TABLE, fold_promised, settle

#: The kind of each family fact, as timelines and the API name it.
KINDS: Mapping[type[Any], EntryKind] = {
    Family.Enrolled: EntryKind.ENROLLED,
    Family.ProfileUpdated: EntryKind.PROFILE_UPDATED,
    Family.ConsentRecorded: EntryKind.CONSENT_RECORDED,
    Family.ConsentWithdrawn: EntryKind.CONSENT_WITHDRAWN,
    Family.Closed: EntryKind.CLOSED,
    Family.Reopened: EntryKind.REOPENED,
    Family.VolunteerAssigned: EntryKind.ASSIGNED,
    Family.VolunteerUnassigned: EntryKind.UNASSIGNED,
    Family.AssignmentEnded: EntryKind.UNASSIGNED,  # by the system, for the departure it names (``caused_by``)
    Family.VisitLogged: EntryKind.VISIT,
    Family.MessageLogged: EntryKind.MESSAGE,
    Family.HandoverPlanned: EntryKind.HANDOVER_PLANNED,
    Family.HandoverAgreed: EntryKind.HANDOVER_AGREED,
    Family.HandoverCompleted: EntryKind.HANDOVER_COMPLETED,
    Family.HandoverCancelled: EntryKind.HANDOVER_CANCELLED,
    Family.ConcernRaised: EntryKind.CONCERN_RAISED,
    Family.ConcernResolved: EntryKind.CONCERN_RESOLVED,
    Family.ReferralMade: EntryKind.REFERRAL,
    Family.FollowUpScheduled: EntryKind.FOLLOW_UP_SCHEDULED,
    Family.FollowUpDone: EntryKind.FOLLOW_UP_DONE,
    Family.PromiseKept: EntryKind.PROMISE_KEPT,
    Family.PromiseLetGo: EntryKind.PROMISE_LET_GO,
}
#: Where a promise made during a visit stands, once the fact that settles it arrives.
SETTLES = {EntryKind.PROMISE_KEPT: PromiseState.KEPT, EntryKind.PROMISE_LET_GO: PromiseState.LET_GO}

#: The kinds of fact that open, agree or close a handover's bridge.
BRIDGING = frozenset(
    {
        EntryKind.HANDOVER_PLANNED,
        EntryKind.HANDOVER_AGREED,
        EntryKind.HANDOVER_COMPLETED,
        EntryKind.HANDOVER_CANCELLED,
    }
)
#: The kinds of fact that may name the family.
NAMING = frozenset({EntryKind.ENROLLED, EntryKind.PROFILE_UPDATED})

#: The tables of one family's record (dropped when the family is erased).
FAMILY_TABLES = (
    "timeline_entry",
    "timeline_correction",
    "timeline_chapter",
    "timeline_bridge",
    "timeline_family",
    "timeline_promise",
)


def _volunteers(event: Any) -> str:
    """The volunteers a fact involves, as space-separated ids (a visit's, a message's, a handover's)."""
    ids = getattr(event, "volunteer_ids", None)
    if ids is not None:
        return " ".join(map(id_text, ids))
    one = getattr(event, "volunteer_id", None)
    if one is not None:
        return id_text(one)
    outgoing = getattr(event, "outgoing_volunteer_id", None)
    return f"{outgoing} {event.incoming_volunteer_id}" if outgoing else ""


def _find(tx: Tx, family_id: str) -> Any:
    """Look up a stored entry of the family for the compartment rule."""

    def find(event_id: str) -> Link | None:
        row = tx.one(
            "SELECT kind, service_line, follows FROM timeline_entry WHERE event_id = ? AND family_id = ?",
            [event_id, family_id],
        )
        return Link(EntryKind(row[0]), row[1], row[2]) if row else None

    return find


_UNSEEN: Any = object()


class _Story:
    """Where a family's story stands, as its chapters are folded: the latest moment among its entries and its
    last chapter (None: none yet) with that chapter's lead. Remembered in the transaction's memo, so that a fact
    that comes after every other of its family (nearly all of them) is placed without a query."""

    __slots__ = ("chapter", "latest", "lead_id")

    def __init__(self, latest: str | None, chapter: int | None, lead_id: str | None) -> None:
        self.latest, self.chapter, self.lead_id = latest, chapter, lead_id

    @staticmethod
    def key(family_id: str) -> tuple[str, str]:
        return ("story", family_id)

    @classmethod
    def forget(cls, tx: Tx, family_id: str) -> None:
        """The family's story is to be read from its rows again (they changed behind the memo's back)."""
        tx.memo[cls.key(family_id)] = None

    @classmethod
    def of(cls, tx: Tx, family_id: str) -> _Story:
        """The family's story from the memo, else from its rows (then remembered); in a rebuild that remembers every
        family it folded (``FROM_EMPTY``), a family it has not seen has none: two queries a family fewer."""
        story: _Story | None = tx.memo.get(cls.key(family_id), _UNSEEN)
        if story is _UNSEEN and FROM_EMPTY in tx.memo:
            story = tx.memo[cls.key(family_id)] = cls(None, None, None)
        elif story is None or story is _UNSEEN:
            latest = tx.one("SELECT MAX(occurred_at) FROM timeline_entry WHERE family_id = ?", [family_id])
            last = tx.one(
                "SELECT idx, lead_id FROM timeline_chapter WHERE family_id = ? ORDER BY idx DESC LIMIT 1", [family_id]
            )
            story = cls(latest[0] if latest else None, int(last[0]) if last else None, last[1] if last else None)
            tx.memo[cls.key(family_id)] = story
        return story


class TimelineView(View):
    name = "timeline"
    #: 2: compartments, chapters, bridges and amendments folded into rows as facts arrive
    #: 3: the promises made during visits, and where each stands
    #: 4: ``original`` kept only once an entry is amended (NULL: ``data`` is as recorded)
    #: 5: an entry's id a unique index, no longer its primary key: a rebuild makes it once its fold is done, sorted
    #: once (ids are random: kept up to date fact by fact, each insert landed on a page of its own, read again from
    #: disk once the index outgrew the cache); the fold looks entries up within their family; and the index of a
    #: family's entries by kind covers what the family and replay pages count them by (``timeline_entry_outline``)
    #: (The entry id's index is kept up to date fact by fact all the same: the fold looks entries up by id, and
    #: within a family of thousands of entries a look along the family's index cost more than the index saves.)
    version = 5
    reading_indexes = frozenset(
        {
            "timeline_entry_outline",
            "timeline_entry_recorded",
            "timeline_entry_chapter",
            "timeline_entry_handover",
            "timeline_correction_target",
        }
    )
    tables: ClassVar[Mapping[str, str]] = {
        "timeline_entry": (
            "CREATE TABLE IF NOT EXISTS timeline_entry ("
            " event_id TEXT NOT NULL, family_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " kind TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,"
            " volunteer_ids TEXT NOT NULL, service_line TEXT, follows TEXT, handover_id TEXT,"
            " compartment TEXT NOT NULL, chapter INTEGER NOT NULL, retracted INTEGER NOT NULL,"
            " original TEXT, data TEXT NOT NULL);"
            "CREATE UNIQUE INDEX IF NOT EXISTS timeline_entry_event ON timeline_entry (event_id);"
            "CREATE INDEX IF NOT EXISTS timeline_entry_family ON timeline_entry (family_id, occurred_at, version);"
            # a family's entries by kind and time, with every column a family page counts them by (so that its
            # grouped reads never visit the rows, which hold the entries' words)
            "CREATE INDEX IF NOT EXISTS timeline_entry_outline ON timeline_entry (family_id, kind, occurred_at,"
            " version, handover_id, retracted, compartment, recorded_at, chapter, volunteer_ids, event_id);"
            "CREATE INDEX IF NOT EXISTS timeline_entry_recorded ON timeline_entry (family_id, recorded_at);"
            "CREATE INDEX IF NOT EXISTS timeline_entry_chapter ON timeline_entry (family_id, chapter);"
            "CREATE INDEX IF NOT EXISTS timeline_entry_handover ON timeline_entry (handover_id)"
        ),
        "timeline_correction": (
            "CREATE TABLE IF NOT EXISTS timeline_correction ("
            " event_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, target_event_id TEXT NOT NULL,"
            " action TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,"
            " reason TEXT NOT NULL, changes TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS timeline_correction_family ON timeline_correction (family_id, recorded_at);"
            "CREATE INDEX IF NOT EXISTS timeline_correction_target ON timeline_correction (target_event_id)"
        ),
        "timeline_chapter": (
            "CREATE TABLE IF NOT EXISTS timeline_chapter ("
            " family_id TEXT NOT NULL, idx INTEGER NOT NULL, lead_id TEXT, started_at TEXT NOT NULL,"
            " ended_at TEXT, PRIMARY KEY (family_id, idx))"
        ),
        "timeline_bridge": (
            "CREATE TABLE IF NOT EXISTS timeline_bridge ("
            " handover_id TEXT PRIMARY KEY, family_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " outgoing_id TEXT NOT NULL, incoming_id TEXT NOT NULL, planned_on TEXT NOT NULL, opened_at TEXT NOT NULL,"
            " letter TEXT NOT NULL, state TEXT NOT NULL, closed_at TEXT, family_agreed INTEGER NOT NULL,"
            " no_joint_visit_reason TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS timeline_bridge_family ON timeline_bridge (family_id)"
        ),
        "timeline_promise": PROMISES_TABLE,
        "timeline_family": (
            "CREATE TABLE IF NOT EXISTS timeline_family ("
            " family_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, named_at TEXT NOT NULL,"
            " named_version INTEGER NOT NULL)"
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
        """Fold a fact of a family: its entry, in its compartment and chapter; its handover; the family's name."""
        kind, key, family_id = KINDS[type(event)], event.event_key, id_text(event.originator_id)
        line = getattr(event, "service_line", None)
        service_line = line.value if isinstance(line, ServiceLine) else None
        pointer = FOLLOWS.get(kind)
        follows = None if pointer is None else getattr(event, pointer, None)
        if follows is None:  # the rule's first step ends here: a fact that points at none is in its own line's
            lines = frozenset() if kind in TRACES else sensitive(line)
        else:
            link = Link(kind, service_line, str(follows))
            find = _find(tx, family_id)
            lines = compartment(key, lambda k: link if k == key else find(k))
        data = fact_json(event)
        volunteers = _volunteers(event)
        at = iso(event.occurred_at)
        turning = (
            Placed(key, kind, event.occurred_at, volunteers.split(), json.loads(data)) if kind in TURNING else None
        )
        chapter = self._chapter(tx, family_id, at, turning)
        handover = getattr(event, "handover_id", None) if kind == EntryKind.VISIT else None
        tx.execute(
            "INSERT INTO timeline_entry (event_id, family_id, version, kind, occurred_at, recorded_at, recorded_by,"
            " volunteer_ids, service_line, follows, handover_id, compartment, chapter, retracted, original, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)",
            [
                key,
                family_id,
                event.originator_version,
                kind._value_,  # ``.value`` is a Python descriptor: a call a fact
                at,
                iso(event.timestamp),
                event.recorded_by,
                volunteers,
                service_line,
                str(follows) if follows else None,
                str(handover) if handover else None,
                stored(lines) if lines else "",
                0 if chapter is None else chapter,
                data,
            ],
        )
        if chapter is None:
            _Story.forget(tx, family_id)
            self._refold_chapters(tx, family_id)
        if kind in BRIDGING:
            self._handover(tx, kind, event)
        elif kind in NAMING:
            self._name(tx, kind, event)
        elif kind == EntryKind.VISIT:
            if event.follow_ups_promised:  # most visits promise nothing: no call
                fold_promised(tx, family_id, key, event.follow_ups_promised, logged=True)
        elif kind in SETTLES:
            settle(tx, str(event.promise_id), SETTLES[kind])

    def _chapter(self, tx: Tx, family_id: str, at: str, turning: Placed | None) -> int | None:
        """The chapter a new fact falls in, opening one if it turns the family's story (None: the family's
        chapters must be folded again, the fact having arrived before others it may turn); ``at`` is when it
        occurred, as stored, and ``turning`` the fact if it is of a kind that may open a chapter."""
        story = _Story.of(tx, family_id)
        if story.latest is not None and story.latest > at:
            if turning is not None:
                return None
            before = tx.one(
                "SELECT chapter FROM timeline_entry WHERE family_id = ? AND occurred_at <= ?"
                " ORDER BY occurred_at DESC, version DESC LIMIT 1",
                [family_id, at],
            )
            return None if before is None else int(before[0])
        story.latest = at  # the entry is inserted next
        if story.chapter is None:
            tx.execute(
                "INSERT INTO timeline_chapter (family_id, idx, lead_id, started_at, ended_at)"
                " VALUES (?, 0, NULL, ?, NULL)",
                [family_id, at],
            )
            story.chapter, story.lead_id = 0, None
        if turning is None:
            return story.chapter
        opened = turn(turning, story.lead_id, lambda handover_id: self._incoming(tx, handover_id))
        if opened is None:
            return story.chapter
        tx.execute(
            "UPDATE timeline_chapter SET ended_at = ? WHERE family_id = ? AND idx = ?", [at, family_id, story.chapter]
        )
        story.chapter, story.lead_id = story.chapter + 1, opened.lead_id
        tx.execute(
            "INSERT INTO timeline_chapter (family_id, idx, lead_id, started_at, ended_at) VALUES (?, ?, ?, ?, NULL)",
            [family_id, story.chapter, story.lead_id, at],
        )
        return story.chapter

    @staticmethod
    def _incoming(tx: Tx, handover_id: str) -> str | None:
        row = tx.one("SELECT incoming_id FROM timeline_bridge WHERE handover_id = ?", [handover_id])
        return str(row[0]) if row else None

    def _refold_chapters(self, tx: Tx, family_id: str) -> None:
        """Fold the family's chapters again from its entries (after a fact that may turn it arrived late)."""
        rows = tx.query(
            "SELECT event_id, kind, occurred_at, volunteer_ids, data, chapter FROM timeline_entry"
            " WHERE family_id = ? ORDER BY occurred_at, version",
            [family_id],
        )
        facts = [
            Placed(r[0], EntryKind(r[1]), from_iso(r[2]), r[3].split(), json.loads(r[4]) if r[1] != "visit" else {})
            for r in rows
        ]
        spans, placed = fold_chapters(facts)
        tx.execute("DELETE FROM timeline_chapter WHERE family_id = ?", [family_id])
        for span in spans:
            tx.execute(
                "INSERT INTO timeline_chapter (family_id, idx, lead_id, started_at, ended_at) VALUES (?, ?, ?, ?, ?)",
                [
                    family_id,
                    span.index,
                    span.lead_id,
                    iso(span.started_at),
                    iso(span.ended_at) if span.ended_at else None,
                ],
            )
        for row, chapter in zip(rows, placed, strict=True):
            if row[5] != chapter:
                tx.execute(
                    "UPDATE timeline_entry SET chapter = ? WHERE family_id = ? AND event_id = ?",
                    [chapter, family_id, row[0]],
                )

    def _handover(self, tx: Tx, kind: EntryKind, event: Any) -> None:
        """Fold a handover's bridge: planned, agreed by the family, completed or cancelled."""
        if kind == EntryKind.HANDOVER_PLANNED:
            tx.execute(
                "INSERT INTO timeline_bridge (handover_id, family_id, version, outgoing_id, incoming_id, planned_on,"
                " opened_at, letter, state, closed_at, family_agreed, no_joint_visit_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', NULL, 0, '')",
                [
                    event.event_key,
                    str(event.originator_id),
                    event.originator_version,
                    str(event.outgoing_volunteer_id),
                    str(event.incoming_volunteer_id),
                    event.planned_on.isoformat(),
                    iso(event.occurred_at),
                    event.letter or "",
                ],
            )
        elif kind == EntryKind.HANDOVER_AGREED:
            tx.execute("UPDATE timeline_bridge SET family_agreed = 1 WHERE handover_id = ?", [str(event.handover_id)])
        elif kind in (EntryKind.HANDOVER_COMPLETED, EntryKind.HANDOVER_CANCELLED):
            tx.execute(
                "UPDATE timeline_bridge SET state = ?, closed_at = ?, no_joint_visit_reason = ?"
                " WHERE handover_id = ? AND closed_at IS NULL",
                [
                    kind.removeprefix("handover_"),
                    iso(event.occurred_at),
                    getattr(event, "no_joint_visit_reason", "") or "",
                    str(event.handover_id),
                ],
            )

    def _name(self, tx: Tx, kind: EntryKind, event: Any) -> None:
        """Fold the name the family is shown by: enrolled under, or the latest changed to (in time order)."""
        if kind == EntryKind.ENROLLED:
            tx.execute(
                "INSERT INTO timeline_family (family_id, display_name, named_at, named_version) VALUES (?, ?, ?, ?)",
                [str(event.originator_id), event.display_name, iso(event.occurred_at), event.originator_version],
            )
        elif kind == EntryKind.PROFILE_UPDATED and "display_name" in event.changes:
            at = iso(event.occurred_at)
            tx.execute(
                "UPDATE timeline_family SET display_name = ?, named_at = ?, named_version = ? WHERE family_id = ?"
                " AND (named_at < ? OR (named_at = ? AND named_version < ?))",
                [
                    str(event.changes["display_name"]),
                    at,
                    event.originator_version,
                    str(event.originator_id),
                    at,
                    at,
                    event.originator_version,
                ],
            )

    def correction(self, tx: Tx, event: Any) -> None:
        """Keep an amendment or retraction beside its target, and fold it into the target's row."""
        amended = isinstance(event, Family.FactAmended)
        changes = fact_fields(event).get("changes", {}) if amended else {}
        family_id, target = str(event.originator_id), str(event.target_event_id)
        tx.execute(
            "INSERT INTO timeline_correction (event_id, family_id, target_event_id, action, recorded_at, recorded_by,"
            " reason, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event.event_key,
                family_id,
                target,
                "amend" if amended else "retract",
                iso(event.timestamp),
                event.recorded_by,
                event.reason,
                json.dumps(changes, ensure_ascii=False),
            ],
        )
        row = tx.one("SELECT data FROM timeline_entry WHERE event_id = ? AND family_id = ?", [target, family_id])
        if row is None:
            return
        if not amended:
            tx.execute(
                "UPDATE timeline_entry SET retracted = 1 WHERE family_id = ? AND event_id = ?", [family_id, target]
            )
            return
        data = json.dumps({**json.loads(row[0]), **changes}, ensure_ascii=False, separators=(",", ":"))
        tx.execute(  # the fields as recorded are kept once, by the first amendment
            "UPDATE timeline_entry SET original = COALESCE(original, data), data = ?"
            " WHERE family_id = ? AND event_id = ?",
            [data, family_id, target],
        )
        if "follow_ups_promised" in changes:
            fold_promised(tx, family_id, target, list(changes["follow_ups_promised"]))
        if "service_line" in changes:  # the fact moves into a compartment or out of one, with what follows from it
            line = changes["service_line"]
            tx.execute(
                "UPDATE timeline_entry SET service_line = ? WHERE family_id = ? AND event_id = ?",
                [line or None, family_id, target],
            )
            self._recompartment(tx, family_id)

    def _recompartment(self, tx: Tx, family_id: str) -> None:
        """Decide again the compartment of every entry of the family that has a service line or follows another."""
        rows = tx.query(
            "SELECT event_id, kind, service_line, follows, compartment FROM timeline_entry WHERE family_id = ?",
            [family_id],
        )
        links = {r[0]: Link(EntryKind(r[1]), r[2], r[3]) for r in rows}
        for event_id, _, line, follows, was in rows:
            if line is None and follows is None:
                continue
            now = stored(compartment(event_id, links.get))
            if now != was:
                tx.execute(
                    "UPDATE timeline_entry SET compartment = ? WHERE family_id = ? AND event_id = ?",
                    [now, family_id, event_id],
                )

    def erased(self, tx: Tx, event: Family.Erased) -> None:
        """Drop every row of an erased family; keep only the tombstone (when, by whom, why)."""
        family_id = str(event.originator_id)
        _Story.forget(tx, family_id)
        for table in FAMILY_TABLES:
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
