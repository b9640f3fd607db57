"""A delivery reads its batch's rows and users as plain columns, not ORM entities: the e-mails
composed from them must be those composed from the entities, for every kind a batch holds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import select

from board.extensions import db
from board.models import Member, Need, NeedStatus, Notification, User, utcnow
from board.needs.services import approve_need
from board.notifications import compose, deliver
from board.offers.services import OfferData, submit_offer
from tests import factories
from tests.mailbox import Mailbox, html_of, text_of


def headers_of(message: EmailMessage) -> dict[str, str]:
    """Every header but Date (the instant of composing) and the part boundary (random)."""
    headers = {name: str(value) for name, value in message.items() if name != "Date"}
    headers["Content-Type"] = message.get_content_type()
    return headers


def test_rows_read_as_columns_compose_the_e_mails_their_entities_do(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        author = factories.make_user(odra, email="agnieszka@odra.example")
        staff = factories.make_user(is_staff=True)
        firm = factories.make_member("Wisła <Cloud> & Sons", competences=("kotlin",))
        named = factories.make_user(firm, email="lucja@wisla.example", name="Łucja Żółć")
        factories.make_user(firm, email="bare@wisla.example", name="")
        db.session.get(User, named.id).locale = "pl"
        db.session.commit()
        need = factories.make_need(
            odra, author.id, status=NeedStatus.PENDING, competences=("kotlin",)
        )
        approve_need(db.session.get(Need, need.id), db.session.get(User, staff.id))
        data = OfferData(
            message="We can start in January.", price=Decimal(50000), currency="EUR",
            available_from=utcnow().date() + timedelta(days=30),
        )  # fmt: skip
        submit_offer(
            db.session.get(Need, need.id),
            db.session.get(Member, firm.id),
            db.session.get(User, named.id),
            data,
        )
    mailbox.wait_for(4)

    with app.app_context():
        ids = db.session.scalars(select(Notification.id).order_by(Notification.id)).all()
        rows = deliver.load_batch(ids)
        kinds = {row.kind for row in rows}
        assert {"need_approved", "need_match", "offer_received"} <= kinds, kinds
        composer = compose.Composer(rows)
        for row in rows:
            entity = db.session.get(Notification, row.id)
            assert (row.kind, row.user_id, row.need_id, row.offer_id, row.event_id) == (
                entity.kind,
                entity.user_id,
                entity.need_id,
                entity.offer_id,
                entity.event_id,
            )
            assert (row.data, row.attempts) == (entity.data, entity.attempts)
            assert (row.user.email, row.user.display_name, row.user.locale) == (
                entity.user.email,
                entity.user.display_name,
                entity.user.locale,
            )
            assert row.user.member is entity.user.member
            assert (row.need, row.offer, row.event) == (entity.need, entity.offer, entity.event)
            light = composer.compose(row)
            full = compose.compose_notification(entity)
            assert headers_of(light) == headers_of(full), row.kind
            assert text_of(light) == text_of(full), row.kind
            assert html_of(light) == html_of(full), row.kind
