"""A volunteer's erasure interrupted between its fact and the destruction of their key (the process killed): the
views already show the tombstone, but the key, the accounts and their sessions still stand. Erasing again — by the
command, the API or the volunteer's page — finishes it, and records nothing more."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import StoreSettings
from tests.stores import cli_environment
from tests.web.api.conftest import post, signed_in
from tests.web.test_erasure import peiban
from tests.web.test_volunteer_erasure import CANARIES, REASON, Scene, complete_and_depart, holding, write_scene
from tests.web.ui.conftest import browser, form_token, open_account
from web.app import create_app, shutdown
from web.infra.stores import EXIT_AFTER_SAVE
from web.settings import Settings


def killed_while_erasing(settings: Settings, volunteer_id: str) -> None:
    """`peiban erase-volunteer` dies right after it saves the ``Erased`` fact, before the key is destroyed."""
    env = {**os.environ, **cli_environment(settings.store), "PEIBAN_TEST_EXIT_AFTER_SAVE": "1"}
    command = [sys.executable, "-c", "from web.cli import main; main()", "erase-volunteer", volunteer_id]
    died = subprocess.run([*command, "--reason", REASON], env=env, capture_output=True, text=True, check=False)
    assert died.returncode == EXIT_AFTER_SAVE, died.stderr


def by_command(_app: Flask, scene: Scene) -> None:
    again = peiban(scene.settings, "erase-volunteer", scene.erased, "--reason", "另一个原因")
    assert again.returncode == 0, again.stdout + again.stderr


def by_api(app: Flask, scene: Scene) -> None:
    post(signed_in(app, "coordinator"), f"/volunteers/{scene.erased}/erasure", {"reason": "另一个原因"})


def by_page(app: Flask, scene: Scene) -> None:
    open_account(app, "coordinator", "coordinator")
    pages = browser(app, "coordinator")
    form = pages.get(f"/volunteers/{scene.erased}/erase")
    assert form.status_code == 200, "the key still stands: the form finishes the erasure"
    sent = {"reason": "另一个原因", "confirm": "erase", "csrf_token": form_token(form)}
    assert pages.post(f"/volunteers/{scene.erased}/erase", data=sent).status_code == 303


@pytest.mark.parametrize("again", [by_command, by_api, by_page])
def test_erasing_again_after_a_crash_finishes_the_erasure_and_records_nothing_more(
    tmp_path: Path, again: Callable[[Flask, Scene], None]
) -> None:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    app = create_app(settings, {"TESTING": True})  # serving while an erasure from the command line dies
    try:
        scene = write_scene(app, settings)
        complete_and_depart(app, scene)
        before = app.extensions["peiban"].log_position()
        killed_while_erasing(settings, scene.erased)
        log = app.extensions["peiban"]
        assert log.log_position() == before + 1
        assert not log.is_erased(scene.erased), "the key outlived the fact"
        again(app, scene)
        assert log.log_position() == before + 1, "the erasure was recorded once"
        assert log.is_erased(scene.erased)
        gone = signed_in(app, "coordinator").get(f"/api/v1/volunteers/{scene.erased}").get_json()
        assert REASON in gone["message"] and "另一个原因" not in gone["message"], "the first reason stands"
        accounts = app.extensions["peiban.accounts"]
        assert CANARIES["user name"] not in [a.user_name for a in accounts.all_accounts()]
        app.extensions["peiban.access_log"].catch_up()
    finally:
        shutdown(app)
    peiban(settings, "erase-volunteer", scene.erased, "--reason", REASON)  # (scrubs, the server stopped)
    assert holding(settings.store.data_dir) == {}


def test_erasing_a_family_again_after_a_crash_finishes_it_and_records_nothing_more(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    app = create_app(settings, {"TESTING": True})  # serving while an erasure from the command line dies
    try:
        scene = write_scene(app, settings)
        before = app.extensions["peiban"].log_position()
        env = {**os.environ, **cli_environment(settings.store), "PEIBAN_TEST_EXIT_AFTER_SAVE": "1"}
        command = [sys.executable, "-c", "from web.cli import main; main()", "erase", scene.family, "--reason", REASON]
        assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == EXIT_AFTER_SAVE
        log = app.extensions["peiban"]
        assert not log.is_erased(scene.family)
        answer = post(signed_in(app, "coordinator"), f"/families/{scene.family}/erasure", {"reason": "另一个原因"})
        assert log.log_position() == before + 1 and log.is_erased(scene.family)
        (crashed,) = log.events.get(UUID(scene.family), desc=True, limit=1)
        assert answer["event_id"] == str(crashed.event_id), "the answer is the fact the crashed erasure stored"
        gone = signed_in(app, "coordinator").get(f"/api/v1/families/{scene.family}").get_json()
        assert REASON in gone["message"] and "另一个原因" not in gone["message"]
    finally:
        shutdown(app)


def test_two_erasures_of_one_volunteer_at_once_record_one_fact(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    app = create_app(settings, {"TESTING": True})
    try:
        scene = write_scene(app, settings)
        complete_and_depart(app, scene)
        log = app.extensions["peiban"]
        before = log.log_position()
        start = threading.Barrier(2)
        answers: list[int] = []

        clients = [signed_in(app, "coordinator") for _ in range(2)]

        def erase(client: FlaskClient) -> None:
            start.wait(timeout=60)
            answers.append(
                client.post(f"/api/v1/volunteers/{scene.erased}/erasure", json={"reason": REASON}).status_code
            )

        both = [threading.Thread(target=erase, args=(client,)) for client in clients]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join()

        assert 201 in answers and set(answers) <= {201, 410}, answers
        assert log.log_position() == before + 1 and log.is_erased(scene.erased)
    finally:
        shutdown(app)


def test_an_erasure_a_crash_left_half_done_is_finished_when_the_app_starts(tmp_path: Path) -> None:
    """Nobody has to notice: the ``Erased`` fact stored, the key still standing, the next start finishes it."""
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    app = create_app(settings, {"TESTING": True})
    try:
        scene = write_scene(app, settings)
        complete_and_depart(app, scene)
        before = app.extensions["peiban"].log_position()
    finally:
        shutdown(app)
    killed_while_erasing(settings, scene.erased)

    app = create_app(settings, {"TESTING": True})
    try:
        log = app.extensions["peiban"]
        assert log.is_erased(UUID(scene.erased)) and log.log_position() == before + 1
        accounts = app.extensions["peiban.accounts"]
        assert CANARIES["user name"] not in [a.user_name for a in accounts.all_accounts()]
    finally:
        shutdown(app)
    assert holding(settings.store.data_dir) == {}
