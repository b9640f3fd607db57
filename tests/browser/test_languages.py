"""The procurement loop in Polish, German and Romanian, in a real browser.

Three people each use the board in the journey's language, in browsers of their own that ask
for English: the requester chooses the language with the switch before signing in, the
supplier does so on the sign-in page the match e-mail leads to, and staff choose it on their
account. Every page must say `<html lang>` in that language and show no text left in English;
every e-mail is read through the SMTP server, in the recipient's language, and its link is
followed. The texts expected come from the language's catalog (tests/browser/languages.py), and
the controls are found by their translated names: the board is operable in that language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

import pytest
from babel import dates, numbers
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.models import Need, NeedStatus, Offer, OfferStatus, User
from tests import factories
from tests.browser.actions import (
    choose_language,
    confirming,
    fill_sign_in,
    sign_in,
    tick_competence,
)
from tests.browser.languages import LANGUAGES, NEED_LINK, Reader, Words
from tests.browser.test_procurement_loop import assert_labelled, watch
from tests.mailbox import Mailbox, text_of

# Pages speak the same language on either database.
pytestmark = pytest.mark.one_database

REQUESTER_FIRM = "Odra Software sp. z o.o."
SUPPLIER_FIRM = "Wisła Cloud sp. z o.o."


class Story(NamedTuple):
    """What the people of a journey write, in its language (the board shows it as written)."""

    title: str
    description: str
    offer: str
    requester: str
    supplier: str


STORIES = {
    "pl": Story(
        "Audyt bezpieczeństwa naszego API płatności",
        "Nasze **API płatności** rusza wiosną: test penetracyjny i przegląd Kubernetesa.",
        "Dwóch certyfikowanych pentesterów na trzy tygodnie, raport po polsku.",
        "Agnieszka Wójcik",
        "Piotr Wiśniewski",
    ),
    "de": Story(
        "Sicherheitsprüfung unserer Zahlungs-API",
        "Unsere **Zahlungs-API** geht im Frühjahr live: Penetrationstest und Kubernetes-Review.",
        "Zwei zertifizierte Pentester für drei Wochen, Bericht auf Deutsch.",
        "Jürgen Weiß",
        "Anke Müller",
    ),
    "ro": Story(
        "Audit de securitate pentru API-ul nostru de plăți",
        "**API-ul de plăți** pornește în primăvară: test de penetrare și revizuirea Kubernetes.",
        "Doi testeri certificați pentru trei săptămâni, raport în limba română.",
        "Ioana Păun",
        "Mihai Ștefănescu",
    ),
}


def money(amount: str, locale: str) -> str:
    """An amount in euro as CLDR writes it in `locale`."""
    return numbers.format_currency(Decimal(amount), "EUR", locale=locale)


def day(value: date, locale: str) -> str:
    """A day as CLDR writes it in `locale` (the board's "medium" dates)."""
    return dates.format_date(value, "medium", locale=locale)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_need_is_posted_reviewed_offered_on_and_awarded_in_each_language(
    app: Flask,
    live_server: str,
    browser_of: Callable[[str], Page],
    mailbox: Mailbox,
    locale: str,
) -> None:
    t = Words(locale)
    story = STORIES[locale]
    reader = Reader(t)
    with app.app_context():
        odra = factories.make_member(REQUESTER_FIRM, competences=("python",))
        wisla = factories.make_member(SUPPLIER_FIRM, competences=("penetration-testing", "java"))
        requester = factories.make_user(
            odra, email="requester@odra.example", name=story.requester, locale=locale
        )
        supplier = factories.make_user(
            wisla, email="supplier@wisla.example", name=story.supplier, locale=locale
        )
        staff = factories.make_user(is_staff=True, email="staff@cluster.example", name="Clara")
        today = cluster_today()
    deadline, available = today + timedelta(days=16), today + timedelta(days=30)
    staff_page, requester_page, supplier_page = (
        browser_of(person) for person in ("staff", "requester", "supplier")
    )
    problems = [watch(p) for p in (staff_page, requester_page, supplier_page)]

    # Staff sign in in English, the language of their account, and save theirs on it.
    sign_in(staff_page, live_server, staff.email, staff.password)
    staff_page.get_by_role("navigation", name="Main").get_by_role("link", name="My account").click()
    staff_page.locator("main").get_by_label("Language", exact=True).select_option(locale)
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.get_by_role("status")).to_have_text(t("Your settings have been saved."))
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(t("My account"))
    expect(staff_page.locator("main").get_by_label(t("Language"), exact=True)).to_have_value(locale)
    reader.page(staff_page)

    # The requester, not signed in, chooses the language at the foot of the welcome page.
    requester_page.goto(live_server)
    expect(requester_page.locator("html")).to_have_attribute("lang", "en")
    choose_language(requester_page, locale)
    reader.page(requester_page)
    requester_nav = requester_page.get_by_role("navigation", name=t("Main"))
    requester_nav.get_by_role("link", name=t("Sign in")).click()
    expect(requester_page.get_by_role("heading", level=1)).to_have_text(t("Sign in"))
    reader.page(requester_page)
    fill_sign_in(requester_page, requester.email, requester.password, t)
    reader.page(requester_page)

    # … and drafts the need from "My needs", by the form's translated labels.
    requester_nav.get_by_role("link", name=t("My needs")).click()
    expect(requester_page.get_by_role("heading", level=1)).to_have_text(t("My firm's needs"))
    reader.page(requester_page)
    requester_page.locator("main").get_by_role("link", name=t("Post a need")).click()
    expect(requester_page.get_by_role("heading", level=1)).to_have_text(t("Post a need"))
    reader.page(requester_page)
    assert_labelled(requester_page)
    requester_page.get_by_label(t("Title"), exact=True).fill(story.title)
    requester_page.get_by_label(t("Description"), exact=True).fill(story.description)
    tick_competence(requester_page, t("Penetration testing"))
    tick_competence(requester_page, t("Kubernetes"))
    requester_page.get_by_label(t("Offers until"), exact=True).fill(deadline.isoformat())
    requester_page.get_by_label(t("Budget from"), exact=True).fill("40000")
    requester_page.get_by_label(t("Budget up to"), exact=True).fill("60000")
    requester_page.get_by_label(t("Currency"), exact=True).select_option("EUR")
    requester_page.get_by_role("button", name=t("Save the draft")).click()

    expect(requester_page.get_by_role("status")).to_have_text(
        t("Your need is saved as a draft. Submit it for review when it is ready.")
    )
    expect(requester_page).to_have_url(re.compile(re.escape(live_server) + NEED_LINK + "$"))
    need_url = requester_page.url
    expect(requester_page.get_by_role("heading", level=1)).to_have_text(story.title)
    expect(requester_page.locator("hgroup .badge")).to_have_text(t("draft"))
    facts = requester_page.locator(".need-facts")
    # Amounts and the deadline are written the reader's way.
    expect(facts).to_contain_text(f"{money('40000', locale)} – {money('60000', locale)}")
    expect(facts).to_contain_text(day(deadline, locale))
    expect(facts.locator(".tags li")).to_have_text([t("Kubernetes"), t("Penetration testing")])
    reader.page(requester_page)
    requester_page.get_by_role("button", name=t("Submit for review")).click()
    expect(requester_page.get_by_role("status")).to_have_text(
        t("Your need is with the cluster staff for review.")
    )
    expect(requester_page.locator("hgroup .badge")).to_have_text(t("waiting for review"))
    reader.page(requester_page)

    # Staff hear of it in their language and follow the e-mail's link to approve it.
    (review,) = mailbox.wait_for(1, to=staff.email)
    link = reader.email(
        review,
        t("A need waits for your review: %(title)s", title=story.title),
        t("Hello %(name)s,", name="Clara"),
        t(
            "%(firm)s submitted the need “%(title)s” for review.",
            firm=REQUESTER_FIRM,
            title=story.title,
        ),
    )
    assert link == need_url
    staff_page.goto(link)
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(story.title)
    reader.page(staff_page)
    review_panel = staff_page.get_by_role("region", name=t("Review"))
    assert_labelled(staff_page)
    review_panel.get_by_role("button", name=t("Approve and publish")).click()
    expect(staff_page.get_by_role("status")).to_have_text(
        t("The need is published and its author is told.")
    )
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(t("Needs to review"))
    expect(staff_page.locator("main")).to_contain_text(t("No needs are waiting for review."))
    reader.page(staff_page)

    (published,) = mailbox.wait_for(1, to=requester.email)
    link = reader.email(
        published,
        t("Your need is published: %(title)s", title=story.title),
        t("Hello %(name)s,", name=story.requester),
    )
    assert link == need_url
    assert day(deadline, locale) in text_of(published)

    # The supplier's firm matches: the e-mail leads, through the sign-in page, to the need.
    (match,) = mailbox.wait_for(1, to=supplier.email)
    link = reader.email(
        match,
        t("A new need matches your firm: %(title)s", title=story.title),
        t("Hello %(name)s,", name=story.supplier),
        t("Read the need and send an offer:"),
        t("Penetration testing"),
    )
    assert link == need_url
    supplier_page.goto(link)
    expect(supplier_page).to_have_url(re.compile(re.escape(f"{live_server}/login?next=")))
    # Their browser asks for English: they choose their language on the sign-in page itself.
    choose_language(supplier_page, locale)
    expect(supplier_page).to_have_url(re.compile(re.escape(f"{live_server}/login?next=")))
    expect(supplier_page.get_by_role("heading", level=1)).to_have_text(t("Sign in"))
    reader.page(supplier_page)
    fill_sign_in(supplier_page, supplier.email, supplier.password, t)
    expect(supplier_page).to_have_url(need_url)
    expect(supplier_page.locator("hgroup .badge")).to_have_text(t("open"))
    reader.page(supplier_page)

    supplier_page.get_by_role("link", name=t("Send an offer")).click()
    expect(supplier_page.get_by_role("heading", level=1)).to_have_text(t("Send an offer"))
    reader.page(supplier_page)
    assert_labelled(supplier_page)
    supplier_page.get_by_label(t("Your offer"), exact=True).fill(story.offer)
    supplier_page.get_by_label(t("Price"), exact=True).fill("52000")
    expect(supplier_page.get_by_label(t("Currency"), exact=True)).to_have_value("EUR")
    supplier_page.get_by_label(t("Available from"), exact=True).fill(available.isoformat())
    supplier_page.get_by_role("button", name=t("Send the offer")).click()
    expect(supplier_page.get_by_role("status")).to_have_text(t("Your offer is sent."))
    expect(supplier_page).to_have_url(need_url)
    own_offer = supplier_page.get_by_role("region", name=t("Your firm's offer"))
    expect(own_offer.locator(".badge")).to_have_text(t("sent"))
    expect(own_offer).to_contain_text(money("52000", locale))
    reader.page(supplier_page)

    # A price says what it pays for, in the reader's words.
    terms = t("%(price)s · %(basis)s", price=money("52000", locale), basis=t("fixed price"))

    # The requester reads of the offer in their language, follows the link and awards it.
    received = mailbox.wait_for(2, to=requester.email)[-1]
    offer_sentence = t(
        "%(firm)s sent an offer on your need “%(title)s”: %(price)s, available from %(date)s.",
        firm=SUPPLIER_FIRM,
        title=story.title,
        price=terms,
        date=day(available, locale),
    )
    link = reader.email(
        received, t("New offer on your need: %(title)s", title=story.title), offer_sentence
    )
    assert link == need_url
    asked = confirming(requester_page)
    requester_page.goto(link)
    offers = requester_page.get_by_role("region", name=re.compile("^" + re.escape(t("Offers"))))
    offer = offers.locator("article.offer")
    expect(offer.get_by_role("heading", level=3)).to_have_text(SUPPLIER_FIRM)
    expect(offer).to_contain_text(story.offer)
    expect(offer).to_contain_text(money("52000", locale))
    expect(offer).to_contain_text(day(available, locale))
    reader.page(requester_page)
    assert_labelled(requester_page)
    offer.get_by_role("button", name=t("Accept"), exact=True).click()
    expect(requester_page.get_by_role("status")).to_have_text(
        t("You accepted the offer; the need is closed and the firms are told.")
    )
    assert asked == [t("Accept this offer? The need closes and the other offers are declined.")]
    expect(requester_page.locator("hgroup .badge")).to_have_text(t("awarded"))
    expect(offer.locator(".badge")).to_have_text(t("accepted"))
    reader.page(requester_page)

    # The supplier hears of the award and finds it among the firm's offers.
    accepted = mailbox.wait_for(2, to=supplier.email)[-1]
    link = reader.email(
        accepted,
        t("Your offer was accepted: %(title)s", title=story.title),
        t(
            "Good news: %(firm)s accepted your firm's offer on “%(title)s”. They will be in "
            "touch to agree the next steps.",
            firm=REQUESTER_FIRM,
            title=story.title,
        ),
    )
    assert link == need_url
    supplier_page.goto(link)
    expect(supplier_page.locator("hgroup .badge")).to_have_text(t("awarded"))
    own_offer = supplier_page.get_by_role("region", name=t("Your firm's offer"))
    expect(own_offer.locator(".badge")).to_have_text(t("accepted"))
    reader.page(supplier_page)
    supplier_page.get_by_role("navigation", name=t("Main")).get_by_role(
        "link", name=t("My offers")
    ).click()
    expect(supplier_page.get_by_role("heading", level=1)).to_have_text(t("My firm's offers"))
    row = supplier_page.get_by_role("row").filter(
        has=supplier_page.get_by_role("link", name=story.title)
    )
    expect(row.get_by_role("cell")).to_have_text(
        [story.title, REQUESTER_FIRM, terms, t("accepted"), t("awarded")]
    )
    reader.page(supplier_page)

    assert [p for found in problems for p in found] == []
    assert (len(reader.pages), len(reader.emails)) == (18, 5)
    reader.assert_all_translated()
    with app.app_context():
        assert db.session.scalars(select(Need.status)).one() == NeedStatus.CLOSED
        assert db.session.scalars(select(Offer.status)).one() == OfferStatus.ACCEPTED
        assert db.session.get(User, staff.id).locale == locale  # type: ignore[union-attr]
