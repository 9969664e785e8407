"""One-time form tokens: every recording form carries one, and it names the command the form sends.

Going back and sending a form again (or clicking twice) sends the same token again. The
token gives the same command id (per signed-in user, see ``web.api.idempotency``), and the
record already holds the fact that command recorded: nothing new is recorded, and the page
moves on to the first result with a notice that it was already saved. A form shown again
with its errors keeps its token, since nothing was recorded with it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Response, g, make_response, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from web.api.idempotency import command_for, store
from web.infra.idempotency import Answer, KeyReused

FIELD = "form_token"
#: On the address a form moves on to, when it had been sent before: the page then says so.
ALREADY_SAVED = "already_saved"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A fresh token for a form being shown."""
    return secrets.token_urlsafe(18)


def sent_token(form: MultiDict[str, str]) -> str:
    """The token a form came back with ("" when it had none, or not one this site makes)."""
    token = form.get(FIELD, "")
    return token if TOKEN.fullmatch(token) else ""


def with_notice(location: str) -> str:
    """``location`` with the already-saved notice asked for (before its ``#fragment``)."""
    parts = urlsplit(location)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({ALREADY_SAVED: "1"})))


def once(send: Callable[[], ResponseReturnValue]) -> ResponseReturnValue:
    """Answer a recording form's POST: ``send()`` records with the command its token names, and moves on;
    the same token sent again moves on to the first result, with a notice, and records nothing."""
    token = sent_token(request.form)
    if not token or g.get("form_sent_once"):  # no token; or answered once already, around a whole page
        return send()
    g.form_sent_once = True
    actor = str(g.get("actor", "web"))
    key = f"form:{request.path}:{token}"
    try:
        first = store().claim(actor, key, "form", datetime.now(tz=UTC))
    except KeyReused:  # pragma: no cover - every form token is claimed with the same fingerprint
        return send()
    if first is not None:
        return redirect(with_notice(first.location), 303)
    g.command_id = command_for(actor, key)
    response: Response = make_response(send())
    if response.status_code == 303 and response.location:
        store().keep(actor, key, Answer(303, "", "", response.location))
    else:
        store().release(actor, key)
    return response
