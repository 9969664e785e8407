"""Hostile values thrown at every API operation's path, query and body fields (property-based).

Each example takes one operation of the OpenAPI document, a plausible request aimed at a real
family, volunteer, handover, concern and follow-up, and puts one hostile value in one place: a
lone surrogate, NUL, a number of 5,000 digits, NaN, JSON nested 50,000 deep, a moment with no UTC
reading, Unicode digits, line breaks, text far over any limit, the wrong type. No answer may be a
server error; every refusal is in the one error shape and leaves the log as it was.
``PEIBAN_HOSTILE_EXAMPLES`` (default 150) sets how many requests are sent.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.api.conftest import log_position, signed_in
from tests.web.api.test_schemathesis import _real_ids

EXAMPLES = int(os.environ.get("PEIBAN_HOSTILE_EXAMPLES", "150"))
SHAPE = {"code", "status", "message", "errors", "error"}

#: Hostile JSON values, as raw JSON text (some cannot be written with ``json.dumps``).
HOSTILE_JSON = [
    r'"\ud800"',
    r'"half \udfff a pair"',
    r'"\u0000"',
    "9" * 5000,
    "-" + "9" * 5000,
    "1e99999",
    "NaN",
    "-Infinity",
    '"9999-12-31T23:59:59-14:00"',
    '"0001-01-01T00:00:00+14:00"',
    '"२०२५-०१-०१T10:00:00+08:00"',
    '"५"',
    r'"5\u0085"',
    r'"\r\nSet-Cookie: x=1"',
    '"' + "字" * 25_000 + '"',
    "[" * 50_000 + "]" * 50_000,
    "[" * 900 + "]" * 900,
    '{"a": ' * 40 + "1" + "}" * 40,
    "null",
    "true",
    "[]",
    "{}",
    '""',
    '"   "',
    '"00000000-0000-0000-0000-000000000000"',
]
#: Hostile values of a path or query parameter, as they would be written in a URL.
HOSTILE_URL = [
    "5%C2%85",
    "%E0%A5%AB",
    "%EF%BC%95",
    "9" * 5000,
    "-1",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23%3A59%3A59-14%3A00",
    "%ED%A0%80",
    "%00",
    "%0D%0ASet-Cookie:%20x=1",
    "%F0%9F%98%80",
    "x" * 3000,
    "..%2F..%2Fetc%2Fpasswd",
    "",
]
#: Whole bodies that are hostile as a whole.
HOSTILE_BODY = [b"[" * 50_000, b"\xed\xa0\x80", b"\xff", b"", b"   ", b"[]", b'"text"', b"{" * 10, b"NaN"]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    query: list[str]
    body: dict[str, Any]


def benign(schema: dict[str, Any], name: str, ids: dict[str, str], spec: dict[str, Any]) -> Any:
    """A plausible value for a body field, so that the hostile one is not the only thing wrong."""
    if "$ref" in schema:
        return benign(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], name, ids, spec)
    if schema.get("enum"):
        return schema["enum"][0]
    kind, shape = schema.get("type"), schema.get("format")
    if shape == "uuid":
        return ids.get(name) or ids.get(f"{name.removesuffix('_id')}_id") or ids["volunteer_id"]
    if shape == "date":
        return str(date.today())
    if shape == "date-time":
        return (datetime.now(tz=UTC) - timedelta(hours=1)).isoformat()
    if kind == "integer":
        return 60
    if kind == "boolean":
        return True
    if kind == "array":
        return [benign(schema.get("items", {}), name, ids, spec)]
    if kind == "object":
        return {k: benign(v, k, ids, spec) for k, v in schema.get("properties", {}).items()}
    return "好"


def operations(app: Flask, ids: dict[str, str]) -> list[Operation]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in ("get", "post"):
                continue
            query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            body = benign(content["schema"], "", ids, spec) if content else {}
            found.append(
                Operation(
                    method.upper(),
                    path if path.startswith("/api/") else "/api/v1" + path,
                    query,
                    body if isinstance(body, dict) else {},
                )
            )
    return found


@dataclass(frozen=True)
class Hostile:
    """Where the hostile value goes: a path parameter, a query parameter, a body field, or the whole body."""

    place: str
    name: str
    value: str | bytes


def hostile(operation: Operation) -> st.SearchStrategy[Hostile]:
    places: list[st.SearchStrategy[Hostile]] = []
    parameters = [part[1:-1] for part in operation.path.split("/") if part.startswith("{")]
    if parameters:
        places.append(st.builds(Hostile, st.just("path"), st.sampled_from(parameters), st.sampled_from(HOSTILE_URL)))
    if operation.query:
        places.append(
            st.builds(Hostile, st.just("query"), st.sampled_from(operation.query), st.sampled_from(HOSTILE_URL))
        )
    if operation.method == "POST":
        fields = [*sorted(operation.body), "unknown_field"]
        places.append(st.builds(Hostile, st.just("field"), st.sampled_from(fields), st.sampled_from(HOSTILE_JSON)))
        places.append(st.builds(Hostile, st.just("body"), st.just(""), st.sampled_from(HOSTILE_BODY)))
    return st.one_of(places) if places else st.nothing()


def request_of(operation: Operation, ids: dict[str, str], bad: Hostile) -> tuple[str, bytes | None]:
    path = operation.path
    for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
        value = str(bad.value) if bad.place == "path" and bad.name == name else ids.get(name, ids["family_id"])
        path = path.replace(f"{{{name}}}", value)
    if bad.place == "query":
        path += f"?{bad.name}={bad.value}"
    if operation.method == "GET":
        return path, None
    if bad.place == "body":
        assert isinstance(bad.value, bytes)
        return path, bad.value
    fields = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in operation.body.items() if k != bad.name]
    if bad.place == "field":
        fields.append(f"{json.dumps(bad.name)}: {bad.value}")
    return path, ("{" + ", ".join(fields) + "}").encode("utf-8", "surrogatepass")


def test_hostile_values_in_any_place_never_give_a_server_error_and_refusals_record_nothing(api_app: Flask) -> None:
    ids = _real_ids(api_app.extensions["peiban"])
    clients = {"GET": signed_in(api_app, "auditor"), "POST": signed_in(api_app, "coordinator")}
    plan = [op for op in operations(api_app, ids) if op.query or op.method == "POST" or "{" in op.path]
    tried: dict[str, set[int]] = {}
    sent: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def send(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(plan))
        bad = data.draw(hostile(operation))
        path, body = request_of(operation, ids, bad)
        client: FlaskClient = clients[operation.method]
        before = log_position(client)
        if body is None:
            response = client.get(path)
        else:
            response = client.post(path, data=body, headers={"Content-Type": "application/json"})
        where = f"{operation.method} {urllib.parse.unquote(path)[:120]} ({bad.place} {bad.name})"
        tried.setdefault(bad.place, set()).add(response.status_code)
        sent.append(where)
        assert response.status_code < 500, f"{where}: {response.get_data(as_text=True)[:300]}"
        if response.status_code >= 400:
            assert set(response.get_json() or {}) == SHAPE, where
            assert log_position(client) == before, f"{where} recorded something and answered {response.status_code}"

    send()
    assert len(sent) >= EXAMPLES
    print(f"{len(sent)} hostile requests;", {place: sorted(codes) for place, codes in tried.items()})
