"""The web app behind a real WSGI server (waitress) on 127.0.0.1, and a small JSON client for it."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from waitress.server import create_server


@contextmanager
def serving(app: Flask, *, threads: int = 8) -> Iterator[int]:
    """Serve ``app`` with waitress on a free port of 127.0.0.1 while the block runs; yields the port."""
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="peiban-test")
    stop = threading.Event()

    def run() -> None:
        # The socket loop is not thread-safe: it is stopped, and its sockets closed, from its own thread,
        # after the worker threads have finished what they were handling.
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        for dispatcher in list(server._map.values()):
            dispatcher.close()

    runner = threading.Thread(target=run, name="waitress", daemon=True)
    runner.start()
    try:
        yield int(server.effective_port)
    finally:
        stop.set()
        runner.join(timeout=10)


def post_json(port: int, path: str, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
    """POST ``body`` as JSON on a connection of its own; the status and the decoded answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()
