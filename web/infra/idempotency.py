"""The answers the API keeps per caller and ``Idempotency-Key`` (see web.api.idempotency for how they are used)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from projections.db import ViewDatabase

#: Before answers were keyed per caller and request fingerprints were keyed digests, this table kept
#: plain hashes of request bodies (sign-ins included): it is dropped.
OLD_TABLE = "DROP TABLE IF EXISTS idempotent_request"
TABLE = (
    "CREATE TABLE IF NOT EXISTS request_answer ("
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


class KeyReused(Exception):
    """The key was first used for another request."""


class IdempotencyStore:
    """Per caller and key: which request the key was first used for, and the answer once there is one."""

    def __init__(self, db: ViewDatabase) -> None:
        self.db = db
        with db.write() as tx:
            tx.execute(OLD_TABLE)
            tx.execute(TABLE)

    def claim(self, actor: str, key: str, fingerprint: str, now: datetime) -> Answer | None:
        """The kept answer for a retry; None when the request is to be handled (first time, or its answer
        was never kept: the log tells the command it already recorded)."""
        with self.db.write() as tx:
            row = tx.one(
                "SELECT fingerprint, status, body, content_type, location FROM request_answer"
                " WHERE actor = ? AND request_key = ?",
                [actor, key],
            )
            if row is None:
                tx.execute(
                    "INSERT INTO request_answer VALUES (?, ?, ?, 0, '', '', '', ?)",
                    [actor, key, fingerprint, now.isoformat()],
                )
                return None
        stored_print, status, body, content_type, location = row
        if not hmac.compare_digest(str(stored_print), fingerprint):
            raise KeyReused()
        return Answer(int(status), str(body), str(content_type), str(location)) if status else None

    def keep(self, actor: str, key: str, answer: Answer) -> None:
        """Keep the first answer to (actor, key)."""
        with self.db.write() as tx:
            tx.execute(
                "UPDATE request_answer SET status = ?, body = ?, content_type = ?, location = ?"
                " WHERE actor = ? AND request_key = ? AND status = 0",
                [answer.status, answer.body, answer.content_type, answer.location, actor, key],
            )

    def forget_family(self, family_id: UUID) -> int:
        """Forget every kept answer about a family (its profile, its id): after an erasure nothing of it stays
        here; a retry of such a request is handled afresh, and refused. Returns how many were forgotten."""
        like = f"%{family_id}%"
        with self.db.write() as tx:
            found = tx.query(
                "SELECT actor, request_key FROM request_answer WHERE body LIKE ? OR location LIKE ?", [like, like]
            )
            tx.execute("DELETE FROM request_answer WHERE body LIKE ? OR location LIKE ?", [like, like])
        return len(found)

    def release(self, actor: str, key: str) -> None:
        """Forget a claim whose request was not answered, so that a retry is handled afresh."""
        with self.db.write() as tx:
            tx.execute("DELETE FROM request_answer WHERE actor = ? AND request_key = ? AND status = 0", [actor, key])
