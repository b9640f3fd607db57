"""Offers: sending, changing, withdrawing, the requester's decisions, and racing requests."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.clock import cluster_today
from board.errors import InvalidTransition
from board.extensions import db
from board.models import AuditEvent, Member, Need, NeedStatus, Offer, OfferStatus, User, utcnow
from board.offers.services import OfferData, submit_offer
from tests import factories
from tests.conftest import AuthActions, csrf_token, submit
from tests.mailbox import Mailbox, text_of

OFFER = {
    "message": "Two Kotlin seniors, free from March.",
    "price": "125000.50",
    "currency": "EUR",
    "reference": "OF-2026-17",
}


@dataclass
class Scene:
    need_id: int
    requester: factories.Account
    colleague: factories.Account
    supplier: factories.Account
    supplier_colleague: factories.Account
    rival: factories.Account


@pytest.fixture
def scene(app: Flask) -> Scene:
    """An open need of Odra's; Ceahlău (two users) and Someș can offer."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        somes = factories.make_member("Somes Data", competences=("kotlin",))
        requester = factories.make_user(odra, email="agnieszka@odra.example")
        need = factories.make_need(odra, requester.id)
        return Scene(
            need_id=need.id,
            requester=requester,
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            supplier=factories.make_user(ceahlau, email="mihai@ceahlau.example"),
            supplier_colleague=factories.make_user(ceahlau, email="elena@ceahlau.example"),
            rival=factories.make_user(somes, email="ioana@somes.example"),
        )


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client


def available_from(days: int = 40) -> str:
    return str(utcnow().date() + timedelta(days=days))


def send_offer(app: Flask, account: factories.Account, need_id: int, **changes: str):
    client = signed_in(app, account)
    data = {**OFFER, "available_from": available_from(), **changes}
    return client, submit(client, f"/needs/{need_id}/offer", data, form_page="/needs")


def offers(app: Flask, need_id: int) -> list[Offer]:
    with app.app_context():
        query = select(Offer).where(Offer.need_id == need_id).order_by(Offer.id)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def need_status(app: Flask, need_id: int) -> NeedStatus:
    with app.app_context():
        return db.session.get(Need, need_id).status


