"""What every API resource shares: who is asking, the application and views, cursor pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any, NoReturn

import flask_smorest
import marshmallow as ma
from flask import abort, current_app, g

from domain import Actor, Peiban
from domain.compartments import EVERY_COMPARTMENT, NO_COMPARTMENT, Clearance
from projections.read_models import ReadModels
from web.access.guard import cleared_for_sensitive
from web.access.policy import corrects_only_own
from web.access.refusals import Refused, refuse
from web.api.body import StrictParser
from web.schemas.fields import Strict, Whole


def peiban() -> Peiban:
    """This process's application (the write model)."""
    app = current_app.extensions["peiban"]
    assert isinstance(app, Peiban)
    return app


def read_models() -> ReadModels:
    """This process's read models."""
    models = current_app.extensions["peiban.read_models"]
    assert isinstance(models, ReadModels)
    return models


def current_actor() -> Actor:
    """Who is recording: the signed-in user (set by the access layer), else the API client."""
    return Actor(str(g.get("actor", "api")))


def forbidden() -> NoReturn:
    """Refuse the request exactly as the guard refuses what the policy does not allow."""
    abort(refuse(Refused.FORBIDDEN))
    raise AssertionError("abort raises")


def clearance() -> Clearance:
    """The compartments the caller may see: every command that names an earlier fact is given it."""
    return EVERY_COMPARTMENT if cleared_for_sensitive() else NO_COMPARTMENT


def author() -> str | None:
    """Whose entries the caller may correct: only their own (a volunteer: ``policy.OWN_ENTRIES``), else anyone's."""
    caller = g.get("caller")
    return current_actor().name if caller is not None and corrects_only_own(caller.role) else None


def bad_query(parameter: str, message: str) -> NoReturn:
    """Answer 422 on one query parameter, in the shape schema violations have."""
    from flask_smorest import abort

    abort(422, messages={"query": {parameter: [message]}})
    raise AssertionError("abort raises")  # flask-smorest's abort is untyped


def now() -> datetime:
    return datetime.now(tz=UTC)


class Blueprint(flask_smorest.Blueprint):
    """A resource's blueprint: its arguments read by the strict parser (``web.api.body``)."""

    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """flask-smorest's, given the schema made once: webargs makes a schema given as a class anew for every
        request (marshmallow copies every declared field), which cost a tenth of a POST visit."""
        made = schema() if isinstance(schema, type) and issubclass(schema, ma.Schema) else schema
        return super().arguments(made, *args, **kwargs)


def _cursor_key() -> bytes:
    key = current_app.extensions.get("peiban.cursor_key")
    if key is None:
        key = current_app.extensions["peiban.sessions"].secret("cursor").encode()
        current_app.extensions["peiban.cursor_key"] = key
    assert isinstance(key, bytes)
    return key


def _signature(of: str, text: str) -> str:
    return hmac.new(_cursor_key(), f"{of}\n{text}".encode(), hashlib.sha256).hexdigest()[:24]


def encode_cursor(value: Any, *, of: str) -> str:
    """An opaque, signed cursor of the list named ``of``: a client can pass it back to that list, not forge or alter
    it, nor take it to another list whose positions have the same shape (the families' and the volunteers')."""
    text = base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{text}.{_signature(of, text)}"


def decode_cursor(cursor: str | None, *, of: str) -> Any:
    """The position a cursor of the list ``of`` stands for; a bad or altered cursor, or one of another list, is a
    422 on the ``after`` parameter."""
    if not cursor:
        return None
    text, _, signature = cursor.rpartition(".")
    try:
        if not hmac.compare_digest(signature.encode(), _signature(of, text).encode()):
            raise ValueError("altered cursor")
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, RecursionError):  # (nested past Python's depth: only a holder of the key could sign it)
        from flask_smorest import abort

        abort(422, messages={"query": {"after": ["游标无效 / invalid cursor"]}})


#: A cursor: a page's ``next``. Absent on the first page; never empty (``after=`` is refused, not read as absent).
def cursor_field(**metadata: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(min=1, error="游标无效 / invalid cursor"), metadata=metadata)


class PageQuery(Strict):
    """Cursor pagination: ``after`` is the ``next`` of the previous page."""

    after = cursor_field()
    limit = Whole(load_default=50, validate=ma.validate.Range(min=1, max=500))


def page(items: list[Any], limit: int, position_of: Any, *, of: str) -> dict[str, Any]:
    """A page of ``items`` of the list ``of`` (fetched with one extra to know whether more follow)."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next": encode_cursor(position_of(items[-1]), of=of) if more and items else None}


def keyset_after(cursor: str | None, *, of: str) -> tuple[str, str]:
    """The (sort key, id) a cursor of the directory ``of`` stands for; ("", "") for the first page."""
    position = decode_cursor(cursor, of=of)
    if position is None:
        return ("", "")
    if not (isinstance(position, list) and len(position) == 2 and all(isinstance(p, str) for p in position)):
        from flask_smorest import abort

        abort(422, messages={"query": {"after": ["游标无效 / invalid cursor"]}})
    return (position[0], position[1])


class FactRecorded(ma.Schema):
    """The answer to a command on a family: the id of the fact it recorded."""

    event_id = ma.fields.String(metadata={"description": "记录的事实编号 / id of the recorded fact"})
    family_id = ma.fields.String()
