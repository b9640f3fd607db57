"""Staff keep the board clean: hiding needs and offers, members' reports, suspending firms and
users, and inviting colleagues to the staff, each through the pages and forms that do it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from board.extensions import db
from board.models import (
    AuditEvent,
    Member,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Report,
    ReportReason,
    ReportStatus,
    User,
)
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, text_of

TITLE = "Two senior Kotlin developers for six months"
SUPPLIER_NEED = "Penetration test of our mobile banking app"
OFFER_MESSAGE = "We have a team of two Kotlin seniors free from March."
OFFER_PRICE = "€120,000.00"
HIDE_REASON = "Duplicate of the need Odra posted last week; please offer there."
NEW_PASSWORD = "a staff passphrase from Iasi"


@dataclass
class Cluster:
    """Odra posts needs (two users), Ceahlău offers (two users), Mureș is a third firm."""

    requester: factories.Account
    colleague: factories.Account
    supplier: factories.Account
    supplier_colleague: factories.Account
    other: factories.Account
    staff: factories.Account


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        mures = factories.make_member("Mures Data", competences=("kotlin",))
        return Cluster(
            requester=factories.make_user(odra, email="agnieszka@odra.example"),
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            supplier=factories.make_user(ceahlau, email="mihai@ceahlau.example"),
            supplier_colleague=factories.make_user(ceahlau, email="elena@ceahlau.example"),
            other=factories.make_user(mures, email="radu@mures.example"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
        )


# Helpers ----------------------------------------------------------------------------------


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    """A browser of its own, signed in as `account`."""
    client = app.test_client()
    response = AuthActions(client).login(account.email, account.password)
    assert response.status_code == 302, f"{account.email} could not sign in"
    return client


def post(client: FlaskClient, path: str, data: dict | None = None) -> TestResponse:
    """POST a small action form with the token of a page every signed-in user can open."""
    return submit(client, path, data or {}, form_page="/account")


def flashed(client: FlaskClient, response: TestResponse) -> str:
    """The page the redirect leads to, where the flashed message is shown."""
    assert response.status_code == 302, f"expected a redirect, got {response.status_code}"
    return client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response.get_data(as_text=True)


def has(page: str, message: str) -> bool:
    """Whether `message` is on the page, as a reader sees it (entities decoded)."""
    return message in unescape(page)


def subject(message) -> str:
    return message["Subject"].strip()


def open_need(app: Flask, account: factories.Account, title: str = TITLE, **fields) -> int:
    with app.app_context():
        member = db.session.get(Member, account.member_id)
        return factories.make_need(member, account.id, title=title, **fields).id


def offer_on(app: Flask, need_id: int, account: factories.Account) -> int:
    with app.app_context():
        need = db.session.get(Need, need_id)
        member = db.session.get(Member, account.member_id)
        return factories.make_offer(need, member, account.id).id


def need_status(app: Flask, need_id: int) -> NeedStatus:
    with app.app_context():
        return db.session.get(Need, need_id).status


def offer_state(app: Flask, offer_id: int) -> tuple[OfferStatus, bool, str]:
    """The offer's status, whether staff hid it, and the reason they gave."""
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        return offer.status, offer.hidden_at is not None, offer.hidden_reason


def events(app: Flask, target_type: str, target_id: int) -> list[tuple[str, int | None, dict]]:
    """(action, actor id, detail) of every audit event about one thing, oldest first."""
    with app.app_context():
        query = (
            select(AuditEvent)
            .where(AuditEvent.target_type == target_type, AuditEvent.target_id == target_id)
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor_id, e.detail) for e in db.session.scalars(query)]


def actions(app: Flask, target_type: str, target_id: int) -> list[str]:
    return [action for action, _actor, _detail in events(app, target_type, target_id)]


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


