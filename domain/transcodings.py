"""How dates, enums and value objects are written into stored facts and snapshots.

Transcoding names are stored data, like topics: never rename one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding, TranscodingNotRegisteredError

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
    transcoder.decoder = json.JSONDecoder(object_hook=QuickDecoding(transcoder))


class QuickDecoding:
    """The object hook of a transcoder's JSON decoder: what the library's does (a mapping of ``_type_`` and
    ``_data_`` decoded by the transcoding of that name, any other returned as it is), in fewer steps. It is called
    for every mapping of every fact read (six or so a fact: ids, times, choices), and an enum's member is looked up
    by its value here rather than through ``Enum.__call__``: a fifth of deserialising a fact, less."""

    def __init__(self, transcoder: JSONTranscoder) -> None:
        self.names = transcoder.names  # the transcoder's own: transcodings registered later are found too
        self.quick: dict[str, Callable[[Any], Any]] = {}

    def __call__(self, d: dict[str, Any]) -> Any:
        if len(d) != 2 or "_type_" not in d or "_data_" not in d:
            return d
        name = d["_type_"]
        try:
            decode = self.quick[name]
        except KeyError:
            decode = self._learn(name)
        except TypeError:  # not a name at all
            decode = self._learn(name)
        return decode(d["_data_"])

    def _learn(self, name: Any) -> Callable[[Any], Any]:
        try:
            transcoding = self.names[name]
        except (KeyError, TypeError) as e:
            raise TranscodingNotRegisteredError(
                f"Data serialized with name '{name}' is not deserializable. Please register a custom transcoding"
                " for this type."
            ) from e
        decode: Callable[[Any], Any] = transcoding.decode
        if isinstance(transcoding, EnumAsValue):
            kind: type[Enum] = transcoding.type
            decode = _by_value({member.value: member for member in kind}, transcoding.decode)
        self.quick[name] = decode
        return decode


def _by_value(members: dict[Any, Enum], otherwise: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):  # not a member's value (or not hashable): as the enum itself answers
            return otherwise(value)

    return decode
