"""How the guard says no: in the API's JSON shape under /api/, as a page everywhere else.

Pages answer an anonymous visitor with the sign-in page (remembering where they were
going), and a family outside the reader's scope with the very page a family that does
not exist gets, so that nobody learns which families exist.
"""

from __future__ import annotations

from enum import Enum
from http import HTTPStatus
from typing import Any, cast

from flask import Response, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as AnyResponse

from web.i18n import N_, _


def payload(status: int, message: str, errors: dict[str, Any] | None = None, reason: str = "") -> dict[str, Any]:
    """The API's one JSON error shape (see web.api.errors): HTTP code and status, message, field errors, reason."""
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    body["errors"] = errors or {}
    body["error"] = reason or HTTPStatus(status).phrase.lower().replace(" ", "_")
    return body


class Refused(Enum):
    """(status, Chinese, English, stable reason) of each refusal."""

    UNAUTHENTICATED = (401, "请先登录", "Please sign in", "unauthenticated")
    CSRF = (400, "缺少或错误的 CSRF 令牌", "Missing or wrong CSRF token", "csrf")
    FORBIDDEN = (403, "没有权限进行这个操作", "You may not do this", "forbidden")
    FAMILY_NOT_FOUND = (404, "未找到该家庭", "Family not found", "family_not_found")
    VOLUNTEER_NOT_FOUND = (404, "未找到该义工", "Volunteer not found", "volunteer_not_found")


#: What a page says for each status: a title and a sentence (English msgids, translated when shown).
PAGE_TEXT: dict[int, tuple[str, str]] = {
    400: (N_("The form has expired"), N_("Please go back, reload the page and try again.")),
    403: (N_("Not allowed"), N_("Your account may not open this page.")),
    404: (N_("Not found"), N_("There is nothing here, or you may not see it.")),
    410: (N_("Erased"), N_("This record was erased.")),
    405: (N_("Not allowed"), N_("This page cannot be used this way.")),
    422: (N_("Not understood"), N_("Please check what was typed and try again.")),
    413: (N_("Too much at once"), N_("What was sent is too large; please send less at a time.")),
    429: (N_("Too many attempts"), N_("Please wait a few minutes and try again.")),
    500: (N_("Something went wrong"), N_("Please try again later.")),
}


def is_page_request() -> bool:
    """Whether the request is for a page (not for the API)."""
    return not request.path.startswith("/api/")


def error_page(status: int, *, sentence: str | None = None) -> Response:
    """A page telling the reader what went wrong, with the status's own code (and ``sentence``, if given)."""
    title, told = PAGE_TEXT.get(status, PAGE_TEXT[500] if status >= 500 else PAGE_TEXT[404])
    body = render_template("refusal.html", status=status, title=_(title), sentence=sentence or _(told))
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def sign_in_first() -> AnyResponse:
    """Off to the sign-in page, which brings the reader back here afterwards."""
    target = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("signin.sign_in", next=target.rstrip("?")), 302)


def refuse(refused: Refused) -> AnyResponse:
    """The answer to a refused request, as the API or a page gives it."""
    status, zh, en, reason = refused.value
    if is_page_request():
        return sign_in_first() if refused is Refused.UNAUTHENTICATED else error_page(status)
    # Rendered exactly as the API renders its own errors, byte for byte: a refusal that stands in
    # for "not found" must not be told apart from the real thing.
    response = current_app.json.response(payload(status, f"{zh} / {en}", {}, reason))
    response.status_code = status
    return cast(AnyResponse, response)
