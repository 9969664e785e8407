"""What every API resource shares: who is asking, schema defaults, cursor pages."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import current_app, g

from domain import Peiban
from projections.read_models import ReadModels


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


def current_actor() -> str:
    """Who is recording: the signed-in user (set by the access layer), else the API client."""
    return str(g.get("actor", "api"))


def now() -> datetime:
    return datetime.now(tz=UTC)


class Strict(ma.Schema):
    """Input schemas: unknown fields are errors."""

    class Meta:
        unknown = ma.RAISE


def text(*, required: bool = True, limit: int = 200, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        required=required, validate=ma.validate.Length(min=1 if required else 0, max=limit), **kwargs
    )


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    """The position a cursor stands for; a bad cursor is a 422 on the ``after`` parameter."""
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        from flask_smorest import abort

        abort(422, messages={"query": {"after": ["游标无效 / invalid cursor"]}})


class PageQuery(Strict):
    """Cursor pagination: ``after`` is the ``next`` of the previous page."""

    after = ma.fields.String(load_default=None)
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


def page(items: list[Any], limit: int, position_of: Any) -> dict[str, Any]:
    """A page of ``items`` (fetched with one extra to know whether more follow)."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next": encode_cursor(position_of(items[-1])) if more and items else None}
