"""A family's case file for auditors: its whole record in one document, stamped with the seal's position.

What goes in is what the reader may read, nothing more: the profile and the timeline (its
compartments only for readers cleared for them), and the raw facts as stored only for readers
who may read raw facts and are cleared for every compartment (raw facts are not filtered).
The stamp says how far the seal reached and up to where the log was last verified intact
when the file was made, so an auditor can tie the document to the sealed log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import Peiban
from domain.aggregate import PeibanAggregate
from domain.errors import FamilyNotFound
from projections.directory import family
from projections.erasure import ERASED_VOLUNTEER
from projections.family_facts import family_profile
from projections.plain import fact_fields, iso, plain
from projections.read_models import ReadModels
from projections.seal.store import SealStore

FORMAT = "peiban-case-file/1"


@dataclass(frozen=True)
class Reader:
    """Who asks for the case file, and what of the record they may read."""

    user_name: str
    cleared: bool  # sees the sensitive compartments
    raw_facts: bool  # may read the raw facts (and is cleared for every compartment)


def raw_fact(event: PeibanAggregate.Event, erased: Callable[[str], bool] = lambda _: False) -> dict[str, Any]:
    """One stored fact: its envelope and its own fields, as stored; who recorded it is the neutral name if their
    personal data was ``erased`` (a user name is personal data too)."""
    return {
        "position": event.originator_version,
        "event_id": str(event.event_id),
        "kind": type(event).__qualname__,
        "topic": str(getattr(type(event), "TOPIC", type(event).__qualname__)),
        "occurred_at": iso(event.occurred_at),
        "recorded_at": iso(event.recorded_at),
        "recorded_by": ERASED_VOLUNTEER if erased(event.recorded_by) else event.recorded_by,
        "fields": fact_fields(event),
    }


def seal_stamp(seal: SealStore) -> dict[str, Any]:
    """Where the seal stood: the log's position, how far it is sealed, the last verification and checkpoint."""
    seal.catch_up()
    status = seal.status()
    verdict = status.last_verification
    return {
        "log_position": status.log_position,
        "sealed_position": status.sealed_position,
        "head": status.head,
        "state": "unverified" if verdict is None else "intact" if verdict.intact else "broken",
        "verified_position": None if verdict is None else verdict.verified_position,
        "verified_at": None if verdict is None else verdict.verified_at,
        "broken_at": None if verdict is None else verdict.broken_at,
        "latest_checkpoint": None if status.latest_checkpoint is None else asdict(status.latest_checkpoint),
    }


def _profile(models: ReadModels, family_id: str) -> dict[str, Any]:
    with models["timeline"].reading() as tx:
        profile = family_profile(tx, family_id)
    with models["continuity"].reading() as tx:
        row = family(tx, family_id)
    if profile is None or row is None:
        raise FamilyNotFound()
    found: dict[str, Any] = plain({**asdict(profile), **asdict(row)})
    return found


def case_file(
    app: Peiban,
    models: ReadModels,
    seal: SealStore,
    family_id: UUID,
    *,
    reader: Reader,
    now: datetime,
    erased: Callable[[str], bool] = lambda _: False,
) -> dict[str, Any]:
    """The family's whole record as ``reader`` may read it, stamped with the seal and the export time; user names
    whose personal data was ``erased`` read as the neutral name."""
    key = str(family_id)
    profile = _profile(models, key)
    timeline = models.timeline(key, include_sensitive=reader.cleared)
    facts = [raw_fact(e, erased) for e in app.family_facts(family_id)] if reader.raw_facts and reader.cleared else None
    return {
        "format": FORMAT,
        "family_id": key,
        "exported_at": iso(now),
        "exported_by": reader.user_name,
        "compartments_included": reader.cleared,
        "seal": seal_stamp(seal),
        "profile": profile,
        "timeline": plain(timeline),
        "facts": facts,
    }
