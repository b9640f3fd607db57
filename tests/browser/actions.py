"""What a person does in the browser, shared by the browser tests.

Texts are looked up through `words` (tests/browser/languages.py's `Words` for a language
other than English), so the same steps prove the board usable in each language.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Dialog, Page, expect


def english(text: str) -> str:
    return text


def sign_in(
    page: Page,
    base_url: str,
    email: str,
    password: str,
    words: Callable[[str], str] = english,
    then: Callable[[str], str] | None = None,
) -> None:
    """Sign in through the /login form, by its labels, and wait until signed in.

    `words` is the sign-in page's language; `then`, the account's, which the board speaks
    once signed in (by default the same).
    """
    page.goto(f"{base_url}/login")
    fill_sign_in(page, email, password, words, then)


def fill_sign_in(
    page: Page,
    email: str,
    password: str,
    words: Callable[[str], str] = english,
    then: Callable[[str], str] | None = None,
) -> None:
    """Sign in on the sign-in page shown now, as `sign_in` does."""
    page.get_by_label(words("E-mail"), exact=True).fill(email)
    page.get_by_label(words("Password"), exact=True).fill(password)
    page.get_by_role("button", name=words("Sign in"), exact=True).click()
    expect(page.get_by_role("button", name=(then or words)("Sign out"))).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def choose_language(page: Page, locale: str) -> None:
    """Choose `locale` with the switch at the foot of an English page."""
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Language", exact=True).select_option(locale)
    footer.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", locale)


def confirming(page: Page) -> list[str]:
    """Accept every confirmation the page asks for; return the questions asked, in order."""
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return asked


def tick_competence(page: Page, name: str, ticked: bool = True) -> None:
    """Tick (or untick) a competence of the picker by its label, opening its area first: the
    picker shows an area closed unless it holds a chosen competence. Works with and without
    the page's script (a closed area opens natively)."""
    box = page.get_by_label(name, exact=True)
    if not box.is_visible():
        page.locator("details.competence-area").filter(has=box).locator("summary").click()
    box.set_checked(ticked)
