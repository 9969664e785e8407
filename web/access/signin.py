"""Signing in and out, shared by the API's session resource and the sign-in page.

A sign-in reserves a try under the sign-in limits (``web.infra.sign_in_limits``), checks the
password (and the one-time code of accounts with a second factor, each code accepted
once), and opens a server-side session whose id lives only in an HttpOnly cookie. The
browser also gets a device cookie, which lets it past an account-wide limit that
guessers elsewhere may have reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import pyotp
from flask import current_app, request
from pyotp.utils import strings_equal
from werkzeug.wrappers import Response

from domain.accounts import Account, AccountNotFound, Accounts, account_id
from web.access.guard import COOKIE, Caller, now
from web.access.passwords import DUMMY_HASH, verify_password
from web.infra.sessions import SessionStore
from web.infra.sign_in_limits import KNOWN_FOR, Attempt, SignInLimits
from web.settings import Settings

#: How long a session cookie lives in the browser (the server ends it earlier when idle).
COOKIE_AGE = 12 * 3600
#: The cookie that makes a browser known to the accounts signed in from it (see web.infra.sign_in_limits).
DEVICE_COOKIE = "peiban_device"


class Refusal(Enum):
    """Why a sign-in was refused."""

    THROTTLED = "throttled"  # too many failures lately: try again later
    WRONG = "wrong"  # wrong user name, password or one-time code (never says which)


@dataclass(frozen=True)
class OpenedSession:
    """A successful sign-in: who, the session id to put in the cookie, and the browser's new device token."""

    caller: Caller
    session_id: str
    device: str


def sign_in(user_name: str, password: str, one_time_code: str = "") -> OpenedSession | Refusal:
    """Check the credentials and open a session; every try counts towards the limits until it succeeds."""
    limits: SignInLimits = current_app.extensions["peiban.limits"]
    sessions: SessionStore = current_app.extensions["peiban.sessions"]
    # The limits count by the account the name resolves to, so every spelling of one name counts as one.
    attempt = Attempt(str(account_id(user_name)), request.remote_addr or "", request.cookies.get(DEVICE_COOKIE, ""))
    reserved = limits.reserve(attempt, now())
    if reserved is None:
        return Refusal.THROTTLED
    account = _account(user_name)
    # Verify against a dummy hash for unknown names too, so that timing tells nothing.
    valid = verify_password(account.password_hash if account else DUMMY_HASH, password)
    if account is None or not valid or account.disabled or not second_factor_holds(account, one_time_code, now()):
        return Refusal.WRONG
    device = limits.succeeded(attempt, reserved, now())
    session_id, session = sessions.open(str(account.id), attempt.address, now())
    volunteer = str(account.volunteer_id) if account.volunteer_id else None
    caller = Caller(
        str(account.id), account.user_name, account.display_name, account.role, volunteer, session.csrf_token
    )
    return OpenedSession(caller, session_id, device)


def _account(user_name: str) -> Account | None:
    accounts: Accounts = current_app.extensions["peiban.accounts"]
    try:
        return accounts.get(user_name)
    except AccountNotFound:
        return None


def second_factor_holds(account: Account, code: str, at: datetime) -> bool:
    """No second factor, or a one-time code of this or a neighbouring time step not accepted before."""
    if not account.totp_secret:
        return True
    totp = pyotp.TOTP(account.totp_secret)
    for offset in (0, -1, 1):  # a step either side, for clock drift (as pyotp's valid_window=1)
        moment = at + timedelta(seconds=offset * totp.interval)
        if strings_equal(code, totp.at(moment)):
            sessions: SessionStore = current_app.extensions["peiban.sessions"]
            return sessions.claim_step(str(account.id), totp.timecode(moment))
    return False


def secure_cookies() -> bool:
    """Whether cookies get ``Secure``: over HTTPS, and always behind a trusted TLS proxy."""
    settings: Settings = current_app.config["PEIBAN_SETTINGS"]
    return request.is_secure or settings.trust_proxy > 0


def set_session_cookie(response: Response, opened: OpenedSession) -> Response:
    """Hand the session id to the browser (HttpOnly, SameSite=Lax, Secure over HTTPS), and its device cookie."""
    secure = secure_cookies()
    response.set_cookie(COOKIE, opened.session_id, httponly=True, samesite="Lax", secure=secure, max_age=COOKIE_AGE)
    device_age = int(KNOWN_FOR.total_seconds())
    response.set_cookie(DEVICE_COOKIE, opened.device, httponly=True, samesite="Lax", secure=secure, max_age=device_age)
    return response


def sign_out(response: Response) -> Response:
    """End the session on the server, so a copied cookie no longer works, and drop the cookie."""
    sessions: SessionStore = current_app.extensions["peiban.sessions"]
    if request.cookies.get(COOKIE):
        sessions.close(request.cookies[COOKIE])
    response.delete_cookie(COOKIE, path="/")
    return response
