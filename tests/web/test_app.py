"""The Flask app factory and its minimal pages."""

from __future__ import annotations

from pathlib import Path

from domain import StoreSettings
from tests.builders import scene
from web.app import application, create_app, shutdown
from web.settings import Settings, from_environment


def test_the_factory_builds_one_application_on_the_configured_store(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "d"))
    app = create_app(settings, {"TESTING": True})
    with app.app_context():
        scene(application())
    with app.app_context():
        assert application().log_position() > 0
    assert app.test_client().get("/healthz").status_code == 200
    assert (tmp_path / "d" / "peiban.sqlite3").is_file()
    shutdown(app)


def test_the_front_door_is_the_sign_in_page_in_chinese_first(tmp_path: Path) -> None:
    app = create_app(Settings(store=StoreSettings(backend="memory")), {"TESTING": True})
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/signin?next=/"
    page = client.get("/signin").get_data(as_text=True)
    assert page.index("陪伴") < page.index("Peiban")
    assert 'lang="zh-Hans"' in page
    shutdown(app)


def test_settings_come_from_peiban_variables_and_options_win() -> None:
    environ = {"PEIBAN_STORE": "postgres", "PEIBAN_POSTGRES_DBNAME": "centre", "PEIBAN_DATA_DIR": "/srv/x"}
    settings = from_environment(environ)
    assert settings.store.backend == "postgres"
    assert settings.store.postgres.dbname == "centre"
    assert from_environment(environ, store="sqlite", data_dir=Path("here")).store.data_dir == Path("here")
