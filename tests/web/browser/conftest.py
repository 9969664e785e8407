"""A real browser on the real thing: Debian's Chromium, driven by Playwright, reading the web app that
waitress serves on 127.0.0.1 from a SQLite store holding the demo story.

Every page a test opens is watched: a console error (a script that throws, a style or script the
Content-Security-Policy refuses) or a same-origin request that fails or answers with an error status
fails the test when its page closes, unless the test said it expected that error page.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from flask import Flask

from domain import Peiban, StoreSettings
from tests.web.api.live_server import serving
from web.app import create_app, shutdown
from web.cli.accounts import demo_accounts
from web.demo.story import DemoSummary, load_demo
from web.infra.keys import open_keys
from web.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_BROWSER = "no browser: install Debian's chromium (apt-get install chromium fonts-noto-cjk)"
NO_DRIVER = "no browser driver: install Playwright for Python (pip install -e '.[test]')"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
LOCALE, TIMEZONE = "zh-CN", "Asia/Shanghai"  # where the people who use Peiban are
#: Asked for by the browser itself, not by the page (and dropped by it when the page moves on).
BROWSER_OWN_REQUESTS = frozenset({"/favicon.ico"})
#: How Chromium reports a request it dropped itself because the page moved on: not the app's failure.
ABORTED = "net::ERR_ABORTED"
LOAD_FAILURE = "Failed to load resource"


@dataclass(frozen=True)
class Site:
    """The web app served over HTTP with the demo story (and what the demo made), and the demo accounts
    (user name -> password)."""

    base_url: str
    app: Flask
    accounts: Mapping[str, str]
    demo: DemoSummary

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole run (Playwright's own browser downloads are not used)."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip(NO_DRIVER)
    if not CHROMIUM.exists():
        pytest.skip(NO_BROWSER)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass(frozen=True)
class DemoStory:
    """A SQLite store holding the demo story and the demo accounts, loaded once by a test process; each site
    serves a copy of it."""

    data_dir: Path
    accounts: Mapping[str, str]
    demo: DemoSummary


@pytest.fixture(scope="session")
def demo_story(tmp_path_factory: pytest.TempPathFactory) -> DemoStory:
    data_dir = tmp_path_factory.mktemp("demo-story") / "data"
    data_dir.mkdir(parents=True)
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=data_dir))
    keys = open_keys(settings)
    try:
        summary = load_demo(settings.store.env(Peiban.name), keys=keys)
    finally:
        keys.close()
    accounts = {name: password for name, _role, password in demo_accounts(settings)}
    return DemoStory(data_dir, accounts, summary)


@contextmanager
def demo_site(story: DemoStory, data_dir: Path) -> Iterator[Site]:
    """A copy of the demo story's store in ``data_dir`` (its files and keys; SQLite rebuilds each WAL's index),
    served by waitress."""
    shutil.copytree(story.data_dir, data_dir, ignore=shutil.ignore_patterns("*-shm"))
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data_dir)))
    try:
        with serving(app) as port:
            yield Site(f"http://127.0.0.1:{port}", app, story.accounts, story.demo)
    finally:
        shutdown(app)


@pytest.fixture(scope="session")
def site(browser: Browser, demo_story: DemoStory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo story, served once for the walks that only read it.
    (It asks for the browser first so that, where there is none, nothing is loaded for nobody to read.)"""
    with demo_site(demo_story, tmp_path_factory.mktemp("browser") / "data") as served:
        yield served


@pytest.fixture(scope="module")
def own_site(browser: Browser, demo_story: DemoStory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A demo story of the module's own, for walks that record something."""
    with demo_site(demo_story, tmp_path_factory.mktemp("browser-own") / "data") as served:
        yield served


@dataclass
class PageWatch:
    """What went wrong on a page: console errors, uncaught exceptions, failed same-origin requests."""

    origin: str
    expected: set[str] = field(default_factory=set)  # addresses whose error status a test expects
    problems: list[str] = field(default_factory=list)

    def ours(self, url: str) -> bool:
        """Whether ``url`` is one of the app's own resources the page asked for."""
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin and parts.path not in BROWSER_OWN_REQUESTS

    def broken(self, url: str) -> bool:
        """Whether an error status or a failure to load ``url`` is something wrong with the app."""
        return self.ours(url) and url not in self.expected

    def on_console(self, message: ConsoleMessage) -> None:
        # A load that fails is logged here as well as answered: it is judged by its address in on_response.
        if message.type == "error" and not message.text.startswith(LOAD_FAILURE):
            self.problems.append(f"console error: {message.text} (at {message.location.get('url')})")

    def on_page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def on_request_failed(self, request: Request) -> None:
        if self.ours(request.url) and request.failure != ABORTED:
            self.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and self.broken(response.url):
            self.problems.append(f"error status: {response.status} for {response.request.method} {response.url}")


_watches: dict[Page, PageWatch] = {}


def expect_error_page(page: Page, url: str) -> None:
    """Tell the page's watch that ``url`` is meant to answer with an error page (a 404, say)."""
    _watches[page].expected.add(url)


@pytest.fixture
def desktop_page(browser: Browser, site: Site) -> Iterator[Page]:
    """A 1280×800 desktop window in Shanghai, in Chinese."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=LOCALE, timezone_id=TIMEZONE)
    yield from _watched_page(context, site)


@pytest.fixture
def phone_page(browser: Browser, site: Site) -> Iterator[Page]:
    """A 375×812 phone with a touch screen, in Shanghai, in Chinese."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale=LOCALE,
        timezone_id=TIMEZONE,
    )
    yield from _watched_page(context, site)


def _watched_page(context: BrowserContext, site: Site) -> Iterator[Page]:
    """The context's page, watched; its problems fail the test once the page is closed."""
    page = context.new_page()
    watch = PageWatch(site.base_url)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("requestfailed", watch.on_request_failed)
    page.on("response", watch.on_response)
    _watches[page] = watch
    try:
        yield page
    finally:
        context.close()
        del _watches[page]
    assert not watch.problems, "the page had problems:\n" + "\n".join(watch.problems)


def sign_in(page: Page, base_url: str, user: str, password: str) -> None:
    """Fill in the sign-in form as a person would, send it, and wait to land past it."""
    page.goto(f"{base_url}/signin")
    page.locator("#user_name").fill(user)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/signin")


def screenshot(page: Page, name: str) -> Path:
    """The whole page as ``test-artifacts/screenshots/<name>.png`` at the repository's root."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
