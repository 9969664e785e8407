"""Errors on pages are pages: the API keeps its JSON answers, everything else gets a page in the reader's language."""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from domain import DomainError
from domain.errors import RecordErased
from web.access.refusals import error_page, is_page_request
from web.api.errors import domain_error, http_error, status_of
from web.pages.forms import domain_message


def page_or_api_http_error(error: HTTPException) -> ResponseReturnValue:
    """An HTTP error (an unknown page, a wrong method) as a page, or as the API's JSON."""
    return error_page(error.code or 500) if is_page_request() else http_error(error)


def page_or_api_domain_error(error: DomainError) -> ResponseReturnValue:
    """A domain error (a family that does not exist) as a page, or as the API's JSON."""
    if not is_page_request():
        return domain_error(error)
    if isinstance(error, RecordErased):  # the tombstone: when and why, in the reader's language
        return error_page(int(status_of(error)), sentence=domain_message(error))
    return error_page(int(status_of(error)))


def install(app: Flask) -> None:
    """Registered after the API's handlers, so these decide (and hand API requests back to them)."""
    app.register_error_handler(HTTPException, page_or_api_http_error)
    app.register_error_handler(DomainError, page_or_api_domain_error)
