"""The access log: who read which family's record, when, from where (folded from the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from domain.audit import FamilyRead, ReadersErased
from projections.db import Tx
from projections.engine import Handler, View
from projections.erasure import forget_actors
from projections.plain import from_iso, iso


@dataclass(frozen=True)
class AccessRecord:
    record_id: str
    read_at: datetime
    reader: str
    role: str
    family_id: str
    what: str
    address: str
    detail: str


class AccessLogView(View):
    name = "access_log"
    tables: ClassVar[Mapping[str, str]] = {
        "access_read": (
            "CREATE TABLE IF NOT EXISTS access_read ("
            " record_id TEXT PRIMARY KEY, read_at TEXT NOT NULL, reader TEXT NOT NULL, role TEXT NOT NULL,"
            " family_id TEXT NOT NULL, what TEXT NOT NULL, address TEXT NOT NULL, detail TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS access_read_family ON access_read (family_id, read_at);"
            "CREATE INDEX IF NOT EXISTS access_read_reader ON access_read (reader, read_at)"
        )
    }

    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            FamilyRead: self.read,
            ReadersErased: lambda tx, e: forget_actors(tx, e.account_ids, [("access_read", "reader")]),
        }

    def read(self, tx: Tx, event: Any) -> None:
        tx.execute(
            "INSERT INTO access_read VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                str(event.originator_id),
                iso(event.timestamp),
                event.reader,
                event.role,
                str(event.family_id),
                event.what.value,
                event.address,
                event.detail,
            ],
        )


def reads(
    tx: Tx,
    *,
    family_id: str | None = None,
    reader: str | None = None,
    before: str = "9999",
    since: str = "",
    limit: int = 100,
) -> list[AccessRecord]:
    """Reads of one family, by one reader, or both, newest first, none before ``since`` (an ISO moment);
    ``before`` is "read_at|record_id" of the last read seen (reads at the same moment are told apart by their
    record id), or an ISO moment no read shown reaches."""
    moment, _, record = before.partition("|")
    clauses, params = ["(read_at < ? OR (read_at = ? AND record_id < ?))"], [moment, moment, record]
    if since:
        clauses.append("read_at >= ?")
        params.append(since)
    if family_id:
        clauses.append("family_id = ?")
        params.append(family_id)
    if reader:
        clauses.append("reader = ?")
        params.append(reader)
    rows = tx.query(
        f"SELECT * FROM access_read WHERE {' AND '.join(clauses)} ORDER BY read_at DESC, record_id DESC LIMIT ?",
        [*params, limit],
    )
    return [AccessRecord(r[0], from_iso(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


def readers(tx: Tx) -> list[str]:
    """Everyone who ever read a family's record (by user name), in order of name."""
    return [str(r[0]) for r in tx.query("SELECT DISTINCT reader FROM access_read ORDER BY reader")]


def count(tx: Tx) -> int:
    row = tx.one("SELECT COUNT(*) FROM access_read")
    return int(row[0]) if row else 0
