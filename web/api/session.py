"""Signing in and out: a server-side session in an HttpOnly cookie, with a CSRF token for writes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g, make_response
from flask.views import MethodView
from flask_smorest import abort

from web.access.guard import Caller, authenticate
from web.access.signin import OpenedSession, Refusal, set_session_cookie, sign_in, sign_out
from web.api.common import Blueprint
from web.schemas.fields import Strict

blp = Blueprint("session", __name__, url_prefix="/session", description="登录 / Sign-in")


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
        outcome = sign_in(given["user_name"], given["password"], given["one_time_code"])
        if outcome is Refusal.THROTTLED:
            abort(429, message="登录失败次数过多，请 15 分钟后再试 / Too many failed sign-ins; try again in 15 minutes")
        if not isinstance(outcome, OpenedSession):
            abort(401, message="用户名、密码或验证码不对 / Wrong user name, password or one-time code")
        assert isinstance(outcome, OpenedSession)
        g.actor = outcome.caller.user_name
        response = make_response(SignedIn().dump(_signed_in(outcome.caller)), 200)
        return set_session_cookie(response, outcome)

    @blp.response(204)
    def delete(self) -> Any:
        """Sign out: the session ends on the server, so a copied cookie no longer works / 退出登录"""
        return sign_out(make_response("", 204))
