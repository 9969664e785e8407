"""The HTTP API (/api/v1): flask-smorest blueprints, one per resource, with an OpenAPI 3 document."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

from flask import Flask, send_from_directory
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint

from domain import StoreSettings
from web.api import idempotency
from web.api.errors import http_error, register_error_handlers
from web.api.openapi import ApiError, ErrorResponses

PREFIX = "/api/v1"


class PeibanApi(Api):
    """flask-smorest's Api, with every error rendered by ``web.api.errors`` and documented by ``web.api.openapi``."""

    ERROR_SCHEMA = ApiError
    #: Error answers are documented status by status (``ErrorResponses``), not as a catch-all ``default``.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: Any) -> ResponseReturnValue:
        return http_error(error)


def swagger_assets(filename: str) -> ResponseReturnValue:
    """Swagger UI's scripts and styles, served from this machine (no CDN)."""
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


def register_api(app: Flask, settings: StoreSettings, resources: Iterable[ModuleType]) -> Api:
    """Mount the API's ``resources`` (modules with a blueprint ``blp``, in the OpenAPI document's order), its
    OpenAPI document at /api/v1/openapi.json and its docs at /api/v1/docs."""
    app.config.update(
        API_TITLE="Peiban 陪伴 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=f"{PREFIX}/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {"description": "陪伴：义工与家庭的陪伴关系记录 / Peiban: volunteer–family companionship records"}
        },
    )
    api = PeibanApi(app, spec_kwargs={"extra_plugins": [ErrorResponses()]})
    register_error_handlers(app)
    app.add_url_rule(f"{PREFIX}/docs/assets/<path:filename>", "swagger_assets", swagger_assets)
    idempotency.install(app, settings)
    for blueprint in resource_blueprints(resources):
        api.register_blueprint(blueprint, url_prefix=f"{PREFIX}{blueprint.url_prefix or ''}")
    return api


def resource_blueprints(resources: Iterable[ModuleType]) -> list[Blueprint]:
    """Each resource module's blueprint, in the order given."""
    found = [getattr(module, "blp", None) for module in resources]
    assert all(isinstance(b, Blueprint) for b in found), "every API resource module defines a blueprint `blp`"
    return [b for b in found if isinstance(b, Blueprint)]
