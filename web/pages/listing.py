"""What every list page shares: its page size, where a page starts, its filters, and the next page's address.

Lists are keyset-paged like the API's: the address of the next page carries the signed
cursor of the last row shown. Filters are read from the address and kept to known
values (an unknown one is no filter), so that an address can never inject anything.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

from projections.engine import Projection
from web.access.guard import extension
from web.api.common import keyset_after

#: Rows on a page of a list (``PEIBAN_PAGE_SIZE`` in the app's config changes it).
PAGE_SIZE = 25
SEARCH_LIMIT = 100


def continuity() -> Projection:
    """The continuity view, which the lists read."""
    view: Projection = extension("peiban.read_models")["continuity"]
    return view


def page_size() -> int:
    return int(current_app.config.get("PEIBAN_PAGE_SIZE", PAGE_SIZE))


def position(of: str) -> tuple[str, str]:
    """Where a page of the directory ``of`` starts: a cursor that is not ours (altered, of another list, or signed
    with another store's key) starts over. The key is kept in the sessions store, so a restart keeps cursors good."""
    try:
        return keyset_after(request.args.get("after"), of=of)
    except HTTPException:
        return ("", "")


def search_text(given: Mapping[str, str]) -> str:
    return given.get("q", "").strip()[:SEARCH_LIMIT]


def one_of(given: Mapping[str, str], name: str, allowed: Collection[str]) -> str:
    """A filter's value if it is one of ``allowed``, else "" (no filter)."""
    value = given.get(name, "")
    return value if value in allowed else ""


def next_page(cursor: str | None, endpoint: str, filters: dict[str, str]) -> str | None:
    """The next page's address, with the same filters (None: this is the last page)."""
    if cursor is None:
        return None
    kept: dict[str, Any] = {k: v for k, v in filters.items() if v}
    return url_for(endpoint, **kept, after=cursor)
