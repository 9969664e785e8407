"""The Flask app factory: nothing is built at import time."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.middleware.proxy_fix import ProxyFix

from domain import Peiban
from projections.departures import departure_policy
from projections.read_models import ReadModels
from web.access import guard
from web.api import (
    access,
    assignments,
    briefing,
    case_file,
    caseload,
    cohorts,
    corrections,
    dashboard,
    erasure,
    events,
    families,
    handovers,
    promises,
    records,
    register_api,
    reports,
    seal,
    session,
    timeline,
    transition,
    volunteers,
)
from web.api.body import StrictJSONProvider
from web.infra.keys import open_keys
from web.infra.sign_in_limits import SignInLimits
from web.infra.stores import access_log, open_accounts, open_application, open_audit, open_seal, open_sessions
from web.infra.volunteer_erasure import Stores, finish_interrupted
from web.pages import register_pages
from web.request import StrictRequest
from web.settings import Settings, from_environment

#: The API's resources, each a module with a blueprint ``blp``, registered in this order (the OpenAPI
#: document's); the pages' blueprints are listed in ``web.pages.register_pages``.
API_RESOURCES = (
    access,
    assignments,
    briefing,
    case_file,
    caseload,
    cohorts,
    corrections,
    dashboard,
    erasure,
    events,
    families,
    handovers,
    promises,
    records,
    reports,
    seal,
    session,
    timeline,
    transition,
    volunteers,
)


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app on the configured store, with one Peiban application per process."""
    settings = settings or from_environment()
    app = Flask(__name__)
    app.request_class = StrictRequest
    app.json = StrictJSONProvider(app)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        PEIBAN_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    if test_config:
        app.config.from_mapping(test_config)
    keys = open_keys(settings)
    try:
        peiban = open_application(settings, keys)
        audit = open_audit(settings, keys)
        accounts = open_accounts(settings, keys)
    except Exception:
        keys.close()
        raise
    sessions = open_sessions(settings)
    app.extensions.update(
        {
            "peiban": peiban,
            "peiban.read_models": ReadModels(peiban, settings.store),
            "peiban.keys": keys,
            "peiban.accounts": accounts,
            "peiban.sessions": sessions,
            "peiban.limits": SignInLimits(sessions.db),
            "peiban.audit": audit,
            "peiban.access_log": access_log(settings, audit),
            "peiban.seal": open_seal(settings, peiban),
            "peiban.departures": departure_policy(peiban, settings.store),
        }
    )
    follow(app, "peiban.departures", "ending the assignments of departed volunteers")
    register_api(app, settings.store, API_RESOURCES)
    ext = app.extensions
    stores = Stores(
        peiban,
        ext["peiban.read_models"],
        accounts,
        audit,
        ext["peiban.access_log"],
        sessions,
        ext["peiban.idempotency"],
        settings,
    )
    for record in finish_interrupted(stores):  # a crash between an erasure's fact and its key's destruction
        app.logger.warning("已完成中断的删除 / finished an interrupted erasure: %s", record)
    register_pages(app)
    guard.install(app)
    app.after_request(security_headers)
    app.after_request(settle_new_facts)
    app.add_url_rule("/healthz", "health", health)
    if settings.trust_proxy:
        # Behind N proxies, take the client's address, scheme, host and port from the headers each appended;
        # without this option (the default) those headers are ignored, so nobody can forge their address.
        n = settings.trust_proxy
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    return app


def application() -> Peiban:
    """This process's Peiban application."""
    peiban = current_app.extensions["peiban"]
    assert isinstance(peiban, Peiban)
    return peiban


def health() -> ResponseReturnValue:
    """Liveness for monitoring: the log answers. Nothing else (anyone may ask): no version, counts or paths."""
    application().log_position()
    return jsonify(status="ok")


def security_headers(response: Response) -> Response:
    """No framing, no sniffing, no referrer leaks, no inline script; family data never cached."""
    docs = request.path.startswith("/api/v1/docs")
    script = "'self' 'unsafe-inline'" if docs else "'self'"  # Swagger UI's page starts itself inline
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
        " frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["PEIBAN_SETTINGS"].trust_proxy:  # served over HTTPS by the proxy: browsers must stay there
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith(("/static/", "/api/v1/docs/assets/")):
        response.headers["Cache-Control"] = "no-store"
    return response


#: The followers that must see a request's new facts before it is answered: the departure policy first (it may
#: record facts of its own), then the seal.
FOLLOWERS = (
    ("peiban.departures", "ending the assignments of departed volunteers"),
    ("peiban.seal", "sealing new facts"),
)


def settle_new_facts(response: Response) -> Response:
    """After a request that may have recorded facts: end what a departure ends (so that the next read shows the
    family without the volunteer), then chain every new fact into the seal at once (the sooner a fact is
    sealed, the shorter the time anyone could alter it unseen). A failure here loses nothing (the next
    request or ``peiban project`` catches up) and does not undo the answer: the facts are already recorded."""
    if request.method != "GET" and response.status_code < 400:
        for name, what in FOLLOWERS:
            follow(current_app, name, what)
    return response


def follow(app: Flask, name: str, what: str) -> None:
    """Let the follower ``name`` catch up with the log; a failure is logged, and retried on the next write."""
    try:
        app.extensions[name].catch_up()
    except Exception:
        app.logger.exception("%s failed; it is retried after the next change, or by `peiban project`", what)


def shutdown(app: Flask) -> None:
    """Close every store the app opened (tests, and servers that stop cleanly)."""
    ext = app.extensions
    ext["peiban.read_models"].close()
    ext["peiban.access_log"].db.close()
    ext["peiban.sessions"].db.close()
    ext["peiban.seal"].db.close()
    ext["peiban.departures"].db.close()
    if "peiban.idempotency" in ext:
        ext["peiban.idempotency"].db.close()
    for name in ("peiban", "peiban.accounts", "peiban.audit"):
        ext[name].close()
    ext["peiban.keys"].close()
