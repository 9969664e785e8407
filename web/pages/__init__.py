"""The pages people use: server-rendered with Jinja, Simplified Chinese first, forms that work without JavaScript."""

from __future__ import annotations

from flask import Flask

from web import i18n
from web.pages import errors, family, home, language, signin
from web.pages.entries import role_label


def register_pages(app: Flask) -> None:
    """Translations, the page blueprints, and error pages."""
    i18n.install(app)
    app.jinja_env.globals.update(role_label=role_label)
    for module in (signin, language, home, family):
        app.register_blueprint(module.bp)
    errors.install(app)
