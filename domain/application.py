"""The Peiban application: one command method per user action (see the command modules)."""

from __future__ import annotations

from domain.commands_erasure import ErasureCommands
from domain.commands_family import FamilyCommands
from domain.commands_people import PeopleCommands
from domain.commands_records import RecordCommands
from domain.departures import DepartureCommands


class Peiban(PeopleCommands, FamilyCommands, RecordCommands, DepartureCommands, ErasureCommands):
    """The write model: every visit, message and handover as an immutable fact."""

    #: Stored data: it prefixes PostgreSQL tables and names this log in views' tracking rows.
    name = "peiban"
