"""Attacks on withdrawn authority: a token, a role or an account withdrawn must not serve once more — named in other
spellings, raced by threads, or behind a log put back from a backup while a server runs (it keeps the accounts it
has folded, see ``Accounts.current``)."""

from __future__ import annotations

from pathlib import Path

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
