"""The need form's competence picker on a phone: areas that fold, a filter box, the chosen
competences as chips, and the firms they reach said as one picks; and the same form with the
browser's scripts turned off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Request, expect
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.models import Need
from tests import factories
from tests.browser.actions import sign_in, tick_competence
from tests.browser.conftest import TIMEOUT_MS, has_failed, save_artifacts
from tests.browser.languages import Words
from tests.browser.test_procurement_loop import watch

PHONE = {"width": 390, "height": 844}
# The picker's height when every box was in sight, on a phone; folded, it must be far below.
UNFOLDED_HEIGHT = 2972
FOLDED_HEIGHT_AT_MOST = 1200
CHOOSE = "Choose competences to see how many member firms have them."
NOBODY = "No other member firm has any of these competences"


def reaching(firms: int) -> str:
    if firms == 1:
        return "1 other member firm has at least one of these competences."
    return f"{firms} other member firms have at least one of these competences."


@dataclass(frozen=True)
class Cast:
    """Odra posts, and has Kotlin and Python; Wisła has Kotlin, Elbtal Kotlin and Kubernetes,
    Tatry React."""

    requester: factories.Account
    deadline: str


@pytest.fixture
def cast(app: Flask) -> Cast:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin", "python"))
        factories.make_member("Wisła Cloud", competences=("kotlin",))
        factories.make_member("Elbtal Systems", competences=("kotlin", "kubernetes"))
        factories.make_member("Tatry Apps", competences=("react",))
        requester = factories.make_user(odra, email="anna@odra.example")
        return Cast(requester, (cluster_today() + timedelta(days=20)).isoformat())


# The visible boxes, areas, chips and summaries, and what a finger can tap.
VISIBLE_BOXES = """
() => Array.from(document.querySelectorAll('.competence-area input[type="checkbox"]'))
  .filter((box) => box.checkVisibility())
  .map((box) => box.closest("label").textContent.trim())
"""
SMALL_TARGETS = """
() => Array.from(document.querySelectorAll(
    ".competence-area > summary, .area-choices label, .area-choices input, .chips button, "
    + ".picker-tools input"
  ))
  .filter((el) => el.checkVisibility())
  .map((el) => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 24 || box.height < 24)
  .map(([html, box]) => `${html}: ${box.width}x${box.height}`)
