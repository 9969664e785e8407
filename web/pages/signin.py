"""The sign-in page and signing out.

Before anyone is signed in there is no session to hold a CSRF token, so the sign-in
form carries one that is also set in a short-lived cookie (double submit): a form
posted from another site cannot know it. After sign-in, forms carry the session's own
token, which the guard checks.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from web.access.signin import OpenedSession, Refusal, secure_cookies, set_session_cookie, sign_in, sign_out
from web.i18n import _

bp = Blueprint("signin", __name__)

SIGNIN_CSRF_COOKIE = "peiban_signin"
LIMITS = {"user_name": 50, "password": 200, "one_time_code": 10}


def malformed_next(target: str | None) -> bool:
    """Whether a ``next`` holds what no link of this site does: a line break would split the redirect's
    header, and browsers drop tabs and line breaks from an address (``/\t/evil.example`` leads off-site)."""
    return bool(target) and any(c.isspace() or not c.isprintable() for c in str(target))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.home")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("home.home")


def _form(status: int, given: dict[str, str], errors: dict[str, str], token: str | None = None) -> ResponseReturnValue:
    token = token or secrets.token_urlsafe(24)
    page = render_template("signin.html", given=given, errors=errors, csrf_token=token, next=given.get("next", ""))
    response = make_response(page, status)
    response.set_cookie(
        SIGNIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", secure=secure_cookies(), path="/signin"
    )
    return response


def _checked(given: dict[str, str]) -> dict[str, str]:
    """Field errors of a sign-in form, by field."""
    errors = {}
    for name in ("user_name", "password"):
        if not given[name]:
            errors[name] = _("Required")
    for name, limit in LIMITS.items():
        if len(given[name]) > limit:
            errors[name] = _("At most %(count)s characters", count=limit)
    return errors


@bp.route("/signin", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page() -> ResponseReturnValue:
    """The sign-in form, and signing in from it."""
    if request.method == "GET":
        target = request.args.get("next", "")
        if malformed_next(target):
            return _form(400, {"user_name": "", "next": ""}, {"form": _("The address to go back to is not valid.")})
        return _form(200, {"user_name": "", "next": target}, {})
    return _submitted()


def _submitted() -> ResponseReturnValue:
    """Errors beside their fields with the user name kept, or a session and off to where the reader was going."""
    given = {name: request.form.get(name, "") for name in (*LIMITS, "next")}
    kept = {"user_name": given["user_name"], "next": given["next"]}
    offered, expected = request.form.get("csrf_token", ""), request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(offered.encode(), expected.encode()):
        return _form(400, kept, {"form": _("The form has expired; please sign in again.")})
    errors = _checked(given)
    if malformed_next(given["next"]):
        errors["form"] = _("The address to go back to is not valid.")
        kept["next"] = ""
    if errors:
        return _form(422, kept, errors)
    outcome = sign_in(given["user_name"], given["password"], given["one_time_code"])
    if outcome is Refusal.THROTTLED:
        return _form(429, kept, {"form": _("Too many failed sign-ins; try again in 15 minutes.")})
    if not isinstance(outcome, OpenedSession):
        return _form(401, kept, {"password": _("Wrong user name, password or one-time code.")})
    g.actor = outcome.caller.user_name
    response = redirect(safe_next(given["next"]), 303)
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/signin")
    return set_session_cookie(response, outcome)


@bp.route("/signout", methods=["POST"], endpoint="sign_out")
def sign_out_page() -> ResponseReturnValue:
    """Sign out (the guard has checked the form's CSRF token) and go back to the sign-in page."""
    return sign_out(redirect(url_for("signin.sign_in"), 303))
