"""Each main page in a real browser: no script or CSP errors, styled, every control labelled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Error, Page, Request, Response, expect

from tests import factories
from tests.browser.actions import sign_in
from tests.test_statistics import build_cluster

PAGES = ("/", "/login", "/password/forgot", "/members", "/member", "/account")
SIGNED_IN_ONLY = ("/members", "/member", "/account")
STAFF_PAGES = ("/staff", "/staff/members/new", "/staff/notifications", "/staff/statistics")
TITLE = re.compile(r"\S.* · Cluster procurement board$")

# Records the CSP violations the page reports to itself. Playwright's init scripts are not
# subject to the page's CSP, so this watcher does not trigger what it watches for.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}`
  );
});
"""

# The visible form controls without an accessible label.
UNLABELLED_CONTROLS = """
() => {
  const text = (el) => (el?.textContent || "").trim();
  const named = (el) =>
    (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "").split(/\\s+/).some(
      (id) => id && text(document.getElementById(id))
    ) ||
    Array.from(el.labels || []).some((label) => text(label));
  const visible = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  return Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((el) => el.type !== "hidden" && visible(el) && !named(el))
    .map((el) => el.outerHTML);
}
"""

# Visible links and buttons a screen reader would announce without a name.
UNNAMED_ACTIONS = """
() => Array.from(document.querySelectorAll("a[href], button"))
  .filter((el) => el.getClientRects().length > 0)
  .filter((el) => !(el.getAttribute("aria-label") || el.textContent || "").trim())
  .map((el) => el.outerHTML)
"""

# Whether the stylesheets loaded and apply: their rules, the body's font with and without
# them, and a rule of board.css.
STYLE_PROBE = """
() => {
  const sheets = Array.from(document.styleSheets);
  const rules = sheets.map((sheet) => sheet.cssRules.length);
  const styled = getComputedStyle(document.body).fontFamily;
  sheets.forEach((sheet) => { sheet.disabled = true; });
  const unstyled = getComputedStyle(document.body).fontFamily;
  sheets.forEach((sheet) => { sheet.disabled = false; });
  const skipLink = getComputedStyle(document.querySelector(".skip-link")).position;
  return { hrefs: sheets.map((sheet) => sheet.href), rules, styled, unstyled, skipLink };
}
"""


