"""The three kinds of user in a real browser, each through a journey of their own.

A requester takes a need from a draft through a request for changes to an award; a supplier
follows the match e-mail to the need and sends, edits and withdraws an offer; cluster staff
approve a firm, review needs, hide an offer and read what they did in the audit log. What
another person does in a journey is done through the services, as that person's click would.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage

from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.members.applications import ApplicationData, submit_application
from board.models import Member, Need, NeedStatus, Offer, OfferStatus, User
from board.needs.services import approve_need, request_changes
from board.offers.services import OfferData, submit_offer
from tests import factories
from tests.browser.actions import confirming, sign_in, tick_competence
from tests.browser.test_procurement_loop import assert_labelled, main_nav, subject, watch
from tests.mailbox import Mailbox, text_of

REQUESTER_EMAIL = "agnieszka@odra.example"
SUPPLIER_EMAIL = "piotr@wisla-cloud.example"
OTHER_SUPPLIER_EMAIL = "ioana@carpathia.example"
STAFF_EMAIL = "clara@cluster.example"
REQUESTER_FIRM = "Odra Software sp. z o.o."
SUPPLIER_FIRM = "Wisła Cloud sp. z o.o."
OTHER_SUPPLIER_FIRM = "Carpathia Data SRL"
TITLE = "Security audit of our payment API"
DESCRIPTION = (
    "Our **payment API** goes live in the spring.\n\n"
    "- a penetration test of the public endpoints\n"
    "- a review of the Kubernetes set-up\n"
)


def state(page: Page) -> Locator:
    """The need's status badge under its title."""
    return page.locator("hgroup .badge")


def pln(amount: str) -> re.Pattern[str]:
    """An amount in złoty as English pages write it: the code apart from the digits."""
    return re.compile(rf"PLN\s{re.escape(amount)}")


def subjects(messages: list[EmailMessage]) -> list[str]:
    return [subject(m) for m in messages]


