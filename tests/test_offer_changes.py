"""What an offer's price pays for, an offer changed after it was sent (and the e-mail a new
price sends), and an offer taken off the shortlist."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board.extensions import db
from board.models import (
    AuditEvent,
    Member,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    PriceBasis,
    utcnow,
)
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of

OFFER = {
    "message": "Two Kotlin seniors, free from March.",
    "price": "12000",
    "currency": "EUR",
    "price_basis": "fixed",
    "reference": "OF-17",
}


@dataclass
class Scene:
    need_id: int
    requester: factories.Account
    colleague: factories.Account
    supplier: factories.Account
    staff: factories.Account


@pytest.fixture
def scene(app: Flask) -> Scene:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        requester = factories.make_user(odra, email="agnieszka@odra.example")
        need = factories.make_need(odra, requester.id)
        return Scene(
            need_id=need.id,
            requester=requester,
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            supplier=factories.make_user(ceahlau, email="mihai@ceahlau.example"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
        )


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client


def available_from(days: int = 40) -> str:
    return str(utcnow().date() + timedelta(days=days))


def send(client: FlaskClient, need_id: int, **changes: str):
    data = {**OFFER, "available_from": available_from(), **changes}
    return submit(client, f"/needs/{need_id}/offer", data)


def the_offer(app: Flask, need_id: int) -> Offer:
    with app.app_context():
        found = db.session.scalars(select(Offer).where(Offer.need_id == need_id)).one()
        db.session.expunge(found)
        return found


def actions(app: Flask, offer_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "offer", AuditEvent.target_id == offer_id)
            .order_by(AuditEvent.id)
        )
        return [(event.action, event.detail) for event in events]


def settle(mailbox: Mailbox, count: int) -> None:
    """Wait for `count` e-mails, then long enough that one more would have arrived."""
    mailbox.wait_for(count)
    time.sleep(0.3)


# The price basis ---------------------------------------------------------------------------


def test_the_offer_form_asks_what_the_price_pays_for_fixed_by_default(
    app: Flask, scene: Scene
) -> None:
    page = (
        signed_in(app, scene.supplier).get(f"/needs/{scene.need_id}/offer").get_data(as_text=True)
    )
    for basis in ("fixed", "day", "hour"):
        assert f'name="price_basis" type="radio" value="{basis}"' in page
    assert 'checked id="price_basis-0" name="price_basis" type="radio" value="fixed"' in page
    for label in ("fixed price", "day rate", "hourly rate"):
        assert label in page


def test_a_day_rate_is_saved_and_shown_wherever_the_price_is(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    supplier = signed_in(app, scene.supplier)
    assert send(supplier, scene.need_id, price="600", price_basis="day").status_code == 302
    offer = the_offer(app, scene.need_id)
    assert (offer.price_basis, str(offer.price)) == (PriceBasis.DAY, "600.00")
    shown = "€600.00 · day rate"
    need_page = f"/needs/{scene.need_id}"
    assert shown in signed_in(app, scene.requester).get(need_page).get_data(as_text=True)
    assert shown in supplier.get(need_page).get_data(as_text=True)  # "Your firm's offer"
    assert shown in supplier.get("/offers").get_data(as_text=True)
    form = supplier.get(f"/needs/{scene.need_id}/offer").get_data(as_text=True)
    assert 'checked id="price_basis-1" name="price_basis" type="radio" value="day"' in form
    received = mailbox.wait_for(2)
    assert shown in text_of(received[0]) and shown in html_of(received[0])


def test_a_basis_not_in_the_list_is_refused_beside_its_field(app: Flask, scene: Scene) -> None:
    response = send(signed_in(app, scene.supplier), scene.need_id, price_basis="yearly")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="price_basis-error1"' in page
    with app.app_context():
        assert db.session.scalars(select(Offer)).all() == []


# Editing -----------------------------------------------------------------------------------


def test_a_first_offer_is_not_marked_edited(app: Flask, scene: Scene) -> None:
    send(signed_in(app, scene.supplier), scene.need_id)
    assert the_offer(app, scene.need_id).edited_at is None
    page = signed_in(app, scene.requester).get(f"/needs/{scene.need_id}").get_data(as_text=True)
    assert not re.search(r"edited \d", page)


def test_a_changed_message_marks_the_offer_edited_but_e_mails_nobody(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    supplier = signed_in(app, scene.supplier)
    send(supplier, scene.need_id)
    settle(mailbox, 2)  # the requester firm's two users hear of the offer
    before = utcnow()
    send(supplier, scene.need_id, message="Three Kotlin seniors, free from April.")
    offer = the_offer(app, scene.need_id)
    assert offer.edited_at is not None and offer.edited_at >= before
    assert actions(app, offer.id)[-1] == ("offer.updated", {"changed": ["message"]})
    time.sleep(0.3)
    assert len(mailbox.messages) == 2
    for account in (scene.requester, scene.supplier):
        page = signed_in(app, account).get(f"/needs/{scene.need_id}").get_data(as_text=True)
        assert "edited " in page


def test_sending_the_same_offer_again_changes_nothing(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    supplier = signed_in(app, scene.supplier)
    send(supplier, scene.need_id)
    response = send(supplier, scene.need_id, price="12000.00")
    assert response.status_code == 302
    offer = the_offer(app, scene.need_id)
    assert offer.edited_at is None
    assert [action for action, _detail in actions(app, offer.id)] == ["offer.submitted"]


@pytest.mark.parametrize(
    "change, before, after",
    [
        ({"price": "11500.5"}, "€12,000.00 · fixed price", "€11,500.50 · fixed price"),
        ({"price_basis": "hour"}, "€12,000.00 · fixed price", "€12,000.00 · hourly rate"),
        ({"currency": "PLN"}, "€12,000.00 · fixed price", "PLN\u00a012,000.00 · fixed price"),
    ],
)
def test_a_new_price_currency_or_basis_is_e_mailed_to_the_requester_firm(
    app: Flask,
    scene: Scene,
    mailbox: Mailbox,
    change: dict[str, str],
    before: str,
    after: str,
) -> None:
    supplier = signed_in(app, scene.supplier)
    send(supplier, scene.need_id)
    settle(mailbox, 2)
    mailbox.clear()
    send(supplier, scene.need_id, **change)
    messages = mailbox.wait_for(2)
    time.sleep(0.3)
    assert len(mailbox.messages) == 2
    assert {m["To"] for m in messages} == {scene.requester.email, scene.colleague.email}
    message = messages[0]
    assert message["Subject"].startswith("An offer on your need changed its price")
    text = text_of(message)
    assert f"Before: {before}" in text and f"Now: {after}" in text
    assert "Ceahlau Software changed the price of its offer" in text
    assert f"/needs/{scene.need_id}" in text
    html = html_of(message)
    assert before in html and after in html
    offer = the_offer(app, scene.need_id)
    assert offer.edited_at is not None
    action, detail = actions(app, offer.id)[-1]
    assert action == "offer.updated" and detail["before"]["price"] == "12000.00"


def test_a_new_price_of_an_offer_staff_hid_is_not_e_mailed_to_the_requester(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    supplier = signed_in(app, scene.supplier)
    send(supplier, scene.need_id)
    settle(mailbox, 2)
    mailbox.clear()
    with app.app_context():
        hidden = db.session.scalars(select(Offer)).one()
        hidden.hidden_at, hidden.hidden_reason = utcnow(), "Advertising."
        db.session.commit()
    send(supplier, scene.need_id, price="1")
    time.sleep(0.3)
    assert mailbox.messages == []
    assert the_offer(app, scene.need_id).edited_at is not None


def test_an_offer_sent_again_after_withdrawing_is_new_not_edited(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    supplier = signed_in(app, scene.supplier)
    send(supplier, scene.need_id)
    offer = the_offer(app, scene.need_id)
    submit(supplier, f"/offers/{offer.id}/withdraw", form_page=f"/needs/{scene.need_id}")
    settle(mailbox, 2)
    mailbox.clear()
    send(supplier, scene.need_id, price="9000")
    again = the_offer(app, scene.need_id)
    assert (again.status, again.edited_at) == (OfferStatus.SUBMITTED, None)
    messages = mailbox.wait_for(2)
    time.sleep(0.3)
    assert len(mailbox.messages) == 2
    assert {m["Subject"].split(":")[0] for m in messages} == {"New offer on your need"}


# Off the shortlist -------------------------------------------------------------------------


@pytest.fixture
def shortlisted(app: Flask, scene: Scene) -> int:
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        supplier = db.session.get(Member, scene.supplier.member_id)
        offer = factories.make_offer(need, supplier, scene.supplier.id)
        offer.status = OfferStatus.SHORTLISTED
        db.session.commit()
        return offer.id


def status_of(app: Flask, offer_id: int) -> OfferStatus:
    with app.app_context():
        return db.session.get(Offer, offer_id).status


def test_the_requester_takes_an_offer_off_the_shortlist(
    app: Flask, scene: Scene, shortlisted: int
) -> None:
    requester = signed_in(app, scene.colleague)
    page = requester.get(f"/needs/{scene.need_id}").get_data(as_text=True)
    assert f'action="/offers/{shortlisted}/unshortlist"' in page
    response = submit(requester, f"/offers/{shortlisted}/unshortlist", form_page="/needs")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/needs/{scene.need_id}#offers")
    assert status_of(app, shortlisted) == OfferStatus.SUBMITTED
    page = requester.get(f"/needs/{scene.need_id}").get_data(as_text=True)
    assert "The offer is off your shortlist." in page
    assert f'action="/offers/{shortlisted}/unshortlist"' not in page
    assert f'action="/offers/{shortlisted}/shortlist"' in page
    assert actions(app, shortlisted) == [("offer.unshortlisted", {})]


def test_an_offer_not_on_the_shortlist_cannot_be_taken_off_it(
    app: Flask, scene: Scene, shortlisted: int
) -> None:
    requester = signed_in(app, scene.requester)
    submit(requester, f"/offers/{shortlisted}/unshortlist", form_page="/needs")
    response = submit(requester, f"/offers/{shortlisted}/unshortlist", form_page="/needs")
    page = requester.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only a shortlisted offer can be taken off the shortlist." in page
    assert status_of(app, shortlisted) == OfferStatus.SUBMITTED
    assert [action for action, _ in actions(app, shortlisted)] == ["offer.unshortlisted"]


def test_only_the_requester_firm_may_take_an_offer_off_its_shortlist(
    app: Flask, scene: Scene, shortlisted: int
) -> None:
    supplier = signed_in(app, scene.supplier)
    assert 'unshortlist"' not in supplier.get(f"/needs/{scene.need_id}").get_data(as_text=True)
    path = f"/offers/{shortlisted}/unshortlist"
    assert submit(supplier, path, form_page="/needs").status_code == 404
    assert submit(signed_in(app, scene.staff), path, form_page="/account").status_code == 403
    with app.app_context():
        other = factories.make_user(factories.make_member("Tatry Apps"), email="ewa@tatry.example")
    assert submit(signed_in(app, other), path, form_page="/needs").status_code == 404
    assert status_of(app, shortlisted) == OfferStatus.SHORTLISTED
    assert actions(app, shortlisted) == []


def test_no_offer_leaves_the_shortlist_once_the_need_is_no_longer_open(
    app: Flask, scene: Scene, shortlisted: int
) -> None:
    with app.app_context():
        db.session.get(Need, scene.need_id).status = NeedStatus.HIDDEN
        db.session.commit()
    requester = signed_in(app, scene.requester)
    page = requester.get(f"/needs/{scene.need_id}").get_data(as_text=True)
    assert "unshortlist" not in page
    response = submit(requester, f"/offers/{shortlisted}/unshortlist", form_page="/needs")
    assert "This need is no longer open." in requester.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert status_of(app, shortlisted) == OfferStatus.SHORTLISTED
