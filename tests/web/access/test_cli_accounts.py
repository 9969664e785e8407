"""`peiban init`, `peiban user …` and `peiban token …`: accounts made and changed from the command line."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from flask import Flask

from tests.web.access.conftest import PASSWORD, accounts, browser, peiban_command, sign_in

API = "/api/v1"
NEW_PASSWORD = "another-rare-passphrase-77"


def listed(data_dir: Path) -> dict[str, str]:
    """`peiban user list`: user name -> the rest of its line."""
    result = peiban_command(data_dir, "user", "list")
    assert result.exit_code == 0, result.output
    return {line.split()[0]: line for line in result.output.splitlines() if line.strip()}


def add(data_dir: Path, user_name: str, *options: str, password: str = PASSWORD) -> tuple[int, str]:
    result = peiban_command(data_dir, "user", "add", user_name, *options, "--password-stdin", stdin=f"{password}\n")
    return result.exit_code, result.output


def test_init_creates_the_first_coordinator_with_a_password_from_stdin(web: Flask, data_dir: Path) -> None:
    result = peiban_command(data_dir, "init", "--coordinator", "alice", "--password-stdin", stdin=f"{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "已创建协调员 / coordinator created: alice" in result.output
    assert "coordinator" in listed(data_dir)["alice"] and "active" in listed(data_dir)["alice"]
    answer = sign_in(web.test_client(), "alice")
    assert answer.status_code == 200 and answer.get_json()["role"] == "coordinator"


def test_a_second_init_creates_no_other_coordinator(data_dir: Path) -> None:
    peiban_command(data_dir, "init", "--coordinator", "alice", "--password-stdin", stdin=f"{PASSWORD}\n")

    again = peiban_command(data_dir, "init", "--coordinator", "bob", "--password-stdin", stdin=f"{PASSWORD}\n")

    assert again.exit_code == 0 and "已有账号" in again.output and "no coordinator created" in again.output
    assert set(listed(data_dir)) == {"alice"}


def test_init_without_a_coordinator_when_nobody_can_be_asked_creates_no_account(data_dir: Path) -> None:
    result = peiban_command(data_dir, "init")

    assert result.exit_code == 0 and "--coordinator" in result.output
    assert listed(data_dir) == {}


def test_init_refuses_a_weak_first_password(data_dir: Path) -> None:
    result = peiban_command(data_dir, "init", "--coordinator", "alice", "--password-stdin", stdin="password123\n")

    assert result.exit_code == 1 and "这个密码太常见或包含用户名" in result.output
    assert listed(data_dir) == {}


def test_user_add_gives_each_account_its_role_and_list_shows_them(web: Flask, data_dir: Path) -> None:
    volunteer = str(uuid4())

    made = [
        add(data_dir, "zhang", "--role", "social_worker", "--display-name", "张社工"),
        add(data_dir, "xiaowang", "--role", "volunteer", "--volunteer", volunteer),
        add(data_dir, "audit", "--role", "auditor"),
    ]

    assert [code for code, _ in made] == [0, 0, 0], made
    assert "已添加 / added: zhang (social_worker)" in made[0][1]
    lines = listed(data_dir)
    assert {name: line.split()[1] for name, line in lines.items()} == {
        "zhang": "social_worker",
        "xiaowang": "volunteer",
        "audit": "auditor",
    }
    assert "张社工" in lines["zhang"] and all("active" in line for line in lines.values())
    assert str(accounts(web).get("xiaowang").volunteer_id) == volunteer


def test_a_volunteers_account_must_name_the_volunteer(data_dir: Path) -> None:
    code, output = add(data_dir, "xiaowang", "--role", "volunteer")

    assert code == 1 and "volunteer_id" in output and "义工账号必须关联义工" in output
    assert listed(data_dir) == {}


def test_a_user_name_can_be_taken_only_once(data_dir: Path) -> None:
    add(data_dir, "zhang", "--role", "social_worker")

    code, output = add(data_dir, "Zhang", "--role", "coordinator")

    assert code == 1 and "这个用户名已被使用" in output and "already taken" in output
    assert "social_worker" in listed(data_dir)["zhang"]


def test_user_disable_shows_in_the_list_and_refuses_sign_in(web: Flask, data_dir: Path) -> None:
    add(data_dir, "zhang", "--role", "social_worker")

    result = peiban_command(data_dir, "user", "disable", "zhang", "--reason", "离开项目")

    assert result.exit_code == 0 and "已停用 / disabled: zhang" in result.output
    assert "disabled" in listed(data_dir)["zhang"]
    assert sign_in(web.test_client(), "zhang").status_code == 401


def test_disabling_someone_unknown_says_so(data_dir: Path) -> None:
    result = peiban_command(data_dir, "user", "disable", "nobody", "--reason", "x")

    assert result.exit_code == 1 and "未找到该账号" in result.output and "Account not found" in result.output


def test_reset_password_replaces_the_password_and_ends_the_accounts_sessions(web: Flask, data_dir: Path) -> None:
    add(data_dir, "zhang", "--role", "coordinator")
    client, _ = browser(web, "zhang")

    result = peiban_command(data_dir, "user", "reset-password", "zhang", "--password-stdin", stdin=f"{NEW_PASSWORD}\n")

    assert result.exit_code == 0 and "密码已重设 / password reset: zhang" in result.output
    assert client.get(f"{API}/session").status_code == 401
    assert sign_in(web.test_client(), "zhang", PASSWORD).status_code == 401
    assert sign_in(web.test_client(), "zhang", NEW_PASSWORD).status_code == 200


def test_reset_password_refuses_a_weak_password_and_keeps_the_old_one(web: Flask, data_dir: Path) -> None:
    add(data_dir, "zhang", "--role", "coordinator")

    result = peiban_command(data_dir, "user", "reset-password", "zhang", "--password-stdin", stdin="zhang2025!!\n")

    assert result.exit_code == 1 and "contains the user name" in result.output
    assert sign_in(web.test_client(), "zhang").status_code == 200


def test_token_create_shows_the_token_once_and_revoke_ends_it(web: Flask, data_dir: Path) -> None:
    add(data_dir, "audit", "--role", "auditor")

    created = peiban_command(data_dir, "token", "create", "audit", "--label", "报表脚本")

    assert created.exit_code == 0, created.output
    *_, id_line, token = created.output.strip().splitlines()
    token_id = id_line.rsplit(" ", 1)[-1]
    assert id_line.startswith("令牌编号 / token id:") and token.startswith("pb_") and token_id in token
    assert token not in str(accounts(web).get("audit").tokens), "only the hash is kept"
    client = web.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get(f"{API}/families").status_code == 200

    revoked = peiban_command(data_dir, "token", "revoke", "audit", token_id)

    assert revoked.exit_code == 0 and f"已吊销 / revoked: {token_id}" in revoked.output
    assert client.get(f"{API}/families").status_code == 401


def test_tokens_are_only_made_for_accounts_that_exist(data_dir: Path) -> None:
    result = peiban_command(data_dir, "token", "create", "nobody")

    assert result.exit_code == 1 and "未找到该账号" in result.output


def test_a_password_of_only_whitespace_is_refused_at_init_add_and_reset(web: Flask, data_dir: Path) -> None:
    blank = " " * 12
    init = peiban_command(data_dir, "init", "--coordinator", "alice", "--password-stdin", stdin=f"{blank}\n")
    assert init.exit_code == 1 and "must not be only spaces" in init.output
    code, said = add(data_dir, "li", "--role", "auditor", password="\t\t " + blank)
    assert code == 1 and "must not be only spaces" in said
    assert "li" not in listed(data_dir)
    add(data_dir, "zhang", "--role", "coordinator")
    reset = peiban_command(data_dir, "user", "reset-password", "zhang", "--password-stdin", stdin=f"{blank}\n")
    assert reset.exit_code == 1 and "密码不能只有空白" in reset.output
    assert sign_in(web.test_client(), "zhang").status_code == 200
