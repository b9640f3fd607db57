"""The procurement loop in a real browser: a need is posted, reviewed, offered on and awarded."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

from flask import Flask
from playwright.sync_api import (
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Request,
    Response,
    expect,
)
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.models import Need, NeedStatus, Offer, OfferStatus
from tests import factories
from tests.browser.actions import sign_in, sign_out, tick_competence
from tests.browser.test_pages import UNLABELLED_CONTROLS
from tests.mailbox import Mailbox, html_of, text_of

REQUESTER_EMAIL = "agnieszka@odra.example"
SUPPLIER_EMAIL = "piotr@wisla-cloud.example"
STAFF_EMAIL = "clara@cluster.example"
REQUESTER_FIRM = "Odra Software sp. z o.o."
SUPPLIER_FIRM = "Wisła Cloud sp. z o.o."
TITLE = "Two senior Kotlin developers for a logistics platform"
DESCRIPTION = (
    "We are rebuilding our **warehouse routing** service.\n\n"
    "- Kotlin and Spring on Kubernetes\n"
    "- six months, *remote* with a kick-off in Wrocław\n\n"
    "See [our stack](https://odra.example/stack)."
)
OFFER_MESSAGE = "Two Kotlin seniors who built routing for a courier firm, free next month."
# "Reason (shown to the firm)" today; a label that also names the decision ends alike.
REASON_LABEL = re.compile(r"\(shown to the firm\)$")
REASON = "Please give a budget range and say who owns the Kubernetes cluster."


def subject(message: EmailMessage) -> str:
    """The Subject as a mail client shows it: Python folds a long ASCII one right after the
    colon ("Subject:\\n Your need…"), and its parser keeps that fold's space."""
    return message["Subject"].strip()


