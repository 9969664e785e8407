"""Keep the page catalogues in step with the code: ``python -m web.translate``.

    python -m web.translate sync                 # extract, update both catalogues, compile; list what is untranslated
    python -m web.translate add "Log a visit" "记录探访" ["Log a visit"]
    python -m web.translate add --file texts.tsv # lines of: English<TAB>中文[<TAB>English shown]
    python -m web.translate plural "%(num)d item" "%(num)d items" "%(num)d 项"

English is the message id; the English catalogue shows the id itself unless told
otherwise. Every change recompiles the ``.mo`` files (they are committed, so that a
plain install has them). A file lock lets several people (or sessions) add at once.
"""

from __future__ import annotations

import argparse
import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from web.i18n import KEYWORDS

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "web" / "translations"
LOCALES = ("zh_Hans", "en")


@contextmanager
def locked() -> Iterator[None]:
    with (CATALOGUES / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def po_path(locale: str) -> Path:
    return CATALOGUES / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    with po_path(locale).open("rb") as po:
        return read_po(po, locale=locale)


def save(catalog: Catalog, locale: str) -> None:
    with po_path(locale).open("wb") as po:
        write_po(po, catalog, omit_header=False, no_location=True, width=120, include_previous=False)
    with po_path(locale).with_suffix(".mo").open("wb") as mo:
        write_mo(mo, catalog)


def extracted() -> Catalog:
    """Every message the code and templates use (as `pybabel extract -F babel.cfg` finds them)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    template = Catalog(project="Peiban")
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message)  # a plural's id is its (singular, plural)
    return template


def sync() -> dict[str, list[str]]:
    """Update both catalogues to the code's messages (dropping the ones no longer used); the untranslated ids."""
    template = extracted()
    missing: dict[str, list[str]] = {}
    with locked():
        for locale in LOCALES:
            catalog = load(locale)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            save(catalog, locale)
            missing[locale] = sorted(str(m.id) for m in catalog if m.id and not m.string)
    return missing


def add(texts: list[tuple[str, str, str]]) -> None:
    """Translate each (English id, Chinese, English shown) in both catalogues."""
    with locked():
        for locale in LOCALES:
            catalog = load(locale)
            for english, chinese, shown in texts:
                string = chinese if locale == "zh_Hans" else (shown or english)
                if english in catalog:
                    catalog[english].string = string  # add() would keep the old (empty) string
                    catalog[english].flags.discard("fuzzy")
                else:
                    catalog.add(english, string)
            save(catalog, locale)


def add_plural(singular: str, plural: str, chinese: str) -> None:
    """Translate a counted text: Chinese has one form, English the singular and the plural."""
    with locked():
        for locale in LOCALES:
            catalog = load(locale)
            strings = (chinese,) if locale == "zh_Hans" else (singular, plural)
            if (singular, plural) in catalog:
                catalog[(singular, plural)].string = strings
                catalog[(singular, plural)].flags.discard("fuzzy")
            else:
                catalog.add((singular, plural), strings)
            save(catalog, locale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.translate", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sync", help="extract, update both catalogues, compile")
    counted = commands.add_parser("plural", help="translate a counted text")
    counted.add_argument("forms", nargs=3, help="English singular, English plural, Chinese")
    adding = commands.add_parser("add", help="translate texts")
    adding.add_argument("texts", nargs="*", help="English id, Chinese, [English shown]")
    adding.add_argument("--file", type=Path, help="a TSV of English<TAB>中文[<TAB>English shown]")
    args = parser.parse_args(argv)
    if args.command == "add":
        rows = [tuple(args.texts)] if args.texts else []
        if args.file:
            lines = args.file.read_text(encoding="utf-8").splitlines()
            rows += [tuple(line.split("\t")) for line in lines if line.strip()]
        if any(len(row) not in (2, 3) for row in rows):
            parser.error("each text is: English, Chinese, and optionally the English shown")
        add([(r[0], r[1], r[2] if len(r) == 3 else "") for r in rows])
        return 0
    if args.command == "plural":
        add_plural(*args.forms)
        return 0
    missing = sync()
    for locale, ids in missing.items():
        for message in ids:
            print(f"{locale}\tuntranslated\t{message}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
