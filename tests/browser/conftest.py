"""Browser fixtures: the test's `app` served over real HTTP, and Debian's Chromium via Playwright.

Every test under tests/browser is marked `browser`. A failing test leaves a full-page
screenshot and the page's HTML in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from werkzeug.serving import make_server

BROWSER_TESTS = Path(__file__).resolve().parent
ARTIFACTS = BROWSER_TESTS.parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser `browser`, before `-m` selects by marker."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (`item.rep_setup`, `item.rep_call`) for fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test's `app` on a free loopback port; yield its base URL.

    BASE_URL is pointed at the server before anything can send e-mail, so the links in
    e-mails lead the browser back to this server.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "`make test` installs Debian's chromium package (or: apt-get install chromium).",
            pytrace=False,
        )
    expect.set_options(timeout=TIMEOUT_MS)
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


def artifact_name(item: pytest.Item) -> str:
    """The test's node id as a file name: tests/browser/test_x.py::test_y[sqlite] → test_x.py-…"""
    node = item.nodeid.removeprefix("tests/browser/")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", node).strip("-")


def fresh_page(browser: Browser) -> Page:
    """A page in a context of its own (its own cookies), in English and in UTC."""
    context = browser.new_context(locale="en-US", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def has_failed(request: pytest.FixtureRequest) -> bool:
    """Whether the test asking for a fixture failed, in its setup or its body."""
    return any(
        getattr(request.node, f"rep_{phase}", None) is not None
        and getattr(request.node, f"rep_{phase}").failed
        for phase in ("setup", "call")
    )


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page in a fresh context (no cookies shared between tests)."""
    new_page = fresh_page(browser)
    try:
        yield new_page
    finally:
        if has_failed(request):
            save_artifacts(new_page, artifact_name(request.node))
        new_page.context.close()


@pytest.fixture
def browser_of(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Page]]:
    """A page for each person of a test, in a browser of their own: `browser_of("staff")`.

    A failing test leaves each person's page in tests/artifacts/, named after them.
    """
    opened: dict[str, Page] = {}

    def open_page(person: str) -> Page:
        assert person not in opened, f"{person} has a browser already"
        opened[person] = fresh_page(browser)
        return opened[person]

    try:
        yield open_page
    finally:
        for person, person_page in opened.items():
            if has_failed(request):
                save_artifacts(person_page, f"{artifact_name(request.node)}-{person}")
            person_page.context.close()


def save_artifacts(page: Page, name: str) -> None:
    """Write a full-page screenshot and the HTML; never let this hide the test's own failure."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a closed or crashed page must not mask the failure
        (ARTIFACTS / f"{name}.error.txt").write_text(f"no artifacts: {exc!r}\n", encoding="utf-8")
