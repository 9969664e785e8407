"""Attacks on withdrawn authority: a token, a role or an account withdrawn must not serve once more — named in other
spellings, raced by threads, or behind a log put back from a backup while a server runs (it keeps the accounts it
has folded, see ``Accounts.current``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from eventsourcing.persistence import OperationalError
from flask import Flask

from tests.web.access.conftest import accounts, open_account, peiban_command
from tests.web.access.test_authority_across_processes import API, bearer


def created_token(data_dir: Path, user_name: str) -> tuple[str, str]:
    """`peiban token create`: (token id, the token itself)."""
    result = peiban_command(data_dir, "token", "create", user_name, "--label", "手机")
    assert result.exit_code == 0, result.output
    id_line, token = result.output.strip().splitlines()[-2:]
    return id_line.rsplit(" ", 1)[-1], token


def accounts_log_head(app: Flask) -> int:
    return accounts(app).recorder.max_notification_id() or 0


def test_a_token_revoked_by_its_id_in_capitals_is_refused_at_once(web: Flask, data_dir: Path) -> None:
    # given a token this server has accepted
    open_account(web, "wang", "auditor")
    token_id, token = created_token(data_dir, "wang")
    assert bearer(web, token).get(f"{API}/families").status_code == 200
    # when an operator revokes it typing its id in capitals, with a space
    revoked = peiban_command(data_dir, "token", "revoke", "wang", f" {token_id.upper()}")
    # then it is revoked: refused at once
    assert revoked.exit_code == 0, revoked.output
    assert bearer(web, token).get(f"{API}/families").status_code == 401


def test_revoking_an_id_the_account_holds_no_token_by_is_refused_and_records_nothing(
    web: Flask, data_dir: Path
) -> None:
    open_account(web, "wang", "auditor")
    token_id, token = created_token(data_dir, "wang")
    before = accounts_log_head(web)

    mistyped = peiban_command(data_dir, "token", "revoke", "wang", token_id[:-1] + "x")

    assert mistyped.exit_code == 1 and "该账号没有这个编号的令牌" in mistyped.output, mistyped.output
    assert "revoked" not in mistyped.output and accounts_log_head(web) == before
    assert bearer(web, token).get(f"{API}/families").status_code == 200, "nothing pretends it was withdrawn"


def test_a_token_naming_its_account_in_capitals_is_refused_once_revoked(web: Flask, data_dir: Path) -> None:
    # given a token accepted with its account's id in lower case and in capitals (one account, however spelt)
    open_account(web, "wang", "auditor")
    token_id, token = created_token(data_dir, "wang")
    _, account_hex, rest = token.split("_", 2)
    shouted = f"pb_{account_hex.upper()}_{rest}"
    assert bearer(web, token).get(f"{API}/families").status_code == 200
    assert bearer(web, shouted).get(f"{API}/families").status_code == 200
    # when it is revoked by the `peiban` command
    assert peiban_command(data_dir, "token", "revoke", "wang", token_id).exit_code == 0
    # then neither spelling is accepted
    assert bearer(web, shouted).get(f"{API}/families").status_code == 401
    assert bearer(web, token).get(f"{API}/families").status_code == 401


def put_back(backup: Path, data_dir: Path, store: str) -> None:
    """Put a store back as a backup holds it, in place, while servers have it open (as `sqlite3 FILE ".restore
    BACKUP"` does)."""
    kept, live = sqlite3.connect(backup / store), sqlite3.connect(data_dir / store, timeout=30)
    try:
        kept.backup(live)
    finally:
        live.close()
        kept.close()


def test_a_token_the_log_lost_to_a_restore_is_refused_though_the_log_grew_back_to_the_same_length(
    web: Flask, data_dir: Path, tmp_path: Path
) -> None:
    # given a backup, then a token this server accepts (it folds the account with the token)
    open_account(web, "wang", "auditor")
    assert peiban_command(data_dir, "backup", str(tmp_path / "backup")).exit_code == 0
    _, token = created_token(data_dir, "wang")
    assert bearer(web, token).get(f"{API}/families").status_code == 200
    # when the accounts are put back as the backup holds them (without the token), while the server runs, and
    # another token is made before the server's next request: the log is as long as when the server folded it
    put_back(tmp_path / "backup", data_dir, "peiban_accounts.sqlite3")
    _, made_since = created_token(data_dir, "wang")
    # then the token the log no longer holds is refused, and the one it holds is accepted
    assert bearer(web, token).get(f"{API}/families").status_code == 401
    assert bearer(web, made_since).get(f"{API}/families").status_code == 200


def test_a_token_is_not_let_through_on_a_folded_account_when_the_accounts_log_cannot_be_read(
    web: Flask, data_dir: Path
) -> None:
    # given a token this server has accepted (it holds the account folded)
    open_account(web, "wang", "auditor")
    _, token = created_token(data_dir, "wang")
    assert bearer(web, token).get(f"{API}/families").status_code == 200
    # when the accounts' log cannot be read (its table gone from under the server)
    with sqlite3.connect(data_dir / "peiban_accounts.sqlite3", timeout=30) as other:
        other.execute("ALTER TABLE stored_events RENAME TO stored_events_elsewhere")
    # then the request fails (a test app lets the error through) rather than pass on what the server folded before
    with pytest.raises(OperationalError, match="stored_events"):
        bearer(web, token).get(f"{API}/families")
