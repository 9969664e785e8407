"""The machinery under every Peiban command: settings, loading, saving, retrying.

The library's not-found and conflict errors are turned into domain errors here,
so callers only ever see ``DomainError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Required, TypedDict, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProjectorFunction, Repository, project_aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, strtobool

from domain.actor import Actor
from domain.aggregate import CommandId, Entry, PeibanAggregate
from domain.checks import Checks
from domain.cohort import Cohort
from domain.encryption import EncryptedApplication, KeyErased, KeyRing
from domain.errors import (
    CohortNotFound,
    Conflict,
    FamilyErased,
    FamilyNotFound,
    NotFound,
    RecordErased,
    VolunteerErased,
    VolunteerNotFound,
)
from domain.family import Family
from domain.repository import SharedCacheRepository
from domain.transcodings import register_transcodings
from domain.volunteer import Volunteer, VolunteerStanding

A = TypeVar("A", bound=PeibanAggregate)
R = TypeVar("R", UUID, UUID | None)
Clock = Callable[[], datetime]

NOT_FOUND: dict[type[PeibanAggregate], type[NotFound]] = {
    Family: FamilyNotFound,
    Volunteer: VolunteerNotFound,
    Cohort: CohortNotFound,
}

#: What an erased record of each kind answers (a cohort is never erased).
ERASED: dict[type[PeibanAggregate], type[RecordErased]] = {Family: FamilyErased, Volunteer: VolunteerErased}


class Recording(TypedDict, total=False):
    """What every command is given besides its own fields: who records the fact, when it happened (left out:
    now) and the command it answers (left out: none, so it is not answered once only)."""

    recorded_by: Required[Actor]
    occurred_at: datetime | None
    command_id: CommandId | None


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def require_id(value: UUID, field: str) -> UUID:
    """An id as the edge parsed it. The domain reads no text: anything but a ``UUID`` is a field error."""
    checks = Checks()
    checked = checks.uuid(field, value)
    checks.done()
    assert checked is not None
    return checked


def optional_id(value: UUID | None, field: str) -> UUID | None:
    """An id that may be left out (None), else as ``require_id``."""
    return None if value is None else require_id(value, field)


class PeibanBase(EncryptedApplication):
    """Settings, transcodings, and the load-decide-save loop shared by all commands."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Family: 100}

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Clock = utc_now,
        retries: int = 3,
        keys: KeyRing | None = None,
    ) -> None:
        self.clock = clock
        self.keys = keys  # a family's facts under the family's key, a volunteer's under theirs
        self.retries = retries
        super().__init__(env)

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """Only the given settings, never the process environment: ``web.settings`` reads that."""
        settings = dict(type(self).env)
        settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        # Keep recently used aggregates; each get still fast-forwards through newer stored facts.
        settings.setdefault("AGGREGATE_CACHE_MAXSIZE", "1000")
        settings.update(env or {})
        return Environment(name, settings)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository with its settings, safe for threads sharing the cache (``domain.repository``)."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return SharedCacheRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )

    @property
    def shared(self) -> SharedCacheRepository:
        assert isinstance(self.repository, SharedCacheRepository)
        return self.repository

    def _get(self, kind: type[A], aggregate_id: UUID, field: str, *, to_change: bool = False) -> A:
        """The aggregate of ``kind``: a copy to read, or (``to_change``) the cached one itself, checked out for
        one command (``SharedCacheRepository.check_out``; ``_change`` checks it back in once saved)."""
        parsed = require_id(aggregate_id, field)
        self.refuse_erased(parsed, kind)
        try:
            aggregate: Any = self.shared.check_out(parsed) if to_change else self.repository.get(parsed)
        except AggregateNotFoundError:
            raise NOT_FOUND[kind]() from None
        if not isinstance(aggregate, kind):
            if to_change:
                self.shared.check_in(aggregate)
            raise NOT_FOUND[kind]()
        if isinstance(aggregate, Family) and aggregate.promises is None:
            refolded = self._from_first_fact(parsed)
            assert isinstance(refolded, kind)
            return refolded
        return aggregate

    def _from_first_fact(self, family_id: UUID, version: int | None = None) -> Family:
        """A family folded from its first fact, its snapshots left aside: one from before promises were kept
        cannot tell them (``Family.upcast_v2_v3``)."""
        folded = project_aggregate(None, self.events.get(family_id, lte=version))
        assert isinstance(folded, Family)
        return folded

    def take_snapshot(
        self,
        aggregate_id: Any,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """A family restored from a snapshot older than promises is snapshotted as folded afresh, so that the
        next process finds its promises kept."""
        found = self.repository.get(aggregate_id, version=version, projector_func=projector_func)
        if self.snapshots is None or not isinstance(found, Family):
            super().take_snapshot(aggregate_id, version, projector_func)
            return
        if found.promises is None:
            found = self._from_first_fact(found.id, version)
        self.snapshots.put([Family.Snapshot.take(found)])

    def refuse_erased(self, record_id: UUID, kind: type[PeibanAggregate] = Family) -> None:
        """Raise ``FamilyErased`` (``VolunteerErased``…) if ``record_id``'s key was destroyed: an erased record is
        never loaded."""
        erasure = None if self.keys is None else self.keys.erasure(record_id)
        if erasure is not None:
            self.shared.forget(record_id)  # erased by another process: its words leave this one's memory too
            raise ERASED.get(kind, RecordErased)(erased_at=erasure.erased_at, reason=erasure.reason)

    def is_erased(self, record_id: UUID) -> bool:
        """Whether ``record_id``'s key was destroyed (its record erased)."""
        return self.keys is not None and self.keys.erasure(record_id) is not None

    def _created_before(self, kind: type[PeibanAggregate], command_id: CommandId | None) -> UUID | None:
        """The aggregate this creating command already created, if it was sent before."""
        if command_id is None:
            return None
        created = kind.new_id(command_id)
        return created if created in self.repository else None

    def _create(self, aggregate: PeibanAggregate, command_id: CommandId | None = None) -> UUID:
        """Save a new aggregate; the same creating command, sent twice at once, creates it once."""
        try:
            self.save(aggregate)
        except IntegrityError:
            if self._created_before(type(aggregate), command_id) is None:
                raise
        return aggregate.id

    def _change(
        self,
        kind: type[A],
        aggregate_id: UUID,
        command: Callable[[A], R],
        field: str,
        command_id: CommandId | None = None,
    ) -> R:
        """Load, decide, save; if someone saved the same aggregate meanwhile, decide again on fresh state.
        A command the aggregate already answered records nothing: the fact it recorded then is the answer."""
        for _ in range(self.retries + 1):
            aggregate = self._get(kind, aggregate_id, field, to_change=True)
            answered = aggregate.fact_of_command(command_id) if command_id is not None else None
            if answered is not None:
                self.shared.check_in(aggregate)
                return answered
            result = command(aggregate)  # refused: the aggregate, perhaps half changed, is dropped
            try:
                self.save(aggregate)
            except IntegrityError:  # dropped too: the next try loads it afresh from the store
                continue
            except KeyErased:  # erased while the command decided: refused as on any erased record
                self.refuse_erased(aggregate.id, kind)
                raise
            self.shared.check_in(aggregate)
            return result
        raise Conflict()

    def _on(
        self,
        kind: type[A],
        aggregate_id: UUID,
        field: str,
        recording: Recording,
        decide: Callable[[A, Entry], R],
    ) -> R:
        """Run ``decide(aggregate, entry)`` on the aggregate, where ``entry`` says who records the fact, when it
        happened and is recorded, and the command it answers (see ``_change``)."""
        command_id = recording.get("command_id")

        def command(aggregate: A) -> R:
            entry = Entry(recording["recorded_by"], recording.get("occurred_at"), self.clock(), command_id)
            return decide(aggregate, entry)

        return self._change(kind, aggregate_id, command, field, command_id)

    def _on_family(self, family_id: UUID, recording: Recording, decide: Callable[[Family, Entry], R]) -> R:
        """Run ``decide(family, entry)`` on the family (see ``_on``)."""
        return self._on(Family, family_id, "family_id", recording, decide)

    def _entry(self, recording: Recording) -> Entry:
        """The entry of a command that creates an aggregate."""
        return Entry(recording["recorded_by"], recording.get("occurred_at"), self.clock(), recording.get("command_id"))

    def _standing(self, volunteer_id: UUID, field: str = "volunteer_id") -> VolunteerStanding:
        """What a family's rules need of a volunteer, now: read off the cached volunteer, not a copy of it."""
        parsed = require_id(volunteer_id, field)
        self.refuse_erased(parsed, Volunteer)
        try:
            standing = self.shared.read(parsed, lambda v: v.standing if isinstance(v, Volunteer) else None)
        except AggregateNotFoundError:
            raise VolunteerNotFound() from None
        if standing is None:
            raise VolunteerNotFound()
        return standing

    # ---- reads -------------------------------------------------------------------

    def get_family(self, family_id: UUID) -> Family:
        """The family as it stands now."""
        return self._get(Family, family_id, "family_id")

    def get_volunteer(self, volunteer_id: UUID) -> Volunteer:
        """The volunteer as they stand now."""
        return self._get(Volunteer, volunteer_id, "volunteer_id")

    def get_cohort(self, cohort_id: UUID) -> Cohort:
        """The cohort as it stands now."""
        return self._get(Cohort, cohort_id, "cohort_id")

    def family_facts(self, family_id: UUID, *, after: int = 0, limit: int | None = None) -> list[PeibanAggregate.Event]:
        """A family's facts in the order they were recorded, after version ``after``."""
        fid = require_id(family_id, "family_id")
        self.refuse_erased(fid)
        first = list(self.events.get(fid, limit=1))
        if not first or not isinstance(first[0], Family.Event):
            raise FamilyNotFound()
        facts = self.events.get(fid, gt=after or None, limit=limit)
        return [e for e in facts if isinstance(e, PeibanAggregate.Event)]

    def log_position(self) -> int:
        """The id of the last fact in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0
