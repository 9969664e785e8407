"""The guard in front of every request but the public ones: who is calling, may they, and on which families.

It authenticates (a session cookie, or a bearer token), checks the CSRF token of
cookie-authenticated writes (the X-CSRF-Token header, or a form's hidden ``csrf_token``
field), asks the policy table whether the caller's role may take the endpoint's action
and on which families, and afterwards records every successful read of a family's
record in the read audit. API requests are refused in the API's JSON shape, pages
with a page (see ``web.access.refusals``).

The CSRF check is hand-written rather than Flask-WTF's CSRFProtect, on purpose: the token
belongs to the server-side session (it dies at sign-out and when the account is disabled,
and holds across processes and restarts without a shared SECRET_KEY), bearer-token writes
need none (CSRFProtect exempts by view, not by how the caller authenticated), and refusals
must come in the API's one JSON shape. What it does is one constant-time comparison.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from flask import Flask, Response, current_app, g, request
from werkzeug.wrappers import Response as AnyResponse

from domain.accounts import AccountNotFound, AccountRole, Accounts
from domain.audit import AuditTrail, ReadKind
from projections.directory import volunteer_families
from projections.engine import Projection
from projections.read_models import ReadModels
from web.access.policy import Action, Scope, may, scope_of
from web.access.refusals import Refused, refuse
from web.access.routes import AUDITED, PUBLIC, REFINED, ROUTES, SIGNED_IN
from web.access.tokens import verify_token
from web.infra.sessions import SessionStore

COOKIE = "peiban_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """The signed-in account behind a request."""

    account_id: str
    user_name: str
    display_name: str
    role: AccountRole
    volunteer_id: str | None
    csrf_token: str | None  # None when the caller came with a bearer token


def extension(name: str) -> Any:
    return current_app.extensions[name]


def now() -> datetime:
    return datetime.now(tz=UTC)


def authenticate() -> Caller | None:
    accounts: Accounts = extension("peiban.accounts")
    sessions: SessionStore = extension("peiban.sessions")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        found = verify_token(accounts, header.removeprefix("Bearer ").strip())
        csrf = None
    else:
        session = sessions.find(request.cookies.get(COOKIE, ""), now()) if request.cookies.get(COOKIE) else None
        found, csrf = None, None
        if session is not None:
            try:
                found, csrf = accounts.current(UUID(session.account_id)), session.csrf_token
            except AccountNotFound:
                found = None
    if found is None or found.disabled:
        return None
    volunteer = str(found.volunteer_id) if found.volunteer_id else None
    return Caller(str(found.id), found.user_name, found.display_name, found.role, volunteer, csrf)


def action_of(endpoint: str) -> Action | None:
    action = ROUTES.get((request.method if request.method != "HEAD" else "GET", endpoint))
    for (refined_endpoint, parameter), refined in REFINED.items():
        if refined_endpoint == endpoint and parameter in request.args:
            action = refined
    return action


def families_in_scope(caller: Caller, scope: Scope) -> set[str] | None:
    """The families a scope reaches for this caller (None: all of them)."""
    if scope is Scope.ALL:
        return None
    if caller.volunteer_id is None:
        return set()
    models: ReadModels = extension("peiban.read_models")
    with models["continuity"].reading() as tx:
        own, alumni = volunteer_families(tx, caller.volunteer_id)
    return own | alumni if scope is Scope.ALUMNI else own


def csrf_token_offered() -> str:
    """The CSRF token a write came with: the header (API clients), else a form's hidden field."""
    offered = request.headers.get(CSRF_HEADER)
    if offered is None and request.mimetype in FORMS:
        offered = request.form.get(CSRF_FIELD)
    return offered or ""


