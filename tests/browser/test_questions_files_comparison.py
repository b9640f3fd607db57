"""Firms that talk, files that travel, offers compared, in a real browser: a supplier asks, the
requester answers, the supplier attaches a PDF to its offer, the requester compares three
offers, exports them, accepts one, and both sides see whom to call."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.models import Member, Offer, OfferStatus, PriceBasis, User
from tests import factories
from tests.browser.actions import confirming, sign_in, sign_out
from tests.browser.test_procurement_loop import assert_labelled, subject, watch
from tests.mailbox import Mailbox, text_of

TITLE = "A penetration test of our payment API before go-live"
QUESTION = "Does the scope include the mobile app's own API calls?"
ANSWER = "No: the public REST API only, about forty endpoints."
OFFER_MESSAGE = "Two OSCP testers for ten days, a retest of every finding included."
REQUESTER = ("Agnieszka Nowak", "agnieszka@odra.example", "+48 71 555 01 02")
SUPPLIER = ("Piotr Wiśniewski", "piotr@wisla-cloud.example", "+48 22 555 03 04")
SUPPLIER_FIRM = "Wisła Cloud sp. z o.o."
# A PDF as small as a reader accepts: what the board checks is the content, not the name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_a_supplier_asks_offers_with_a_file_and_is_compared_awarded_and_contacted(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox, tmp_path: Path
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software sp. z o.o.", competences=("kotlin",))
        wisla = factories.make_member(SUPPLIER_FIRM, competences=("penetration-testing",))
        others = [
            factories.make_member(name, competences=("penetration-testing",))
            for name in ("Strażnica Security sp. z o.o.", "Ceahlău Software SRL")
        ]
        requester = factories.make_user(odra, email=REQUESTER[1], name=REQUESTER[0])
        supplier = factories.make_user(wisla, email=SUPPLIER[1], name=SUPPLIER[0])
        for account, phone in ((requester, REQUESTER[2]), (supplier, SUPPLIER[2])):
            db.session.get(User, account.id).phone = phone  # type: ignore[union-attr]
        need = factories.make_need(
            odra, requester.id, title=TITLE, competences=("penetration-testing",)
        )
        need_url = f"{live_server}/needs/{need.id}"
        # Two other firms offered already: one in euros, one in lei.
        for member, price, currency in zip(others, ("24500", "98000"), ("EUR", "RON"), strict=True):
            offer = factories.make_offer(need, db.session.get(Member, member.id), price=price)
            offer.currency = currency
        db.session.commit()
        available = cluster_today() + timedelta(days=20)
        wisla_id = wisla.id
    problems = watch(page)
    asked = confirming(page)

    # The supplier asks before offering; the page says its firm asked, and nobody else sees it.
    sign_in(page, live_server, supplier.email, supplier.password)
    page.goto(need_url)
    page.get_by_label("Ask the requester a question", exact=True).fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("status")).to_be_visible()
    questions = page.get_by_role("region", name=re.compile(r"^Questions"))
    expect(questions).to_contain_text(QUESTION)
    expect(questions).to_contain_text("your firm asked")
    sign_out(page)

    # The requester reads the question without learning who asked, and answers it.
    sign_in(page, live_server, requester.email, requester.password)
    page.goto(need_url)
    questions = page.get_by_role("region", name=re.compile(r"^Questions"))
    expect(questions).to_contain_text(QUESTION)
    expect(page.locator("main")).not_to_contain_text(SUPPLIER_FIRM)
    expect(page.locator("main")).not_to_contain_text(SUPPLIER[0])
    assert_labelled(page)
    questions.get_by_label(re.compile(r"^Your answer")).fill(ANSWER)
    questions.get_by_role("button", name="Publish the answer").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(r"^Questions"))).to_contain_text(ANSWER)
    sign_out(page)

    # The supplier is e-mailed the answer, reads it, offers a day rate and attaches a PDF.
    (answered,) = mailbox.wait_for(1, to=supplier.email)
    assert ANSWER in text_of(answered) and SUPPLIER_FIRM not in text_of(answered)
    sign_in(page, live_server, supplier.email, supplier.password)
    page.goto(need_url)
    expect(page.get_by_role("region", name=re.compile(r"^Questions"))).to_contain_text(ANSWER)
    page.get_by_role("link", name="Send an offer").click()
    page.get_by_label("Your offer", exact=True).fill(OFFER_MESSAGE)
    page.get_by_label("Price", exact=True).fill("1200")
    page.get_by_label("day rate", exact=True).check()
    page.get_by_label("Available from", exact=True).fill(available.isoformat())
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_role("status")).to_contain_text("Your offer is sent.")
    own_offer = page.get_by_role("region", name="Your firm's offer")
    expect(own_offer).to_contain_text("€1,200.00 · day rate")
    own_offer.get_by_role("link", name="Edit your offer").click()
    report = tmp_path / "Oferta_Wisła_pentest.pdf"
    report.write_bytes(PDF)
    page.get_by_label("Add a file", exact=True).set_input_files(report)
    page.get_by_role("button", name="Upload the file").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("link", name=report.name)).to_be_visible()
    sign_out(page)

    # The requester compares the three offers: euros and lei apart, the file counted.
    sign_in(page, live_server, requester.email, requester.password)
    page.goto(need_url)
    page.get_by_role("link", name="Compare offers").click()
    expect(page).to_have_url(f"{need_url}/offers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare offers")
    euro = page.get_by_role("table").filter(has_text="EUR")
    expect(page.get_by_role("table")).to_have_count(2)
    expect(euro.locator("tbody tr")).to_have_count(2)
    wisla_row = euro.locator("tbody tr").filter(has_text=SUPPLIER_FIRM)
    expect(wisla_row).to_contain_text("day rate")
    expect(wisla_row.locator("td").nth(7)).to_have_text("1")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this table as a CSV file").click()
    exported = Path(download_info.value.path()).read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read UTF-8
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert len(rows) == 4 and SUPPLIER_FIRM in {row[0] for row in rows[1:]}

    # The PDF downloads as a file; then the requester accepts the offer.
    page.goto(need_url)
    offers = page.get_by_role("region", name=re.compile(r"^Offers"))
    with page.expect_download() as download_info:
        offers.get_by_role("link", name=report.name).click()
    assert Path(download_info.value.path()).read_bytes() == PDF
    card = offers.locator("article.offer").filter(has_text=SUPPLIER_FIRM)
    card.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_be_visible()
    contacts = page.get_by_role("region", name="Contacts for the award")
    for part in SUPPLIER:
        expect(contacts).to_contain_text(part)
    sign_out(page)

    # The winning firm sees the requester's contact, on the page and in its e-mail.
    sign_in(page, live_server, supplier.email, supplier.password)
    page.goto(need_url)
    contacts = page.get_by_role("region", name="Contacts for the award")
    for part in REQUESTER:
        expect(contacts).to_contain_text(part)
    accepted = next(
        m
        for m in mailbox.wait_for(2, to=supplier.email)
        if subject(m).startswith("Your offer was accepted")
    )
    assert all(part in text_of(accepted) for part in REQUESTER)

    with app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.member_id == wisla_id))
        assert offer is not None
        assert (offer.status, offer.price_basis) == (OfferStatus.ACCEPTED, PriceBasis.DAY)
    assert asked == ["Accept this offer? The need closes and the other offers are declined."]
    assert problems == []