def test_a_requester_posts_a_need_revises_it_for_staff_and_awards_it(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("python",))
        wisla = factories.make_member(SUPPLIER_FIRM, competences=("penetration-testing",))
        carpathia = factories.make_member(OTHER_SUPPLIER_FIRM, competences=("kubernetes",))
        requester = factories.make_user(odra, email=REQUESTER_EMAIL, name="Agnieszka Nowak")
        supplier = factories.make_user(wisla, email=SUPPLIER_EMAIL, name="Piotr Wiśniewski")
        other = factories.make_user(carpathia, email=OTHER_SUPPLIER_EMAIL, name="Ioana Popescu")
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")
        today = cluster_today()
    problems = watch(page)
    asked = confirming(page)

    # The requester drafts the need from "My needs".
    sign_in(page, live_server, requester.email, requester.password)
    main_nav(page).get_by_role("link", name="My needs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My firm's needs")
    expect(page.locator("main")).to_contain_text("Your firm has not posted a need yet.")
    page.locator("main").get_by_role("link", name="Post a need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need")
    assert_labelled(page)
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description", exact=True).fill(DESCRIPTION)
    tick_competence(page, "Penetration testing")
    tick_competence(page, "Kubernetes")
    page.get_by_label("Offers until", exact=True).fill((today + timedelta(days=5)).isoformat())
    page.get_by_label("Budget from", exact=True).fill("15000")
    page.get_by_label("Budget up to", exact=True).fill("25000")
    page.get_by_label("Currency", exact=True).select_option("EUR")
    page.get_by_role("button", name="Save the draft").click()

    expect(page.get_by_role("status")).to_contain_text("Your need is saved as a draft.")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/needs/\d+$"))
    need_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(state(page)).to_have_text("draft")
    expect(page.locator(".need-description strong")).to_have_text("payment API")
    expect(page.locator(".need-facts")).to_contain_text("€15,000.00 – €25,000.00")

    # A second look before sending it: the budget goes up.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the need")
    expect(page.get_by_label("Penetration testing", exact=True)).to_be_checked()
    expect(page.get_by_label("Budget up to", exact=True)).to_have_value("25000.00")
    page.get_by_label("Budget up to", exact=True).fill("30000")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
    expect(page).to_have_url(need_url)
    expect(page.locator(".need-facts")).to_contain_text("€15,000.00 – €30,000.00")
    expect(state(page)).to_have_text("draft")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your need is with the cluster staff for review."
    )
    expect(state(page)).to_have_text("waiting for review")
    (review,) = mailbox.wait_for(1, to=staff.email)
    assert subject(review) == f"A need waits for your review: {TITLE}"

    # Staff send it back: five days is too short for an audit.
    reason = "Five days is short for an audit: please give firms at least two weeks."
    with app.app_context():
        need_id = db.session.scalars(select(Need.id)).one()
        request_changes(db.session.get(Need, need_id), db.session.get(User, staff.id), reason)
    (changes,) = mailbox.wait_for(1, to=requester.email)
    assert subject(changes) == f"Changes requested to your need: {TITLE}"
    assert reason in text_of(changes) and need_url in text_of(changes)

    # The requester reads why, moves the deadline and sends it again.
    main_nav(page).get_by_role("link", name="My needs").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row.locator(".badge")).to_have_text("changes requested")
    row.get_by_role("link", name=TITLE).click()
    note = page.get_by_role("note")
    expect(note.get_by_role("heading")).to_have_text("Staff ask for changes")
    expect(note).to_contain_text(reason)
    page.get_by_role("link", name="Edit", exact=True).click()
    deadline = today + timedelta(days=16)
    page.get_by_label("Offers until", exact=True).fill(deadline.isoformat())
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
    expect(state(page)).to_have_text("changes requested")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your need is with the cluster staff for review."
    )
    expect(state(page)).to_have_text("waiting for review")
    expect(page.get_by_role("note")).to_have_count(0)
    assert (
        subjects(mailbox.wait_for(2, to=staff.email))
        == [f"A need waits for your review: {TITLE}"] * 2
    )

    # Staff approve it; the two matching firms offer, the cheaper one second.
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need is not None and need.offer_deadline == deadline
        approve_need(need, db.session.get(User, staff.id))
        available = today + timedelta(days=21)
        for account, price, message in (
            (supplier, "28000", "Two certified testers, OWASP ASVS level 2, report in English."),
            (other, "24500", "A Kubernetes and API review by our SRE team, report in two weeks."),
        ):
            author = db.session.get(User, account.id)
            assert author is not None and author.member is not None
            data = OfferData(message, Decimal(price), "EUR", available)
            submit_offer(db.session.get(Need, need_id), author.member, author, data)
    received = mailbox.wait_for(4, to=requester.email)
    assert subjects(received)[1:] == [
        f"Your need is published: {TITLE}",
        f"New offer on your need: {TITLE}",
        f"New offer on your need: {TITLE}",
    ]

    # The requester sees two offers in "My needs", compares them and accepts the cheaper one.
    main_nav(page).get_by_role("link", name="My needs").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    # Under its title, how many firms it matched.
    expect(row.get_by_role("cell")).to_have_text(
        [re.compile("^" + re.escape(TITLE)), "open", re.compile(r"\S"), "2"]
    )
    row.get_by_role("link", name=TITLE).click()
    expect(state(page)).to_have_text("open")
    offers = page.get_by_role("region", name=re.compile(r"^Offers"))
    expect(offers.get_by_role("heading", level=2)).to_have_text("Offers (2)")
    expect(offers.locator("article.offer").get_by_role("heading", level=3)).to_have_text(
        [SUPPLIER_FIRM, OTHER_SUPPLIER_FIRM]
    )
    first, second = offers.locator("article.offer").all()
    expect(first).to_contain_text("€28,000.00")
    expect(first).to_contain_text("OWASP ASVS level 2")
    expect(second).to_contain_text("€24,500.00")
    expect(second).to_contain_text("our SRE team")
    second.get_by_role("button", name="Accept").click()

    expect(page.get_by_role("status")).to_contain_text(
        "You accepted the offer; the need is closed and the firms are told."
    )
    assert asked == ["Accept this offer? The need closes and the other offers are declined."]
    expect(state(page)).to_have_text("awarded")
    expect(second.locator(".badge")).to_have_text("accepted")
    expect(first.locator(".badge")).to_have_text("declined")
    expect(offers.get_by_role("button", name="Accept")).to_have_count(0)
    main_nav(page).get_by_role("link", name="My needs").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row.locator(".badge")).to_have_text("awarded")

    # Each firm heard of the need when it opened, then of the award.
    assert subjects(mailbox.wait_for(2, to=other.email)) == [
        f"A new need matches your firm: {TITLE}",
        f"Your offer was accepted: {TITLE}",
    ]
    assert subjects(mailbox.wait_for(2, to=supplier.email)) == [
        f"A new need matches your firm: {TITLE}",
        f"A need you offered on was awarded to another firm: {TITLE}",
    ]
    assert problems == [], "\n".join(problems)

    with app.app_context():
        assert db.session.get(Need, need_id).status == NeedStatus.CLOSED  # type: ignore[union-attr]
        statuses = db.session.execute(select(Member.name, Offer.status).join(Offer.member)).all()
        assert sorted(statuses) == [
            (OTHER_SUPPLIER_FIRM, OfferStatus.ACCEPTED),
            (SUPPLIER_FIRM, OfferStatus.DECLINED),
        ]


