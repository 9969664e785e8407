"""What the command line's arguments become before any command runs: ids, actors (click parameter types).

Parsed here once, so the application is given typed values; a bad value is a usage error naming its option.
"""

from __future__ import annotations

from uuid import UUID

import click

from domain import Actor, InvalidInput
from web.messages import cli_message


class RecordId(click.ParamType[UUID]):
    """A record's id, in any spelling ``uuid.UUID`` reads (upper or lower case, with or without hyphens)."""

    name = "id"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> UUID:
        if isinstance(value, UUID):
            return value
        try:
            return UUID(str(value).strip())
        except ValueError:
            self.fail(f"不是有效的编号 / not a valid id: {value}", param, ctx)


class ActorName(click.ParamType[Actor]):
    """Who records, by name (see ``domain.actor.Actor``)."""

    name = "name"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Actor:
        if isinstance(value, Actor):
            return value
        try:
            return Actor(str(value))
        except InvalidInput as refused:
            self.fail(cli_message(refused), param, ctx)


RECORD_ID = RecordId()
ACTOR = ActorName()
