"""The OpenAPI document's error answers, set up in one place for every operation.

Every error has the one JSON shape ``web.api.errors`` renders (``ApiError``). Which
errors an operation can give follows from its form, so they are documented here by
rule instead of on each view:

- 404 wherever the path or the request body names something by id (an unknown id; in
  a path, also one that is not a UUID); 410 wherever the path names a family or a volunteer (an erased one:
  its tombstone);
- on every POST: 400 (a body that is not strict JSON), 413 (a body over the size limit),
  409 (a broken domain rule or an optimistic conflict) and 422 (invalid fields, or an ``Idempotency-Key``
  reused for another request), and the ``Idempotency-Key`` header itself (not on sign-in);
- 422 wherever query parameters are read (flask-smorest adds it for ``@blp.arguments``).

- 401 (not signed in) and 403 (the role may not do this) on every operation but sign-in;
  sign-in itself answers 401 for a wrong password and 429 after too many failures.

Every operation but sign-in names how a caller proves who they are (``security``): a bearer token, or
the session cookie sign-in sets; a write by cookie also needs the session's ``X-CSRF-Token`` header
(the token sign-in answers with), so the interactive docs can send it once it is given to them.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import marshmallow as ma
from apispec import APISpec, BasePlugin

from web.access.guard import COOKIE as SESSION_COOKIE
from web.access.guard import CSRF_HEADER

IDEMPOTENCY_KEY = "IDEMPOTENCY_KEY"
#: The security schemes' names in the document.
BEARER, SESSION, CSRF = "bearer", "session", "csrf"
SAFE_METHODS = frozenset({"get", "head", "options"})


class ApiError(ma.Schema):
    """Every error answer: HTTP code and status, a bilingual message, field errors, a stable reason."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP 状态码 / HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP 状态 / HTTP status phrase"})
    message = ma.fields.String(required=True, metadata={"description": "中文 / English"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        metadata={"description": "各字段的问题 / problems by field (``a.0.b`` for nested ones)"},
    )
    error = ma.fields.String(
        required=True,
        metadata={"description": "稳定的错误代码 / stable machine-readable reason, e.g. family_not_found"},
    )


def security_schemes() -> dict[str, dict[str, Any]]:
    """How a caller proves who they are: a bearer token, or the session cookie with its CSRF token on writes."""
    return {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "API 令牌（peiban token create 用户名）/ an API token (`peiban token create USER`)",
        },
        SESSION: {
            "type": "apiKey",
            "in": "cookie",
            "name": SESSION_COOKIE,
            "description": "登录（POST /api/v1/session）后浏览器带上的会话 cookie / the session cookie sign-in sets",
        },
        CSRF: {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": (
                "用会话 cookie 写入时必须带上登录返回的 csrf_token / with the session cookie, every write sends"
                " the csrf_token sign-in answered with"
            ),
        },
    }


def security_of(method: str, path: str) -> list[dict[str, list[str]]]:
    """Either way of proving who one is; sign-in needs none (signing out is a write like any other)."""
    if path.endswith("/session") and method == "post":
        return []
    by_cookie: dict[str, list[str]] = {SESSION: [], CSRF: []} if method not in SAFE_METHODS else {SESSION: []}
    return [{BEARER: []}, by_cookie]


def errors_of(method: str, path: str, operation: dict[str, Any], names_an_id: bool) -> list[HTTPStatus]:
    """The error statuses an operation can answer with, by the rules above."""
    statuses = []
    if path.endswith("/session"):
        sign_in = [
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.TOO_MANY_REQUESTS,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ]
        return [HTTPStatus.UNAUTHORIZED] + (sign_in if method == "post" else [])
    statuses += [HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN]
    if "{" in path or names_an_id:
        statuses.append(HTTPStatus.NOT_FOUND)
    if "{family_id}" in path or "{volunteer_id}" in path:
        statuses.append(HTTPStatus.GONE)
    if method == "post":
        statuses += [
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ]
    if any(isinstance(p, dict) and p.get("in") == "query" for p in operation.get("parameters", [])):
        statuses.append(HTTPStatus.UNPROCESSABLE_ENTITY)
    return statuses


class ErrorResponses(BasePlugin):
    """An apispec plugin documenting each operation's error answers and the Idempotency-Key header."""

    spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        self.spec = spec
        for name, scheme in security_schemes().items():
            spec.components.security_scheme(name, scheme)
        spec.components.parameter(
            IDEMPOTENCY_KEY,
            "header",
            {
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": (
                    "幂等键：重试时带上同一个键，只记录一次，返回第一次的结果 / a retry with the same key"
                    " records nothing new and gets the first answer (also after a restart or a crash);"
                    " keys are per caller"
                ),
            },
        )

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            names_an_id = self._has_id(operation.get("requestBody", {}), set())
            for status in errors_of(method, path or "", operation, names_an_id):
                responses.setdefault(str(status.value), status.name)
            if method == "post" and not (path or "").endswith("/session"):  # sign-ins are never kept
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            operation.setdefault("security", security_of(method, path or ""))

    def _has_id(self, node: Any, seen: set[str]) -> bool:
        """Whether a (part of a) JSON schema holds a UUID, following references to component schemas."""
        if isinstance(node, list):
            return any(self._has_id(item, seen) for item in node)
        if not isinstance(node, dict):
            return False
        reference = node.get("$ref")
        if isinstance(reference, str):
            name = reference.rsplit("/", 1)[-1]
            if name in seen or self.spec is None:
                return False
            return self._has_id(self.spec.components.schemas.get(name, {}), seen | {name})
        return node.get("format") == "uuid" or any(self._has_id(value, seen) for value in node.values())
