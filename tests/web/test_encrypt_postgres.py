"""`peiban encrypt` on PostgreSQL: a store written before encryption is encrypted in place, reads back the same,
and its seal still verifies (skipped, saying why, where no server answers)."""

from __future__ import annotations

import os
import subprocess
import sys

from domain import Peiban, StoreSettings
from tests.stores import cli_environment, postgres_store
from tests.web.test_encrypt_command import CANARY, facts, write_before_encryption
from web.infra.stores import open_accounts, open_application
from web.settings import Settings


def peiban(store: StoreSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **cli_environment(store), "PYTHONPATH": os.getcwd()}
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def stored_states(store: StoreSettings) -> list[bytes]:
    """Every fact's state as stored in the log (read without a key ring: the bytes in the table)."""
    app = Peiban(store.env(Peiban.name))
    try:
        return [bytes(n.state) for n in app.recorder.select_notifications(0, 100_000)]
    finally:
        app.close()


def test_encrypt_migrates_a_postgres_store_written_before_encryption() -> None:
    with postgres_store() as pg:
        # given a sealed store on PostgreSQL written before encryption, its plaintext in the table
        store, before = write_before_encryption(pg.data_dir, pg)
        assert any(CANARY.encode() in state for state in stored_states(store))
        # when it is encrypted, in another process
        done = peiban(store, "encrypt")
        # then the command succeeds and says the seal was re-based and checked
        assert done.returncode == 0, done.stdout + done.stderr
        assert "re-based" in done.stdout
        # and every state in the log is ciphertext now
        states = stored_states(store)
        assert states and all(s.startswith(b"\x00pb1") for s in states)
        assert not any(CANARY.encode() in s for s in states)
        # and every fact reads back the same, at the same position, and accounts too
        settings = Settings(store=store)
        app = open_application(settings)
        try:
            assert facts(app) == before
        finally:
            app.close()
        accounts = open_accounts(settings)
        try:
            assert accounts.get("li").display_name == CANARY
        finally:
            accounts.close()
        # and the seal verifies over the encrypted log, and a second run changes nothing
        verified = peiban(store, "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        again = peiban(store, "encrypt")
        assert again.returncode == 0, again.stderr
        assert "已加密 0 条" in again.stdout
