"""Forms that record something: read what was typed, check it with the API's own schema, run the
command, and either move on or show the form again with every error beside its field.

A form is a list of ``Field`` (what the person sees) over an API input schema (what the
command takes): the field names are the schema's, so the schema's and the domain's
field-level errors land beside the right input. Times typed into a form are local
(Asia/Shanghai unless configured) and become aware datetimes here. A rejected form keeps
everything typed and records nothing: the command never ran, or it raised before saving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import g, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from domain import Actor, DomainError, InvalidInput
from domain.limits import text_limit
from web.api.errors import MESSAGES_ZH, status_of
from web.i18n import _, chosen_language, local_time, zone
from web.messages import message
from web.pages.form_token import new_token, once, sent_token

#: How an input is drawn and read: text, textarea, lines (a textarea, one item a line), datetime
#: (local date and time), date, integer, select, radio, checkboxes (several values), yes_no.
KINDS = frozenset(
    {"text", "textarea", "lines", "datetime", "date", "integer", "select", "radio", "checkboxes", "yes_no"}
)
#: The kinds a person types text into.
TEXTS = frozenset({"text", "textarea", "lines"})
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
EARLIEST_YEAR = 1900
#: Beside a date-and-time input, the value the form showed: sent back unchanged, it means "now".
SHOWN = "__shown"


@dataclass(frozen=True)
class Field:
    """One input of a form: its schema field name, its label (already translated), and how it is drawn."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    #: Shown before anything is typed (a raw form value, or a list of them for checkboxes).
    default: Any = None
    #: The domain's name for what the input holds, where the input's own name differs (``household-0-alias``).
    about: str = ""
    #: The most characters the input takes, where a specification declares it (else found by ``about``/``name``).
    chars: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")

    @property
    def limit(self) -> int | None:
        """The most characters a text input takes (of a ``lines`` input: each line), as the domain declares it
        for what the input holds. Drawn as a hint, never as ``maxlength``: a browser cuts pasted text to fit
        one, and the text is saved mid-sentence; over the limit, the form is refused and keeps the text."""
        if self.kind not in TEXTS:
            return None
        return self.chars or text_limit(self.about or self.name)


@dataclass
class Filled:
    """A form as the person left it: the raw values (kept on errors) and the errors by field ("form": the whole)."""

    fields: list[Field]
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    #: The answer's status: 200 until refused (422 for a field, else what the domain error maps to).
    status: int = 200
    #: The one-time token the form is sent with (see ``web.pages.form_token``); kept when shown again.
    token: str = field(default_factory=new_token)

    @property
    def ok(self) -> bool:
        return not self.errors


def blank(fields: list[Field]) -> Filled:
    """A form before anything is typed: the defaults."""
    values = {f.name: f.default if f.default is not None else ([] if f.kind == "checkboxes" else "") for f in fields}
    return Filled(fields, values)


def raw_values(fields: list[Field], form: MultiDict[str, str]) -> dict[str, Any]:
    """What was typed, as typed (to show again), and what each date-and-time input first showed."""
    values = {f.name: form.getlist(f.name) if f.kind == "checkboxes" else form.get(f.name, "") for f in fields}
    values |= {f"{f.name}{SHOWN}": form.get(f"{f.name}{SHOWN}", "") for f in fields if f.kind == "datetime"}
    return values


def _converted(f: Field, raw: Any, errors: dict[str, str], untouched: bool = False) -> Any:
    """A raw value as the schema takes it; ``None`` for an empty input (left out, so "required" applies)."""
    if f.kind == "checkboxes":
        return list(raw) or None
    text = str(raw).strip().replace("\r\n", "\n")
    if not text:
        return None
    if f.kind == "lines":
        return [line.strip() for line in text.split("\n") if line.strip()]
    if f.kind == "datetime":
        try:
            typed = datetime.strptime(text, LOCAL_MINUTE).replace(tzinfo=zone())
        except ValueError:
            errors[f.name] = _("Enter a date and time, like 2025-03-01 18:30.")
            return None
        if not EARLIEST_YEAR <= typed.year <= datetime.now(tz=zone()).year + 1:
            errors[f.name] = _("Enter a date and time, like 2025-03-01 18:30.")
            return None
        # A time left as the form showed it means "now": the moment the form is sent, not the minute it was
        # opened (which may fall before something recorded since, or seconds before).
        return (datetime.now(tz=zone()) if untouched else typed).isoformat()
    if f.kind == "integer":  # ASCII digits only (a minus allowed), not absurdly many; anything else the schema refuses
        digits = text.removeprefix("-")
        return int(text) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else text
    if f.kind == "yes_no":
        return {"yes": True, "no": False}.get(text, text)
    return text


