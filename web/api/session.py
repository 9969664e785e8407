"""Signing in and out: a server-side session in an HttpOnly cookie, with a CSRF token for writes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pyotp
from flask import current_app, g, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from domain.accounts import AccountNotFound, Accounts
from web.access.guard import COOKIE, Caller, authenticate, now
from web.access.passwords import DUMMY_HASH, verify_password
from web.access.sessions import SessionStore
from web.api.common import Strict

blp = Blueprint("session", __name__, url_prefix="/session", description="登录 / Sign-in")

#: Failed sign-ins allowed within the window, per account and per address.
PER_ACCOUNT, PER_ADDRESS = 5, 20


class SignIn(Strict):
    user_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200), load_only=True)
    one_time_code = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=10), metadata={"description": "两步验证码 / TOTP code"}
    )


class SignedIn(ma.Schema):
    user_name = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.String()
    volunteer_id = ma.fields.String(allow_none=True)
    csrf_token = ma.fields.String(allow_none=True, metadata={"description": "send as X-CSRF-Token on writes"})


def _signed_in(caller: Caller) -> dict[str, Any]:
    return {
        "user_name": caller.user_name,
        "display_name": caller.display_name,
        "role": caller.role.value,
        "volunteer_id": caller.volunteer_id,
        "csrf_token": caller.csrf_token,
    }


@blp.route("")
class Session(MethodView):
    @blp.response(200, SignedIn)
    def get(self) -> dict[str, Any]:
        """Who is signed in / 当前登录的用户"""
        caller = authenticate()
        if caller is None:
            abort(401, message="请先登录 / Please sign in")
        assert caller is not None
        return _signed_in(caller)

    @blp.arguments(SignIn)
    @blp.response(200, SignedIn)
    def post(self, given: dict[str, str]) -> Any:
        """Sign in with user name and password / 登录"""
        accounts: Accounts = current_app.extensions["peiban.accounts"]
        sessions: SessionStore = current_app.extensions["peiban.sessions"]
        name = given["user_name"].strip().casefold()
        address = request.remote_addr or ""
        keys = [f"account:{name}", f"address:{address}"]
        if sessions.failures(keys[:1], now()) >= PER_ACCOUNT or sessions.failures(keys[1:], now()) >= PER_ADDRESS:
            abort(429, message="登录失败次数过多，请 15 分钟后再试 / Too many failed sign-ins; try again in 15 minutes")
        try:
            account = accounts.get(name)
        except AccountNotFound:
            account = None
        valid = verify_password(account.password_hash if account else DUMMY_HASH, given["password"])
        if valid and account is not None and account.totp_secret:
            valid = pyotp.TOTP(account.totp_secret).verify(given["one_time_code"], valid_window=1)
        if account is None or not valid or account.disabled:
            sessions.failed(keys, now())
            abort(401, message="用户名、密码或验证码不对 / Wrong user name, password or one-time code")
        assert account is not None
        sessions.succeeded(keys[0])
        session_id, session = sessions.open(str(account.id), address, now())
        volunteer = str(account.volunteer_id) if account.volunteer_id else None
        caller = Caller(
            str(account.id), account.user_name, account.display_name, account.role, volunteer, session.csrf_token
        )
        g.actor = caller.user_name
        response = make_response(SignedIn().dump(_signed_in(caller)), 200)
        response.set_cookie(
            COOKIE,
            session_id,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
            path="/",
            max_age=12 * 3600,
        )
        return response

    @blp.response(204)
    def delete(self) -> Any:
        """Sign out: the session ends on the server, so a copied cookie no longer works / 退出登录"""
        sessions: SessionStore = current_app.extensions["peiban.sessions"]
        if request.cookies.get(COOKIE):
            sessions.close(request.cookies[COOKIE])
        response = make_response("", 204)
        response.delete_cookie(COOKIE, path="/")
        return response
