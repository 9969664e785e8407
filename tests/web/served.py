"""Peiban as operators run it, in processes of its own: `peiban serve --workers N` and `peiban project`."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from domain import StoreSettings
from tests.stores import cli_environment

#: The master key of the stores the processes below share (each is given it).
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()


def peiban(settings: StoreSettings, *args: str) -> subprocess.Popen[str]:
    """A `peiban` command in a process of its own, on ``settings``' store, its output kept in a file."""
    env = {
        **os.environ,
        **cli_environment(settings),
        "PEIBAN_MASTER_KEY": MASTER_KEY,
        "PEIBAN_POSTGRES_POOL_SIZE": "2",  # N workers, a follower and the test itself within the server's connections
    }
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(port: int, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    """One request on a connection of its own (so that any worker may answer it); the status and the JSON."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = None if body is None else json.dumps(body)
        sent = {"Content-Type": "application/json", **headers} if payload else headers
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw.startswith((b"{", b"[")) else raw.decode()
    finally:
        connection.close()


@contextmanager
def workers(settings: StoreSettings, count: int, *, threads: int = 4) -> Iterator[int]:
    """`peiban serve --workers count` on a free port while the block runs; yields the port. Stopped with SIGTERM
    (each worker finishing its requests) and waited for."""
    port = free_port()
    server = peiban(settings, "serve", "--workers", str(count), "--threads", str(threads), "--port", str(port))
    try:
        _wait_until_healthy(server, port)
        yield port
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=60)
        # gunicorn (N > 1) stops gracefully with 0; waitress (one process) ends by the signal itself
        assert server.returncode in ((0,) if count > 1 else (0, -signal.SIGTERM)), errors[-3000:]


def _wait_until_healthy(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped at start: {server.communicate()[1][-3000:]}")
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer within 60 s")


def stop(process: subprocess.Popen[str]) -> str:
    """Stop a `peiban project` with SIGTERM (as systemd does); it must end cleanly. Returns what it said."""
    process.terminate()
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, (process.returncode, errors[-3000:])
    return errors


def kill(process: subprocess.Popen[str]) -> None:
    """Kill a process with SIGKILL: nothing of it runs after this line."""
    process.kill()
    process.communicate(timeout=30)
