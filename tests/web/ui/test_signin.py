"""Signing in and out through the pages: errors beside their fields, nothing else happens on a wrong password."""

from __future__ import annotations

from flask import Flask

from tests.web.ui.conftest import PASSWORD, browser, form_token, open_account, sign_in, text
from web.access.guard import COOKIE


def test_an_anonymous_reader_is_sent_to_sign_in_and_brought_back_afterwards(ui_app: Flask) -> None:
    # given an account and nobody signed in
    open_account(ui_app, "wang", "coordinator")
    client = ui_app.test_client()
    # when they open the home page
    sent = client.get("/?cliff=1")
    # then they are sent to the sign-in page, which remembers where they were going
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/signin?next=/?cliff%3D1"
    # and signing in brings them there
    assert sign_in(client, "wang", next_page="/?cliff=1").headers["Location"] == "/?cliff=1"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_shown_beside_the_field_with_the_user_name_kept(ui_app: Flask) -> None:
    # given an account
    open_account(ui_app, "wang", "coordinator")
    client = ui_app.test_client()
    # when someone signs in with a wrong password
    answer = sign_in(client, "wang", "not-the-password")
    page = text(answer)
    # then the error stands beside the password field, the user name is kept, the password is not
    assert answer.status_code == 401
    assert 'id="password-error">用户名、密码或验证码不对。</p>' in page
    assert page.index('id="password"') < page.index('id="password-error"') < page.index('id="one_time_code"')
    assert 'value="wang"' in page and "not-the-password" not in page
    # and nothing else happened: no session, still signed out
    assert client.get_cookie(COOKIE) is None
    assert client.get("/").status_code == 302


def test_empty_fields_are_required_each_beside_itself(ui_app: Flask) -> None:
    client = ui_app.test_client()
    token = form_token(client.get("/signin"))
    answer = client.post("/signin", data={"user_name": "", "password": "", "csrf_token": token})
    page = text(answer)
    assert answer.status_code == 422
    assert 'id="user_name-error">必填</p>' in page and 'id="password-error">必填</p>' in page
    assert 'aria-invalid="true" aria-describedby="user_name-error"' in page


def test_a_sign_in_form_posted_without_its_token_is_refused(ui_app: Flask) -> None:
    # given an account, and a form posted from elsewhere (no token from our sign-in page)
    open_account(ui_app, "wang", "coordinator")
    client = ui_app.test_client()
    answer = client.post("/signin", data={"user_name": "wang", "password": PASSWORD, "csrf_token": "guessed"})
    # then nobody is signed in
    assert answer.status_code == 400
    assert 'role="alert"' in text(answer)
    assert client.get_cookie(COOKIE) is None


def test_sign_in_never_sends_the_reader_to_another_site(ui_app: Flask) -> None:
    open_account(ui_app, "wang", "coordinator")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert sign_in(ui_app.test_client(), "wang", next_page=target).headers["Location"] == "/"


def test_signing_out_needs_the_forms_token_and_ends_the_session(ui_app: Flask) -> None:
    # given a signed-in coordinator
    open_account(ui_app, "wang", "coordinator")
    client = browser(ui_app, "wang")
    home = client.get("/")
    # when a sign-out form without the token arrives, then it is refused and the session lives on
    assert client.post("/signout", data={}).status_code == 400
    assert client.get("/").status_code == 200
    # when the header's own sign-out form is sent, then the session ends
    answer = client.post("/signout", data={"csrf_token": form_token(home)})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/signin")
    assert client.get("/").status_code == 302