def guard() -> AnyResponse | None:
    """Before every request: authenticate, check CSRF, ask the policy; None lets it through."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC:
        return None
    caller = authenticate()
    if caller is None:
        return refuse(Refused.UNAUTHENTICATED)
    writes_by_cookie = caller.csrf_token is not None and request.method not in SAFE_METHODS
    if writes_by_cookie and not hmac.compare_digest(csrf_token_offered().encode(), (caller.csrf_token or "").encode()):
        return refuse(Refused.CSRF)
    g.caller, g.actor = caller, caller.user_name
    if endpoint in SIGNED_IN:
        return None
    action = action_of(endpoint)
    scope = scope_of(caller.role, action) if action else None
    if scope is None:
        return refuse(Refused.FORBIDDEN)
    g.action = action
    g.families_in_scope = families_in_scope(caller, scope) if scope is not Scope.SELF else set()
    args = request.view_args or {}
    if "family_id" in args and g.families_in_scope is not None and str(args["family_id"]) not in g.families_in_scope:
        return refuse(Refused.FAMILY_NOT_FOUND)
    if scope is Scope.SELF and str(args.get("volunteer_id")) != caller.volunteer_id:
        return refuse(Refused.VOLUNTEER_NOT_FOUND)
    # Whether the caller may name a fact of a compartment is decided where facts are resolved (the family
    # aggregate, given the caller's clearance): see domain.compartments.
    return None


#: What the read audit keeps of a replay page's query: the day it asked for. Nothing else: a cursor, or the fact just
#: recorded (``?recorded=``), may name a fact of a compartment, and coordinators read the audit.
AUDITED_QUERY = frozenset({"day"})


def record_read(response: Response) -> Response:
    """After a successful read of a family's record: who, what, when, from where."""
    caller: Caller | None = g.get("caller")
    endpoint = request.endpoint or ""
    family_id = (request.view_args or {}).get("family_id")
    if caller is None or family_id is None or endpoint not in AUDITED or not 200 <= response.status_code < 300:
        return response
    # A replay is what the view says it served (``replayed``), never what the query says: an ``as_of`` beside a
    # cursor, or on a read that replays nothing, would have the audit tell another read than the one made.
    replayed: str | None = g.get("replayed")
    what = ReadKind.AS_OF if replayed else AUDITED[endpoint]
    audit: AuditTrail = extension("peiban.audit")
    if replayed:
        detail = f"as_of={quote(replayed, safe=':')}"
    elif what is ReadKind.AS_OF:
        asked = request.query_string.decode(errors="replace").split("&")
        detail = "&".join(part for part in asked if part.partition("=")[0] in AUDITED_QUERY)[:200]
    else:
        detail = ""
    audit.record_read(
        reader=caller.user_name,
        role=caller.role.value,
        family_id=UUID(str(family_id)),
        what=what,
        address=request.remote_addr or "",
        detail=detail,
    )
    return response


def cleared_for_sensitive() -> bool:
    """May the caller see the sensitive compartments (anti-domestic-violence, shelter)?"""
    caller: Caller | None = g.get("caller")
    return caller is not None and may(caller.role, Action.READ_SENSITIVE)


def may_replay() -> bool:
    """May the caller replay a family's record as it stood at an earlier moment (``as_of``, see routes.REFINED)?"""
    caller: Caller | None = g.get("caller")
    return caller is not None and may(caller.role, Action.READ_RAW_FACTS)


def counts_compartments_of(volunteer_id: object) -> bool:
    """Whether a volunteer's figures may count the compartments' visits they were on: for cleared readers only.
    Not even for the volunteer who was there: a compartment never reaches a volunteer's screen, and its facts
    (amended by a social worker, say) would show there through the figures."""
    return cleared_for_sensitive()


def visible_families() -> set[str] | None:
    """The families the caller may see in lists (None: all)."""
    scoped: set[str] | None = g.get("families_in_scope")
    return scoped


def access_log(app: Flask) -> Projection:
    projection = app.extensions["peiban.access_log"]
    assert isinstance(projection, Projection)
    return projection


def install(app: Flask) -> None:
    """Put the guard in front of the API and the pages (before anything else runs) and audit family reads."""
    app.before_request_funcs.setdefault(None, []).insert(0, guard)
    app.after_request(record_read)
