"""Each field of a record fact is declared once, in its specification (``domain.facts``): the API's
schemas, the page forms and the labels of stored values are derived from it. A schema, form or label
that names a field the specification lacks, or a specified field one of them leaves out, fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import marshmallow as ma
import pytest
from babel.messages.pofile import read_po
from flask import Flask, template_rendered
from flask.testing import FlaskClient

from domain.facts import (
    CONCERN,
    FOLLOW_UP,
    FOLLOW_UP_DONE,
    MESSAGE,
    PROMISE_KEPT,
    PROMISE_LET_GO,
    REFERRAL,
    RESOLUTION,
    SPECS,
    VISIT,
)
from domain.family_base import promise_ids
from domain.field_spec import Choice, Day, FactSpec, FieldSpec, Minutes, Text, Texts, Widget
from domain.limits import TEXT_LIMITS
from tests.web.api.conftest import ago, post, signed_in
from tests.web.api.scenes import day
from tests.web.ui.conftest import browser, handover_scene, open_account
from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.pages.fact_inputs import CORRECTABLE, DRAWN_AS
from web.pages.forms import KINDS, Field
from web.pages.labels import TABLES, table
from web.schemas.fields import Whole
from web.schemas.records import (
    ChangesIn,
    ConcernIn,
    FollowUpDoneIn,
    FollowUpIn,
    MessageIn,
    PromiseKeptIn,
    PromiseLetGoIn,
    ReferralIn,
    ResolutionIn,
    VisitIn,
)

CATALOGUES = Path(__file__).resolve().parents[3] / "web" / "translations"
#: What a request names besides a fact's descriptive fields: when, who was there, what it follows from.
NOT_DESCRIPTIVE = {"occurred_at", "volunteer_ids", "volunteer_id", "concern_id"}
SCHEMAS: dict[type[ma.Schema], FactSpec] = {
    VisitIn: VISIT,
    MessageIn: MESSAGE,
    ConcernIn: CONCERN,
    ResolutionIn: RESOLUTION,
    ReferralIn: REFERRAL,
    FollowUpIn: FOLLOW_UP,
    FollowUpDoneIn: FOLLOW_UP_DONE,
    PromiseKeptIn: PROMISE_KEPT,
    PromiseLetGoIn: PROMISE_LET_GO,
}
#: How each kind of value reads in a schema.
SCHEMA_FIELD = {
    Text: ma.fields.String,
    Texts: ma.fields.List,
    Minutes: Whole,
    Day: ma.fields.Date,
    Choice: ma.fields.Enum,
}


def translated(locale: str) -> dict[str, str]:
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po, locale=locale) if m.id and m.string and not m.fuzzy}


def every_field() -> list[tuple[FactSpec, FieldSpec]]:
    return [(spec, f) for spec in SPECS.values() for f in spec]


def most(field: ma.fields.Field[Any]) -> int | None:
    inner = field.inner if isinstance(field, ma.fields.List) else field
    return next((v.max for v in inner.validators if isinstance(v, ma.validate.Length)), None)


def test_every_record_schema_names_the_specifications_fields_and_no_other() -> None:
    assert set(SCHEMAS.values()) == set(SPECS.values())
    for schema, spec in SCHEMAS.items():
        declared = schema._declared_fields
        assert set(declared) - NOT_DESCRIPTIVE == set(spec.names), schema.__name__
        for f in spec:
            assert isinstance(declared[f.name], SCHEMA_FIELD[type(f.value)]), f"{schema.__name__}.{f.name}"
            assert declared[f.name].required == f.required, f"{schema.__name__}.{f.name}"
    # an amendment takes the amendable fields of every kind, each optional, and nothing else
    amendable = {f.name for spec in SPECS.values() for f in spec.amendable}
    assert set(ChangesIn._declared_fields) == amendable
    assert not any(field.required for field in ChangesIn._declared_fields.values())
    assert {"resolution", "note"}.isdisjoint(amendable)


def test_schema_limits_are_the_domains_limits() -> None:
    texts = [(spec, f) for spec, f in every_field() if f.limit is not None]
    assert {"summary", "activities", "reason", "action", "resolution", "note"} <= {f.name for _, f in texts}
    for spec, f in texts:
        schema = next(s for s, of in SCHEMAS.items() if of is spec)
        assert f.limit == TEXT_LIMITS[f.name]
        assert most(schema._declared_fields[f.name]) == f.limit, f"{schema.__name__}.{f.name}"
        if f.amendable:
            assert most(ChangesIn._declared_fields[f.name]) == f.limit, f"ChangesIn.{f.name}"


def test_every_stored_choice_is_labelled_from_the_specification_in_both_languages() -> None:
    catalogues = {locale: translated(locale) for locale in LANGUAGES}
    choices = {f.name: f.value for _, f in every_field() if isinstance(f.value, Choice)}
    assert set(choices) == {"place", "wellbeing", "direction", "channel", "service_line", "category", "level"}
    for name, choice in choices.items():
        assert TABLES[name] == table(choice), name
        for member in choice.kind:
            for locale, words in catalogues.items():
                assert words.get(choice.label(member)), f"{name}={member.value} has no label in {locale}"
    for _, f in every_field():
        for msgid in filter(None, [f.label, f.hint, f.cleared_hint]):
            for locale, words in catalogues.items():
                assert words.get(msgid), f"{f.name}: {msgid!r} is not translated in {locale}"


def record_forms(app: Flask) -> dict[str, FactSpec]:
    """The page of every form that records or amends a record fact, aimed at a family that has one of each,
    with the specification its fields come from."""
    scene = handover_scene(app)
    api = signed_in(app)
    family = scene.family
    concern = post(api, f"/families/{family}/concerns", {"category": "health", "level": "low", "summary": "咳嗽"})
    follow_up = post(api, f"/families/{family}/follow-ups", {"action": "回访", "due_on": day(7)})
    referral = post(api, f"/families/{family}/referrals", {"service_line": "youth_centre", "reason": "兴趣班"})
    message = {"volunteer_id": scene.second_lead, "direction": "to_family", "channel": "sms", "summary": "好"}
    message_id = post(api, f"/families/{family}/messages", {**message, "occurred_at": ago(hours=2)})
    words = ["带绘本", "问问学校"]
    promising = {"volunteer_ids": [scene.second_lead], "place": "home", "duration_minutes": 30, "summary": "好"}
    promised = post(
        api,
        f"/families/{family}/visits",
        {**promising, "follow_ups_promised": words, "occurred_at": ago(hours=1)},
    )
    kept, let_go = promise_ids(UUID(promised["event_id"]), words)
    at = f"/families/{family}"
    forms = {
        f"{at}/promises/{kept}/kept": PROMISE_KEPT,
        f"{at}/promises/{let_go}/let-go": PROMISE_LET_GO,
        f"{at}/visits/new": VISIT,
        f"{at}/messages/new": MESSAGE,
        f"{at}/concerns/new": CONCERN,
        f"{at}/referrals/new": REFERRAL,
        f"{at}/follow-ups/new": FOLLOW_UP,
        f"{at}/concerns/{concern['id']}/resolve": RESOLUTION,
        f"{at}/follow-ups/{follow_up['id']}/done": FOLLOW_UP_DONE,
    }
    corrected = [scene.amended_visit, message_id["event_id"], concern["id"], referral["id"], follow_up["id"]]
    for event_id, spec in zip(corrected, [VISIT, MESSAGE, CONCERN, REFERRAL, FOLLOW_UP], strict=True):
        forms[f"{at}/entries/{event_id}/correct"] = spec
    return forms


def drawn_fields(app: Flask, client: FlaskClient, path: str) -> list[Field]:
    drawn: list[Field] = []

    def note(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        if context.get("form") is not None:
            drawn.extend(context["form"].fields)

    with template_rendered.connected_to(note, app):
        assert client.get(path).status_code == 200, path
    return drawn


@pytest.mark.parametrize("role", ["coordinator", "social_worker"])
def test_every_record_form_draws_the_specifications_fields_in_both_languages(ui_app: Flask, role: str) -> None:
    open_account(ui_app, role, role)
    forms = record_forms(ui_app)
    cleared = role == "social_worker"
    assert set(DRAWN_AS) == set(Widget) and set(DRAWN_AS.values()) <= KINDS
    for locale in LANGUAGES:
        words = translated(locale)
        client = browser(ui_app, role)
        client.set_cookie(LANGUAGE_COOKIE, locale)
        for path, spec in forms.items():
            correcting = path.endswith("/correct")
            expected = spec.amendable if correcting else list(spec)
            fields = {f.name: f for f in drawn_fields(ui_app, client, path)}
            named = set(fields) - NOT_DESCRIPTIVE - {"correction", "correction_reason"}
            assert named == {f.name for f in expected}, path
            for f in expected:
                drawn = fields[f.name]
                assert drawn.kind == DRAWN_AS[f.widget], f"{path}: {f.name}"
                assert drawn.label == words[f.label], f"{path}: {f.name} in {locale}"
                hint = f.cleared_hint if f.cleared_hint and cleared else f.hint
                assert drawn.hint == (words[hint] if hint else ""), f"{path}: {f.name} hint in {locale}"
                assert drawn.required == (f.required and not correcting), f"{path}: {f.name}"
                assert drawn.limit == f.limit, f"{path}: {f.name}: the form's limit is the domain's"
                if isinstance(f.value, Choice):
                    offered = [m for m in f.value.kind if cleared or m not in f.value.sensitive]
                    labels = [(str(m.value), words[f.value.label(m)]) for m in offered]
                    assert drawn.choices == labels, f"{path}: {f.name} choices in {locale}"
    assert {spec.kind for spec in forms.values()} == set(SPECS)
    assert {spec.kind for path, spec in forms.items() if path.endswith("/correct")} == {
        s.kind for s in CORRECTABLE.values()
    }