def read(fields: list[Field], form: MultiDict[str, str], schema: ma.Schema) -> tuple[Filled, dict[str, Any]]:
    """The form checked by ``schema``: (the form with its errors, the loaded values for the command)."""
    filled = Filled(fields, raw_values(fields, form), token=sent_token(form) or new_token())
    given: dict[str, Any] = {}
    for f in fields:
        untouched = f.kind == "datetime" and filled.values.get(f"{f.name}{SHOWN}") == filled.values[f.name]
        value = _converted(f, filled.values[f.name], filled.errors, untouched)
        if value is not None:
            given[f.name] = value
        elif f.required and f.kind == "datetime":  # an emptied time is not "now" (the API's default)
            filled.errors.setdefault(f.name, _("Required"))
    loaded: dict[str, Any] = {}
    try:
        loaded = schema.load(given)
    except ma.ValidationError as invalid:
        for name, messages in flat_messages(invalid.messages).items():
            filled.errors.setdefault(name if name in filled.values else "form", page_message(messages[0]))
    if filled.errors:
        filled.status = 422
        return filled, {}
    return filled, loaded


def flat_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field": [...]}; an item's message goes to its list field."""
    if isinstance(messages, list):
        return {prefix or "form": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in (messages or {}).items():
        name = prefix or str(key)
        if key == "_schema":
            name = prefix or "form"
        for inner, found in flat_messages(value, name).items():
            flat.setdefault(inner, []).extend(found)
    return flat


def page_message(message: str) -> str:
    """A validation message in the reader's language: "中文 / English" texts are split, marshmallow's
    English ones given their Chinese reading."""
    zh_first = chosen_language() == "zh_Hans"
    if " / " in message:
        zh, _sep, en = message.partition(" / ")
        return zh if zh_first else en
    if message == "Missing data for required field.":
        return _("Required")
    if zh_first:
        for pattern, zh in MESSAGES_ZH:
            if pattern.match(message):
                return pattern.sub(zh, message)
    return message


def domain_message(error: DomainError) -> str:
    """A domain error in the reader's language, its moments in local time (as the reader typed them)."""
    return message(error, chosen_language(), local_time)


def run(filled: Filled, command: Callable[[], Any], renamed: dict[str, str] | None = None) -> Any:
    """Run ``command`` for a checked form; its domain errors become the form's errors (None returned)."""
    try:
        return command()
    except InvalidInput as invalid:
        for domain_name, problems in invalid.errors.items():
            name = (renamed or {}).get(domain_name, domain_name.partition(".")[0])
            shown = message(problems[0], chosen_language(), local_time)
            filled.errors.setdefault(name if name in filled.values else "form", shown)
        filled.errors.setdefault("form", domain_message(invalid))
        filled.status = int(status_of(invalid))
    except DomainError as refused:
        filled.errors["form"] = domain_message(refused)
        filled.status = int(status_of(refused))
    return None


def actor() -> Actor:
    """Who records: the signed-in user."""
    return Actor(str(g.get("actor", "web")))


def local_now() -> str:
    """Now, as a datetime input shows it."""
    return datetime.now(tz=zone()).strftime(LOCAL_MINUTE)


def form_page(
    fields: list[Field],
    schema: ma.Schema,
    record: Callable[[dict[str, Any]], Any],
    done: Callable[[dict[str, Any], Any], ResponseReturnValue],
    *,
    renamed: dict[str, str] | None = None,
    **page: Any,
) -> ResponseReturnValue:
    """A page with a form that records: GET shows it empty; POST checks it with ``schema``, runs
    ``record(loaded)`` and answers ``done(loaded, result)``, or shows the form again with its errors
    (and nothing recorded); sent again with the same token, it records nothing (``form_token.once``).
    ``page`` is what ``render_form`` shows around the form."""
    if request.method == "GET":
        return render_form(blank(fields), **page)

    def send() -> ResponseReturnValue:
        filled, loaded = read(fields, request.form, schema)
        if filled.ok:
            result = run(filled, lambda: record(loaded), renamed)
            if filled.ok:
                return done(loaded, result)
        return render_form(filled, **page)

    return once(send)


def render_form(
    filled: Filled,
    *,
    title: str,
    submit: str,
    intro: str = "",
    cancel: str = "",
    context: Iterable[tuple[str, str]] = (),
    template: str = "form.html",
    **extra: Any,
) -> tuple[str, int]:
    """The form page with its errors; a rejected form answers 422 (a field) or 409/404 (the record refused it)."""
    page = render_template(
        template,
        form=filled,
        title=title,
        submit=submit,
        intro=intro,
        cancel=cancel,
        context=list(context),
        **extra,
    )
    return page, filled.status
