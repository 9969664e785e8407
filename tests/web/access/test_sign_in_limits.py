"""Sign-in limits hold under parallel guesses, count every spelling of a name as one, and lock no one out."""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import web.access.signin
from tests.stores import store
from tests.web.access.conftest import PASSWORD, open_account, sign_in
from tests.web.api.live_server import serving
from web.access.guard import COOKIE
from web.access.passwords import verify_password
from web.access.signin import DEVICE_COOKIE
from web.app import create_app, shutdown
from web.infra.sign_in_limits import PER_ACCOUNT, PER_ADDRESS, PER_PAIR
from web.settings import Settings

SESSION = "/api/v1/session"
#: Spellings that the accounts store resolves to the account "wang": one account, one limit.
SPELLINGS = ("wang", "WANG", " Wang ", "wang\u3000", "\twAnG\n")


def post_from(address: str, port: int, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
    """POST a sign-in to the server on 127.0.0.1 from ``address`` (any 127.x.y.z: loopback on this machine)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(address, 0))
    try:
        connection.request("POST", SESSION, json.dumps(body), {"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def all_at_once(count: int, send: Callable[[int], tuple[int, dict[str, Any]]]) -> list[int]:
    """``send(i)`` for each i on a thread of its own, all released together; the statuses."""
    start = threading.Barrier(count)

    def released(i: int) -> int:
        start.wait()
        return send(i)[0]

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many passwords the sign-in checked (the real argon2 check, counted)."""
    counted: Counter[str] = Counter()
    lock = threading.Lock()

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            counted["checks"] += 1
        return verify_password(password_hash, password)

    monkeypatch.setattr(web.access.signin, "verify_password", counting)
    return counted


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def on_each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app on a SQLite store, then on a PostgreSQL one."""
    with store(request.param, tmp_path) as settings:
        app = create_app(Settings(store=settings), {"TESTING": True})
        yield app
        shutdown(app)


@pytest.mark.many_connections
def test_forty_parallel_guesses_get_five_password_checks_and_the_owner_still_signs_in_from_elsewhere(
    on_each_store: Flask, password_checks: Counter[str]
) -> None:
    web = on_each_store
    open_account(web, "wang", "coordinator")

    with serving(web, threads=8) as port:
        guesses = all_at_once(
            40,
            lambda i: post_from(
                "127.0.0.1", port, {"user_name": SPELLINGS[i % len(SPELLINGS)], "password": f"guess-{i:02}-wrong"}
            ),
        )
        checks_by_guessers = password_checks["checks"]
        owner, answer = post_from("127.0.0.2", port, {"user_name": "wang", "password": PASSWORD})

    assert checks_by_guessers == PER_PAIR, "at most the limit's number of password checks, whatever the spelling"
    assert Counter(guesses) == {401: PER_PAIR, 429: 40 - PER_PAIR}
    assert owner == 200 and answer["user_name"] == "wang", "a guesser elsewhere does not lock the owner out"


def test_a_full_width_spelling_is_another_name_that_signs_nobody_in(web: Flask) -> None:
    open_account(web, "wang", "coordinator")

    assert sign_in(web.test_client(), "ｗａｎｇ").status_code == 401
    assert sign_in(web.test_client(), "wang").status_code == 200


def client_at(web: Flask, address: str) -> Any:
    client = web.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_guesses_spread_over_many_addresses_slow_strangers_but_not_the_owners_address_or_browser(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    home, phone = client_at(web, "10.1.0.1"), client_at(web, "10.1.0.2")
    assert sign_in(home, "wang").status_code == sign_in(phone, "wang").status_code == 200
    device = phone.get_cookie(DEVICE_COOKIE)
    assert device is not None

    guessers = [client_at(web, f"10.9.0.{n}") for n in range((PER_ACCOUNT + PER_PAIR - 1) // PER_PAIR)]
    answers = [sign_in(g, "wang", f"guess-{i}-wrong").status_code for g in guessers for i in range(PER_PAIR)]
    stranger = sign_in(client_at(web, "10.7.0.1"), "wang")
    phone_elsewhere = client_at(web, "10.2.0.99")  # the owner's browser on another network: its device cookie
    phone_elsewhere.set_cookie(DEVICE_COOKIE, device.value)

    assert answers == [401] * len(answers) and len(answers) >= PER_ACCOUNT
    home.delete_cookie(DEVICE_COOKIE)  # the address alone, without the browser's cookie

    assert stranger.status_code == 429, "past the account-wide limit, an unknown client waits"
    assert sign_in(home, "wang").status_code == 200, "the address the owner signed in from still signs in"
    assert sign_in(phone_elsewhere, "wang").status_code == 200, "so does the owner's browser, from anywhere"
    assert home.get_cookie(COOKIE) is not None


def test_a_stolen_device_cookie_does_not_lift_the_limits_of_its_address(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    owner = client_at(web, "10.1.0.1")
    assert sign_in(owner, "wang").status_code == 200
    device = owner.get_cookie(DEVICE_COOKIE)
    assert device is not None
    thief = client_at(web, "10.9.9.9")
    thief.set_cookie(DEVICE_COOKIE, device.value)

    answers = [sign_in(thief, "wang", f"guess-{i}-wrong").status_code for i in range(PER_PAIR + 1)]

    assert answers == [401] * PER_PAIR + [429]


def test_a_guesser_at_the_owners_own_shared_address_does_not_stop_the_owners_browser(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    owner = client_at(web, "10.1.0.1")  # a centre's one NAT address, shared by staff and guests
    assert sign_in(owner, "wang").status_code == 200
    guesser = client_at(web, "10.1.0.1")

    at_wang = [sign_in(guesser, " WANG", f"guess-{i}-wrong").status_code for i in range(PER_PAIR + 1)]
    at_others = [sign_in(guesser, f"name{i}", "guessed-password").status_code for i in range(PER_ADDRESS)]

    assert at_wang == [401] * PER_PAIR + [429] and at_others[-1] == 429
    assert sign_in(owner, "wang").status_code == 200, "the owner's browser carries its device cookie"


def test_an_ipv6_guesser_cannot_escape_the_address_limit_by_moving_within_its_network(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    guesses = [
        sign_in(client_at(web, f"2001:db8:0:1::{n:x}"), f"name{n}", "guessed-password").status_code
        for n in range(1, PER_ADDRESS + 1)
    ]

    same_network = sign_in(client_at(web, "2001:db8:0:1:ffff::1"), "wang")
    next_network = sign_in(client_at(web, "2001:db8:0:2::1"), "wang")

    assert guesses == [401] * PER_ADDRESS
    assert (same_network.status_code, next_network.status_code) == (429, 200)


def test_a_success_gives_back_its_try_so_a_user_who_mistypes_is_not_throttled(web: Flask) -> None:
    open_account(web, "wang", "coordinator")
    client = client_at(web, "10.1.0.1")

    first = [sign_in(client, "wang", "mistyped-once").status_code for _ in range(PER_PAIR - 1)]
    signed_in = sign_in(client, "wang").status_code
    again = [sign_in(client, "wang", "mistyped-again").status_code for _ in range(PER_PAIR - 1)]

    assert first == again == [401] * (PER_PAIR - 1) and signed_in == 200
    assert sign_in(client, "wang").status_code == 200