"""


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def picker_height(page: Page) -> float:
    height: float = page.locator("fieldset.competences").evaluate(
        "(picker) => picker.getBoundingClientRect().height"
    )
    return height


def test_on_a_phone_one_filters_ticks_sees_the_reach_removes_chips_and_saves(
    app: Flask, cast: Cast, live_server: str, page: Page
) -> None:
    problems = watch(page)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.requester.email, cast.requester.password)
    page.goto(f"{live_server}/needs/new")
    reach = page.locator(".competence-reach")
    expect(reach).to_have_text(CHOOSE)
    expect(reach).to_have_attribute("aria-live", "polite")

    # Every area folded: the picker is a list of areas, not 84 boxes.
    assert page.locator("details.competence-area[open]").count() == 0
    assert page.evaluate(VISIBLE_BOXES) == []
    assert picker_height(page) < FOLDED_HEIGHT_AT_MOST < UNFOLDED_HEIGHT
    assert page_width(page) <= PHONE["width"]

    # The filter narrows the list, whatever the case and the accents typed.
    search = page.get_by_label("Find a competence", exact=True)
    search.fill("KUBÉR")
    expect(page.get_by_label("Kubernetes", exact=True)).to_be_visible()
    assert page.evaluate(VISIBLE_BOXES) == ["Kubernetes"]
    search.fill("penetration test")
    assert page.evaluate(VISIBLE_BOXES) == ["Penetration testing"]
    search.fill("no such skill")
    assert page.evaluate(VISIBLE_BOXES) == []
    expect(page.get_by_role("status").filter(has_text="No competence has")).to_be_visible()
    search.press("Escape")
    expect(search).to_have_value("")
    assert page.evaluate(VISIBLE_BOXES) == []
    assert page.locator("details.competence-area:visible").count() == 10

    # Ticking shows a chip, counts the area's choice and asks how many firms it reaches.
    search.fill("kubernetes")
    page.get_by_label("Kubernetes", exact=True).check()
    expect(page.get_by_role("button", name="Remove Kubernetes", exact=True)).to_be_visible()
    expect(reach).to_have_text(reaching(1))
    cloud = page.locator("details.competence-area").filter(has_text="Cloud and DevOps")
    expect(cloud.locator("summary")).to_contain_text("chosen: 1")
    search.fill("")
    # The area holding a choice stays open once the search is cleared; the others fold.
    expect(cloud).to_have_attribute("open", "")
    assert page.locator("details.competence-area[open]").count() == 1

    tick_competence(page, "Kotlin")
    expect(reach).to_have_text(reaching(2))
    chips = page.locator(".chips button")
    expect(chips).to_have_text(["Kotlin ×", "Kubernetes ×"])

    # A chip unticks its competence.
    page.get_by_role("button", name="Remove Kotlin", exact=True).click()
    expect(page.get_by_label("Kotlin", exact=True)).not_to_be_checked()
    expect(chips).to_have_text(["Kubernetes ×"])
    expect(reach).to_have_text(reaching(1))

    # Competences only the requester's own firm has reach nobody: the nearest ones are named.
    tick_competence(page, "Python")
    page.get_by_role("button", name="Remove Kubernetes", exact=True).click()
    expect(page.get_by_label("Kubernetes", exact=True)).not_to_be_checked()
    expect(reach).to_contain_text(NOBODY)
    expect(reach.locator("li")).to_have_text(["Kotlin: 2 firms", "React: 1 firm"])
    expect(reach).to_have_class("competence-reach reach-warning")
    tick_competence(page, "React")
    expect(reach).to_have_text(reaching(1))
    expect(reach).to_have_class("competence-reach")

    assert page_width(page) <= PHONE["width"]
    assert page.evaluate(SMALL_TARGETS) == []

    page.get_by_label("Title", exact=True).fill("A React front end for our data platform")
    page.get_by_label("Description", exact=True).fill("Two developers for three months.")
    page.get_by_label("Offers until", exact=True).fill(cast.deadline)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your need is saved as a draft.")
    with app.app_context():
        need = db.session.scalars(select(Need)).one()
        assert [c.slug for c in need.competences] == ["python", "react"]
        need_id = need.id

    page.goto(f"{live_server}/needs/{need_id}/edit")
    expect(page.get_by_label("Python", exact=True)).to_be_checked()
    expect(page.get_by_label("React", exact=True)).to_be_checked()
    expect(chips).to_have_text(["Python ×", "React ×"])
    expect(reach).to_have_text(reaching(1))
    assert problems == []


def test_ticking_in_a_row_asks_once_and_a_late_answer_does_not_overwrite_a_newer_one(
    app: Flask, cast: Cast, live_server: str, page: Page
) -> None:
    sign_in(page, live_server, cast.requester.email, cast.requester.password)
    page.goto(f"{live_server}/needs/new")
    asked: list[str] = []

    def note(request: Request) -> None:
        if "/needs/reach" in request.url:
            asked.append(request.url)

    page.on("request", note)
    # Three boxes ticked at once: one question, after the pause, in the taxonomy's order.
    page.evaluate(
        """() => ["kotlin", "kubernetes", "react"].forEach((slug) => {
          document.querySelector(`input[value="${slug}"]`).click();
        })"""
    )
    reach = page.locator(".competence-reach")
    expect(reach).to_have_text(reaching(3))
    page.wait_for_timeout(400)
    assert len(asked) == 1, asked
    assert asked[0].endswith(
        "/needs/reach?competences=kotlin&competences=react&competences=kubernetes"
    )

    # The next answer arrives late (it cannot be called back); the one after it, at once.
    page.evaluate(
        """() => {
          const fetchNow = window.fetch;
          let first = true;
          window.fetch = (url) => {
            if (!first) return fetchNow(url);
            first = false;
            return new Promise((resolve) => setTimeout(() => resolve(fetchNow(url)), 1500));
          };
        }"""
    )
    page.get_by_role("button", name="Remove Kotlin", exact=True).click()
    page.wait_for_timeout(400)  # the slow question, for Kubernetes and React, is on its way
    page.get_by_role("button", name="Remove React", exact=True).click()
    expect(reach).to_have_text(reaching(1))
    page.wait_for_timeout(2000)  # its answer, two firms, has come: too late to be shown
    assert len(asked) == 3, asked
    expect(reach).to_have_text(reaching(1))


def test_the_filter_folds_the_readers_language_and_its_accents(
    app: Flask, live_server: str, page: Page
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        user = factories.make_user(odra, email="anna@odra.example", locale="pl")
    polish = Words("pl")
    sign_in(page, live_server, user.email, user.password, then=polish)
    page.goto(f"{live_server}/needs/new")
    search = page.get_by_label(polish("Find a competence"), exact=True)
    # "Wdrożenie ISO 27001" and "Zarządzanie tożsamością i dostępem (IAM)", typed without
    # Polish letters.
    search.fill("WDROZENIE")
    assert page.evaluate(VISIBLE_BOXES) == [polish("ISO 27001 implementation")]
    search.fill("tozsamoscia")
    assert page.evaluate(VISIBLE_BOXES) == [polish("Identity and access management")]
    assert polish.untranslated == []


@pytest.fixture
def page_without_scripts(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a browser whose scripts are turned off."""
    context = browser.new_context(
        java_script_enabled=False, locale="en-US", timezone_id="UTC", viewport=PHONE
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        if has_failed(request):
            save_artifacts(page, "test_need_form_picker-without-scripts")
        context.close()


def test_without_scripts_one_ticks_saves_and_the_form_counts_the_firms(
    app: Flask, cast: Cast, live_server: str, page_without_scripts: Page
) -> None:
    page = page_without_scripts
    sign_in(page, live_server, cast.requester.email, cast.requester.password)
    page.goto(f"{live_server}/needs/new")
    reach = page.locator(".competence-reach")
    expect(reach).to_have_text(CHOOSE)
    # The script's tools stay hidden; the areas open natively.
    expect(page.get_by_label("Find a competence", exact=True)).to_be_hidden()
    tick_competence(page, "Kotlin")
    tick_competence(page, "Kubernetes")
    # Sent without a title: the form comes back with the competences ticked, and counts them.
    page.get_by_label("Offers until", exact=True).fill(cast.deadline)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the need a title.")
    expect(page.get_by_label("Kotlin", exact=True)).to_be_checked()
    expect(reach).to_have_text(reaching(2))

    page.get_by_label("Title", exact=True).fill("Two Kotlin developers on Kubernetes")
    page.get_by_label("Description", exact=True).fill("For six months.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your need is saved as a draft.")
    with app.app_context():
        need = db.session.scalars(select(Need)).one()
        assert [c.slug for c in need.competences] == ["kotlin", "kubernetes"]
        need_id = need.id
    page.goto(f"{live_server}/needs/{need_id}/edit")
    expect(page.get_by_label("Kubernetes", exact=True)).to_be_checked()
    expect(reach).to_have_text(reaching(2))
    assert page_width(page) <= PHONE["width"]


def test_on_a_phone_the_form_shows_every_error_at_once_beside_its_field_and_in_a_summary(
    app: Flask, cast: Cast, live_server: str, page: Page
) -> None:
    problems = watch(page)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.requester.email, cast.requester.password)
    page.goto(f"{live_server}/needs/new")
    # The required fields say so, beside their labels.
    expect(page.get_by_text("Fields marked with an asterisk are required.")).to_be_visible()
    marked = page.locator(".required-mark").evaluate_all(
        "(marks) => marks.map((mark) => (mark.previousElementSibling || mark.parentElement)"
        + ".textContent.replace('*', '').trim())"
    )
    assert marked == ["Title", "Description", "Competences needed", "Offers until"]

    page.get_by_label("Title", exact=True).fill("Go")
    with app.app_context():
        today = cluster_today().isoformat()
    page.get_by_label("Offers until", exact=True).fill(today)
    page.get_by_label("Budget from", exact=True).fill("9000")
    page.get_by_label("Budget up to", exact=True).fill("100")
    page.get_by_role("button", name="Save the draft").click()

    summary = page.locator(".errors-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Please correct these 5 things:")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Title: Use 5 to 200 characters.",
            "Description: Describe what you need.",
            "Competences needed: Choose at least one competence.",
            "Offers until: The offer deadline must be tomorrow or later.",
            "Budget up to: The lowest budget cannot be above the highest.",
        ]
    )
    # Each error also stands beside its field, which says it is wrong; what was typed stays.
    budget = page.get_by_label("Budget up to", exact=True)
    expect(budget).to_have_attribute("aria-invalid", "true")
    expect(budget).to_have_accessible_description("The lowest budget cannot be above the highest.")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Go")
    expect(page.get_by_label("Budget from", exact=True)).to_have_value("9000")
    assert page_width(page) <= PHONE["width"]
    # A link of the summary takes one to the field.
    summary.get_by_role("link", name="Offers until: The offer deadline").click()
    expect(page.get_by_label("Offers until", exact=True)).to_be_focused()
    with app.app_context():
        assert db.session.scalars(select(Need)).all() == []

    # Mended in one go, it is saved.
    page.get_by_label("Title", exact=True).fill("Go developers for a payments platform")
    page.get_by_label("Description", exact=True).fill("Two developers for three months.")
    tick_competence(page, "Kotlin")
    page.get_by_label("Offers until", exact=True).fill(cast.deadline)
    page.get_by_label("Budget up to", exact=True).fill("20000")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your need is saved as a draft.")
    with app.app_context():
        (need,) = db.session.scalars(select(Need)).all()
        assert (need.title, need.budget_min, need.budget_max) == (
            "Go developers for a payments platform", 9000, 20000,
        )  # fmt: skip
    assert problems == []
