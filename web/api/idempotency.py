"""``Idempotency-Key`` on every POST: a retry gets the first answer and records nothing new.

Volunteers post from phones on bad networks: the same request may arrive twice, or
after the server restarted. The first answer to (user, key) is kept in a store of its
own (a SQLite file or a PostgreSQL schema) and replayed to every retry. A retry that
arrives while the first is still being handled gets 409; the same key with a
different request gets 422.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, g, request

from domain import StoreSettings
from projections.db import ViewDatabase, view_database
from web.api.common import current_actor
from web.api.errors import payload

HEADER = "Idempotency-Key"
ABANDONED_AFTER = timedelta(seconds=60)
TABLE = (
    "CREATE TABLE IF NOT EXISTS idempotent_request ("
    " actor TEXT NOT NULL, request_key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,"
    " body TEXT NOT NULL, content_type TEXT NOT NULL, location TEXT NOT NULL, claimed_at TEXT NOT NULL,"
    " PRIMARY KEY (actor, request_key))"
)


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str
    location: str


class KeyInUse(Exception):
    """The same key is being answered right now, or was used for another request."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en


class IdempotencyStore:
    def __init__(self, db: ViewDatabase) -> None:
        self.db = db
        with db.write() as tx:
            tx.execute(TABLE)

    def claim(self, actor: str, key: str, fingerprint: str, now: datetime) -> Answer | None:
        """The stored answer for a retry, or None when this request is the first and must be handled."""
        with self.db.write() as tx:
            row = tx.one(
                "SELECT fingerprint, status, body, content_type, location, claimed_at FROM idempotent_request"
                " WHERE actor = ? AND request_key = ?",
                [actor, key],
            )
            if row is None:
                tx.execute(
                    "INSERT INTO idempotent_request VALUES (?, ?, ?, 0, '', '', '', ?)",
                    [actor, key, fingerprint, now.isoformat()],
                )
                return None
            stored_print, status, body, content_type, location, claimed_at = row
            if stored_print != fingerprint:
                raise KeyInUse(
                    422, "这个幂等键已用于另一个请求", "This Idempotency-Key was used for a different request"
                )
            if status:
                return Answer(int(status), str(body), str(content_type), str(location))
            if now - datetime.fromisoformat(str(claimed_at)) < ABANDONED_AFTER:
                raise KeyInUse(
                    409, "同一请求正在处理中，请稍后重试", "The same request is still being handled; retry shortly"
                )
            tx.execute(
                "UPDATE idempotent_request SET claimed_at = ? WHERE actor = ? AND request_key = ?",
                [now.isoformat(), actor, key],
            )
            return None

    def keep(self, actor: str, key: str, answer: Answer) -> None:
        with self.db.write() as tx:
            tx.execute(
                "UPDATE idempotent_request SET status = ?, body = ?, content_type = ?, location = ?"
                " WHERE actor = ? AND request_key = ?",
                [answer.status, answer.body, answer.content_type, answer.location, actor, key],
            )

    def release(self, actor: str, key: str) -> None:
        """Forget a claim whose request failed on the server, so that a retry is handled afresh."""
        with self.db.write() as tx:
            tx.execute(
                "DELETE FROM idempotent_request WHERE actor = ? AND request_key = ? AND status = 0", [actor, key]
            )


def _store() -> IdempotencyStore:
    from flask import current_app

    store = current_app.extensions["peiban.idempotency"]
    assert isinstance(store, IdempotencyStore)
    return store


def _json(status: int, zh: str, en: str, reason: str) -> Response:
    body = json.dumps(payload(status, f"{zh} / {en}", {}, reason), ensure_ascii=False)
    return Response(body, status=status, content_type="application/json")


def before_post() -> Response | None:
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    if not 1 <= len(key) <= 200:
        return _json(
            422, "幂等键长度应为 1 到 200", "Idempotency-Key must be 1 to 200 characters", "bad_idempotency_key"
        )
    fingerprint = hashlib.sha256(request.path.encode() + b"\0" + request.get_data()).hexdigest()
    try:
        answer = _store().claim(current_actor(), key, fingerprint, datetime.now(tz=UTC))
    except KeyInUse as error:
        return _json(error.status, error.zh, error.en, "idempotency_key_in_use")
    if answer is not None:
        response = Response(answer.body, status=answer.status, content_type=answer.content_type)
        if answer.location:
            response.headers["Location"] = answer.location
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency_key = key
    return None


def after_post(response: Response) -> Response:
    key = g.pop("idempotency_key", None)
    if key is None:
        return response
    if response.status_code >= 500:
        _store().release(current_actor(), key)
    else:
        answer = Answer(
            response.status_code,
            response.get_data(as_text=True),
            response.content_type or "",
            response.headers.get("Location", ""),
        )
        _store().keep(current_actor(), key, answer)
    return response


def install(app: Flask, settings: StoreSettings) -> None:
    """Keep answers to POSTs with an Idempotency-Key, in a store of their own."""
    app.extensions["peiban.idempotency"] = IdempotencyStore(view_database(settings, "api_requests"))
    app.before_request(before_post)
    app.after_request(after_post)
