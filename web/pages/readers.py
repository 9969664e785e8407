"""The access log as pages list it: reads of a family's record, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from projections.access_log import readers, reads
from projections.directory import family
from projections.plain import iso
from projections.read_models import ReadModels
from web.access.guard import access_log
from web.i18n import local_time
from web.pages.labels import ACCOUNT_ROLES, READ_KINDS, label
from web.pages.names import person

READS_PER_PAGE = 50


@dataclass(frozen=True)
class ReadRow:
    """One read of a family's record: when, by whom (and in which role), what, from where."""

    at: str
    at_utc: str
    reader: str
    reader_name: str
    role: str
    family_id: str
    family_name: str
    what: str
    address: str
    detail: str


@dataclass(frozen=True)
class ReadPage:
    """A page of reads, and where the next (older) page starts (None: this is the last)."""

    rows: list[ReadRow]
    before: str | None
    first: bool


def read_page(
    *, family_id: str | None = None, reader: str | None = None, since: str = "", until: str = "9999"
) -> ReadPage:
    """The reads of one family, by one reader (or both, or of every family), read from ``since`` and before
    ``until`` (ISO moments), newest first, from ``?before=`` on."""
    before = request.args.get("before", "")[:200]
    with access_log(current_app).reading() as tx:
        found = reads(
            tx, family_id=family_id, reader=reader, before=before or until, since=since, limit=READS_PER_PAGE + 1
        )
    shown = found[:READS_PER_PAGE]
    names = family_names({r.family_id for r in shown})
    rows = [
        ReadRow(
            at=local_time(r.read_at),
            at_utc=iso(r.read_at),
            reader=r.reader,
            reader_name=person(r.reader),
            role=label(ACCOUNT_ROLES, r.role),
            family_id=r.family_id,
            family_name=names.get(r.family_id, r.family_id[:8]),
            what=label(READ_KINDS, r.what),
            address=r.address,
            detail=r.detail,
        )
        for r in shown
    ]
    following = f"{iso(shown[-1].read_at)}|{shown[-1].record_id}" if len(found) > READS_PER_PAGE else None
    return ReadPage(rows, following, first=not before)


def reader_choices() -> list[tuple[str, str]]:
    """Everyone who ever read a family's record: (user name, display name), for the access log's filter."""
    with access_log(current_app).reading() as tx:
        names = readers(tx)
    return sorted(((n, f"{person(n)} ({n})" if person(n) != n else n) for n in names), key=lambda c: c[1])


def family_choices() -> list[tuple[str, str]]:
    """Every family in the directory: (id, name), for the access log's filter."""
    models: ReadModels = current_app.extensions["peiban.read_models"]
    with models["continuity"].reading() as tx:
        rows = tx.query("SELECT family_id, display_name FROM continuity_family ORDER BY display_name")
    return [(str(r[0]), str(r[1])) for r in rows]


def family_names(family_ids: set[str]) -> dict[str, str]:
    """The families' display names (aliases), from the directory."""
    models: ReadModels = current_app.extensions["peiban.read_models"]
    with models["continuity"].reading() as tx:
        rows = [family(tx, family_id) for family_id in sorted(family_ids)]
    return {r.family_id: r.display_name for r in rows if r is not None}
