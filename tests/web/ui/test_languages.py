"""Every user-facing text is translated in both catalogues; the reader picks the language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from tests.web.ui.conftest import text
from web.i18n import KEYWORDS, LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
CATALOGUES = ROOT / "web" / "translations"


def extracted() -> set[str | tuple[str, str]]:
    """Every message id in the code and templates, found as `pybabel extract -F babel.cfg -k NP_:1,2` finds
    them (a plural's id is its singular and plural)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    return {message if isinstance(message, str) else tuple(message) for _, _, message, _, _ in found}


def catalogue(locale: str) -> Catalog:
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def test_the_code_and_templates_have_texts_to_translate() -> None:
    assert {"Sign in", "Continuity", "Timeline"} <= extracted()


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_every_text_is_translated_and_no_translation_is_stale(locale: str) -> None:
    ids = extracted()
    messages = {m.id: m for m in catalogue(locale) if m.id}
    untranslated = sorted(i for i in ids if i not in messages or not messages[i].string or messages[i].fuzzy)
    assert not untranslated, f"untranslated in {locale}: {untranslated}"
    assert not sorted(set(messages) - ids), f"{locale} translates texts the code no longer has"


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_the_compiled_catalogue_matches_its_source(locale: str) -> None:
    """The committed .mo is what `pybabel compile -d web/translations` makes of the .po."""
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = {hashable(m.id): hashable(m.string) for m in read_mo(mo) if m.id}
    assert compiled == {hashable(m.id): hashable(m.string) for m in catalogue(locale) if m.id}


def hashable(text: Any) -> Any:
    """A plural's forms (a list in a compiled catalogue) as a tuple, as its source has them."""
    return tuple(text) if isinstance(text, list) else text


def test_pages_speak_simplified_chinese_until_the_reader_picks_english(ui_app: Flask) -> None:
    client = ui_app.test_client()
    # by default
    page = text(client.get("/signin"))
    assert 'lang="zh-Hans"' in page and "<h1>登录</h1>" in page
    assert 'href="/language/en?next=/signin">English</a>' in page
    # after choosing English: kept in a cookie, and back to the same page
    switched = client.get("/language/en?next=/signin")
    assert (switched.status_code, switched.headers["Location"]) == (303, "/signin")
    page = text(client.get("/signin"))
    assert 'lang="en"' in page and "<h1>Sign in</h1>" in page and ">简体中文</a>" in page
    # a language we do not speak is not a page
    assert client.get("/language/fr").status_code == 404


@pytest.mark.parametrize(
    ("locale", "forms"), [("en", "nplurals=2; plural=(n != 1);"), ("zh_Hans", "nplurals=1; plural=0;")]
)
def test_each_catalogue_declares_its_plural_forms(locale: str, forms: str) -> None:
    """A header cut short (a merge once left a blank line in it) loses the plural rule: Chinese would pick an
    English plural form that it does not have."""
    assert catalogue(locale).plural_forms == forms
