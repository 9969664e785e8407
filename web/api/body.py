"""Reading a JSON request body strictly, once, at the edge.

Python's ``json`` takes what no field of Peiban can use and what breaks later layers:
lone surrogates (``"\\ud800"``, which no store can encode), numbers with thousands of
digits (beyond the interpreter's int-string limit), ``NaN`` and ``Infinity``, and nesting
deep enough to exhaust the recursion limit. Here a body is refused before any schema or
guard sees it: a whole body that cannot be read answers 400, a value that is bad where it
stands answers 422 on that field (``household.0.alias``), in the API's one error shape.
Flask's own ``request.get_json`` and flask-smorest's argument parser both read through here.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from domain.checks import has_bad_character

#: Deeper than any request Peiban documents (an enrolment is three levels deep).
DEEPEST = 16
#: More digits than any whole number Peiban takes (a year, minutes, a page size).
MOST_DIGITS = 18
BAD_CHARACTER = "含有无效字符 / contains an invalid character"
TOO_BIG = "数字太大 / number too large"


class UnreadableBody(ValueError):
    """A body that is not strict JSON: ``errors`` maps each bad field to its messages (empty: the whole body)."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class _Huge:
    """Stands for a number with too many digits until the walk finds where it was."""


def _whole(digits: str) -> Any:
    return _Huge() if len(digits.lstrip("-")) > MOST_DIGITS else int(digits)


def _constant(name: str) -> Any:
    raise UnreadableBody(f"{name} is not JSON")


def loads(data: str | bytes) -> Any:
    """The value of a strict JSON text; raises ``UnreadableBody``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text, parse_int=_whole, parse_constant=_constant)
    except RecursionError:
        raise UnreadableBody("nested too deeply") from None
    except UnicodeDecodeError:
        raise UnreadableBody("not UTF-8") from None
    except UnreadableBody:
        raise
    except ValueError as error:
        raise UnreadableBody(f"not JSON: {error}") from None
    _walk(value)
    return value


def _walk(value: Any) -> None:
    """Refuse nesting beyond ``DEEPEST``, and name every bad value by its path (without recursion)."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) > DEEPEST:
            raise UnreadableBody("nested too deeply")
        where = ".".join(path) or "_schema"
        if isinstance(item, str) and has_bad_character(item):
            errors[where] = [BAD_CHARACTER]
        elif isinstance(item, _Huge):
            errors[where] = [TOO_BIG]
        elif isinstance(item, list):
            stack.extend((inner, (*path, str(i))) for i, inner in enumerate(item))
        elif isinstance(item, dict):
            for key, inner in item.items():
                if has_bad_character(key):
                    errors[where] = [BAD_CHARACTER]
                else:
                    stack.append((inner, (*path, key)))
    if errors:
        raise UnreadableBody("bad values", errors)


def refuse(error: UnreadableBody) -> None:
    """Answer the API's error: 422 on the fields at fault, else 400 for the body as a whole."""
    if error.errors:
        abort(422, messages={"json": error.errors})
    abort(400, messages={"json": {"_schema": [f"请求正文不是有效的 JSON / the body is not valid JSON ({error})"]}})


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, reading strictly (``request.get_json`` and everything built on it) and answering in
    UTF-8 as written (家, not ``\\u5bb6``: half the size for Chinese text, and readable in any tool)."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


class StrictParser(FlaskParser):
    """flask-smorest's argument parser, reading JSON bodies strictly."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        try:
            return loads(data)
        except UnreadableBody as error:
            refuse(error)
