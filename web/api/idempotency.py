"""``Idempotency-Key`` on every POST of the API: a retry records nothing new and gets the first answer.

Volunteers post from phones on bad networks: the same request may arrive twice, or
after the server died between saving a fact and answering. Correctness lives in the
log: the caller and their key give a command id (a keyed digest, so nobody can aim at
another's), the command carries it into the fact it records, and the aggregate
answers a command it already recorded with that first fact. The answers kept here,
per (caller, key), are only a cache replayed to retries, and the place that remembers
which request a key was first used for: the same key with another request gets 422.
Signing in is never kept here (its body holds a password).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from uuid import UUID

from flask import Flask, Response, current_app, g, request

from domain import StoreSettings
from domain.aggregate import CommandId
from web.access.refusals import payload
from web.api.common import current_actor
from web.infra.idempotency import Answer, IdempotencyStore, KeyReused
from web.infra.stores import side_database

HEADER = "Idempotency-Key"
#: Requests never kept: the body of a sign-in holds a password.
NOT_KEPT = frozenset({"/api/v1/session"})


def store() -> IdempotencyStore:
    """This process's store of answers to requests with a key."""
    kept = current_app.extensions["peiban.idempotency"]
    assert isinstance(kept, IdempotencyStore)
    return kept


def _secret() -> bytes:
    key = current_app.extensions.get("peiban.idempotency_secret")
    if key is None:
        key = current_app.extensions["peiban.sessions"].secret("idempotency").encode()
        current_app.extensions["peiban.idempotency_secret"] = key
    assert isinstance(key, bytes)
    return key


def digest(*parts: bytes) -> bytes:
    """A keyed digest (HMAC-SHA256 with this installation's secret) of ``parts``."""
    return hmac.new(_secret(), b"\0".join(parts), hashlib.sha256).digest()


def command_for(actor: str, key: str) -> CommandId:
    """The command id of ``actor``'s request with ``key``: the same for a retry, unguessable to anyone else."""
    return CommandId(UUID(bytes=digest(b"command", actor.encode(), key.encode())[:16]))


def command_id() -> CommandId | None:
    """The command id of this request (set at the edge from its key or form token), if it has one."""
    found = g.get("command_id")
    return CommandId(found) if isinstance(found, UUID) else None


def _json(status: int, zh: str, en: str, reason: str) -> Response:
    body = json.dumps(payload(status, f"{zh} / {en}", {}, reason), ensure_ascii=False)
    return Response(body, status=status, content_type="application/json")


def before_post() -> Response | None:
    """Replay the kept answer to a retry, or name the command this request carries into the log."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or request.path in NOT_KEPT or not request.path.startswith("/api/"):
        return None
    if not 1 <= len(key) <= 200:
        return _json(
            422, "幂等键长度应为 1 到 200", "Idempotency-Key must be 1 to 200 characters", "bad_idempotency_key"
        )
    actor = current_actor().name
    fingerprint = _fingerprint()
    try:
        answer = store().claim(actor, key, fingerprint, datetime.now(tz=UTC))
    except KeyReused:
        return _json(
            422,
            "这个幂等键已用于另一个请求",
            "This Idempotency-Key was used for a different request",
            "idempotency_key_in_use",
        )
    if answer is not None:
        response = Response(answer.body, status=answer.status, content_type=answer.content_type)
        if answer.location:
            response.headers["Location"] = answer.location
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency_key = key
    g.command_id = command_for(actor, f"api:{key}")
    return None


def _fingerprint() -> str:
    """What makes two requests the same one: the operation and its parsed path parameters (an id in capitals is
    the same id), and the body as JSON (in any order or spacing), else as sent."""
    params = sorted((name, str(value)) for name, value in (request.view_args or {}).items())
    body = request.get_json(silent=True)
    sent = request.get_data() if body is None else json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    return digest(b"request", str(request.endpoint).encode(), json.dumps(params).encode(), sent).hex()


def after_post(response: Response) -> Response:
    """Keep the answer for retries. A server error, or a conflict with someone else's write at the same moment
    ("please retry"), is not kept, so that a retry with the same key is handled afresh rather than told the same;
    the key stays claimed by this request, as after a crash: a server error may come after the fact was saved,
    and another request under the key would be answered with that fact."""
    key = g.pop("idempotency_key", None)
    transient = g.pop("answer_is_transient", False)
    if key is None or response.status_code >= 500 or transient:
        return response
    answer = Answer(
        response.status_code,
        response.get_data(as_text=True),
        response.content_type or "",
        response.headers.get("Location", ""),
    )
    store().keep(current_actor().name, key, answer)
    return response


def install(app: Flask, settings: StoreSettings) -> None:
    """Keep answers to POSTs with an Idempotency-Key, in a store of their own."""
    app.extensions["peiban.idempotency"] = IdempotencyStore(side_database(settings, "api_requests"))
    app.before_request(before_post)
    app.after_request(after_post)
