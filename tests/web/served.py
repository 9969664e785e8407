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
import tempfile
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
    # Both outputs go to files, never to pipes: a pipe nobody reads while the process runs fills up (64 KiB of
    # waitress's "task queue depth" warnings under load) and the process then blocks on its next line, its
    # requests with it.
    said = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed by `ended`) its output
    errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed by `ended`) its errors
    process = subprocess.Popen(command, env=env, stdout=said, stderr=errors, text=True)
    _SAID[process.pid] = said
    _ERRORS[process.pid] = errors
    _PROCESSES[process.pid] = process
    return process


#: each process's standard output and standard error (files), by pid
_SAID: dict[int, Any] = {}
_ERRORS: dict[int, Any] = {}
_PROCESSES: dict[int, subprocess.Popen[str]] = {}


def ended(process: subprocess.Popen[str], timeout: float) -> str:
    """Wait for ``process`` to end; what it said on its standard error."""
    process.wait(timeout=timeout)
    _PROCESSES.pop(process.pid, None)
    if said := _SAID.pop(process.pid, None):
        said.close()
    errors = _ERRORS.pop(process.pid, None)
    if errors is None:
        return ""
    errors.seek(0)
    text = str(errors.read())
    errors.close()
    return text


def left_running() -> None:
    """Kill every process started here that is still running (after a test that failed half-way)."""
    for pid in list(_SAID):
        process = _PROCESSES.pop(pid)
        if process.poll() is None:
            process.kill()
        ended(process, 30)


def wait_until_said(process: subprocess.Popen[str], text: str, timeout: float = 120) -> None:
    """Until ``process`` has printed ``text`` (e.g. a follower's "following the log": its stores are open and it
    handles SIGTERM); a process started moments ago may still be importing under a loaded machine."""
    said = _SAID[process.pid]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said.seek(0)
        if text in said.read():
            return
        if process.poll() is not None:
            raise AssertionError(f"it ended ({process.returncode}) before saying {text!r}")
        time.sleep(0.05)
    process.send_signal(signal.SIGUSR1)  # `peiban` writes where each of its threads is to its standard error
    time.sleep(1)
    process.kill()
    where = ended(process, 30)
    raise AssertionError(f"it did not say {text!r} within {timeout} s; where it was:\n{where[-6000:]}")


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
        errors = ended(server, 60)
        if "Traceback" in errors:  # shown with a failing test's output
            print(f"the server's standard error:\n{errors[-20000:]}")
        # gunicorn (N > 1) stops gracefully with 0; waitress (one process) ends by the signal itself
        assert server.returncode in ((0,) if count > 1 else (0, -signal.SIGTERM)), errors[-3000:]


def _wait_until_healthy(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped at start: {ended(server, 60)[-3000:]}")
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
    errors = ended(process, 60)
    assert process.returncode == 0, (process.returncode, errors[-3000:])
    return errors


def kill(process: subprocess.Popen[str]) -> None:
    """Kill a process with SIGKILL: nothing of it runs after this line."""
    process.kill()
    ended(process, 30)
