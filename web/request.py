"""Requests read strictly: a form whose text is not UTF-8 is refused (400), not quietly altered.

Werkzeug keeps the undecodable bytes of an urlencoded form as their ``%XX`` escapes, so a field
sent as ``%ED%A0%80`` (half of a surrogate pair) was saved as those nine characters. No browser
sends such a form; a hand-made request now gets a 400 and nothing is recorded.
"""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser


class StrictFormDataParser(FormDataParser):
    """Werkzeug's form parser, decoding urlencoded forms as strict UTF-8."""

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> Any:
        if self.max_form_memory_size is not None and (content_length or 0) > self.max_form_memory_size:
            raise RequestEntityTooLarge()
        try:
            items = parse_qsl(stream.read().decode(), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise BadRequest("the form is not UTF-8") from None
        return stream, self.cls(items), self.cls()


class StrictRequest(Request):
    """Flask's request, with forms read by ``StrictFormDataParser``."""

    form_data_parser_class = StrictFormDataParser
