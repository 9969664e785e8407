"""The pages people use: server-rendered with Jinja, Simplified Chinese first, forms that work without JavaScript."""

from __future__ import annotations

from flask import Flask

from web import i18n
from web.pages import (
    audit,
    briefing,
    case_file,
    errors,
    family,
    family_actions,
    home,
    language,
    navigation,
    people,
    reports,
    retention,
    seal,
    signin,
    transition,
)
from web.pages import volunteer as volunteer_page
from web.pages.entries import role_label
from web.pages.form_token import new_token
from web.pages.labels import label_of


def register_pages(app: Flask) -> None:
    """Translations, the page blueprints, and error pages."""
    i18n.install(app)
    app.jinja_env.globals.update(role_label=role_label, label_of=label_of, new_form_token=new_token)
    navigation.install(app)
    for module in (
        signin,
        language,
        home,
        family,
        family_actions,
        briefing,
        volunteer_page,
        people,
        audit,
        reports,
        seal,
        case_file,
        retention,
        transition,
    ):
        app.register_blueprint(module.bp)
    errors.install(app)
