"""The main pages in Polish, German and Romanian: as accessible as in English, nothing left in
English, and in German, whose words run longest, still on a phone's screen.

axe-core is run as tests/browser/test_accessibility.py runs it, on the pages a visitor, a member
firm's user and staff see, each person having chosen the language (the visitor with the switch,
the others on their accounts); forms are also checked sent empty, with their errors showing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from board.extensions import db
from board.members.applications import ApplicationData
from board.models import NeedStatus, User
from tests import factories
from tests.browser.actions import choose_language, sign_in
from tests.browser.languages import LANGUAGES, Reader, Words
from tests.browser.test_accessibility import Audit
from tests.browser.test_narrow_screen import PHONE, make_cast, member_visits, overflow

# Pages speak the same language on either database.
pytestmark = pytest.mark.one_database


@dataclass
class AuditInLanguage(Audit):
    """axe on each page shown, which must also be in the reader's language throughout."""

    reader: Reader = field(kw_only=True)

    def check(self, label: str) -> None:
        super().check(label)
        self.reader.page(self.page)


@dataclass(frozen=True)
class Board:
    """A board with something on every main page: own needs with offers, a draft, another
    firm's need the member offered on, and for staff a need to review, an application, a
    report and an e-mail that failed."""

    member: factories.Account
    staff: factories.Account
    own_id: int
    draft_id: int
    offered_id: int
    pending_id: int
    other_slug: str


def make_board(app: Flask, locale: str) -> Board:
    with app.app_context():
        odra = factories.make_member("Odra Software sp. z o.o.", competences=("python", "kotlin"))
        member = factories.make_user(odra, email="agnieszka@odra.example", locale=locale)
        warta = factories.make_member("Warta Data sp. z o.o.", competences=("kotlin",))
        staff = factories.make_user(is_staff=True, email="clara@cluster.example", locale=locale)
        own = factories.make_need(odra, member.id, title="Two senior Kotlin developers")
        factories.make_offer(own, warta, price="98000")
        draft = factories.make_need(odra, member.id, title="A mobile app", status=NeedStatus.DRAFT)
        offered = factories.make_need(warta, title="Penetration test of a web shop")
        factories.make_offer(offered, odra, member.id)
        pending = factories.make_need(warta, status=NeedStatus.PENDING)
        reporter = db.session.get(User, member.id)
        factories.staff_work(
            reporter,
            offered,
            ApplicationData(
                member_name="Someș Data SRL",
                contact_name="Ioana Pop",
                email="ioana@somes.example",
                message="Data platforms for clinics in Cluj.",
                competences=["python"],
            ),
        )
        return Board(member, staff, own.id, draft.id, offered.id, pending.id, warta.slug)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_main_pages_have_no_serious_violations_in_each_language(
    app: Flask, live_server: str, browser_of: Callable[[str], Page], locale: str
) -> None:
    board = make_board(app, locale)
    t = Words(locale)
    reader = Reader(t)

    # A visitor chooses the language on the sign-in page, then goes about the public pages.
    visitor = browser_of("visitor")
    audit = AuditInLanguage(visitor, live_server, reader=reader)
    visitor.goto(f"{live_server}/login")
    choose_language(visitor, locale)
    for path in ("/", "/login", "/password/forgot", "/apply"):
        audit.visit(path)
    audit.visit("/no-such-page", status=404)
    visitor.goto(f"{live_server}/login")
    visitor.get_by_label(t("E-mail"), exact=True).fill(board.member.email)
    visitor.get_by_label(t("Password"), exact=True).fill("not the password")
    visitor.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(visitor.get_by_role("alert")).to_contain_text(
        t("The e-mail address or the password is not correct.")
    )
    audit.check("/login after a wrong password")
    visitor.goto(f"{live_server}/apply")
    visitor.get_by_role("button", name=t("Send the application")).click()
    expect(visitor.get_by_role("alert")).to_be_visible()
    audit.check("/apply sent empty")

    # A member firm's user, whose account speaks the language, signs in from a browser that
    # asks for English.
    member = browser_of("member")
    audit.page = member
    sign_in(member, live_server, board.member.email, board.member.password, then=t)
    audit.visit("/needs")
    audit.visit("/needs?q=mainframe")
    expect(member.get_by_text(t("No needs match."))).to_be_visible()
    audit.visit("/needs/new")
    member.get_by_role("button", name=t("Save the draft")).click()
    expect(member.get_by_role("alert")).to_be_visible()
    audit.check("/needs/new sent empty")
    for path in (
        f"/needs/{board.own_id}",
        "/needs/mine",
        f"/needs/{board.draft_id}",
        f"/needs/{board.draft_id}/edit",
        f"/needs/{board.offered_id}",
        f"/needs/{board.offered_id}/offer",
        "/offers",
        "/members",
        f"/members/{board.other_slug}",
        "/member",
        "/member/invite",
        "/account",
        "/account/password",
    ):
        audit.visit(path)
    audit.visit("/staff", status=403)

    # Cluster staff, whose account speaks the language too.
    staff = browser_of("staff")
    audit.page = staff
    sign_in(staff, live_server, board.staff.email, board.staff.password, then=t)
    for path in (
        "/staff",
        "/staff/needs",
        f"/needs/{board.pending_id}",
        "/staff/applications",
        "/staff/members",
        "/staff/members/new",
        "/staff/users",
        "/staff/competences",
        "/staff/reports",
        "/staff/notifications",
        "/staff/audit",
    ):
        audit.visit(path)
    staff.goto(f"{live_server}/needs/{board.pending_id}")
    staff.get_by_role("button", name=t("Approve and publish")).click()
    expect(staff.get_by_role("status")).to_have_text(
        t("The need is published and its author is told.")
    )
    audit.check(f"/needs/{board.pending_id} approved")
    staff.goto(f"{live_server}/staff/members/new")
    staff.get_by_role("button", name=t("Add the firm and send the invitation")).click()
    expect(staff.get_by_role("alert")).to_be_visible()
    audit.check("/staff/members/new sent empty")

    assert len(audit.checked) == 38
    audit.assert_clean()
    reader.assert_all_translated()


@pytest.mark.parametrize("who", ["requester", "supplier", "staff"])
def test_the_main_pages_fit_a_phone_screen_in_german(
    app: Flask, live_server: str, page: Page, who: str
) -> None:
    """German writes the longest labels ("Anfragen meines Unternehmens"): none may push a
    page wider than a phone, as test_narrow_screen.py checks the English ones."""
    t = Words("de")
    cast = make_cast(app, locale="de")
    with app.app_context():
        staff = factories.make_user(is_staff=True, email="clara@cluster.example", locale="de")
    account = {"requester": cast.requester, "supplier": cast.supplier, "staff": staff}[who]
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, account.email, account.password, then=t)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    if who == "staff":
        visits: list[tuple[str, ...]] = [
            (path,)
            for path in (
                "/staff",
                "/staff/needs",
                f"/needs/{cast.need_ids[1]}",
                "/staff/applications",
                "/staff/members",
                "/staff/members/new",
                "/staff/users",
                "/staff/notifications",
                "/staff/audit",
                "/staff/competences",
                "/staff/reports",
            )
        ]
    else:
        visits = [("/needs/mine",), ("/needs/new",), *member_visits(cast, who)]
    too_wide = [overflow(page, live_server, *visit) for visit in visits]
    assert [found for found in too_wide if found] == []
