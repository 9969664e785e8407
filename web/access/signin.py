"""Signing in and out, shared by the API's session resource and the sign-in page.

A sign-in checks the password (and the one-time code of accounts with a second
factor) against a rate limit per account and per address, and opens a server-side
session whose id lives only in an HttpOnly cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyotp
from flask import current_app, request
from werkzeug.wrappers import Response

from domain.accounts import AccountNotFound, Accounts
from web.access.guard import COOKIE, Caller, now
from web.access.passwords import DUMMY_HASH, verify_password
from web.access.sessions import SessionStore

#: Failed sign-ins allowed within the window, per account and per address.
PER_ACCOUNT, PER_ADDRESS = 5, 20

#: How long a session cookie lives in the browser (the server ends it earlier when idle).
COOKIE_AGE = 12 * 3600


class Refusal(Enum):
    """Why a sign-in was refused."""

    THROTTLED = "throttled"  # too many failures lately: try again later
    WRONG = "wrong"  # wrong user name, password or one-time code (never says which)


@dataclass(frozen=True)
class OpenedSession:
    """A successful sign-in: who, and the session id to put in the cookie."""

    caller: Caller
    session_id: str


def sign_in(user_name: str, password: str, one_time_code: str = "") -> OpenedSession | Refusal:
    """Check the credentials and open a session; failures count towards the rate limit."""
    accounts: Accounts = current_app.extensions["peiban.accounts"]
    sessions: SessionStore = current_app.extensions["peiban.sessions"]
    name = user_name.strip().casefold()
    address = request.remote_addr or ""
    keys = [f"account:{name}", f"address:{address}"]
    if sessions.failures(keys[:1], now()) >= PER_ACCOUNT or sessions.failures(keys[1:], now()) >= PER_ADDRESS:
        return Refusal.THROTTLED
    try:
        account = accounts.get(name)
    except AccountNotFound:
        account = None
    # Verify against a dummy hash for unknown names too, so that timing tells nothing.
    valid = verify_password(account.password_hash if account else DUMMY_HASH, password)
    if valid and account is not None and account.totp_secret:
        valid = pyotp.TOTP(account.totp_secret).verify(one_time_code, valid_window=1)
    if account is None or not valid or account.disabled:
        sessions.failed(keys, now())
        return Refusal.WRONG
    sessions.succeeded(keys[0])
    session_id, session = sessions.open(str(account.id), address, now())
    volunteer = str(account.volunteer_id) if account.volunteer_id else None
    caller = Caller(
        str(account.id), account.user_name, account.display_name, account.role, volunteer, session.csrf_token
    )
    return OpenedSession(caller, session_id)


def set_session_cookie(response: Response, session_id: str) -> Response:
    """Hand the session id to the browser: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        COOKIE, session_id, httponly=True, samesite="Lax", secure=request.is_secure, path="/", max_age=COOKIE_AGE
    )
    return response


def sign_out(response: Response) -> Response:
    """End the session on the server, so a copied cookie no longer works, and drop the cookie."""
    sessions: SessionStore = current_app.extensions["peiban.sessions"]
    if request.cookies.get(COOKIE):
        sessions.close(request.cookies[COOKIE])
    response.delete_cookie(COOKIE, path="/")
    return response