def watch(page: Page) -> list[str]:
    """What goes wrong on any page of the journey: script and CSP errors, failed requests."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{page.url}: console error: {message.text}")

    def response(answer: Response) -> None:
        if answer.status >= 400:
            problems.append(f"HTTP {answer.status} for {answer.url}")

    def failed(request: Request) -> None:
        if request.failure != "net::ERR_ABORTED":  # cancelled by a navigation
            problems.append(f"request failed: {request.url} ({request.failure})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error.message}"))
    page.on("response", response)
    page.on("requestfailed", failed)
    return problems


def assert_labelled(page: Page) -> None:
    unlabelled = page.evaluate(UNLABELLED_CONTROLS)
    assert unlabelled == [], f"{page.url}: form controls without a label: {unlabelled}"


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def test_a_need_is_posted_reviewed_offered_on_and_awarded(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("kotlin", "python"))
        wisla = factories.make_member(SUPPLIER_FIRM, competences=("kotlin", "kubernetes"))
        requester = factories.make_user(odra, email=REQUESTER_EMAIL, name="Agnieszka Nowak")
        supplier = factories.make_user(wisla, email=SUPPLIER_EMAIL, name="Piotr Wiśniewski")
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")
        today = cluster_today()
    deadline = today + timedelta(days=10)
    available = today + timedelta(days=30)
    problems = watch(page)

    # The requester drafts the need, by the form's labels, and sends it for review.
    sign_in(page, live_server, requester.email, requester.password)
    page.get_by_role("link", name="Post a need").click()
    expect(page).to_have_url(f"{live_server}/needs/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need")
    assert_labelled(page)
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description", exact=True).fill(DESCRIPTION)
    tick_competence(page, "Kotlin")
    tick_competence(page, "Kubernetes")
    page.get_by_label("Offers until", exact=True).fill(deadline.isoformat())
    page.get_by_label("Budget from", exact=True).fill("40000")
    page.get_by_label("Budget up to", exact=True).fill("60000")
    page.get_by_label("Currency", exact=True).select_option("EUR")
    page.get_by_role("button", name="Save the draft").click()

    expect(page.get_by_role("status")).to_contain_text("Your need is saved as a draft.")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/needs/\d+$"))
    need_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("hgroup .badge")).to_have_text("draft")
    description = page.locator(".need-description .markdown")
    expect(description.locator("strong")).to_have_text("warehouse routing")
    expect(description.locator("em")).to_have_text("remote")
    expect(description.get_by_role("listitem")).to_have_count(2)
    expect(description.get_by_role("link", name="our stack")).to_have_attribute(
        "href", "https://odra.example/stack"
    )
    # Odra has Kotlin itself, not Kubernetes: its own competence is marked for the reader.
    expect(page.locator(".need-facts .tags li")).to_have_text(
        ["✓ Kotlin (your firm has it)", "Kubernetes"]
    )
    expect(page.locator(".need-facts")).to_contain_text("€40,000.00 – €60,000.00")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your need is with the cluster staff for review."
    )
    expect(page.locator("hgroup .badge")).to_have_text("waiting for review")
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    sign_out(page)

    # Staff approve it from the review queue; the requester is told by e-mail.
    sign_in(page, live_server, staff.email, staff.password)
    main_nav(page).get_by_role("link", name="Review").click()
    expect(page).to_have_url(f"{live_server}/staff/needs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Needs to review")
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(need_url)
    assert_labelled(page)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The need is published and its author is told."
    )
    expect(page.locator("main")).to_contain_text("No needs are waiting for review.")

    (approved,) = mailbox.wait_for(1, to=requester.email)
    assert subject(approved) == f"Your need is published: {TITLE}"
    assert need_url in text_of(approved) and need_url in html_of(approved)
    # The supplier firm has Kotlin and Kubernetes: it hears of the need at once.
    (match,) = mailbox.wait_for(1, to=supplier.email)
    assert subject(match) == f"A new need matches your firm: {TITLE}"
    assert need_url in text_of(match)
    sign_out(page)

    # Another firm finds the need by a word of its description and sends an offer.
    sign_in(page, live_server, supplier.email, supplier.password)
    expect(page).to_have_url(f"{live_server}/needs")
    page.get_by_label("Search", exact=True).fill("warehouse")
    page.get_by_role("button", name="Show needs").click()
    expect(page).to_have_url(re.compile(r"[?&]q=warehouse"))
    expect(page.locator("main")).to_contain_text("1 need")
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(need_url)
    page.get_by_role("link", name="Send an offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send an offer")
    assert_labelled(page)
    page.get_by_label("Your offer", exact=True).fill(OFFER_MESSAGE)
    page.get_by_label("Price", exact=True).fill("52000")
    expect(page.get_by_label("Currency", exact=True)).to_have_value("EUR")  # the need's
    page.get_by_label("Available from", exact=True).fill(available.isoformat())
    page.get_by_role("button", name="Send the offer").click()

    expect(page.get_by_role("status")).to_contain_text("Your offer is sent.")
    expect(page).to_have_url(need_url)
    own_offer = page.get_by_role("region", name="Your firm's offer")
    expect(own_offer).to_contain_text("sent")
    expect(own_offer).to_contain_text("€52,000.00")
    received = [m for m in mailbox.wait_for(2, to=requester.email) if m is not approved]
    assert [subject(m) for m in received] == [f"New offer on your need: {TITLE}"]
    sign_out(page)

    # The requester reads the offer and accepts it, confirming in the browser's dialog.
    sign_in(page, live_server, requester.email, requester.password)
    main_nav(page).get_by_role("link", name="My needs").click()
    page.get_by_role("link", name=TITLE).click()
    offers = page.get_by_role("region", name=re.compile(r"^Offers"))
    expect(offers.get_by_role("heading", level=2)).to_have_text("Offers (1)")
    offer = offers.locator("article.offer")
    expect(offer.get_by_role("heading", level=3)).to_have_text(SUPPLIER_FIRM)
    expect(offer).to_contain_text("€52,000.00")
    expect(offer).to_contain_text(OFFER_MESSAGE)
    assert_labelled(page)
    dialogs: list[str] = []

    def confirm(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    offer.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("You accepted the offer")
    assert dialogs == ["Accept this offer? The need closes and the other offers are declined."]
    expect(page.locator("hgroup .badge")).to_have_text("awarded")
    expect(offer.locator(".badge")).to_have_text("accepted")
    expect(offer.get_by_role("button", name="Accept")).to_have_count(0)

    accepted = mailbox.wait_for(2, to=supplier.email)[-1]
    assert subject(accepted) == f"Your offer was accepted: {TITLE}"
    assert REQUESTER_FIRM in text_of(accepted)
    sign_out(page)

    # The supplier sees the award among its firm's offers.
    sign_in(page, live_server, supplier.email, supplier.password)
    main_nav(page).get_by_role("link", name="My offers").click()
    expect(page).to_have_url(f"{live_server}/offers")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row.get_by_role("cell")).to_have_text(
        [TITLE, REQUESTER_FIRM, "€52,000.00 · fixed price", "accepted", "awarded"]
    )

    assert problems == [], "\n".join(problems)

    with app.app_context():
        need = db.session.scalars(select(Need)).one()
        assert need.status == NeedStatus.CLOSED
        assert [o.status for o in db.session.scalars(select(Offer))] == [OfferStatus.ACCEPTED]


def test_staff_request_changes_and_the_requester_edits_and_submits_again(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("kotlin",))
        requester = factories.make_user(odra, email=REQUESTER_EMAIL, name="Agnieszka Nowak")
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")
        need_id = factories.make_need(
            odra, author_id=requester.id, title=TITLE, status=NeedStatus.PENDING
        ).id
        today = cluster_today()
    need_url = f"{live_server}/needs/{need_id}"

    sign_in(page, live_server, staff.email, staff.password)
    main_nav(page).get_by_role("link", name="Review").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(need_url)
    changes = page.locator("form").filter(
        has=page.get_by_role("button", name="Request changes", exact=True)
    )
    # Two boxes on the panel are labelled "Reason (shown to the firm)": take this form's.
    changes.get_by_label(REASON_LABEL).fill(REASON)
    changes.get_by_role("button", name="Request changes", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "The need is sent back to its author with your request."
    )
    (message,) = mailbox.wait_for(1, to=requester.email)
    assert subject(message) == f"Changes requested to your need: {TITLE}"
    assert REASON in text_of(message)
    sign_out(page)

    sign_in(page, live_server, requester.email, requester.password)
    main_nav(page).get_by_role("link", name="My needs").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("hgroup .badge")).to_have_text("changes requested")
    note = page.get_by_role("note")
    expect(note.get_by_role("heading")).to_have_text("Staff ask for changes")
    expect(note).to_contain_text(REASON)

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_url(f"{need_url}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the need")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_value(TITLE)
    title.fill("Two senior Kotlin developers, budget 40-60k EUR")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
    expect(page).to_have_url(need_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Two senior Kotlin developers, budget 40-60k EUR"
    )
    expect(page.get_by_role("note")).to_contain_text(REASON)  # still sent back until submitted

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your need is with the cluster staff for review."
    )
    expect(page.locator("hgroup .badge")).to_have_text("waiting for review")
    expect(page.get_by_role("note")).to_have_count(0)
    # Waiting for review it may still change, but not be submitted twice.
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)

    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need is not None
        assert need.status == NeedStatus.PENDING
        assert need.title == "Two senior Kotlin developers, budget 40-60k EUR"
        # The rest of the need came back from the edit form as it was.
        assert [c.slug for c in need.competences] == ["kotlin", "kubernetes"]
        assert need.description == "We are building a **logistics** platform and need help."
        assert need.offer_deadline == today + timedelta(days=14)


def test_each_reason_box_on_the_review_panel_says_what_it_is_for(
    app: Flask, live_server: str, page: Page
) -> None:
    """Two textareas named alike ("Reason (shown to the firm)") sit side by side, one for
    requesting changes, one for rejecting: a screen reader listing the form fields, or a
    keyboard user tabbing into either, cannot tell which decision the text goes with."""
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("kotlin",))
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL)
        need_id = factories.make_need(odra, title=TITLE, status=NeedStatus.PENDING).id

    sign_in(page, live_server, staff.email, staff.password)
    page.goto(f"{live_server}/needs/{need_id}")
    review = page.get_by_role("region", name="Review")
    expect(review.get_by_role("textbox")).to_have_count(2)
    changes = review.locator("form").filter(
        has=page.get_by_role("button", name="Request changes", exact=True)
    )
    reject = review.locator("form").filter(
        has=page.get_by_role("button", name="Reject", exact=True)
    )
    expect(changes.get_by_role("textbox")).to_have_accessible_name(
        re.compile(r"change", re.IGNORECASE), timeout=2_000
    )
    expect(reject.get_by_role("textbox")).to_have_accessible_name(
        re.compile(r"reject", re.IGNORECASE), timeout=2_000
    )
