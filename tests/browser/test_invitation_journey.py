"""The invitation journey in a real browser: staff add a firm, its first user joins by e-mail."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from board.extensions import db
from board.models import Member, User
from tests import factories
from tests.browser.actions import sign_in, sign_out, tick_competence
from tests.mailbox import Mailbox, text_of

STAFF_EMAIL = "clara@cluster.example"
FIRM = "Wisła Cloud sp. z o.o."
FIRST_USER = "ola@wisla-cloud.example"
NEW_PASSWORD = "a river runs through Kraków"


def test_staff_invite_a_firm_and_its_first_user_joins(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")

    sign_in(page, live_server, staff.email, staff.password)
    # A link styled by Pico with role="button": accept either role, so the test survives the fix.
    add_firm = page.get_by_role("link", name="Add a member firm")
    add_firm.or_(page.get_by_role("button", name="Add a member firm")).click()
    expect(page).to_have_url(f"{live_server}/staff/members/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a member firm")

    page.get_by_label("Firm name").fill(FIRM)
    page.get_by_label("Country").select_option(label="Poland")
    page.get_by_label("Website").fill("wisla-cloud.example")
    page.get_by_label("E-mail of the firm's first user").fill(FIRST_USER)
    # Not the language of the firm's country (Polish): the invitation and the welcome in English.
    page.get_by_label("Language of the invitation").select_option("en")
    tick_competence(page, "Python")
    tick_competence(page, "Kubernetes")
    page.get_by_role("button", name="Add the firm and send the invitation").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"{FIRM} is a member; an invitation is on its way to {FIRST_USER}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRM)
    expect(page.locator("main")).to_contain_text("Poland")
    expect(page.locator("main .tags li")).to_have_text(["Python", "Kubernetes"])  # taxonomy order
    sign_out(page)

    (message,) = mailbox.wait_for(1, to=FIRST_USER)
    body = text_of(message)
    match = re.search(re.escape(live_server) + r"/invitations/[^\s<>\"']+", body)
    assert match, f"no link to {live_server}/invitations/… in the invitation:\n{body}"

    page.goto(match.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the procurement board")
    expect(page.locator("main")).to_contain_text(FIRM)
    page.get_by_label("Your name").fill("Ola Kowalska")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Join the board").click()

    expect(page.get_by_role("status")).to_contain_text("Welcome to the board, Ola Kowalska.")
    expect(page).to_have_url(f"{live_server}/needs")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="My firm")).to_be_visible()
    expect(navigation.get_by_role("button", name="Sign out")).to_be_visible()
    navigation.get_by_role("link", name="Members").click()
    expect(page.get_by_role("link", name=FIRM)).to_be_visible()
    navigation.get_by_role("link", name="My firm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRM)
    expect(page.locator("main")).to_contain_text(f"Ola Kowalska <{FIRST_USER}>")

    # The password chosen in the browser is the one that signs in.
    sign_out(page)
    sign_in(page, live_server, FIRST_USER, NEW_PASSWORD)
    expect(page.get_by_role("link", name="My firm")).to_be_visible()

    # The link works once.
    page.goto(match.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("This invitation does not work")


def test_new_firm_form_shows_errors_next_to_the_fields(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL)

    sign_in(page, live_server, staff.email, staff.password)
    page.goto(f"{live_server}/staff/members/new")
    page.get_by_label("Firm name").fill("")
    page.get_by_label("E-mail of the firm's first user").fill("not-an-address")
    page.get_by_role("button", name="Add the firm and send the invitation").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # board.js moves focus to the summary
    expect(summary.get_by_role("heading")).to_have_text("Please correct these 2 things:")
    expect(summary.get_by_role("listitem")).to_have_text(
        [
            "Firm name: Enter the firm's name.",
            "E-mail of the firm's first user: Enter a valid e-mail address, like name@firm.com.",
        ]
    )

    for label, message in (
        ("Firm name", "Enter the firm's name."),
        ("E-mail of the firm's first user", "Enter a valid e-mail address, like name@firm.com."),
    ):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = field.get_attribute("aria-describedby") or ""
        assert described_by, f"{label}: no aria-describedby"
        error = page.locator(f"#{described_by.split()[0]}")
        expect(error).to_have_text(message)
        expect(field).to_have_accessible_description(message)
        # The message sits next to its field, in the same form group.
        assert field.evaluate(
            "(input, error) => input.parentElement === error.parentElement", error.element_handle()
        ), f"{label}: the error is not next to its field"
        # The summary's link leads to the field.
        link = summary.get_by_role("link", name=f"{label}: {message}")
        expect(link).to_have_attribute("href", f"#{field.get_attribute('id')}")

    # What was typed is kept; fields without errors are not marked invalid.
    expect(page.get_by_label("E-mail of the firm's first user")).to_have_value("not-an-address")
    expect(page.get_by_label("Website")).not_to_have_attribute("aria-invalid", "true")

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert mailbox.messages == []
