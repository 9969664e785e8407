"""The main sections in every page's header, each shown only to those who may open it.

To add a section, add a line to ``SECTIONS``: the page's endpoint, its name, and the
action of the policy that opening it takes (the same as its row in ``web.access.routes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request, url_for

from web.access.guard import Caller
from web.access.policy import Action, Scope, may, scope_of
from web.i18n import N_, _


@dataclass(frozen=True)
class Section:
    endpoint: str
    name: str  # an English message id, translated when shown
    action: Action


SECTIONS: tuple[Section, ...] = (
    Section("people.families", N_("Families"), Action.LIST_FAMILIES),
    Section("people.volunteers", N_("Volunteers"), Action.READ_PEOPLE),
    Section("people.cohorts", N_("Cohorts"), Action.READ_PEOPLE),
    Section("report_pages.cohorts", N_("Reports"), Action.READ_REPORTS),
    Section("audit_pages.access_log", N_("Access log"), Action.READ_ACCESS_LOG),
    Section("seal_page.seal", N_("Seal"), Action.READ_SEAL),
    Section("retention_page.retention", N_("Retention"), Action.ERASE),
)


@dataclass(frozen=True)
class Link:
    href: str
    name: str
    current: bool


def sections() -> list[Link]:
    """The sections the signed-in reader may open (none before signing in), the one they are in marked;
    first their home: the continuity dashboard, or a volunteer's own families."""
    caller: Caller | None = g.get("caller")
    if caller is None:
        return []
    home = url_for("home.home")
    start = _("Continuity") if may(caller.role, Action.READ_DASHBOARD) else _("My families")
    links = [Link(home, start, request.path == home)]
    for section in SECTIONS:
        if section.action is Action.LIST_FAMILIES and scope_of(caller.role, section.action) is not Scope.ALL:
            continue  # a volunteer's families are their home page
        if may(caller.role, section.action):
            href = url_for(section.endpoint)
            links.append(Link(href, _(section.name), request.path == href or request.path.startswith(f"{href}/")))
    return links


def install(app: Flask) -> None:
    """Give templates ``sections()``."""
    app.jinja_env.globals.update(sections=sections)
