"""The Flask app factory: nothing is built at import time."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from domain import Peiban
from projections.read_models import ReadModels
from web.api import register_api
from web.config import Settings, from_environment
from web.store import open_application


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app on the configured store, with one Peiban application per process."""
    settings = settings or from_environment()
    app = Flask(__name__)
    app.config.from_mapping(SECRET_KEY=settings.secret_key or secrets.token_hex(32), PEIBAN_SETTINGS=settings)
    if test_config:
        app.config.from_mapping(test_config)
    peiban = open_application(settings)
    app.extensions["peiban"] = peiban
    app.extensions["peiban.read_models"] = ReadModels(peiban, settings.store)
    register_api(app, settings.store)
    app.add_url_rule("/", "home", home)
    app.add_url_rule("/healthz", "health", health)
    return app


def application() -> Peiban:
    """This process's Peiban application."""
    peiban = current_app.extensions["peiban"]
    assert isinstance(peiban, Peiban)
    return peiban


def home() -> ResponseReturnValue:
    """The front page: what Peiban is, and how much it holds."""
    return render_template("home.html", facts=application().log_position())


def health() -> ResponseReturnValue:
    """Liveness and the log position, for monitoring."""
    return jsonify(status="ok", facts=application().log_position())