class Attributes(HTMLParser):
    """The attributes of every element that has an id."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.by_id[values["id"]] = values


def assert_error_next_to(page: str, field: str, message: str) -> None:
    """The form shows `message` as an error of `field`, tied to it by aria-describedby."""
    parser = Attributes()
    parser.feed(page)
    control = parser.by_id.get(field)
    assert control is not None, f"no element with id {field!r} on the page"
    errors = []
    for error_id in control.get("aria-describedby", "").split():
        found = re.search(rf'<small[^>]*id="{re.escape(error_id)}"[^>]*>(.*?)</small>', page, re.S)
        if found and "field-error" in found.group(0):
            errors.append(unescape(found.group(1)).strip())
    assert message in errors, f"{field}: errors tied to it are {errors}, expected {message!r}"
    if control.get("type") != "checkbox" and not control.get("class", "").count("competences"):
        assert control.get("aria-invalid") == "true", f"{field} is not marked aria-invalid"


def board_page(client: FlaskClient) -> str:
    return text(client, "/needs")


# Hiding a need ----------------------------------------------------------------------------


def test_staff_hide_an_open_need_and_put_it_back(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster.requester)
    supplier = signed_in(app, cluster.supplier)
    assert has(board_page(supplier), TITLE)

    staff = signed_in(app, cluster.staff)
    response = post(staff, f"/staff/needs/{need_id}/hide", {"reason": HIDE_REASON})
    assert has(
        flashed(staff, response), "The need is hidden from the board and its firm is told why."
    )
    assert need_status(app, need_id) == NeedStatus.HIDDEN

    # Other firms no longer find it, and its page does not exist for them.
    assert not has(board_page(supplier), TITLE)
    assert not has(text(supplier, "/needs?status=hidden"), TITLE)
    assert supplier.get(f"/needs/{need_id}").status_code == 404
    other = signed_in(app, cluster.other)
    assert not has(board_page(other), TITLE)
    assert other.get(f"/needs/{need_id}").status_code == 404

    # Every user of the requester firm is told, with the reason; nobody else is.
    for account in (cluster.requester, cluster.colleague):
        (message,) = mailbox.wait_for(1, to=account.email)
        assert subject(message) == f"Your need was hidden by the cluster staff: {TITLE}"
        assert HIDE_REASON in text_of(message)
        assert f"http://board.test/needs/{need_id}" in text_of(message)
    assert {m["To"] for m in mailbox.messages} == {cluster.requester.email, cluster.colleague.email}

    # The requester still reads its need, and why it was hidden.
    requester = signed_in(app, cluster.requester)
    page = text(requester, f"/needs/{need_id}")
    assert has(page, "Why staff hid this need") and has(page, HIDE_REASON)

    response = post(staff, f"/staff/needs/{need_id}/unhide")
    assert has(flashed(staff, response), "The need is back on the board.")
    assert need_status(app, need_id) == NeedStatus.OPEN
    assert has(board_page(supplier), TITLE)
    assert supplier.get(f"/needs/{need_id}").status_code == 200

    assert events(app, "need", need_id) == [
        ("need.hidden", cluster.staff.id, {"reason": HIDE_REASON}),
        ("need.unhidden", cluster.staff.id, {}),
    ]


@pytest.mark.parametrize("status", [NeedStatus.OPEN, NeedStatus.PENDING, NeedStatus.CLOSED])
def test_a_need_that_is_not_hidden_cannot_be_put_back(
    app: Flask, cluster: Cluster, mailbox: Mailbox, status: NeedStatus
) -> None:
    need_id = open_need(app, cluster.requester, status=status)
    staff = signed_in(app, cluster.staff)
    response = post(staff, f"/staff/needs/{need_id}/unhide")
    assert has(flashed(staff, response), "Only a hidden need can be put back on the board.")
    assert need_status(app, need_id) == status
    assert events(app, "need", need_id) == []
    assert mailbox.messages == []


# Hiding an offer --------------------------------------------------------------------------


def test_staff_hide_an_offer_from_the_requester_and_show_it_again(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster.requester)
    offer_id = offer_on(app, need_id, cluster.supplier)
    requester = signed_in(app, cluster.requester)
    page = text(requester, f"/needs/{need_id}")
    assert has(page, OFFER_MESSAGE) and has(page, OFFER_PRICE)

    staff = signed_in(app, cluster.staff)
    response = post(staff, f"/staff/offers/{offer_id}/hide", {"reason": HIDE_REASON})
    assert has(
        flashed(staff, response),
        "The offer is hidden from the requester and its firm is told why.",
    )
    assert offer_state(app, offer_id) == (OfferStatus.SUBMITTED, True, HIDE_REASON)

    # The requester no longer sees it, and cannot act on it.
    page = text(requester, f"/needs/{need_id}")
    assert "Offers (0)" in page
    assert not has(page, OFFER_MESSAGE) and not has(page, OFFER_PRICE)
    for route in ("accept", "shortlist", "decline", "report"):
        data = {"reason": "spam"} if route == "report" else {}
        assert post(requester, f"/offers/{offer_id}/{route}", data).status_code == 404, route
    assert offer_state(app, offer_id)[0] == OfferStatus.SUBMITTED
    assert need_status(app, need_id) == NeedStatus.OPEN
    assert count(app, Report) == 0

    # The supplier firm still sees its own offer, and is told why it was hidden.
    supplier = signed_in(app, cluster.supplier)
    own = text(supplier, f"/needs/{need_id}")
    assert has(own, "Your firm's offer") and has(own, OFFER_PRICE)
    assert has(text(supplier, "/offers"), TITLE)
    for account in (cluster.supplier, cluster.supplier_colleague):
        (message,) = mailbox.wait_for(1, to=account.email)
        assert subject(message) == f"Your offer was hidden by the cluster staff: {TITLE}"
        assert HIDE_REASON in text_of(message)
    assert mailbox.to(cluster.requester.email) == []

    # Staff still read it, marked as hidden, with the reason.
    page = text(staff, f"/needs/{need_id}")
    assert "Offers (1)" in page
    assert has(page, OFFER_MESSAGE) and has(page, "hidden by staff") and has(page, HIDE_REASON)

    response = post(staff, f"/staff/offers/{offer_id}/unhide")
    assert has(flashed(staff, response), "The requester sees the offer again.")
    assert offer_state(app, offer_id) == (OfferStatus.SUBMITTED, False, "")
    page = text(requester, f"/needs/{need_id}")
    assert "Offers (1)" in page
    assert has(page, OFFER_MESSAGE) and has(page, OFFER_PRICE)
    assert not has(page, "hidden by staff")

    assert events(app, "offer", offer_id) == [
        ("offer.hidden", cluster.staff.id, {"reason": HIDE_REASON}),
        ("offer.unhidden", cluster.staff.id, {}),
    ]


@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_an_offer_is_not_hidden_without_a_reason(
    app: Flask, cluster: Cluster, mailbox: Mailbox, reason: str
) -> None:
    need_id = open_need(app, cluster.requester)
    offer_id = offer_on(app, need_id, cluster.supplier)
    staff = signed_in(app, cluster.staff)
    response = post(staff, f"/staff/offers/{offer_id}/hide", {"reason": reason})
    assert has(flashed(staff, response), "Say why: the firm will read it.")
    assert offer_state(app, offer_id) == (OfferStatus.SUBMITTED, False, "")
    assert events(app, "offer", offer_id) == []
    assert has(text(signed_in(app, cluster.requester), f"/needs/{need_id}"), OFFER_MESSAGE)
    assert mailbox.messages == []


# Reports ----------------------------------------------------------------------------------

REASON_LABELS = {
    "spam": "Spam or advertising",
    "misleading": "Misleading or false",
    "inappropriate": "Offensive or inappropriate",
    "confidential": "Reveals confidential information",
    "duplicate": "Duplicate",
    "other": "Something else",
}
COMMENT = "The budget says 5k EUR but the description asks for a year's work."


def reports(app: Flask) -> list[tuple[int | None, int | None, ReportReason, str, ReportStatus]]:
    """(need id, offer id, reason, comment, status) of every report."""
    with app.app_context():
        query = select(Report).order_by(Report.id)
        return [
            (r.need_id, r.offer_id, r.reason, r.comment, r.status)
            for r in db.session.scalars(query)
        ]


def open_reports_count(page: str) -> int:
    match = re.search(r'<span class="count">(\d+)</span>\s*open reports?\b', page)
    assert match, "the staff dashboard shows no count of open reports"
    return int(match.group(1))


@pytest.mark.parametrize("code", list(REASON_LABELS))
def test_a_member_reports_a_need_and_staff_see_it_with_its_reason(
    app: Flask, cluster: Cluster, code: str
) -> None:
    need_id = open_need(app, cluster.requester)
    reporter = signed_in(app, cluster.other)
    assert has(text(reporter, f"/needs/{need_id}"), "Report this need to the staff")
    response = post(reporter, f"/needs/{need_id}/report", {"reason": code, "comment": COMMENT})
    assert response.headers["Location"] == f"/needs/{need_id}"
    assert has(flashed(reporter, response), "Thank you: the cluster staff will look at it.")
    assert reports(app) == [(need_id, None, ReportReason(code), COMMENT, ReportStatus.OPEN)]

    staff = signed_in(app, cluster.staff)
    page = text(staff, "/staff/reports")
    assert has(page, TITLE) and has(page, "need of Odra Software")
    assert has(page, REASON_LABELS[code]) and has(page, COMMENT)
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    assert events(app, "report", report_id) == [
        ("report.filed", cluster.other.id, {"reason": code})
    ]


def test_the_same_need_cannot_be_reported_twice_while_the_report_is_open(
    app: Flask, cluster: Cluster
) -> None:
    need_id = open_need(app, cluster.requester)
    reporter = signed_in(app, cluster.other)
    post(reporter, f"/needs/{need_id}/report", {"reason": "spam"})
    response = post(reporter, f"/needs/{need_id}/report", {"reason": "duplicate", "comment": "x"})
    assert has(
        flashed(reporter, response),
        "You have reported this already; the cluster staff will look at it.",
    )
    assert reports(app) == [(need_id, None, ReportReason.SPAM, "", ReportStatus.OPEN)]
    with app.app_context():
        filed = db.session.scalar(select(func.count()).where(AuditEvent.action == "report.filed"))
    assert filed == 1


@pytest.mark.parametrize("code", ["fraud", "", "SPAM"])
def test_a_report_with_an_unknown_reason_is_refused(
    app: Flask, cluster: Cluster, code: str
) -> None:
    need_id = open_need(app, cluster.requester)
    reporter = signed_in(app, cluster.other)
    response = post(reporter, f"/needs/{need_id}/report", {"reason": code, "comment": COMMENT})
    assert response.headers["Location"] == f"/needs/{need_id}"
    page = flashed(reporter, response)
    assert 'class="flash flash-error"' in page
    assert not has(page, "Thank you: the cluster staff will look at it.")
    assert reports(app) == []


@pytest.mark.parametrize("status", [NeedStatus.PENDING, NeedStatus.DRAFT, NeedStatus.HIDDEN])
def test_a_member_cannot_report_a_need_it_cannot_see(
    app: Flask, cluster: Cluster, status: NeedStatus
) -> None:
    need_id = open_need(app, cluster.requester, status=status)
    reporter = signed_in(app, cluster.other)
    response = post(reporter, f"/needs/{need_id}/report", {"reason": "spam", "comment": COMMENT})
    assert response.status_code == 404
    assert post(reporter, "/needs/999999/report", {"reason": "spam"}).status_code == 404
    assert reports(app) == []


def test_the_requester_reports_an_offer_and_staff_close_both_reports(
    app: Flask, cluster: Cluster
) -> None:
    need_id = open_need(app, cluster.requester)
    offer_id = offer_on(app, need_id, cluster.supplier)
    requester = signed_in(app, cluster.requester)
    assert has(text(requester, f"/needs/{need_id}"), "Report this offer")
    response = post(
        requester, f"/offers/{offer_id}/report", {"reason": "inappropriate", "comment": COMMENT}
    )
    assert has(flashed(requester, response), "Thank you: the cluster staff will look at it.")
    # Another firm cannot read the offer, so cannot report it either.
    outsider = signed_in(app, cluster.other)
    assert post(outsider, f"/offers/{offer_id}/report", {"reason": "spam"}).status_code == 404
    post(outsider, f"/needs/{need_id}/report", {"reason": "duplicate"})
    assert [r[:3] for r in reports(app)] == [
        (None, offer_id, ReportReason.INAPPROPRIATE),
        (need_id, None, ReportReason.DUPLICATE),
    ]

    staff = signed_in(app, cluster.staff)
    assert open_reports_count(text(staff, "/staff")) == 2
    page = text(staff, "/staff/reports")
    assert has(page, "Offer of Ceahlau Software")
    assert has(page, "Offensive or inappropriate") and has(page, COMMENT)
    assert has(page, "Duplicate") and has(page, TITLE)
    with app.app_context():
        offer_report, need_report = db.session.scalars(select(Report.id).order_by(Report.id))

    # A resolution is required.
    response = post(staff, f"/staff/reports/{offer_report}/resolve", {"resolution": "  "})
    assert has(flashed(staff, response), "Say what was done.")
    assert open_reports_count(text(staff, "/staff")) == 2

    resolution = "Asked Ceahlau to keep to the facts; no further action."
    response = post(staff, f"/staff/reports/{offer_report}/resolve", {"resolution": resolution})
    page = flashed(staff, response)
    assert has(page, "The report is closed.")
    assert not has(page, "Offer of Ceahlau Software")
    assert has(page, TITLE)  # the other report waits
    assert open_reports_count(text(staff, "/staff")) == 1

    post(staff, f"/staff/reports/{need_report}/resolve", {"resolution": "Hid the duplicate."})
    assert has(text(staff, "/staff/reports"), "No open reports.")
    assert open_reports_count(text(staff, "/staff")) == 0
    assert [r[4] for r in reports(app)] == [ReportStatus.RESOLVED, ReportStatus.RESOLVED]

    assert events(app, "report", offer_report) == [
        ("report.filed", cluster.requester.id, {"reason": "inappropriate"}),
        ("report.resolved", cluster.staff.id, {"resolution": resolution}),
    ]
    assert actions(app, "report", need_report) == ["report.filed", "report.resolved"]

    # A closed report is closed once.
    response = post(staff, f"/staff/reports/{offer_report}/resolve", {"resolution": "Again"})
    assert has(flashed(staff, response), "This report is closed already.")
    assert actions(app, "report", offer_report) == ["report.filed", "report.resolved"]


def test_a_need_can_be_reported_again_once_the_report_is_closed(
    app: Flask, cluster: Cluster
) -> None:
    need_id = open_need(app, cluster.requester)
    reporter = signed_in(app, cluster.other)
    post(reporter, f"/needs/{need_id}/report", {"reason": "spam"})
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    staff = signed_in(app, cluster.staff)
    post(staff, f"/staff/reports/{report_id}/resolve", {"resolution": "Looked fine."})
    response = post(reporter, f"/needs/{need_id}/report", {"reason": "misleading"})
    assert has(flashed(reporter, response), "Thank you: the cluster staff will look at it.")
    assert [r[4] for r in reports(app)] == [ReportStatus.RESOLVED, ReportStatus.OPEN]


# Suspending a firm ------------------------------------------------------------------------


def test_a_suspended_firm_is_signed_out_its_needs_leave_and_its_offer_cannot_win(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster.requester)
    offer_id = offer_on(app, need_id, cluster.supplier)
    supplier_need = open_need(app, cluster.supplier, title=SUPPLIER_NEED)
    supplier = signed_in(app, cluster.supplier)
    requester = signed_in(app, cluster.requester)
    other = signed_in(app, cluster.other)
    assert has(board_page(requester), SUPPLIER_NEED)
    with app.app_context():
        ceahlau = cluster.supplier.member_id

    staff = signed_in(app, cluster.staff)
    response = post(staff, f"/staff/members/{ceahlau}/suspend")
    assert has(
        flashed(staff, response),
        "Ceahlau Software is suspended: its users cannot sign in and its needs left the board.",
    )

    # Its users are signed out at their next request, and cannot sign in again.
    response = supplier.get("/needs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    for account in (cluster.supplier, cluster.supplier_colleague):
        browser = app.test_client()
        assert AuthActions(browser).login(account.email, account.password).status_code == 200
        assert browser.get("/needs").status_code == 302

    # Its open need leaves the board for the other firms.
    for client in (requester, other):
        assert not has(board_page(client), SUPPLIER_NEED)
        assert client.get(f"/needs/{supplier_need}").status_code == 404

    # Its offer stays visible to the requester, marked, and cannot be accepted.
    page = text(requester, f"/needs/{need_id}")
    assert has(page, OFFER_MESSAGE) and has(page, "firm suspended")
    response = post(requester, f"/offers/{offer_id}/accept")
    assert has(
        flashed(requester, response), "This firm is suspended; its offer cannot be accepted now."
    )
    assert offer_state(app, offer_id)[0] == OfferStatus.SUBMITTED
    assert need_status(app, need_id) == NeedStatus.OPEN
    assert mailbox.messages == []

    response = post(staff, f"/staff/members/{ceahlau}/activate")
    assert has(flashed(staff, response), "Ceahlau Software is active again.")
    for client in (requester, other):
        assert has(board_page(client), SUPPLIER_NEED)
        assert client.get(f"/needs/{supplier_need}").status_code == 200
    assert not has(text(requester, f"/needs/{need_id}"), "firm suspended")
    supplier = signed_in(app, cluster.supplier)
    assert supplier.get("/needs").status_code == 200

    response = post(requester, f"/offers/{offer_id}/accept")
    assert has(
        flashed(requester, response),
        "You accepted the offer; the need is closed and the firms are told.",
    )
    assert offer_state(app, offer_id)[0] == OfferStatus.ACCEPTED
    assert need_status(app, need_id) == NeedStatus.CLOSED
    (accepted,) = mailbox.wait_for(1, to=cluster.supplier.email)
    assert subject(accepted) == f"Your offer was accepted: {TITLE}"

    assert events(app, "member", ceahlau) == [
        ("member.suspended", cluster.staff.id, {"before": "active"}),
        ("member.activated", cluster.staff.id, {"before": "suspended"}),
    ]


def test_sessions_ended_by_a_suspension_stay_ended_after_the_firm_is_reactivated(
    app: Flask, cluster: Cluster
) -> None:
    supplier = app.test_client()
    login = AuthActions(supplier).login(
        cluster.supplier.email, cluster.supplier.password, remember="y"
    )
    assert login.status_code == 302
    copied_session = supplier.get_cookie("session").value
    copied_remember = supplier.get_cookie("remember_token").value
    colleague = signed_in(app, cluster.supplier_colleague)
    ceahlau = cluster.supplier.member_id

    staff = signed_in(app, cluster.staff)
    post(staff, f"/staff/members/{ceahlau}/suspend")
    post(staff, f"/staff/members/{ceahlau}/activate")

    for browser in (supplier, colleague):
        response = browser.get("/needs")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    for name, value in (("session", copied_session), ("remember_token", copied_remember)):
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert thief.get("/needs").status_code == 302, name
    # Signing in again works as before.
    assert signed_in(app, cluster.supplier).get("/needs").status_code == 200


def test_suspending_a_suspended_firm_is_refused(app: Flask, cluster: Cluster) -> None:
    staff = signed_in(app, cluster.staff)
    ceahlau = cluster.supplier.member_id
    post(staff, f"/staff/members/{ceahlau}/suspend")
    response = post(staff, f"/staff/members/{ceahlau}/suspend")
    assert has(flashed(staff, response), "This firm is suspended already.")
    assert actions(app, "member", ceahlau) == ["member.suspended"]


# Deactivating a user ----------------------------------------------------------------------


def test_staff_deactivate_one_user_whose_colleagues_carry_on(app: Flask, cluster: Cluster) -> None:
    requester = signed_in(app, cluster.requester)
    colleague = signed_in(app, cluster.colleague)
    staff = signed_in(app, cluster.staff)

    response = post(staff, f"/staff/users/{cluster.requester.id}/deactivate")
    assert response.headers["Location"] == "/members/odra-software"
    page = flashed(staff, response)
    assert has(page, "agnieszka@odra.example can no longer sign in.")
    assert has(page, "deactivated")

    response = requester.get("/needs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    browser = app.test_client()
    login = AuthActions(browser).login(cluster.requester.email, cluster.requester.password)
    assert login.status_code == 200
    assert browser.get("/needs").status_code == 302
    assert colleague.get("/needs").status_code == 200
    signed_in(app, cluster.colleague)  # a colleague still signs in

    response = post(staff, f"/staff/users/{cluster.requester.id}/activate")
    assert has(flashed(staff, response), "agnieszka@odra.example can sign in again.")
    again = signed_in(app, cluster.requester)
    assert again.get("/needs").status_code == 200

    assert [(a, actor) for a, actor, _ in events(app, "user", cluster.requester.id)] == [
        ("user.deactivated", cluster.staff.id),
        ("user.activated", cluster.staff.id),
    ]


def test_staff_cannot_deactivate_themselves(app: Flask, cluster: Cluster) -> None:
    staff = signed_in(app, cluster.staff)
    response = post(staff, f"/staff/users/{cluster.staff.id}/deactivate")
    assert has(flashed(staff, response), "You cannot deactivate your own account.")
    assert staff.get("/staff").status_code == 200
    with app.app_context():
        assert db.session.get(User, cluster.staff.id).active is True
    assert events(app, "user", cluster.staff.id) == []


# Inviting staff ---------------------------------------------------------------------------


def test_staff_invite_a_colleague_who_joins_the_staff(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    staff = signed_in(app, cluster.staff)
    assert has(text(staff, "/staff/users"), "Add a staff member")
    response = submit(
        staff, "/staff/users", {"email": "ioana@cluster.example", "name": "Ioana Popescu"}
    )
    assert response.headers["Location"] == "/staff/users"
    page = flashed(staff, response)
    assert has(page, "An invitation is on its way to ioana@cluster.example.")
    assert has(page, "Ioana Popescu") and has(page, "invited")

    (invitation,) = mailbox.wait_for(1, to="ioana@cluster.example")
    assert subject(invitation) == "You are invited to the cluster procurement board"
    assert "cluster staff" in text_of(invitation)
    match = re.search(r"http://board\.test(/invitations/[\w.-]+)", text_of(invitation))
    assert match, f"no invitation link in:\n{text_of(invitation)}"

    newcomer = app.test_client()
    assert has(text(newcomer, match.group(1)), "You have been invited to the cluster staff.")
    data = {"name": "Ioana Popescu", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = submit(newcomer, match.group(1), data)
    assert response.status_code == 302
    assert has(text(newcomer, "/staff"), "Staff dashboard")
    AuthActions(newcomer).logout()
    assert AuthActions(newcomer).login("ioana@cluster.example", NEW_PASSWORD).status_code == 302
    assert newcomer.get("/staff/users").status_code == 200

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ioana@cluster.example"))
        assert (user.is_staff, user.member_id, user.name) == (True, None, "Ioana Popescu")
        invited = db.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.action == "user.invited", AuditEvent.target_id == user.id
            )
        ).all()
        assert invited == [cluster.staff.id]


@pytest.mark.parametrize(
    "email", ["mihai@ceahlau.example", "Clara@Cluster.example", " radu@mures.example "]
)
def test_staff_cannot_invite_an_address_that_has_an_account(
    app: Flask, cluster: Cluster, mailbox: Mailbox, email: str
) -> None:
    users_before = count(app, User)
    staff = signed_in(app, cluster.staff)
    response = submit(staff, "/staff/users", {"email": email, "name": "Someone"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_error_next_to(page, "email", "This address already belongs to a user of the board.")
    assert count(app, User) == users_before
    with app.app_context():
        staff_emails = db.session.scalars(select(User.email).where(User.is_staff)).all()
        assert staff_emails == [cluster.staff.email]
        assert not db.session.scalar(
            select(func.count()).where(AuditEvent.action == "user.invited")
        )
    assert mailbox.messages == []
