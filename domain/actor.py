"""Who records a fact: a typed value at every command, the same text in every stored fact (``recorded_by``)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.checks import Checks


@dataclass(frozen=True)
class Actor:
    """A user's name, or one of the programme's own names (``system:departure``, ``api``, ``cli``...).

    Built once at the edge (the signed-in user, the CLI's ``--by``); a blank, over-long or unstorable name is
    refused there as a problem of ``recorded_by``. Facts keep ``name`` as their ``recorded_by`` text: the
    stored form is what it was before the actor was typed."""

    name: str

    def __post_init__(self) -> None:
        checks = Checks()
        name = checks.text("recorded_by", self.name)
        checks.done()
        object.__setattr__(self, "name", name)

    def __str__(self) -> str:
        return self.name


#: Who records the facts a volunteer's departure causes: the system, on behalf of the departure's recorder.
DEPARTURE_POLICY = Actor("system:departure")
