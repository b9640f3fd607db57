"""The outbox: one row per (user, event), claimed before sending, so nothing goes twice."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board import notifications
from board.extensions import db
from board.models import Member, Need, Notification, NotificationStatus, User
from board.needs.services import approve_need
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, SMTPServer, free_port, html_of, text_of


@pytest.fixture
def pending_need(app: Flask) -> tuple[int, int]:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        author = factories.make_user(odra, email="agnieszka@odra.example")
        staff = factories.make_user(is_staff=True)
        need = factories.make_need(odra, author.id, status="pending")
        return need.id, staff.id


def approve(app: Flask, need_id: int, staff_id: int) -> None:
    with app.app_context():
        approve_need(db.session.get(Need, need_id), db.session.get(User, staff_id))


def rows(app: Flask) -> list[tuple[str, NotificationStatus, int]]:
    with app.app_context():
        return [
            (n.kind, n.status, n.attempts)
            for n in db.session.scalars(select(Notification).order_by(Notification.id))
        ]


def test_an_event_leaves_one_row_per_recipient_marked_sent(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    approve(app, *pending_need)
    (message,) = mailbox.wait_for(1)
    assert rows(app) == [("need_approved", NotificationStatus.SENT, 1)]
    with app.app_context():
        notification = db.session.scalar(select(Notification))
        assert message["Message-ID"] == f"<notification-{notification.id}@localhost>"
    assert message.get_content_type() == "multipart/alternative"
    assert "Two senior Kotlin developers" in text_of(message)
    assert "Two senior Kotlin developers" in html_of(message)


def test_delivering_an_event_again_sends_nothing_twice(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    approve(app, *pending_need)
    mailbox.wait_for(1)
    with app.app_context():
        event_id = db.session.scalar(select(Notification.event_id))
        for _ in range(3):
            notifications.deliver(event_id)
    assert len(mailbox.messages) == 1


def test_a_row_another_delivery_has_claimed_is_left_alone(
    app: Flask, pending_need: tuple[int, int], smtp_server: SMTPServer
) -> None:
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # the first delivery fails
    approve(app, *pending_need)
    assert rows(app) == [("need_approved", NotificationStatus.PENDING, 1)]
    with app.app_context():
        notification = db.session.scalar(select(Notification))
        assert "cannot reach" in notification.last_error
        assert notifications.claim(notification.id) is True
        assert notifications.claim(notification.id) is False  # a second worker gets nothing
        notification.status = NotificationStatus.PENDING
        db.session.commit()
        app.config["SMTP_URL"] = smtp_server.url
        notifications.deliver(notification.event_id)
    assert rows(app) == [("need_approved", NotificationStatus.SENT, 3)]
    assert len(smtp_server.mailbox.messages) == 1


def test_a_permanent_refusal_marks_the_row_failed_and_is_not_retried(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    mailbox.replies.append("550 5.1.1 No such user here")
    approve(app, *pending_need)
    (row,) = rows(app)
    assert row[:2] == ("need_approved", NotificationStatus.FAILED)
    with app.app_context():
        assert "550" in db.session.scalar(select(Notification.last_error))
        notifications.deliver(db.session.scalar(select(Notification.event_id)))
    assert mailbox.messages == []


def test_users_who_cannot_sign_in_are_not_written_to(app: Flask) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        factories.make_user(odra, email="active@odra.example")
        factories.make_user(odra, email="invited@odra.example", password=None)
        users = notifications.active_users([db.session.get(Member, odra.id)])
        assert [u.email for u in users] == ["active@odra.example"]


@pytest.mark.worker
def test_the_worker_on_redis_delivers_the_mail_of_an_approval(
    app: Flask, client: FlaskClient, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        author = factories.make_user(odra, email="agnieszka@odra.example")
        staff = factories.make_user(is_staff=True)
        need_id = factories.make_need(odra, author.id, status="pending").id
    AuthActions(client).login(staff.email, staff.password)
    response = submit(client, f"/staff/needs/{need_id}/approve", form_page="/staff/needs")
    assert response.status_code == 302
    (message,) = mailbox.wait_for(1, to="agnieszka@odra.example", timeout=30)
    assert message["Subject"].strip().startswith("Your need is published")
    # The worker marks the row sent just after the SMTP server has the message.
    deadline = time.monotonic() + 10
    while rows(app) != [("need_approved", NotificationStatus.SENT, 1)]:
        assert time.monotonic() < deadline, rows(app)
        time.sleep(0.05)


def test_staff_are_told_when_a_need_waits_for_review_unless_they_turned_it_off(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        author = factories.make_user(odra, email="agnieszka@odra.example")
        reviewer = factories.make_user(is_staff=True, email="clara@cluster.example")
        quiet = factories.make_user(is_staff=True, email="quiet@cluster.example")
        need_id = factories.make_need(odra, author.id, status="draft").id
    quiet_client = app.test_client()
    AuthActions(quiet_client).login(quiet.email, quiet.password)
    data = {"name": "Quiet Staff", "locale": "en", "notify": "instant"}  # notify_reviews unticked
    assert submit(quiet_client, "/account", data).status_code == 302
    requester = app.test_client()
    AuthActions(requester).login(author.email, author.password)
    submit(requester, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")
    mailbox.wait_for(1)
    assert [m["To"] for m in mailbox.messages] == [reviewer.email], [
        (m["To"], m["Subject"]) for m in mailbox.messages
    ]
    message = mailbox.messages[0]
    assert message["Subject"].strip().startswith("A need waits for your review")
    assert f"http://board.test/needs/{need_id}" in text_of(message)
