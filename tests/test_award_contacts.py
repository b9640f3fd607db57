"""Contact phones, and who to talk to after an award: the person who posted the need and the
person who sent the winning offer see each other (staff see both), on the need's page and in
the award e-mails, and nobody else ever does."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board.extensions import db
from board.models import AuditEvent, Member, Need, NeedStatus, Offer, User
from board.offers import services as offers
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of

REQUESTER_PHONE = "+48 71 123 45 67"
SUPPLIER_FIRM_PHONE = "+40 (21) 555-0100"
CONTACTS = "Contacts for the award"


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client


# Phones ------------------------------------------------------------------------------------

ACCOUNT = {"name": "Agnieszka Nowak", "locale": "en", "notify": "instant"}


def test_a_user_gives_a_phone_on_their_account_page(app: Flask) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member(), email="anna@odra.example")
    client = signed_in(app, account)
    response = submit(client, "/account", {**ACCOUNT, "phone": "  +48  71 123-45-67 "})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, account.id).phone == "+48 71 123-45-67"
    page = client.get("/account").get_data(as_text=True)
    assert 'value="+48 71 123-45-67"' in page
    submit(client, "/account", {**ACCOUNT, "phone": ""})
    with app.app_context():
        assert db.session.get(User, account.id).phone == ""


PHONE_REFUSALS = [
    ("call me maybe", "Write a phone number with digits, spaces and + - ( ) / . only."),
    ("+48 71 123 45 67 ext. 5", "Write a phone number with digits, spaces and + - ( ) / . only."),
    ("+-()/.", "Write a phone number with digits, spaces and + - ( ) / . only."),
    ("1" * 41, "Use at most 40 characters."),
]


@pytest.mark.parametrize("phone, message", PHONE_REFUSALS)
def test_a_phone_that_is_no_phone_number_is_refused_beside_the_field(
    app: Flask, phone: str, message: str
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member(), email="anna@odra.example")
        db.session.get(User, account.id).phone = "+48 1"
        db.session.commit()
    response = submit(signed_in(app, account), "/account", {**ACCOUNT, "phone": phone})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'id="phone-error1"' in page
    with app.app_context():
        user = db.session.get(User, account.id)
        assert (user.phone, user.name) == ("+48 1", "Test User")


PROFILE = {"description": "Software house.", "website": "", "competences": ["kotlin"]}


def test_a_firm_gives_a_public_phone_on_its_profile(app: Flask) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member("Odra Software"))
        reader = factories.make_user(factories.make_member("Tatry Apps"))
    client = signed_in(app, account)
    assert submit(client, "/member", {**PROFILE, "phone": "071 / 123 45 67"}).status_code == 302
    with app.app_context():
        assert db.session.get(Member, account.member_id).phone == "071 / 123 45 67"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.updated"))
        assert event.detail["phone"] == "071 / 123 45 67"
    profile = signed_in(app, reader).get("/members/odra-software").get_data(as_text=True)
    assert "071 / 123 45 67" in profile


@pytest.mark.parametrize("phone, message", PHONE_REFUSALS)
def test_a_firms_phone_that_is_no_phone_number_is_refused(
    app: Flask, phone: str, message: str
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member("Odra Software"))
    response = submit(signed_in(app, account), "/member", {**PROFILE, "phone": phone})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        member = db.session.get(Member, account.member_id)
        assert (member.phone, member.description) == ("", "")


# Contacts after the award ------------------------------------------------------------------


@dataclass
class Scene:
    need_id: int
    winner_offer_id: int
    requester: factories.Account
    colleague: factories.Account
    supplier: factories.Account
    supplier_colleague: factories.Account
    loser: factories.Account
    bystander: factories.Account
    staff: factories.Account


@pytest.fixture
def scene(app: Flask) -> Scene:
    """Odra's open need; Ceahlău (whose firm has a phone, its user none) and Someș offered."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        ceahlau.phone = SUPPLIER_FIRM_PHONE
        somes = factories.make_member("Somes Data", competences=("kotlin",))
        tatry = factories.make_member("Tatry Apps", competences=("kotlin",))
        requester = factories.make_user(
            odra, email="agnieszka@odra.example", name="Agnieszka Nowak"
        )
        db.session.get(User, requester.id).phone = REQUESTER_PHONE
        supplier = factories.make_user(ceahlau, email="mihai@ceahlau.example", name="Mihai Ciobanu")
        loser = factories.make_user(somes, email="ioana@somes.example", name="Ioana Pop")
        need = factories.make_need(odra, requester.id)
        winner = factories.make_offer(need, ceahlau, supplier.id)
        factories.make_offer(need, somes, loser.id, price="90000")
        db.session.commit()
        return Scene(
            need_id=need.id,
            winner_offer_id=winner.id,
            requester=requester,
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            supplier=supplier,
            supplier_colleague=factories.make_user(ceahlau, email="elena@ceahlau.example"),
            loser=loser,
            bystander=factories.make_user(tatry, email="ewa@tatry.example"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
        )


def award(app: Flask, scene: Scene) -> None:
    requester = signed_in(app, scene.requester)
    response = submit(requester, f"/offers/{scene.winner_offer_id}/accept", form_page="/needs")
    assert response.status_code == 302


def contact_box(client: FlaskClient, need_id: int) -> str | None:
    """The award's contacts on the need page, as text; None when the page shows none."""
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    if CONTACTS not in page:
        return None
    box = page[page.index('<section class="award-contacts"') :]
    box = box[: box.index("</section>")]
    return " ".join(re.sub(r"<[^>]+>", " ", box).split())


def test_no_contacts_are_shown_before_the_award(app: Flask, scene: Scene) -> None:
    for account in (scene.requester, scene.supplier, scene.staff, scene.bystander):
        assert contact_box(signed_in(app, account), scene.need_id) is None


def test_after_the_award_the_requester_firm_sees_who_sent_the_winning_offer(
    app: Flask, scene: Scene
) -> None:
    award(app, scene)
    for account in (scene.requester, scene.colleague):
        box = contact_box(signed_in(app, account), scene.need_id)
        assert box is not None
        # The supplier gave no phone of their own: their firm's public one stands in.
        for shown in ("Ceahlau Software", "Mihai Ciobanu", scene.supplier.email):
            assert shown in box
        assert SUPPLIER_FIRM_PHONE in box
        assert scene.requester.email not in box and REQUESTER_PHONE not in box


def test_after_the_award_the_winning_firm_sees_who_posted_the_need(
    app: Flask, scene: Scene
) -> None:
    award(app, scene)
    for account in (scene.supplier, scene.supplier_colleague):
        box = contact_box(signed_in(app, account), scene.need_id)
        assert box is not None
        for shown in ("Odra Software", "Agnieszka Nowak", scene.requester.email, REQUESTER_PHONE):
            assert shown in box
        assert scene.supplier.email not in box


def test_staff_see_both_contacts_and_other_firms_neither(app: Flask, scene: Scene) -> None:
    award(app, scene)
    box = contact_box(signed_in(app, scene.staff), scene.need_id)
    assert box is not None
    for shown in (scene.requester.email, REQUESTER_PHONE, scene.supplier.email):
        assert shown in box
    for account in (scene.loser, scene.bystander):
        page = signed_in(app, account).get(f"/needs/{scene.need_id}").get_data(as_text=True)
        assert CONTACTS not in page
        assert scene.requester.email not in page and REQUESTER_PHONE not in page
        assert scene.supplier.email not in page and SUPPLIER_FIRM_PHONE not in page


def test_a_contact_changed_after_the_page_was_kept_shows_at_once(app: Flask, scene: Scene) -> None:
    """The need's page is kept per firm until its data changes; a person's phone is not part
    of that data, and shows as it is now."""
    award(app, scene)
    supplier = signed_in(app, scene.supplier)
    assert REQUESTER_PHONE in (contact_box(supplier, scene.need_id) or "")
    with app.app_context():
        db.session.get(User, scene.requester.id).phone = "+48 22 000 00 00"
        db.session.commit()
    box = contact_box(supplier, scene.need_id) or ""
    assert "+48 22 000 00 00" in box and REQUESTER_PHONE not in box


def test_a_need_closed_without_an_accepted_offer_shows_no_contacts(
    app: Flask, scene: Scene
) -> None:
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        need.status = NeedStatus.CLOSED
        db.session.commit()
    assert contact_box(signed_in(app, scene.requester), scene.need_id) is None


def test_the_award_e_mails_carry_each_sides_contact(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    award(app, scene)
    mailbox.wait_for(5)
    (accepted,) = mailbox.to(scene.supplier.email)
    assert accepted["Subject"].startswith("Your offer was accepted")
    for part in (text_of(accepted), html_of(accepted)):
        for shown in ("Agnieszka Nowak", scene.requester.email, REQUESTER_PHONE):
            assert shown in part
    assert len(mailbox.to(scene.supplier_colleague.email)) == 1
    for account in (scene.requester, scene.colleague):
        (confirmed,) = mailbox.to(account.email)
        assert confirmed["Subject"] == (
            "You awarded your need: Two senior Kotlin developers for six months"
        )
        for part in (text_of(confirmed), html_of(confirmed)):
            for shown in ("Ceahlau Software", "Mihai Ciobanu", scene.supplier.email):
                assert shown in part
            assert SUPPLIER_FIRM_PHONE in part
            assert "€120,000.00 · fixed price" in part
    (lost,) = mailbox.to(scene.loser.email)
    for part in (text_of(lost), html_of(lost)):
        assert scene.requester.email not in part and scene.supplier.email not in part


def test_an_award_whose_supplier_is_gone_names_the_firm_and_its_phone(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    with app.app_context():
        offer = db.session.get(Offer, scene.winner_offer_id)
        offer.author = None
        db.session.commit()
        offers.accept_offer(offer, db.session.get(User, scene.requester.id))
    mailbox.wait_for(1, to=scene.colleague.email)
    text = text_of(mailbox.to(scene.colleague.email)[0])
    assert "Ceahlau Software" in text and SUPPLIER_FIRM_PHONE in text
    assert "Mihai" not in text
    box = contact_box(signed_in(app, scene.requester), scene.need_id) or ""
    assert "Ceahlau Software" in box and SUPPLIER_FIRM_PHONE in box and "Mihai" not in box
    # Whose account is gone (erased, say): the box says so rather than leave a blank.
    assert "a former user, whose account is erased" in box
