"""The data directory and every file in it are the running account's alone (0700 and 0600): the log holds
compartment facts, the accounts store password hashes and TOTP secrets. Checked as an operator meets it:
each command in a process of its own, started with the usual umask of 022."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from domain import StoreSettings
from tests.web.test_cli import free_port
from web.infra.stores import open_application
from web.settings import Settings

PASSWORD = "a-long-and-rare-passphrase-42"


def peiban(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.Popen[str]:
    """`peiban ARGS…` in a process of its own, with umask 022 (what a login shell usually gives)."""
    env = {**os.environ, "PEIBAN_DATA_DIR": str(data_dir), "PEIBAN_STORE": "sqlite"}
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        umask=0o022,
    )


def finished(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    process = peiban(data_dir, *args, stdin=stdin)
    out, _ = process.communicate(stdin, timeout=600)
    assert process.returncode == 0, out
    return out


@contextmanager
def served(data_dir: Path) -> Iterator[int]:
    """`peiban serve` on a free port of 127.0.0.1 until the block ends (stopped with Ctrl-C's signal)."""
    port = free_port()
    server = peiban(data_dir, "serve", "--port", str(port))
    try:
        deadline = time.monotonic() + 60
        while True:  # waiting for the port to open, not for time to pass: each try is a real request
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {server.stdout.read() if server.stdout else ''}")
                time.sleep(0.1)
        yield port
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()


def modes(data_dir: Path) -> dict[str, int]:
    """The permission bits of the data directory ("." ) and of everything in it."""
    found = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    found.update({path.name: stat.S_IMODE(path.stat().st_mode) for path in data_dir.iterdir()})
    return found


def assert_private(data_dir: Path, step: str) -> set[str]:
    found = modes(data_dir)
    loose = {name: oct(mode) for name, mode in found.items() if mode != (0o700 if name == "." else 0o600)}
    assert not loose, f"after {step}: {loose}"
    return set(found)


@pytest.mark.slow
def test_init_demo_serve_and_rebuild_keep_every_file_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    finished(data, "init", "--coordinator", "alice", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert {"peiban.sqlite3", "peiban_accounts.sqlite3"} <= assert_private(data, "init")
    finished(data, "demo")
    assert_private(data, "a demo load")
    with served(data) as port:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=30).close()
        wal = assert_private(data, "serving (stores open)")
    assert any(name.endswith(("-wal", "-shm")) for name in wal), wal
    assert_private(data, "serve")
    finished(data, "rebuild")
    assert_private(data, "a rebuild")


def test_a_data_directory_left_open_by_an_older_version_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=data))
    from web.infra.stores import prepare

    open_application(settings).close()
    data.chmod(0o755)
    for path in data.iterdir():
        path.chmod(0o644)
    prepare(settings)
    assert_private(data, "opening the stores again")
