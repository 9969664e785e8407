"""How a kind of fact declares its descriptive fields, each once: its type and limit, whether it is
required or what it holds when left out, whether an amendment may change it, and the words and
widget a form shows it with.

The domain parses and checks values with the declaration (``FactSpec.parse``); the web layer derives
the API's schemas, the page forms and the labels of stored values from it (``web.schemas.facts``,
``web.pages.fact_inputs``, ``web.pages.labels``), so none of them can disagree with the others.
Labels and hints are English message ids marked with ``N_`` for extraction (see babel.cfg) and
translated by the web layer's catalogues: the domain speaks no language of its own here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from domain.checks import Checks


def N_(msgid: str) -> str:  # noqa: N802 -- the name extraction tools look for
    """Mark ``msgid`` for translation where it is declared; the web layer translates it where it is shown."""
    return msgid


class Widget(Enum):
    """How a form draws a field (the web layer picks the element)."""

    TEXT = "text"
    TEXTAREA = "textarea"
    #: several short texts, one a line
    LIST = "list"
    NUMBER = "number"
    DATE = "date"
    SELECT = "select"
    RADIO = "radio"


@dataclass(frozen=True)
class Text:
    """A trimmed text of at most ``limit`` characters (``domain.limits``); over it, refused, never cut."""

    limit: int

    def parse(self, checks: Checks, at: str, value: Any, required: bool) -> str:
        return checks.text(at, value, limit=self.limit, required=required)

    def empty(self) -> str:
        return ""


@dataclass(frozen=True)
class Texts:
    """A list of short non-empty texts, each of at most ``limit`` characters, at most ``most`` of them."""

    limit: int
    most: int = 20

    def parse(self, checks: Checks, at: str, value: Any, required: bool) -> list[str]:
        return checks.texts(at, value, limit=self.limit, most=self.most)

    def empty(self) -> list[str]:
        return []


@dataclass(frozen=True)
class Minutes:
    """A whole number of minutes between ``low`` and ``high``."""

    low: int
    high: int

    def parse(self, checks: Checks, at: str, value: Any, required: bool) -> int:
        return checks.whole(at, value, low=self.low, high=self.high)

    def empty(self) -> None:
        return None


@dataclass(frozen=True)
class Day:
    """A calendar day."""

    def parse(self, checks: Checks, at: str, value: Any, required: bool) -> Any:
        return checks.day(at, value)

    def empty(self) -> None:
        return None


@dataclass(frozen=True, eq=False)
class Choice:
    """One member of an enumeration (given as the member or its stored value), each member with its label.

    ``sensitive`` members form compartments: a form offers them only to readers cleared to read them."""

    kind: type[Enum]
    labels: Mapping[Any, str]
    sensitive: frozenset[Any] = frozenset()

    def __post_init__(self) -> None:
        missing = [m for m in self.kind if m not in self.labels]
        if missing or len(self.labels) != len(self.kind):
            raise ValueError(f"{self.kind.__name__}: every member needs exactly one label (missing {missing})")

    def parse(self, checks: Checks, at: str, value: Any, required: bool) -> Any:
        if required:
            return checks.choice(at, value, self.kind)
        return checks.optional_choice(at, value, self.kind)

    def empty(self) -> None:
        return None

    def label(self, member: Enum) -> str:
        """The message id of a member's label."""
        return self.labels[member]


Value = Text | Texts | Minutes | Day | Choice


@dataclass(frozen=True, eq=False)
class FieldSpec:
    """One descriptive field of a kind of fact."""

    name: str
    value: Value
    #: message ids (English) of what a form calls the field and says beside it
    label: str
    widget: Widget
    required: bool = True
    hint: str = ""
    #: said beside the field only to readers cleared for the sensitive compartments (it speaks of them)
    cleared_hint: str = ""
    #: whether an amendment may change it (who was there and when decide rules: those are retracted instead)
    amendable: bool = True
    #: what a form offers before anything is typed (a raw form value)
    suggested: str | None = None

    @property
    def default(self) -> Any:
        """What the field holds when left out: its empty value if optional; None (refused) if required."""
        return None if self.required else self.value.empty()

    @property
    def limit(self) -> int | None:
        """The most characters a text takes (of a list: each item); None for other values."""
        return self.value.limit if isinstance(self.value, Text | Texts) else None

    def parse(self, checks: Checks, value: Any, *, at: str | None = None) -> Any:
        """``value`` as the fact stores it; problems are noted in ``checks`` under ``at`` (the field's name)."""
        return self.value.parse(checks, at or self.name, value, self.required)


@dataclass(frozen=True, eq=False)
class FactSpec:
    """A kind of fact (``visit``, ``message``...) and its descriptive fields, in the order forms show them.

    Specifications (and their fields and choices) are declared once and compared by identity."""

    kind: str
    fields: tuple[FieldSpec, ...]
    _by_name: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {f.name: f for f in self.fields}
        if len(by_name) != len(self.fields):
            raise ValueError(f"{self.kind}: a field is declared twice")
        object.__setattr__(self, "_by_name", by_name)

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> FieldSpec:
        return self._by_name[name]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def amendable(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.amendable]

    def parse(self, checks: Checks, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every field of a new fact, those left out holding their defaults."""
        return {f.name: f.parse(checks, given.get(f.name, f.default)) for f in self.fields}
