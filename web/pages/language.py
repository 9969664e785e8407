"""The language switch: a plain link that keeps the reader's choice in a cookie for a year."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask.typing import ResponseReturnValue

from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.pages.signin import malformed_next, safe_next

bp = Blueprint("language", __name__)

YEAR = 365 * 24 * 3600


@bp.route("/language/<code>", endpoint="switch")
def switch(code: str) -> ResponseReturnValue:
    """Show the pages in ``code`` from now on, and go back to the page the reader was on."""
    if code not in LANGUAGES:
        abort(404)
    if malformed_next(request.args.get("next")):
        abort(400)
    response = redirect(safe_next(request.args.get("next")), 303)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=YEAR, samesite="Lax", secure=request.is_secure, httponly=True)
    return response
