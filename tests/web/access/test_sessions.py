"""Sign-in: server-side sessions in HttpOnly cookies, CSRF tokens on cookie writes, rate limits, tokens, passwords."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain import Actor
from tests.web.access.conftest import (
    PASSWORD,
    accounts,
    browser,
    csrf,
    open_account,
    peiban,
    peiban_command,
    session_cookie,
    sign_in,
    with_cookie,
)
from tests.web.access.scenes import Where, neighbourhood
from web.access.guard import COOKIE
from web.access.passwords import DUMMY_HASH

API = "/api/v1"
CONCERN = {"category": "education", "level": "low", "summary": "作业跟不上"}


def cookie_attributes(response: TestResponse) -> dict[str, str]:
    """The session cookie's attributes as the server set them (names lower-cased)."""
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def who(client: FlaskClient) -> int:
    return client.get(f"{API}/session").status_code


def created_token(data_dir: Path, user_name: str) -> tuple[str, str]:
    """`peiban token create`: (token id, the token itself)."""
    result = peiban_command(data_dir, "token", "create", user_name, "--label", "手机")
    assert result.exit_code == 0, result.output
    id_line, token = result.output.strip().splitlines()[-2:]
    return id_line.rsplit(" ", 1)[-1], token


def bearer(app: Flask, token: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_every_sign_in_opens_a_session_with_a_new_id_whatever_cookie_came_with_it(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    planted = "a-session-id-an-attacker-chose"
    client = with_cookie(web, planted)

    first = sign_in(client, "wang")
    first_id = session_cookie(client)
    second = sign_in(client, "wang")
    second_id = session_cookie(client)

    assert (first.status_code, second.status_code) == (200, 200)
    assert len({planted, first_id, second_id}) == 3
    assert first.get_json()["csrf_token"] != second.get_json()["csrf_token"]
    assert who(with_cookie(web, planted)) == 401
    assert who(with_cookie(web, first_id)) == who(with_cookie(web, second_id)) == 200


def test_the_session_cookie_is_http_only_and_same_site_lax_and_not_secure_over_plain_http(web: Flask) -> None:
    open_account(web, "wang", "coordinator")

    response = sign_in(web.test_client(), "wang")

    attributes = cookie_attributes(response)
    assert "httponly" in attributes and attributes["samesite"] == "Lax" and attributes["path"] == "/"
    assert "secure" not in attributes


def test_over_https_the_session_cookie_is_secure_too(web: Flask) -> None:
    open_account(web, "wang", "coordinator")

    response = web.test_client().post(
        f"{API}/session", json={"user_name": "wang", "password": PASSWORD}, base_url="https://localhost"
    )

    attributes = cookie_attributes(response)
    assert {"secure", "httponly"} <= set(attributes) and attributes["samesite"] == "Lax"


def test_a_session_cookie_copied_before_sign_out_no_longer_works(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    client, _ = browser(web, "wang")
    copied = session_cookie(client)
    assert who(with_cookie(web, copied)) == 200

    signed_out = client.delete(f"{API}/session")

    replayed = with_cookie(web, copied)
    assert signed_out.status_code == 204 and client.get_cookie(COOKIE) is None
    assert who(replayed) == 401 and replayed.get(f"{API}/families").status_code == 401


def test_a_disabled_user_is_locked_out_at_once_with_their_session_and_their_token(web: Flask, data_dir: Path) -> None:
    open_account(web, "wang", "social_worker")
    client, _ = browser(web, "wang")
    _, token = created_token(data_dir, "wang")
    assert who(client) == who(bearer(web, token)) == 200

    result = peiban_command(data_dir, "user", "disable", "wang", "--reason", "离开项目")

    assert result.exit_code == 0, result.output
    assert who(client) == 401 and client.get(f"{API}/families").status_code == 401
    assert bearer(web, token).get(f"{API}/families").status_code == 401
    assert sign_in(web.test_client(), "wang").status_code == 401


def test_disabling_an_account_in_the_store_locks_out_a_session_the_command_did_not_close(web: Flask) -> None:
    open_account(web, "wang", "social_worker")
    client, _ = browser(web, "wang")

    accounts(web).disable("wang", reason="离开项目", recorded_by=Actor("tests"))

    assert who(client) == 401 and client.get(f"{API}/families").status_code == 401


def test_a_cookie_write_without_its_csrf_token_is_refused_and_records_nothing(web: Flask) -> None:
    family = neighbourhood(peiban(web)).families[Where.OWN]
    open_account(web, "wang", "social_worker")
    open_account(web, "li", "social_worker")
    client, token = browser(web, "wang")
    _, someone_elses = browser(web, "li")
    url = f"{API}/families/{family}/concerns"
    before = peiban(web).log_position()

    refused = {
        "no token": client.post(url, json=CONCERN),
        "a wrong token": client.post(url, json=CONCERN, headers=csrf("not-the-token")),
        "another session's token": client.post(url, json=CONCERN, headers=csrf(someone_elses)),
    }

    assert {label: r.status_code for label, r in refused.items()} == dict.fromkeys(refused, 400)
    assert {r.get_json()["error"] for r in refused.values()} == {"csrf"}
    assert all(" / " in r.get_json()["message"] for r in refused.values())
    assert peiban(web).log_position() == before
    assert client.post(url, json=CONCERN, headers=csrf(token)).status_code == 201
    assert peiban(web).log_position() == before + 1


def test_reads_by_cookie_need_no_csrf_token(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    client, _ = browser(web, "wang")

    assert client.get(f"{API}/families").status_code == 200


def test_writes_with_a_bearer_token_need_no_csrf_token(web: Flask, data_dir: Path) -> None:
    family = neighbourhood(peiban(web)).families[Where.OWN]
    open_account(web, "wang", "social_worker")
    _, token = created_token(data_dir, "wang")

    response = bearer(web, token).post(f"{API}/families/{family}/concerns", json=CONCERN)

    assert response.status_code == 201


def test_after_five_wrong_passwords_the_sixth_sign_in_is_throttled_even_with_the_right_password(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    open_account(web, "li", "coordinator")
    client = web.test_client()

    wrong = [sign_in(client, "wang", "not-the-password").status_code for _ in range(5)]
    sixth = sign_in(client, "wang")

    assert wrong == [401] * 5
    assert sixth.status_code == 429 and client.get_cookie(COOKIE) is None
    assert (
        "登录失败次数过多" in sixth.get_json()["message"] and "Too many failed sign-ins" in sixth.get_json()["message"]
    )
    assert sign_in(client, "Wang ").status_code == 429, "the same account, however its name is typed"
    assert sign_in(client, "li").status_code == 200, "other accounts from the same address are not throttled"


def test_after_twenty_failures_from_one_address_it_is_throttled_for_every_account(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    shared = web.test_client()
    shared.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    elsewhere = web.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.10"

    failures = [sign_in(shared, f"guess{i % 5}", "guessed-password").status_code for i in range(20)]
    next_attempt = sign_in(shared, "wang")

    assert failures == [401] * 20, "four tries at each of five names: no account reaches its own limit"
    assert next_attempt.status_code == 429
    assert sign_in(elsewhere, "wang").status_code == 200


def test_a_token_works_until_it_is_revoked(web: Flask, data_dir: Path) -> None:
    open_account(web, "wang", "auditor")
    token_id, token = created_token(data_dir, "wang")
    _, second = created_token(data_dir, "wang")
    assert bearer(web, token).get(f"{API}/families").status_code == 200

    result = peiban_command(data_dir, "token", "revoke", "wang", token_id)

    assert result.exit_code == 0, result.output
    assert bearer(web, token).get(f"{API}/families").status_code == 401
    assert bearer(web, second).get(f"{API}/families").status_code == 200, "only the revoked token stops working"


def test_a_token_is_stored_only_as_a_hash(web: Flask, data_dir: Path) -> None:
    open_account(web, "wang", "auditor")

    token_id, token = created_token(data_dir, "wang")

    stored = accounts(web).get("wang").tokens[token_id]
    secret = token.rsplit("_", 1)[-1]
    assert secret not in stored and len(stored) == 64


@pytest.mark.parametrize(
    ("password", "zh", "en"),
    [
        pytest.param("short-1", "密码至少 10 个字符", "must be at least 10 characters", id="too-short"),
        pytest.param("qwertyuiop", "这个密码太常见或包含用户名", "is too common", id="common"),
        pytest.param("Zhangwei-2025!", "这个密码太常见或包含用户名", "contains the user name", id="has-the-user-name"),
    ],
)
def test_weak_passwords_are_refused_in_both_languages_and_no_account_is_made(
    web: Flask, data_dir: Path, password: str, zh: str, en: str
) -> None:
    result = peiban_command(
        data_dir, "user", "add", "zhangwei", "--role", "coordinator", "--password-stdin", stdin=f"{password}\n"
    )

    assert result.exit_code == 1 and zh in result.output and en in result.output
    assert "zhangwei" not in peiban_command(data_dir, "user", "list").output


def test_a_password_is_stored_as_an_argon2id_hash(web: Flask, data_dir: Path) -> None:
    result = peiban_command(
        data_dir, "user", "add", "zhangwei", "--role", "coordinator", "--password-stdin", stdin=f"{PASSWORD}\n"
    )

    stored = accounts(web).get("zhangwei").password_hash
    assert result.exit_code == 0, result.output
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert not PasswordHasher().check_needs_rehash(stored), "made at the library's recommended costs"
    assert sign_in(web.test_client(), "zhangwei").status_code == 200


def test_an_unknown_user_name_costs_the_same_argon2_work_as_a_wrong_password() -> None:
    hasher = PasswordHasher()

    assert DUMMY_HASH.startswith("$argon2id$") and not hasher.check_needs_rehash(DUMMY_HASH)
    with pytest.raises(VerifyMismatchError):  # a well-formed hash, fully computed: not refused early as malformed
        hasher.verify(DUMMY_HASH, "any password at all")


def test_a_role_change_applies_to_an_open_session_at_once(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    client, token = browser(web, "wang")
    cohort = {"name": "2026级", "starts_on": "2026-09-01", "ends_on": "2028-06-30"}
    assert client.post(f"{API}/cohorts", json=cohort, headers=csrf(token)).status_code == 201

    accounts(web).grant_role("wang", role="auditor", recorded_by=Actor("tests"))

    assert client.get(f"{API}/dashboard/continuity").status_code == 200
    assert client.post(f"{API}/cohorts", json=cohort, headers=csrf(token)).status_code == 403
    assert client.get(f"{API}/session").get_json()["role"] == "auditor"
