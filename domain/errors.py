"""Domain errors: every rejected command raises one of these and records nothing.

An error carries a stable ``code`` and typed parameters (enum members, moments, numbers, names),
never a sentence: the wording, in Simplified Chinese and English, lives in the web layer's
catalogue (``web.messages``), which renders each parameter for its reader (a moment in the display
time zone, an enum value through its label in the reader's language).
"""

from __future__ import annotations

from typing import ClassVar


class Problem:
    """One field-level problem: a stable ``code`` (``required``, ``too_long``...), an optional ``detail``
    naming which of the code's cases it is (``Problem("type", "yes_or_no")``), and typed ``params``
    (``Problem("too_early", when=moment)``; a moment stays a datetime)."""

    __slots__ = ("code", "detail", "params")

    def __init__(self, code: str, detail: str = "", /, **params: object) -> None:
        self.code = code
        self.detail = detail
        self.params: dict[str, object] = params

    @property
    def key(self) -> str:
        """Where the catalogue finds its wording: ``code`` or ``code.detail``."""
        return f"{self.code}.{self.detail}" if self.detail else self.code

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.code, self.detail, self.params) == (other.code, other.detail, other.params)

    def __hash__(self) -> int:
        return hash((self.code, self.detail))

    def __repr__(self) -> str:
        shown = "".join(f", {name}={value!r}" for name, value in self.params.items())
        return f"Problem({self.key!r}{shown})"


class DomainError(Exception):
    """Base of every error a Peiban command can raise; ``params`` are what its wording names."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, **params: object) -> None:
        self.params: dict[str, object] = params
        super().__init__(self.code)  # no values: a traceback in a log names no person


class InvalidInput(DomainError):
    """The command's own values are wrong; ``errors`` names each field."""

    code = "invalid_input"

    def __init__(self, errors: dict[str, list[Problem]]) -> None:
        self.errors = errors
        super().__init__()
        self.args = (f"{self.code}: " + ", ".join(f"{f}={p.key}" for f, ps in errors.items() for p in ps),)


class NotFound(DomainError):
    """Something the command names does not exist."""

    code = "not_found"


class FamilyNotFound(NotFound):
    code = "family_not_found"


class RecordErased(NotFound):
    """A record whose key was destroyed (erasure): nothing of it can be read or changed (answered 410).
    Params: ``erased_at`` (when), ``reason`` (why, as the eraser wrote it)."""

    code = "erased"


class FamilyErased(RecordErased):
    """The family's record was erased (its key destroyed): nothing of it can be read or changed.
    Params: ``erased_at`` (when), ``reason`` (why, as the eraser wrote it)."""

    code = "family_erased"


class VolunteerNotFound(NotFound):
    code = "volunteer_not_found"


class VolunteerErased(RecordErased):
    """The volunteer's personal data was erased (their key destroyed); families' histories keep them nameless.
    Params: ``erased_at``, ``reason``."""

    code = "volunteer_erased"


class CohortNotFound(NotFound):
    code = "cohort_not_found"


class HandoverNotFound(NotFound):
    code = "handover_not_found"


class FactNotFound(NotFound):
    code = "fact_not_found"


class PromiseNotFound(NotFound):
    """No open or closed promise of a visit of the family has this id (or the caller may not see its visit)."""

    code = "promise_not_found"


class RuleBroken(DomainError):
    """The command is well formed but breaks one of the domain's rules."""

    code = "rule_broken"


class NotYourEntry(RuleBroken):
    """The caller may correct only the entries they recorded themselves (a volunteer); answered 403."""

    code = "not_your_entry"


class Conflict(RuleBroken):
    """Someone else changed the same record at the same moment; try again."""

    code = "conflict"


class ErasureUnavailable(RuleBroken):
    """Erasure destroys a key: a store written without encryption has none to destroy."""

    code = "erasure_unavailable"


class VolunteerStillAccompanies(RuleBroken):
    """A volunteer still on a family (an assignment, an open handover) cannot be erased: the family would lose
    track of who is with them. Params: ``families`` (the families' ids)."""

    code = "volunteer_still_accompanies"