def test_a_supplier_sends_an_offer_and_the_requester_firm_is_told(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    _client, response = send_offer(app, scene.supplier, scene.need_id)
    assert response.status_code == 302
    (offer,) = offers(app, scene.need_id)
    assert (offer.status, str(offer.price), offer.reference) == (
        OfferStatus.SUBMITTED, "125000.50", "OF-2026-17",
    )  # fmt: skip
    messages = mailbox.wait_for(2)
    assert {m["To"] for m in messages} == {scene.requester.email, scene.colleague.email}
    assert "Ceahlau Software sent an offer" in text_of(messages[0])
    assert "€125,000.50" in text_of(messages[0])


def test_a_second_send_edits_the_firms_one_offer(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    send_offer(app, scene.supplier, scene.need_id)
    mailbox.wait_for(2)
    client, response = send_offer(app, scene.supplier_colleague, scene.need_id, price="99000")
    assert response.status_code == 302
    assert "Your offer is updated." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    (offer,) = offers(app, scene.need_id)
    assert str(offer.price) == "99000.00"
    # A new price is news for the requester firm: each of its users hears of it once.
    changed = mailbox.wait_for(4)[2:]
    assert {m["To"] for m in changed} == {scene.requester.email, scene.colleague.email}
    assert {m["Subject"] for m in changed} == {
        "An offer on your need changed its price: Two senior Kotlin developers for six months"
    }


def test_a_firm_cannot_offer_on_its_own_need(app: Flask, scene: Scene) -> None:
    client, response = send_offer(app, scene.colleague, scene.need_id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "does not take offers from your firm" in page
    assert offers(app, scene.need_id) == []


def test_no_offer_after_the_deadline(app: Flask, scene: Scene) -> None:
    with app.app_context():
        db.session.get(Need, scene.need_id).offers_close_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client, response = send_offer(app, scene.supplier, scene.need_id)
    assert "does not take offers from your firm" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert offers(app, scene.need_id) == []


def test_the_supplier_withdraws_before_the_deadline_and_may_send_again(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    client, _ = send_offer(app, scene.supplier, scene.need_id)
    (offer,) = offers(app, scene.need_id)
    response = submit(client, f"/offers/{offer.id}/withdraw", form_page="/needs")
    assert response.status_code == 302
    assert offers(app, scene.need_id)[0].status == OfferStatus.WITHDRAWN
    send_offer(app, scene.supplier, scene.need_id)
    assert offers(app, scene.need_id)[0].status == OfferStatus.SUBMITTED


def test_an_offer_cannot_be_withdrawn_after_the_deadline(app: Flask, scene: Scene) -> None:
    client, _ = send_offer(app, scene.supplier, scene.need_id)
    (offer,) = offers(app, scene.need_id)
    with app.app_context():
        db.session.get(Need, scene.need_id).offers_close_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = submit(client, f"/offers/{offer.id}/withdraw", form_page="/needs")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "can no longer be withdrawn" in page
    assert offers(app, scene.need_id)[0].status == OfferStatus.SUBMITTED


def test_the_requester_shortlists_then_declines_with_a_reason_the_supplier_reads(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    send_offer(app, scene.supplier, scene.need_id)
    (offer,) = offers(app, scene.need_id)
    requester = signed_in(app, scene.requester)
    submit(requester, f"/offers/{offer.id}/shortlist", form_page="/needs")
    assert offers(app, scene.need_id)[0].status == OfferStatus.SHORTLISTED
    mailbox.clear()
    reason = "We chose a team that can start in January."
    submit(requester, f"/offers/{offer.id}/decline", {"reason": reason}, form_page="/needs")
    assert offers(app, scene.need_id)[0].status == OfferStatus.DECLINED
    messages = mailbox.wait_for(2)
    assert {m["To"] for m in messages} == {scene.supplier.email, scene.supplier_colleague.email}
    assert reason in text_of(messages[0])


def test_accepting_an_offer_closes_the_need_and_declines_the_others(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    send_offer(app, scene.supplier, scene.need_id)
    send_offer(app, scene.rival, scene.need_id, price="80000")
    winner, loser = offers(app, scene.need_id)
    mailbox.clear()
    requester = signed_in(app, scene.requester)
    response = submit(requester, f"/offers/{winner.id}/accept", form_page="/needs")
    assert response.status_code == 302
    assert need_status(app, scene.need_id) == NeedStatus.CLOSED
    assert [o.status for o in offers(app, scene.need_id)] == [
        OfferStatus.ACCEPTED, OfferStatus.DECLINED,
    ]  # fmt: skip
    messages = mailbox.wait_for(3)
    subjects = {m["To"]: m["Subject"].strip() for m in messages}
    assert subjects[scene.supplier.email].startswith("Your offer was accepted")
    assert subjects[scene.rival.email].startswith("A need you offered on was awarded")
    supplier_page = signed_in(app, scene.supplier).get("/offers").get_data(as_text=True)
    assert "accepted" in supplier_page
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.target_type, AuditEvent.target_id).where(
                AuditEvent.action.in_(["need.awarded", "offer.accepted", "offer.declined"])
            )
        ).all()
    assert sorted(events) == sorted([
        ("need.awarded", "need", scene.need_id),
        ("offer.accepted", "offer", winner.id),
        ("offer.declined", "offer", loser.id),
    ])  # fmt: skip


def test_a_firm_declined_before_the_award_gets_no_second_outcome_e_mail(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    with app.app_context():
        tatry = factories.make_member("Tatry Apps", competences=("kotlin",))
        third = factories.make_user(tatry, email="ewa@tatry.example")
    send_offer(app, scene.supplier, scene.need_id)
    send_offer(app, scene.rival, scene.need_id, price="80000")
    send_offer(app, third, scene.need_id, price="90000")
    winner, declined, _waiting = offers(app, scene.need_id)
    requester = signed_in(app, scene.requester)
    submit(requester, f"/offers/{declined.id}/decline", {"reason": "Too far"}, form_page="/needs")
    mailbox.wait_for(1, to=scene.rival.email)
    mailbox.clear()

    response = submit(requester, f"/offers/{winner.id}/accept", form_page="/needs")
    assert response.status_code == 302
    # The winner's two users and the one firm still waiting hear the outcome, and the
    # requester firm's users get the winner's contact; the firm declined earlier has had its
    # answer.
    messages = mailbox.wait_for(5)
    subjects = sorted((m["To"], m["Subject"].split(":")[0]) for m in messages)
    assert subjects == [
        ("agnieszka@odra.example", "You awarded your need"),
        ("elena@ceahlau.example", "Your offer was accepted"),
        ("ewa@tatry.example", "A need you offered on was awarded to another firm"),
        ("mihai@ceahlau.example", "Your offer was accepted"),
        ("tomasz@odra.example", "You awarded your need"),
    ]
    assert mailbox.to(scene.rival.email) == []
    assert [o.status for o in offers(app, scene.need_id)] == [
        OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.DECLINED,
    ]  # fmt: skip
    assert offers(app, scene.need_id)[1].decline_reason == "Too far"


def offer_cells(client: FlaskClient, title: str) -> list[str]:
    """The cells of the row of /needs/mine that shows the need `title`, as text."""
    page = client.get("/needs/mine").get_data(as_text=True)
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if title in row]
    assert len(rows) == 1, f"{len(rows)} rows show {title!r} on /needs/mine"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)
    ]


def test_my_needs_counts_every_offer_an_awarded_need_received(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        late = factories.make_member("Tatry Apps", competences=("kotlin",))
        gone = factories.make_member("Wisla Cloud", competences=("kotlin",))
        spam = factories.make_member("Spam Sp", competences=("kotlin",))
        factories.make_offer(need, late, status=OfferStatus.DECLINED)
        factories.make_offer(need, gone, status=OfferStatus.WITHDRAWN)
        hidden = factories.make_offer(need, spam)
        hidden.hidden_at = utcnow()
        db.session.commit()
        title = need.title
    send_offer(app, scene.supplier, scene.need_id)
    send_offer(app, scene.rival, scene.need_id, price="80000")
    requester = signed_in(app, scene.requester)
    assert offer_cells(requester, title)[-1] == "3"
    winner = next(o for o in offers(app, scene.need_id) if o.member_id == scene.supplier.member_id)
    response = submit(requester, f"/offers/{winner.id}/accept", form_page="/needs")
    assert response.status_code == 302
    # Accepted, declined at the award, declined before it: three offers; the withdrawn one
    # and the one staff hid from the requester are not among them.
    cells = offer_cells(requester, title)
    assert cells[1] == "awarded" and cells[-1] == "3"


@pytest.mark.parametrize(
    "action, start",
    [
        ("shortlist", OfferStatus.SHORTLISTED),
        ("shortlist", OfferStatus.DECLINED),
        ("decline", OfferStatus.WITHDRAWN),
        ("accept", OfferStatus.WITHDRAWN),
        ("accept", OfferStatus.DECLINED),
        ("withdraw", OfferStatus.ACCEPTED),
    ],
)
def test_an_impossible_offer_transition_is_refused_and_changes_nothing(
    app: Flask, scene: Scene, mailbox: Mailbox, action: str, start: OfferStatus
) -> None:
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        offer = factories.make_offer(need, db.session.get(Member, scene.supplier.member_id),
                                     status=start)  # fmt: skip
        offer_id = offer.id
    actor = scene.supplier if action == "withdraw" else scene.requester
    client = signed_in(app, actor)
    response = submit(client, f"/offers/{offer_id}/{action}", form_page="/needs")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-error"' in page
    assert offers(app, scene.need_id)[0].status == start
    assert need_status(app, scene.need_id) == NeedStatus.OPEN
    assert mailbox.messages == []


def test_no_decision_on_offers_once_the_need_is_closed(app: Flask, scene: Scene) -> None:
    send_offer(app, scene.supplier, scene.need_id)
    send_offer(app, scene.rival, scene.need_id)
    first, second = offers(app, scene.need_id)
    requester = signed_in(app, scene.requester)
    submit(requester, f"/offers/{first.id}/accept", form_page="/needs")
    response = submit(requester, f"/offers/{second.id}/accept", form_page="/needs")
    page = requester.get(response.headers["Location"]).get_data(as_text=True)
    assert "no offer can be accepted" in page
    assert [o.status for o in offers(app, scene.need_id)] == [
        OfferStatus.ACCEPTED, OfferStatus.DECLINED,
    ]  # fmt: skip


def race(*requests) -> list:
    """Run the prepared requests at the same moment in threads; return their responses."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index: int, request) -> None:
        barrier.wait()
        results[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_colleagues_offering_at_once_end_with_one_offer_and_a_clean_message(
    app: Flask, scene: Scene
) -> None:
    path = f"/needs/{scene.need_id}/offer"
    prepared = []
    for account, price in ((scene.supplier, "100000"), (scene.supplier_colleague, "110000")):
        client = signed_in(app, account)
        data = {**OFFER, "price": price, "available_from": available_from(),
                "csrf_token": csrf_token(client, path)}  # fmt: skip
        prepared.append((client, data))
    responses = race(*(lambda c=c, d=d: c.post(path, data=d) for c, d in prepared))
    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert len(offers(app, scene.need_id)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Offer.id))) == 1
    texts = [r.get_data(as_text=True) for r in responses if r.status_code == 200]
    for text in texts:
        assert "A colleague has just sent your firm&#39;s offer" in text


def test_two_accepts_at_once_end_with_one_award(app: Flask, scene: Scene) -> None:
    send_offer(app, scene.supplier, scene.need_id)
    send_offer(app, scene.rival, scene.need_id)
    first, second = offers(app, scene.need_id)
    prepared = []
    for account, offer in ((scene.requester, first), (scene.colleague, second)):
        client = signed_in(app, account)
        prepared.append((client, f"/offers/{offer.id}/accept", csrf_token(client, "/needs")))
    responses = race(
        *(lambda c=c, p=p, t=t: c.post(p, data={"csrf_token": t}) for c, p, t in prepared)
    )
    assert [r.status_code for r in responses] == [302, 302]
    statuses = sorted(o.status for o in offers(app, scene.need_id))
    assert statuses == [OfferStatus.ACCEPTED, OfferStatus.DECLINED]
    assert need_status(app, scene.need_id) == NeedStatus.CLOSED


def test_the_offer_service_refuses_an_offer_after_the_deadline_whoever_calls_it(
    app: Flask, scene: Scene
) -> None:
    """The rule holds in the service itself, not only in the view that shows the form."""
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        need.offers_close_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        author = db.session.get(User, scene.supplier.id)
        data = OfferData("Late, but good.", Decimal("1000"), "EUR", cluster_today())
        with pytest.raises(InvalidTransition) as refusal:
            submit_offer(need, author.member, author, data)
        assert refusal.value.message == "This need no longer takes offers: its deadline has passed."
        assert db.session.scalar(select(func.count(Offer.id))) == 0
        need.offers_close_at = utcnow() + timedelta(minutes=1)
        db.session.commit()
        offer, created = submit_offer(need, author.member, author, data)
        assert created and offer.status == OfferStatus.SUBMITTED