def test_a_supplier_follows_the_match_email_and_offers_edits_and_withdraws(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("python",))
        wisla = factories.make_member(SUPPLIER_FIRM, competences=("penetration-testing", "java"))
        requester = factories.make_user(odra, email=REQUESTER_EMAIL, name="Agnieszka Nowak")
        supplier = factories.make_user(wisla, email=SUPPLIER_EMAIL, name="Piotr Wiśniewski")
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")
        need = factories.make_need(
            odra,
            requester.id,
            title=TITLE,
            competences=("penetration-testing", "kubernetes"),
            status=NeedStatus.PENDING,
        )
        approve_need(need, db.session.get(User, staff.id))
        need_id = need.id
        today = cluster_today()
    need_url = f"{live_server}/needs/{need_id}"
    problems = watch(page)
    asked = confirming(page)

    # The match e-mail arrives and leads to the need, through the sign-in page.
    (match,) = mailbox.wait_for(1, to=supplier.email)
    assert subject(match).startswith("A new need matches your firm")
    assert TITLE in subject(match)
    body = text_of(match)
    assert "Penetration testing" in body
    link = re.search(re.escape(live_server) + r"/needs/\d+", body)
    assert link, f"no link to {live_server}/needs/… in the match e-mail:\n{body}"
    assert link.group(0) == need_url

    page.goto(link.group(0))
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login?next=")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("Please sign in to see this page.")
    page.get_by_label("E-mail", exact=True).fill(supplier.email)
    page.get_by_label("Password", exact=True).fill(supplier.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(need_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(state(page)).to_have_text("open")

    # The offer, in złoty rather than the need's euro.
    page.get_by_role("link", name="Send an offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send an offer")
    expect(page.locator("main")).to_contain_text(
        f"Only {REQUESTER_FIRM} and the cluster staff will read your offer"
    )
    assert_labelled(page)
    page.get_by_label("Your offer", exact=True).fill("Two certified testers for three weeks.")
    page.get_by_label("Price", exact=True).fill("98000")
    page.get_by_label("Currency", exact=True).select_option("PLN")
    page.get_by_label("Available from", exact=True).fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Send the offer").click()

    expect(page.get_by_role("status")).to_contain_text("Your offer is sent.")
    expect(page).to_have_url(need_url)
    own = page.get_by_role("region", name="Your firm's offer")
    expect(own.locator(".badge")).to_have_text("sent")
    expect(own).to_contain_text(pln("98,000.00"))
    received = mailbox.wait_for(2, to=requester.email)[-1]  # after "Your need is published"
    assert subject(received) == f"New offer on your need: {TITLE}"

    # A third tester joins: the firm edits its offer rather than sending a second one.
    own.get_by_role("link", name="Edit your offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your offer")
    expect(page.get_by_label("Currency", exact=True)).to_have_value("PLN")
    expect(page.get_by_label("Your offer", exact=True)).to_have_value(
        "Two certified testers for three weeks."
    )
    page.get_by_label("Your offer", exact=True).fill("Three certified testers for three weeks.")
    page.get_by_label("Price", exact=True).fill("121000")
    page.get_by_role("button", name="Save the offer").click()
    expect(page.get_by_role("status")).to_contain_text("Your offer is updated.")
    expect(own.locator(".badge")).to_have_text("sent")
    expect(own).to_contain_text(pln("121,000.00"))

    # Then the testers are booked elsewhere: the firm withdraws.
    own.get_by_role("button", name="Withdraw the offer").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your offer is withdrawn. You can send it again before the deadline."
    )
    expect(own.locator(".badge")).to_have_text("withdrawn")
    expect(own.get_by_role("button", name="Withdraw the offer")).to_have_count(0)
    expect(own.get_by_role("link", name="Send the offer again")).to_be_visible()

    main_nav(page).get_by_role("link", name="My offers").click()
    expect(page).to_have_url(f"{live_server}/offers")
    expect(page.get_by_role("heading", level=1)).to_have_text("My firm's offers")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    # Its terms were changed after sending: the list says so, and when.
    expect(row.get_by_role("cell")).to_have_text(
        [TITLE, REQUESTER_FIRM, pln("121,000.00"), re.compile(r"^withdrawn edited \d"), "open"]
    )
    # Withdrawing can be undone before the deadline, so it asks nothing.
    assert asked == []
    assert problems == [], "\n".join(problems)

    with app.app_context():
        offer = db.session.scalars(select(Offer)).one()
        assert (offer.status, offer.price, offer.currency) == (
            OfferStatus.WITHDRAWN,
            Decimal("121000"),
            "PLN",
        )
    # The requester heard of the offer and of its new price, not of the withdrawal.
    mailbox.wait_for(3, to=requester.email)
    assert subjects(mailbox.to(requester.email)) == [
        f"Your need is published: {TITLE}",
        f"New offer on your need: {TITLE}",
        f"An offer on your need changed its price: {TITLE}",
    ]


def test_cluster_staff_admit_a_firm_review_needs_hide_an_offer_and_read_the_audit_log(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    approved_title = "Kotlin developers for a logistics platform"
    rejected_title = "Cheap developers, any skills, start yesterday"
    rejection = "The board is for IT projects of member firms: say what the project is."
    hiding = "The offer advertises a firm outside the cluster."
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("python",))
        wisla = factories.make_member(SUPPLIER_FIRM, competences=("kotlin",))
        requester = factories.make_user(odra, email=REQUESTER_EMAIL, name="Agnieszka Nowak")
        supplier = factories.make_user(wisla, email=SUPPLIER_EMAIL, name="Piotr Wiśniewski")
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")
        submit_application(
            ApplicationData(
                OTHER_SUPPLIER_FIRM,
                "Ioana Popescu",
                OTHER_SUPPLIER_EMAIL,
                "Data platforms for retailers in Cluj.",
                ["kubernetes"],
            )
        )
        for title in (approved_title, rejected_title):
            factories.make_need(odra, requester.id, title=title, status=NeedStatus.PENDING)
        open_need = factories.make_need(odra, requester.id, title=TITLE)
        offer_id = factories.make_offer(open_need, wisla, supplier.id, price="18000").id
        open_need_id = open_need.id
    mailbox.wait_for(1, to=staff.email)  # the application's announcement
    problems = watch(page)

    # A firm that applied becomes a member.
    sign_in(page, live_server, staff.email, staff.password)
    main_nav(page).get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff dashboard")
    page.get_by_role("link", name=re.compile(r"^1\s+membership application$")).click()
    expect(page).to_have_url(f"{live_server}/staff/applications")
    application = page.locator("article").filter(
        has=page.get_by_role("heading", level=2, name=OTHER_SUPPLIER_FIRM)
    )
    application.get_by_role("button", name="Approve and invite").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{OTHER_SUPPLIER_FIRM} is a member; {OTHER_SUPPLIER_EMAIL} is invited."
    )
    expect(page.locator("main")).to_contain_text("No applications are waiting.")
    (invitation,) = mailbox.wait_for(1, to=OTHER_SUPPLIER_EMAIL)
    assert subject(invitation) == "You are invited to the cluster procurement board"

    # Two needs wait for review: one is published, the other refused with a reason.
    main_nav(page).get_by_role("link", name="Review").click()
    expect(page).to_have_url(f"{live_server}/staff/needs")
    expect(page.locator("main").get_by_role("heading", level=2)).to_have_text(
        [approved_title, rejected_title]
    )
    page.get_by_role("link", name=approved_title).click()
    expect(state(page)).to_have_text("waiting for review")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The need is published and its author is told."
    )
    expect(page).to_have_url(f"{live_server}/staff/needs")
    expect(page.locator("main").get_by_role("heading", level=2)).to_have_text([rejected_title])

    page.get_by_role("link", name=rejected_title).click()
    review = page.get_by_role("region", name="Review")
    review.get_by_label("Reason for rejecting (shown to the firm)", exact=True).fill(rejection)
    review.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "The need is rejected and its author is told why."
    )
    expect(page.locator("main")).to_contain_text("No needs are waiting for review.")

    published, refused = mailbox.wait_for(2, to=requester.email)
    assert subject(published) == f"Your need is published: {approved_title}"
    assert subject(refused) == f"Your need was not accepted: {rejected_title}"
    assert rejection in text_of(refused)
    # Wisła has Kotlin: the published need is announced to it.
    (match,) = mailbox.wait_for(1, to=supplier.email)
    assert subject(match) == f"A new need matches your firm: {approved_title}"

    # An offer on an open need is hidden from the requester, with a reason.
    main_nav(page).get_by_role("link", name="Needs").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(f"{live_server}/needs/{open_need_id}")
    offer = page.locator("article.offer").filter(
        has=page.get_by_role("heading", level=3, name=SUPPLIER_FIRM)
    )
    expect(offer).to_contain_text("€18,000.00")
    offer.get_by_text("Hide this offer").click()  # opens the <details>
    # Each box says what it hides: the need, or this firm's offer.
    page.get_by_label(
        f"Reason for hiding the offer of {SUPPLIER_FIRM} (shown to that firm)", exact=True
    ).fill(hiding)
    offer.get_by_role("button", name="Hide the offer").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The offer is hidden from the requester and its firm is told why."
    )
    expect(offer.get_by_role("heading", level=3)).to_have_text(f"{SUPPLIER_FIRM} hidden by staff")
    expect(offer).to_contain_text(f"Hidden because: {hiding}")
    expect(offer.get_by_role("button", name="Show it to the requester again")).to_be_visible()
    hidden = mailbox.wait_for(2, to=supplier.email)[-1]
    assert subject(hidden) == f"Your offer was hidden by the cluster staff: {TITLE}"
    assert hiding in text_of(hidden)

    # The audit log shows what staff did, filtered by action and by target.
    main_nav(page).get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Audit log", exact=True).click()
    expect(page).to_have_url(f"{live_server}/staff/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    assert_labelled(page)
    filters = page.get_by_role("form", name="Filter the audit log")
    filters.get_by_label(re.compile(r"^What")).fill("need.")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]action=need\.(&|$)"))
    expect(page.locator("main")).to_contain_text("2 events")
    events = page.locator("main table tbody tr")
    expect(events.locator("td:nth-child(3)")).to_have_text(["need.rejected", "need.approved"])
    expect(events.locator("td:nth-child(2)")).to_have_text([staff.email] * 2)
    expect(events.first).to_contain_text(f"reason: {rejection}")

    filters.get_by_label(re.compile(r"^What")).fill("")
    filters.get_by_label(re.compile(r"^Target")).fill(f"offer:{offer_id}")
    filters.get_by_role("button", name="Show").click()
    expect(page.locator("main")).to_contain_text("1 event")
    expect(events.get_by_role("cell")).to_have_text(
        [re.compile(r"\S"), staff.email, "offer.hidden", f"offer:{offer_id}", f"reason: {hiding}"]
    )

    filters.get_by_label(re.compile(r"^Target")).fill("")
    filters.get_by_label(re.compile(r"^What")).fill("application.")
    filters.get_by_role("button", name="Show").click()
    expect(events.locator("td:nth-child(3)")).to_have_text(
        ["application.approved", "application.submitted"]
    )
    assert problems == [], "\n".join(problems)

    with app.app_context():
        statuses = dict(db.session.execute(select(Need.title, Need.status)).all())
        assert statuses == {
            approved_title: NeedStatus.OPEN,
            rejected_title: NeedStatus.REJECTED,
            TITLE: NeedStatus.OPEN,
        }
        assert db.session.get(Offer, offer_id).hidden_reason == hiding  # type: ignore[union-attr]
