"""Every API error in one JSON shape, and domain errors mapped to HTTP in one table.

    {"code": 409, "status": "Conflict", "message": "中文 / English", "errors": {...}, "error": "lead_already_assigned"}

``code`` and ``status`` are the HTTP ones (as flask-smorest documents them), ``message``
is Simplified Chinese then English, ``errors`` maps each bad field to its messages, and
``error`` is the stable machine-readable reason.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

from flask import Flask, g
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from domain import Conflict, DomainError, InvalidInput, NotFound, RuleBroken
from domain.errors import NotYourEntry, RecordErased
from domain.rules import HandoverSameVolunteer
from web.access.refusals import payload
from web.i18n import zoned_moment
from web.messages import bilingual as bilingual_message
from web.messages import http_message

F = TypeVar("F", bound=Callable[..., Any])

#: Domain error class -> HTTP status; the most specific class listed wins.
STATUS_OF: dict[type[DomainError], HTTPStatus] = {
    InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
    RecordErased: HTTPStatus.GONE,
    NotFound: HTTPStatus.NOT_FOUND,
    Conflict: HTTPStatus.CONFLICT,
    HandoverSameVolunteer: HTTPStatus.UNPROCESSABLE_ENTITY,
    NotYourEntry: HTTPStatus.FORBIDDEN,
    RuleBroken: HTTPStatus.CONFLICT,
    DomainError: HTTPStatus.CONFLICT,
}

#: marshmallow's English messages, given a Chinese reading first (numbers carried over).
MESSAGES_ZH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Unknown field\.$"), "未知字段"),
    (re.compile(r"^Missing data for required field\.$"), "必填"),
    (re.compile(r"^Field may not be null\.$"), "不能为空值"),
    (re.compile(r"^Not a valid date\.$"), "日期格式不对（应为 YYYY-MM-DD）"),
    (re.compile(r"^Not a valid datetime\.$"), "时间格式不对（应为 ISO 8601）"),
    (re.compile(r"^Not a valid aware datetime\.$"), "时间应带时区"),
    (re.compile(r"^Not a valid (UUID|uuid)\.$"), "编号格式不对"),
    (re.compile(r"^Not a valid (integer|number)\.$"), "应为整数"),
    (re.compile(r"^Not a valid string\.$"), "应为文字"),
    (re.compile(r"^Not a valid boolean\.$"), "应为是或否"),
    (re.compile(r"^Not a valid list\.$"), "应为列表"),
    (re.compile(r"^Not a valid mapping type\.$"), "应为对象"),
    (re.compile(r"^Invalid input type\.$"), "类型不对"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"长度应在 \1 到 \2 之间"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"至少 \1 个字"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"最多 \1 个字"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), r"应在 \1 到 \2 之间"),
    (re.compile(r"^Must be one of: (.*)\.$"), r"应为以下之一：\1"),
    (re.compile(r"^Must be (greater|less) than or equal to (\S+)\.$"), r"超出范围（\2）"),
]


def bilingual(message: str) -> str:
    """A validation message as 'Chinese / English' (unknown ones are left in English)."""
    for pattern, zh in MESSAGES_ZH:
        if pattern.match(message):
            return f"{pattern.sub(zh, message)} / {message}"
    return message


def status_of(error: DomainError) -> HTTPStatus:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return HTTPStatus.CONFLICT


def domain_error(error: DomainError) -> ResponseReturnValue:
    """A domain error as the API's JSON error."""
    status = status_of(error)
    if isinstance(error, Conflict):
        g.answer_is_transient = True  # "please retry": an Idempotency-Key does not keep it (web.api.idempotency)
    errors = {}
    if isinstance(error, InvalidInput):
        names = g.get("api_field_names", {})
        errors = {
            _renamed(field, names): [bilingual_message(p, zoned_moment) for p in problems]
            for field, problems in error.errors.items()
        }
    return payload(status, bilingual_message(error, zoned_moment), errors, error.code), status


def _renamed(field: str, names: dict[str, str]) -> str:
    head, dot, rest = field.partition(".")
    return names.get(field) or (names.get(head, head) + dot + rest)


def api_field_names(**domain_to_api: str) -> Callable[[F], F]:
    """Declare, on a view, how the domain's field names read in this endpoint's request body."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.api_field_names = domain_to_api
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' {"json": {"a": {"0": {"b": [...]}}}} as {"a.0.b": [...]}."""
    if isinstance(messages, list):
        return {prefix or "_schema": [bilingual(str(m)) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in (messages or {}).items():
        inner = key if not prefix else f"{prefix}.{key}"
        flat.update(_flatten(value, inner))
    return flat


def http_error(error: HTTPException) -> ResponseReturnValue:
    """Any HTTP error (including schema validation, 404 of unknown routes) in the same shape."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    errors: dict[str, list[str]] = {}
    if "messages" in data:
        for location, messages in data["messages"].items():
            errors.update(_flatten(messages) if location == "json" else _flatten(messages, location))
    message = data.get("message") or http_message(code, error.name)
    headers = data.get("headers", {})
    return payload(code, message, errors, data.get("reason", "")), code, headers


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(HTTPException, http_error)
