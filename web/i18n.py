"""Languages of the pages: Simplified Chinese first, English; the reader's choice kept in a cookie.

Messages are written in English in the code and templates (``_("…")``) and translated
by the catalogues in ``web/translations/<locale>/LC_MESSAGES/messages.po``. The compiled
``.mo`` files are committed beside them (so that a plain ``pip install .`` has them);
``pybabel compile -d web/translations`` rebuilds them, and a test checks they match.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flask_babel
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.support import NullTranslations, Translations
from flask import Flask, Response, current_app, g, has_request_context, request

from projections.erasure import ERASED_VOLUNTEER

#: Locale -> the language's own name, in the order the switch offers them; the first is the default.
LANGUAGES: dict[str, str] = {"zh_Hans": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_Hans"
LANGUAGE_COOKIE = "peiban_lang"
#: Where the catalogues are (flask-babel finds them as ``translations`` beside the app).
CATALOGUES = Path(__file__).resolve().parent / "translations"
#: What extraction looks for: babel's own keywords and ``NP_``, a plural marked where it is defined.
KEYWORDS = {**DEFAULT_KEYWORDS, "NP_": (1, 2)}


def translations() -> Any:
    """This request's catalogue, looked up once per request (a page asks for thousands of texts, and the
    reader's language does not change within a request)."""
    if not has_request_context():
        return flask_babel.get_translations()
    found = g.get("peiban_translations")
    if found is None:
        found = g.peiban_translations = flask_babel.get_translations()
    return found


def _(text: str, **variables: Any) -> str:
    """``text`` in the reader's language, with ``%(name)s`` placeholders filled from ``variables``."""
    translated = str(translations().ugettext(text))
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """A counted text in the reader's language (``%(num)s`` is the count): 1 entry, 2 entries; 1 条, 2 条."""
    return str(translations().ungettext(singular, plural, num)) % {"num": num, **variables}


def days_ago(days: int) -> str:
    """How long ago, in days, as people say it: today, yesterday, 3 days ago."""
    if days == 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return ngettext("%(num)s day ago", "%(num)s days ago", days)


def N_(text: str) -> str:  # noqa: N802 -- the conventional name extraction tools look for
    """Mark ``text`` for translation where it is defined; it is translated where it is shown."""
    return text


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 -- named like N_
    """Mark a plural (``singular``, ``plural``) for translation where it is defined; counted where it is shown."""
    return singular, plural


@cache
def catalogue(locale: str) -> NullTranslations:
    """One language's catalogue, whatever the request's language (the API and the CLI speak both)."""
    return Translations.load(str(CATALOGUES), [locale])


def in_every_language(*texts: str) -> str:
    """``texts`` as "中文 / English" (several: joined by a dash in each language), read from the catalogues
    outside any request (for the API's documentation)."""
    return " / ".join(" — ".join(str(catalogue(locale).ugettext(t)) for t in texts) for locale in LANGUAGES)


def chosen_language() -> str:
    """The reader's language: their cookie if it names one we speak, else Simplified Chinese."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "") if has_request_context() else ""
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def html_lang() -> str:
    """The language as an HTML ``lang`` attribute (BCP 47: ``zh-Hans``, ``en``)."""
    return chosen_language().replace("_", "-")


def zone() -> ZoneInfo:
    """Where times are shown (Asia/Shanghai unless configured otherwise)."""
    settings = current_app.config["PEIBAN_SETTINGS"]
    return ZoneInfo(settings.timezone)


#: Time zones by the name people use for them.
ZONE_NAMES = {"Asia/Shanghai": N_("Beijing time")}


def zone_name() -> str:
    """The zone times are shown in, as people call it (北京时间), else its IANA name."""
    key = zone().key
    return _(ZONE_NAMES[key]) if key in ZONE_NAMES else key


def local_time(moment: datetime | None) -> str:
    """A moment as local date and time, ``2025-03-01 18:30``."""
    return moment.astimezone(zone()).strftime("%Y-%m-%d %H:%M") if moment else "–"


def zoned_moment(moment: datetime) -> str:
    """A moment in the API's messages: ISO 8601 in the display time zone (``2025-03-01T15:00+08:00``)."""
    return moment.astimezone(zone()).isoformat(timespec="minutes")


def local_date(moment: datetime | date | None) -> str:
    """A moment's local calendar day (or a day as it is), ``2025-03-01``."""
    if moment is None:
        return "–"
    if isinstance(moment, datetime):
        return moment.astimezone(zone()).date().isoformat()
    return moment.isoformat()


def local_date_value(moment: datetime | date) -> date:
    """A moment's local calendar day, as a date (for arithmetic in templates)."""
    return moment.astimezone(zone()).date() if isinstance(moment, datetime) else moment


def bracketed(items: list[str]) -> str:
    """Details in brackets, punctuated for the reader's language: （在家，60 分钟） or (at home, 60 minutes)."""
    if chosen_language() == "zh_Hans":
        return "（" + "，".join(items) + "）"
    return "(" + ", ".join(items) + ")"


#: An erased volunteer, in the reader's language (the views keep ``ERASED_VOLUNTEER``, both languages at once).
ERASED_VOLUNTEER_EN = N_("erased volunteer")


def erased_in_language(response: Response) -> Response:
    """Views keep an erased volunteer's name as one neutral text in both languages (``ERASED_VOLUNTEER``); a page
    shows it in its reader's, wherever it was put together (a name in a sentence, a label in the picture)."""
    if response.mimetype == "text/html" and not response.direct_passthrough and not response.is_streamed:
        page = response.get_data(as_text=True)
        if ERASED_VOLUNTEER in page:
            response.set_data(page.replace(ERASED_VOLUNTEER, translations().ugettext(ERASED_VOLUNTEER_EN)))
    return response


def listed(items: list[str]) -> str:
    """Items joined as the reader's language lists them: 甲、乙 or A, B."""
    return ("、" if chosen_language() == "zh_Hans" else ", ").join(items)


def install(app: Flask) -> None:
    """Translate pages with flask-babel, and give templates the language helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    flask_babel.Babel(app, locale_selector=chosen_language)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda text: translations().ugettext(text),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.after_request(erased_in_language)
    app.jinja_env.filters.update(
        local_time=local_time,
        local_date=local_date,
        local_date_value=local_date_value,
        bracketed=bracketed,
        days_ago=days_ago,
        listed=listed,
    )
    app.jinja_env.globals.update(
        languages=LANGUAGES, chosen_language=chosen_language, html_lang=html_lang, zone_name=zone_name
    )
