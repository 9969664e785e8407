"""One limit per text field: the domain declares it (domain.limits), the API's schemas and the page forms
take it from there, and text over it is refused with a field error and kept, never cut."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import marshmallow as ma
import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient

import web.api
import web.pages
import web.schemas
from domain.checks import Checks
from domain.errors import InvalidInput
from domain.facts import FIELDS, check_fields
from domain.family_base import promise_ids
from domain.limits import TEXT_LIMITS, text_limit
from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import day, plan_handover
from tests.web.ui.conftest import browser, handover_scene, open_account, text
from web.pages.forms import TEXTS, Field
from web.schemas.fields import Strict, Whole

#: Input schema fields whose name is not the domain's (the page's correction form says whose reason it is).
DOMAIN_NAME = {"correction_reason": "reason"}
#: Strings that are not texts a person writes into the record: cursors, credentials, codes, searches.
NOT_RECORD_TEXT = {"after", "before", "user_name", "password", "one_time_code", "q"}


def input_schemas() -> Iterator[type[ma.Schema]]:
    """Every schema the API and the pages read requests with."""
    for package in (web.api, web.schemas, web.pages, importlib.import_module("web.pages.family_actions")):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    seen: set[type[ma.Schema]] = set()
    stack = list(ma.Schema.__subclasses__())
    while stack:
        schema = stack.pop()
        stack += schema.__subclasses__()
        if schema not in seen and (issubclass(schema, Strict) or schema.__module__.startswith("web.pages")):
            seen.add(schema)
            yield schema


def strings(schema: type[ma.Schema]) -> Iterator[tuple[str, ma.fields.Field]]:
    """(name, field) of every text a schema takes, a list's items under the list's name."""
    for name, field in schema._declared_fields.items():
        inner = field.inner if isinstance(field, ma.fields.List) else field
        choice = any(isinstance(v, ma.validate.OneOf) for v in inner.validators)
        if isinstance(inner, ma.fields.String) and not isinstance(inner, ma.fields.UUID) and not choice:
            yield name, inner


def most(field: ma.fields.Field) -> int | None:
    return next((v.max for v in field.validators if isinstance(v, ma.validate.Length)), None)


def test_every_schema_text_takes_the_domains_limit_for_its_field() -> None:
    checked, wrong = [], []
    for schema in input_schemas():
        for name, field in strings(schema):
            if name in NOT_RECORD_TEXT:
                continue
            checked.append(f"{schema.__name__}.{name}")
            if most(field) != TEXT_LIMITS.get(DOMAIN_NAME.get(name, name)):
                wrong.append(f"{schema.__name__}.{name}: {most(field)}")
    assert not wrong, "limits not the domain's (domain.limits)"
    assert {"VisitIn.summary", "HandoverIn.letter", "CorrectionForm.correction_reason"} <= set(checked)


def test_every_schema_integer_reads_ascii_digits_only() -> None:
    loose = [
        f"{schema.__name__}.{name}"
        for schema in input_schemas()
        for name, field in schema._declared_fields.items()
        if isinstance(field, ma.fields.Integer) and not isinstance(field, Whole)
    ]
    assert not loose


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_the_domain_holds_each_record_text_to_its_limit(kind: str) -> None:
    for name, spec in FIELDS[kind].items():
        if name not in TEXT_LIMITS:
            continue
        limit = text_limit(name)
        value: Any = ["字" * limit] if name in ("activities", "follow_ups_promised") else "字" * limit
        assert spec.parse(Checks(), value)
        over = Checks()
        spec.parse(over, [value[0] + "字"] if isinstance(value, list) else value + "字")
        with pytest.raises(InvalidInput) as refused:
            over.done()
        assert [p.code for p in refused.value.errors[name]] == ["too_long"]
    assert check_fields  # the same table checks new facts and amendments


def form_fields(app: Flask, client: FlaskClient, paths: list[str]) -> dict[str, list[Field]]:
    """The fields of every form page among ``paths``, as the pages drew them."""
    drawn: dict[str, list[Field]] = {}

    def note(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        form = context.get("form")
        if form is not None and hasattr(form, "fields"):
            drawn.setdefault(context["request"].path, []).extend(form.fields)

    with template_rendered.connected_to(note, app):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert "maxlength" not in text(response), f"{path}: a browser would cut pasted text to fit"
    return drawn


def form_pages(app: Flask) -> list[str]:
    """Every page with a form that records (from the app's own routes), aimed at a family with an open
    handover, concern and follow-up."""
    scene = handover_scene(app)
    api = signed_in(app)
    family = scene.family
    concern = post(api, f"/families/{family}/concerns", {"category": "health", "level": "low", "summary": "咳嗽"})
    follow_up = post(api, f"/families/{family}/follow-ups", {"action": "回访", "due_on": day(7)})
    promising = {"volunteer_ids": [scene.second_lead], "place": "home", "duration_minutes": 30, "summary": "好"}
    promised = post(
        api,
        f"/families/{family}/visits",
        {**promising, "follow_ups_promised": ["带绘本"], "occurred_at": ago(hours=1)},
    )
    ids = {
        "promise_id": promise_ids(UUID(promised["event_id"]), ["带绘本"])[0],
        "family_id": family,
        "volunteer_id": scene.second_lead,
        "concern_id": concern["id"],
        "follow_up_id": follow_up["id"],
        "event_id": scene.amended_visit,
        "handover_id": plan_handover(api, family, scene.second_lead, scene.other_lead, days_ago=1),
        "cohort_id": cohort(api, "2026级"),
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if {"GET", "POST"} <= (rule.methods or set()) and not rule.rule.startswith(("/api", "/signin")):
            paths.append(re.sub(r"<uuid:(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule))
    return paths


def cohort_of(app: Flask) -> str:
    """A cohort's id, for the pages that name one."""
    return cohort(signed_in(app), "2027级")


def test_every_form_field_takes_the_domains_limit_and_no_maxlength(ui_app: Flask) -> None:
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    paths = [p for p in form_pages(ui_app) if client.get(p).status_code != 404]
    drawn = form_fields(ui_app, client, paths)
    # The transition planner is a page of its own (a day and a successor per family): it has no text to limit.
    paths = [p for p in paths if not p.endswith("/transition")]
    assert "maxlength" not in text(client.get(f"/cohorts/{cohort_of(ui_app)}/transition"))
    assert len(drawn) == len(paths) >= 20
    texts = [(path, f) for path, fields in drawn.items() for f in fields if f.kind in TEXTS]
    for path, field in texts:
        domain_name = field.about or field.name
        assert field.limit == TEXT_LIMITS[domain_name], f"{path}: {field.name}"
    names = {f.about or f.name for _, f in texts}
    assert {"summary", "letter", "reason", "resolution", "note", "action", "display_name", "alias", "name"} <= names
