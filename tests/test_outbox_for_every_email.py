"""Every e-mail the board sends is an outbox row: invitations, password resets and membership
decisions too, claimed, retried, swept and shown to staff like the e-mails about needs."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board import jobs
from board.extensions import db
from board.members.applications import ApplicationData, reject_application, submit_application
from board.models import Application, Notification, NotificationStatus, User
from board.notifications import deliver
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, text_of


def rows(app: Flask) -> Counter[tuple[str, str, NotificationStatus]]:
    """The outbox: how many rows of each (kind, address, status)."""
    with app.app_context():
        found = db.session.scalars(select(Notification)).all()
        return Counter((row.kind, row.address, row.status) for row in found)


def test_invitations_resets_and_refusals_are_sent_through_the_outbox(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software")
        account = factories.make_user(firm, email="anna@odra.example")
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
        application = submit_application(
            ApplicationData("Warta Data", "Celina Warta", "celina@warta.example")
        )
        reject_application(
            application, db.session.get(User, staff.id), "We accept firms of the region only."
        )
    auth.login(account.email, account.password)
    assert submit(client, "/member/invite", {"email": "tomasz@odra.example"}).status_code == 302
    auth.logout()
    assert submit(client, "/password/forgot", {"email": account.email}).status_code == 302

    mailbox.wait_for(4)
    sent = NotificationStatus.SENT
    assert rows(app) == {
        ("application_submitted", "clara@cluster.example", sent): 1,
        ("application_rejected", "celina@warta.example", sent): 1,
        ("invitation", "tomasz@odra.example", sent): 1,
        ("password_reset", "anna@odra.example", sent): 1,
    }
    (refusal,) = mailbox.to("celina@warta.example")
    assert "We accept firms of the region only." in text_of(refusal)
    assert "/invitations/" in text_of(mailbox.to("tomasz@odra.example")[0])
    assert "/password/reset/" in text_of(mailbox.to("anna@odra.example")[0])


def test_a_reset_asked_for_an_address_that_is_nobodys_sends_nothing_and_keeps_no_row(
    app: Flask, client: FlaskClient, mailbox: Mailbox
) -> None:
    with app.app_context():
        factories.make_user(factories.make_member(), email="anna@odra.example")
        factories.make_user(factories.make_member(), email="bartek@odra.example", password=None)
    for email in ("nobody@odra.example", "bartek@odra.example"):
        response = submit(client, "/password/forgot", {"email": email})
        assert response.status_code == 302
    time.sleep(0.3)
    assert mailbox.messages == []
    assert rows(app) == {}


def test_a_550_on_a_password_reset_shows_on_the_staff_page(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member(), email="anna@odra.example")
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
    mailbox.replies.append("550 5.1.1 <anna@odra.example>: mailbox unavailable")
    assert submit(client, "/password/forgot", {"email": account.email}).status_code == 302
    assert rows(app) == {("password_reset", "anna@odra.example", NotificationStatus.FAILED): 1}

    auth.login(staff.email, staff.password)
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert "anna@odra.example" in page
    assert "password_reset" in page
    assert "550 5.1.1" in page


def test_a_send_job_run_twice_sends_an_invitation_once(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member(), email="anna@odra.example")
    auth.login(account.email, account.password)
    assert submit(client, "/member/invite", {"email": "tomasz@odra.example"}).status_code == 302
    mailbox.wait_for(1, to="tomasz@odra.example")
    with app.app_context():
        (row_id,) = db.session.scalars(select(Notification.id))
        jobs.JOBS["notify.send"](row_id)
        deliver.send(row_id)
    time.sleep(0.3)
    assert len(mailbox.to("tomasz@odra.example")) == 1


@pytest.mark.worker
def test_a_send_task_delivered_three_times_by_the_broker_sends_once(
    app: Flask, mailbox: Mailbox
) -> None:
    """The same message published three times (as a broker re-delivers one) sends one e-mail."""
    with app.app_context():
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
        application = Application(
            member_name="Warta Data", contact_name="Celina", email="celina@warta.example"
        )
        db.session.add(application)
        db.session.commit()
        reject_application(application, db.session.get(User, staff.id), "Not in the region.")
        (row_id,) = db.session.scalars(select(Notification.id))
        celery = app.extensions["celery"]
        for _ in range(2):
            celery.send_task("notify.send", args=[row_id])
    mailbox.wait_for(1, to="celina@warta.example", timeout=30)
    time.sleep(1.5)  # a second delivery would arrive by now
    assert len(mailbox.to("celina@warta.example")) == 1
    assert rows(app) == {
        ("application_rejected", "celina@warta.example", NotificationStatus.SENT): 1
    }
