"""Who may see and do what with needs and offers: one table, every route × every role.

Objects out of a user's reach answer 404 (their existence does not leak); what a user may see
but not do answers 403; anonymous visitors are sent to sign in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.extensions import db
from board.models import AuditEvent, NeedStatus
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, text_of

ROLES = ("anonymous", "requester", "supplier", "other", "staff")
OFFER_MESSAGE = "Confidential: two Kotlin seniors from Brașov, free from March."
OFFER_PRICE = "98765.43"
OFFER_PRICE_SHOWN = "98,765.43"


@dataclass(frozen=True)
class World:
    """Firm A's needs in every state, firm B's offer on the open one, and who acts."""

    accounts: dict[str, factories.Account]
    ids: dict[str, int]


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        firm_a = factories.make_member("Odra Software", competences=("kotlin",))
        firm_b = factories.make_member("Spreewerk Digital", competences=("kotlin", "python"))
        firm_c = factories.make_member("Ceahlău Software", competences=("kotlin", "react"))
        requester = factories.make_user(firm_a, email="anna@odra.example")
        supplier = factories.make_user(firm_b, email="jonas@spreewerk.example")
        other = factories.make_user(firm_c, email="mihai@ceahlau.example")
        staff = factories.make_user(is_staff=True, email="staff@cluster.example")
        ids: dict[str, int] = {}
        for status in NeedStatus:
            need = factories.make_need(
                firm_a,
                requester.id,
                title=f"Kotlin team wanted ({status.value})",
                status=status,
                # An expired need is one whose deadline passed long ago.
                deadline_in_days=-40 if status == NeedStatus.EXPIRED else 14,
            )
            ids[status.value] = need.id
            if status == NeedStatus.OPEN:
                offer = factories.make_offer(need, firm_b, supplier.id, price=OFFER_PRICE)
                offer.message = OFFER_MESSAGE
                db.session.commit()
                ids["offer"] = offer.id
    accounts = {"requester": requester, "supplier": supplier, "other": other, "staff": staff}
    return World(accounts=accounts, ids=ids)


# One row per route: (method, path, expected status for each role). Paths name firm A's needs
# by their state ({open} is the need firm B offered on) and firm B's offer as {offer}.
MATRIX: list[tuple[str, str, dict[str, int]]] = []


def row(method: str, path: str, **expected: int) -> None:
    """A route and the answer each role gets; anonymous visitors are always sent to sign in."""
    assert set(expected) == set(ROLES) - {"anonymous"}, path
    MATRIX.append((method, path, {"anonymous": 302, **expected}))


# A need's page: published needs to every member, the others only to firm A and staff.
for state in ("open", "closed", "expired"):
    row("GET", f"/needs/{{{state}}}", requester=200, supplier=200, other=200, staff=200)
for state in ("draft", "pending", "changes_requested", "rejected", "cancelled", "hidden"):
    row("GET", f"/needs/{{{state}}}", requester=200, supplier=404, other=404, staff=200)

# Editing: firm A, while the need is editable; 403 to those who see the need, 404 to the others.
row("GET", "/needs/{draft}/edit", requester=200, supplier=404, other=404, staff=403)
row("GET", "/needs/{open}/edit", requester=403, supplier=403, other=403, staff=403)
row("POST", "/needs/{pending}/edit", requester=200, supplier=404, other=404, staff=403)
row("POST", "/needs/{open}/edit", requester=403, supplier=403, other=403, staff=403)

# Submitting for review.
row("POST", "/needs/{draft}/submit", requester=302, supplier=404, other=404, staff=403)
row("POST", "/needs/{open}/submit", requester=403, supplier=403, other=403, staff=403)

# Cancelling.
row("POST", "/needs/{pending}/cancel", requester=302, supplier=404, other=404, staff=403)
row("POST", "/needs/{open}/cancel", requester=302, supplier=403, other=403, staff=403)
row("POST", "/needs/{closed}/cancel", requester=403, supplier=403, other=403, staff=403)

# The offer form: other firms' users, on a need they can see; the others are sent back to it.
row("GET", "/needs/{open}/offer", requester=302, supplier=200, other=200, staff=403)
row("GET", "/needs/{closed}/offer", requester=302, supplier=302, other=302, staff=403)
row("GET", "/needs/{draft}/offer", requester=302, supplier=404, other=404, staff=403)

# Offer transitions: firm B withdraws, firm A decides; to anyone else the offer does not exist.
row("POST", "/offers/{offer}/withdraw", requester=404, supplier=302, other=404, staff=403)
for action in ("shortlist", "accept", "decline"):
    row("POST", f"/offers/{{offer}}/{action}", requester=302, supplier=404, other=404, staff=403)

# A firm's own lists.
row("GET", "/offers", requester=200, supplier=200, other=200, staff=403)
row("GET", "/needs/mine", requester=200, supplier=200, other=200, staff=403)

# Moderation is for staff only.
row("GET", "/staff/needs", requester=403, supplier=403, other=403, staff=200)
for action in ("approve", "reject", "request-changes"):
    row(
        "POST",
        f"/staff/needs/{{pending}}/{action}",
        requester=403,
        supplier=403,
        other=403,
        staff=302,
    )
row("POST", "/staff/needs/{open}/hide", requester=403, supplier=403, other=403, staff=302)


def signed_in_client(app: Flask, world: World, role: str) -> FlaskClient:
    """A browser of its own for `role`, signed in unless anonymous."""
    client = app.test_client()
    if role != "anonymous":
        account = world.accounts[role]
        response = AuthActions(client).login(account.email, account.password)
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def changes(method: str, role: str, code: int) -> bool:
    """Whether this answer may have changed something: a POST that went through."""
    return method == "POST" and role != "anonymous" and code == 302


@pytest.mark.parametrize(
    "method, path, expected", MATRIX, ids=[f"{method} {path}" for method, path, _ in MATRIX]
)
def test_each_role_gets_the_answer_its_rights_allow(
    app: Flask, world: World, method: str, path: str, expected: dict[str, int]
) -> None:
    url = path.format(**world.ids)
    assert sum(changes(method, role, code) for role, code in expected.items()) <= 1
    # Refusals change nothing, so the one role that may act goes last, on untouched data.
    roles = sorted(expected, key=lambda role: changes(method, role, expected[role]))
    answers: dict[str, int] = {}
    for role in roles:
        client = signed_in_client(app, world, role)
        before = audit_count(app)
        if method == "GET":
            response = client.get(url)
        else:
            form_page = "/login" if role == "anonymous" else "/needs/mine"
            if role == "staff":
                form_page = "/staff/needs"
            response = submit(client, url, {"reason": "Not what the cluster is for."}, form_page)
        answers[role] = response.status_code

        if role == "anonymous":
            # Sent to sign in, and brought back here afterwards.
            location = urlsplit(response.location)
            assert (location.path, parse_qs(location.query).get("next")) == ("/login", [url])
        elif response.status_code == 302:
            assert urlsplit(response.location).path != "/login", role
        if not changes(method, role, expected[role]):
            assert audit_count(app) == before, f"{role} changed something with {method} {url}"

    assert answers == expected


def test_an_offer_is_shown_on_the_need_page_only_to_those_concerned(
    app: Flask, client: FlaskClient, world: World
) -> None:
    url = f"/needs/{world.ids['open']}"
    auth = AuthActions(client)
    shown: dict[str, str] = {}
    for role in ("requester", "supplier", "other", "staff"):
        account = world.accounts[role]
        auth.login(account.email, account.password)
        response = client.get(url)
        assert response.status_code == 200
        shown[role] = response.get_data(as_text=True)
        auth.logout()

    # Firm C, another supplier, sees neither the message nor the price of firm B's offer.
    assert OFFER_MESSAGE not in shown["other"]
    assert OFFER_PRICE_SHOWN not in shown["other"]
    assert "Spreewerk Digital" not in shown["other"]
    # Firm A (the requester) and staff see the whole offer.
    for role in ("requester", "staff"):
        assert OFFER_MESSAGE in shown[role], role
        assert OFFER_PRICE_SHOWN in shown[role], role
    # Firm B sees its own offer's price and status on the need's page ...
    assert OFFER_PRICE_SHOWN in shown["supplier"]
    # ... and its message in the form where it edits the offer.
    account = world.accounts["supplier"]
    auth.login(account.email, account.password)
    form = client.get(f"{url}/offer").get_data(as_text=True)
    assert OFFER_MESSAGE in form


def test_a_firm_lists_its_own_offers_and_no_other_firm_s(
    app: Flask, client: FlaskClient, world: World
) -> None:
    auth = AuthActions(client)
    for role, listed in (("supplier", True), ("other", False), ("requester", False)):
        account = world.accounts[role]
        auth.login(account.email, account.password)
        page = client.get("/offers").get_data(as_text=True)
        assert (OFFER_PRICE_SHOWN in page) is listed, role
        auth.logout()


def test_a_firm_told_that_a_need_was_cancelled_can_open_the_link_it_was_sent(
    app: Flask, client: FlaskClient, world: World, mailbox: Mailbox
) -> None:
    requester, supplier, other = (world.accounts[r] for r in ("requester", "supplier", "other"))
    auth = AuthActions(client)
    auth.login(requester.email, requester.password)
    cancelled = submit(client, f"/needs/{world.ids['open']}/cancel", form_page="/needs/mine")
    assert cancelled.status_code == 302
    auth.logout()

    (message,) = mailbox.wait_for(1, to=supplier.email)
    link = re.search(r"http://board\.test(/needs/\d+)", text_of(message))
    assert link and link.group(1) == f"/needs/{world.ids['open']}"
    auth.login(supplier.email, supplier.password)
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert "Kotlin team wanted (open)" in page.get_data(as_text=True)
    auth.logout()
    # A firm that had not offered still cannot see the cancelled need.
    auth.login(other.email, other.password)
    assert client.get(link.group(1)).status_code == 404


# Addresses of needs and offers that are not there, by the role that asks for them.
MISSING: list[tuple[str, str, str]] = [
    # Ids that do not exist.
    ("requester", "GET", "/needs/99999"),
    ("requester", "GET", "/needs/99999/edit"),
    ("requester", "POST", "/needs/99999/submit"),
    ("requester", "POST", "/needs/99999/cancel"),
    ("other", "GET", "/needs/99999/offer"),
    ("requester", "POST", "/offers/99999/shortlist"),
    ("requester", "POST", "/offers/99999/accept"),
    ("requester", "POST", "/offers/99999/decline"),
    ("supplier", "POST", "/offers/99999/withdraw"),
    ("staff", "GET", "/needs/99999"),
    ("staff", "POST", "/staff/needs/99999/approve"),
    ("staff", "POST", "/staff/needs/99999/reject"),
    ("staff", "POST", "/staff/needs/99999/request-changes"),
    ("staff", "POST", "/staff/needs/99999/hide"),
    # Ids that are not numbers.
    ("requester", "GET", "/needs/abc"),
    ("requester", "GET", "/needs/abc/edit"),
    ("requester", "POST", "/needs/abc/submit"),
    ("requester", "POST", "/needs/abc/cancel"),
    ("other", "GET", "/needs/abc/offer"),
    ("requester", "POST", "/offers/abc/accept"),
    ("supplier", "POST", "/offers/abc/withdraw"),
    ("requester", "GET", "/needs/-1"),
    ("requester", "GET", "/needs/1.5"),
    ("staff", "GET", "/needs/abc"),
    ("staff", "POST", "/staff/needs/abc/approve"),
    # Ids beyond a 64-bit integer, which no database column holds.
    ("requester", "GET", "/needs/99999999999999999999"),
    ("requester", "GET", "/needs/99999999999999999999/edit"),
    ("requester", "POST", "/needs/99999999999999999999/cancel"),
    ("requester", "POST", "/offers/99999999999999999999/accept"),
    ("staff", "POST", "/staff/needs/99999999999999999999/approve"),
]


def test_an_id_that_does_not_exist_or_is_not_a_number_answers_404_not_500(
    app: Flask, world: World
) -> None:
    # An error the code did not expect answers 500 here, as it would in production.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    clients = {role: signed_in_client(app, world, role) for role in world.accounts}
    answers: dict[str, int] = {}
    for role, method, path in MISSING:
        client = clients[role]
        if method == "GET":
            response = client.get(path)
        else:
            form_page = "/staff/needs" if role == "staff" else "/needs/mine"
            response = submit(client, path, {"reason": "No reason."}, form_page=form_page)
        answers[f"{role} {method} {path}"] = response.status_code
    assert answers == {key: 404 for key in answers}
