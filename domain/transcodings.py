"""How dates, enums and value objects are written into stored facts and snapshots.

Transcoding names are stored data, like topics: never rename one.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain import family_state, values


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """One enum class, stored by its member's value."""

    def __init__(self, kind: type[Enum]) -> None:
        self.type = kind
        self.name = f"enum:{kind.__name__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        member: Enum = self.type(data)
        return member


class DataclassAsDict(Transcoding):
    """A dataclass stored as a mapping of its fields; frozen ones get tuples back."""

    def __init__(self, kind: type[Any]) -> None:
        self.type = kind
        self.name = f"vo:{kind.__name__}"
        self.frozen = kind.__dataclass_params__.frozen

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        if self.frozen:
            data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return self.type(**data)


ENUMS: tuple[type[Enum], ...] = (
    values.Role,
    values.Place,
    values.Direction,
    values.Channel,
    values.Wellbeing,
    values.ServiceLine,
    values.ConcernCategory,
    values.ConcernLevel,
    values.Circumstance,
    values.Relation,
    values.ConsentScope,
    values.DepartureReason,
    values.VolunteerStatus,
    values.HandoverState,
    values.FamilyStatus,
    values.PromiseState,
)

DATACLASSES: tuple[type[Any], ...] = (
    values.HouseholdMember,
    values.GuardianConsent,
    family_state.Assignment,
    family_state.Handover,
    family_state.AlumniContact,
    family_state.Fact,
    family_state.Roster,
    family_state.Promise,
)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every Peiban type that may appear inside a fact or a snapshot."""
    transcoder.register(DateAsISO())
    for kind in ENUMS:
        transcoder.register(EnumAsValue(kind))
    for cls in DATACLASSES:
        transcoder.register(DataclassAsDict(cls))