@dataclass
class PageWatch:
    """Collects what goes wrong in a page: console errors, uncaught errors, failed requests."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.add_init_script(CSP_WATCH)
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught error: {error.message}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def _request_failed(self, request: Request) -> None:
        # ERR_ABORTED is a request the browser cancelled because the page navigated away.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def visit(self, path: str) -> None:
        response = self.page.goto(f"{self.base_url}{path}")
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )

    def check(self) -> None:
        """Assert that the page shown now is clean, styled and labelled."""
        where = self.page.url.removeprefix(self.base_url)
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [], f"{where}: CSP violations: {violations}"
        assert self.problems == [], f"{where}: " + "\n".join(self.problems)

        style = self.page.evaluate(STYLE_PROBE)
        assert len(style["hrefs"]) >= 2, f"{where}: stylesheets: {style['hrefs']}"
        assert all(style["rules"]), f"{where}: an empty or unloaded stylesheet: {style}"
        assert style["styled"] != style["unstyled"], f"{where}: the body has the default font"
        assert style["skipLink"] == "absolute", f"{where}: board.css does not apply: {style}"

        unlabelled = self.page.evaluate(UNLABELLED_CONTROLS)
        assert unlabelled == [], f"{where}: form controls without a label: {unlabelled}"
        unnamed = self.page.evaluate(UNNAMED_ACTIONS)
        assert unnamed == [], f"{where}: links or buttons without a name: {unnamed}"
        expect(self.page.locator("html")).to_have_attribute("lang", re.compile(r"^[a-z]{2}"))
        expect(self.page).to_have_title(TITLE)
        expect(self.page.get_by_role("heading", level=1)).to_have_count(1)


@pytest.fixture
def watch(page: Page, live_server: str) -> PageWatch:
    return PageWatch(page, live_server)


@pytest.mark.parametrize("path", PAGES)
def test_page_for_anonymous_visitor(watch: PageWatch, path: str) -> None:
    watch.visit(path)
    if path in SIGNED_IN_ONLY:
        expect(watch.page).to_have_url(re.compile(r"/login\?next="))
    watch.check()


@pytest.mark.parametrize("path", PAGES)
def test_page_for_member_user(app: Flask, watch: PageWatch, path: str) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software sp. z o.o.", competences=("python", "aws"))
        user = factories.make_user(firm, email="agnieszka@odra.example", name="Agnieszka")
    sign_in(watch.page, watch.base_url, user.email, user.password)
    watch.visit(path)
    if path in ("/", "/login"):
        expect(watch.page).to_have_url(f"{watch.base_url}/needs")  # signed in already
    else:
        expect(watch.page).to_have_url(f"{watch.base_url}{path}")
    expect(watch.page.get_by_role("button", name="Sign out")).to_be_visible()
    watch.check()


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_page_for_staff(app: Flask, watch: PageWatch, path: str) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
    sign_in(watch.page, watch.base_url, staff.email, staff.password)
    watch.visit(path)
    expect(watch.page).to_have_url(f"{watch.base_url}{path}")
    watch.check()


# Each chart as drawn: its canvas's size on the page and the numbers of its series.
CHARTS = """
() => Array.from(document.querySelectorAll("table[data-chart]")).map((table) => {
  const canvas = table.closest(".statistics-figure").querySelector(".chart canvas");
  const chart = canvas && window.Chart.getChart(canvas);
  const box = canvas ? canvas.getBoundingClientRect() : { width: 0, height: 0 };
  return {
    table: table.querySelector("caption").textContent,
    width: box.width,
    height: box.height,
    series: chart ? chart.data.datasets.map((dataset) => dataset.data) : null,
  };
})
"""


def test_the_statistics_draw_each_chart_from_its_table_within_the_csp(
    app: Flask, watch: PageWatch
) -> None:
    with app.app_context():
        staff = build_cluster().staff
    sign_in(watch.page, watch.base_url, staff.email, staff.password)
    watch.visit("/staff/statistics?from=2026-01-01&to=2026-03-31")
    charts = watch.page.evaluate(CHARTS)
    assert len(charts) == 8, charts
    assert [c for c in charts if not (c["width"] > 0 and c["height"] > 0 and c["series"])] == []
    needs = next(c for c in charts if c["table"] == "Needs, month by month")
    # Posted, approved, awarded, cancelled, expired, for January, February and March.
    assert needs["series"] == [[4, 1, 4], [3, 2, 2], [0, 2, 1], [0, 0, 1], [0, 0, 1]]
    # The tables stay in sight, each under its chart.
    expect(watch.page.get_by_role("table", name="Needs, month by month")).to_be_visible()
    watch.check()


def test_the_watch_notices_csp_violations_and_script_errors(watch: PageWatch) -> None:
    """The checks above would pass vacuously if the watcher saw nothing: prove it sees."""
    watch.visit("/login")
    errors = watch.page.expect_console_message(lambda message: message.type == "error")
    with errors, watch.page.expect_event("pageerror"):
        watch.page.evaluate(
            """() => {
              const style = document.createElement("style");
              style.textContent = "body { color: red; }";
              document.head.append(style);
              setTimeout(() => { throw new Error("boom"); }, 0);
            }"""
        )
    watch.page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in v for v in watch.page.evaluate("window.__cspViolations"))
    assert any("Content Security Policy" in p for p in watch.problems), watch.problems
    assert any("boom" in p for p in watch.problems), watch.problems


def test_sign_in_with_the_keyboard_alone(app: Flask, live_server: str, page: Page) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software sp. z o.o.")
        user = factories.make_user(firm, email="agnieszka@odra.example")
    page.goto(f"{live_server}/login")

    email = page.get_by_label("E-mail", exact=True)
    password = page.get_by_label("Password", exact=True)
    expect(email).to_be_focused()  # autofocus
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(user.password)
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server}/needs")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="My firm")).to_be_visible()


def test_skip_link_is_the_first_tab_stop_and_leads_to_the_content(
    live_server: str, page: Page
) -> None:
    page.goto(f"{live_server}/")  # no autofocus on the welcome page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden off-screen until it has the focus
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("main :focus")).to_have_text("Sign in")
