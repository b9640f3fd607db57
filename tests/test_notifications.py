"""The outbox: one row per (user, what it is about), claimed before sending, so nothing goes
twice; transient failures retried with backoff, permanent ones failed, suppressed and shown."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board import jobs
from board.errors import DomainError
from board.extensions import db
from board.models import (
    AuditEvent,
    Member,
    Need,
    Notification,
    NotificationStatus,
    Suppression,
    User,
    utcnow,
)
from board.needs.services import approve_need
from board.notifications import announce, deliver, outbox, sweep
from board.offers.services import OfferData, submit_offer
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
        notification_id = db.session.scalar(select(Notification.id))
        for _ in range(3):
            assert deliver.send(notification_id) is None
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
        assert notification.next_attempt_at is not None
        assert outbox.claim([notification.id]) == [notification.id]
        assert outbox.claim([notification.id]) == []  # a second worker gets nothing
        assert deliver.send(notification.id) is None  # nor does a second delivery
        notification.status = NotificationStatus.PENDING
        db.session.commit()
        app.config["SMTP_URL"] = smtp_server.url
        deliver.send(notification.id)
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
        notification = db.session.scalar(select(Notification))
        assert "550" in notification.last_error
        assert outbox.is_suppressed("agnieszka@odra.example")
        deliver.send(notification.id)
        sweep.sweep(utcnow() + timedelta(days=1))
    assert mailbox.messages == []


def test_users_who_cannot_sign_in_are_not_written_to(app: Flask) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        factories.make_user(odra, email="active@odra.example")
        factories.make_user(odra, email="invited@odra.example", password=None)
        users = announce.active_users([db.session.get(Member, odra.id)])
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


def sweep_later(app: Flask, seconds: float) -> dict[str, int]:
    """Run the sweep as if `seconds` had passed."""
    with app.app_context():
        return sweep.sweep(utcnow() + timedelta(seconds=seconds))


def test_a_server_that_answers_451_twice_gets_the_e_mail_on_the_third_attempt(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    mailbox.replies += ["451 4.7.1 Greylisted, try again later"] * 2
    # Retries a minute or two apart (at least half of that, with jitter): the suite's 0.05 s,
    # or even a second, can pass on a busy machine before the row is read back.
    app.config.update(MAIL_RETRY_DELAY=60.0, MAIL_RETRY_MAX_DELAY=120.0)
    approve(app, *pending_need)
    assert rows(app) == [("need_approved", NotificationStatus.PENDING, 1)]
    with app.app_context():
        first = db.session.scalar(select(Notification))
        assert "451" in first.last_error
        # Backoff: the second attempt is not due at once, and the sweep leaves it alone.
        assert first.next_attempt_at > utcnow()
    assert sweep_later(app, 0)["resent"] == 0
    assert sweep_later(app, 61)["resent"] == 1
    assert rows(app) == [("need_approved", NotificationStatus.PENDING, 2)]
    assert sweep_later(app, 121)["resent"] == 1
    assert rows(app) == [("need_approved", NotificationStatus.SENT, 3)]
    (message,) = mailbox.messages
    assert message["To"] == "agnieszka@odra.example"
    assert sweep_later(app, 3600)["resent"] == 0


def test_the_delay_between_attempts_grows_and_has_jitter(app: Flask) -> None:
    app.config.update(MAIL_RETRY_DELAY=10.0, MAIL_RETRY_MAX_DELAY=100.0)
    with app.app_context():
        delays = {n: [outbox.retry_delay(n) for _ in range(50)] for n in (1, 2, 3, 8)}
    assert all(5 <= d <= 10 for d in delays[1])
    assert all(10 <= d <= 20 for d in delays[2])
    assert all(20 <= d <= 40 for d in delays[3])
    assert all(50 <= d <= 100 for d in delays[8])  # capped
    assert len(set(delays[1])) > 10  # jittered, so retries do not stampede


def test_after_the_last_attempt_the_row_fails_and_is_shown_to_staff(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox, client: FlaskClient
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mailbox.replies += ["421 4.3.2 Service not available"] * 3
    approve(app, *pending_need)
    sweep_later(app, 5)
    (row,) = rows(app)
    assert row == ("need_approved", NotificationStatus.FAILED, 2)
    assert sweep_later(app, 3600)["resent"] == 0
    with app.app_context():
        assert "gave up" in db.session.scalar(select(Notification.last_error))
        staff = db.session.get(User, pending_need[1])
    AuthActions(client).login(staff.email, factories.PASSWORD)
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert "agnieszka@odra.example" in page and "421" in page


def test_a_550_fails_the_row_suppresses_the_address_and_staff_can_send_it_again(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox, client: FlaskClient
) -> None:
    mailbox.replies.append("550 5.1.1 No such user here")
    approve(app, *pending_need)
    assert rows(app)[0][:2] == ("need_approved", NotificationStatus.FAILED)
    need_id, staff_id = pending_need
    with app.app_context():
        # A later e-mail to the refused address is not attempted.
        need = db.session.get(Need, need_id)
        supplier = factories.make_member("Wisła Cloud", competences=("python",))
        author = db.session.get(User, factories.make_user(supplier).id)
        data = OfferData(
            message="We can start in January.", price=Decimal(50000), currency="EUR",
            available_from=utcnow().date() + timedelta(days=30),
        )  # fmt: skip
        submit_offer(need, supplier, author, data)
    offer_rows = [r for r in rows(app) if r[0] == "offer_received"]
    assert offer_rows == [("offer_received", NotificationStatus.SUPPRESSED, 1)]
    assert mailbox.messages == []

    AuthActions(client).login(db_email(app, staff_id), factories.PASSWORD)
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert "550 5.1.1 No such user here" in page
    with app.app_context():
        failed_id = db.session.scalar(
            select(Notification.id).where(Notification.kind == "need_approved")
        )
    response = submit(
        client, f"/staff/notifications/{failed_id}/retry", form_page="/staff/notifications"
    )
    assert response.status_code == 302
    (message,) = mailbox.wait_for(1)
    assert message["Subject"].strip().startswith("Your need is published")
    with app.app_context():
        assert db.session.scalar(select(Suppression)) is None
        assert db.session.get(Notification, failed_id).status == NotificationStatus.SENT
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "notification.retried")
        )
        assert event.actor_id == staff_id and event.target_id == failed_id
    # A row that was sent cannot be sent again from the page.
    again = submit(
        client, f"/staff/notifications/{failed_id}/retry", form_page="/staff/notifications"
    )
    assert again.status_code == 302
    assert len(mailbox.messages) == 1


def db_email(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def test_a_row_left_sending_by_a_dead_delivery_is_sent_by_the_sweep_after_the_lease(
    app: Flask, pending_need: tuple[int, int], smtp_server: SMTPServer
) -> None:
    mailbox = smtp_server.mailbox
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    approve(app, *pending_need)
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        notification_id = db.session.scalar(select(Notification.id))
        # A delivery claims the row and dies before it sends.
        assert outbox.claim([notification_id]) == [notification_id]
    lease = app.config["MAIL_LEASE"]
    assert sweep_later(app, lease / 2)["reclaimed"] == 0
    assert mailbox.messages == []
    done = sweep_later(app, lease + 1)
    assert done["reclaimed"] == 1 and done["resent"] == 1
    assert rows(app) == [("need_approved", NotificationStatus.SENT, 3)]
    assert len(mailbox.messages) == 1


# The outbox's bookkeeping -------------------------------------------------------------------


@pytest.mark.parametrize(
    "attempts, low, high",
    [(1, 5.0, 10.0), (2, 10.0, 20.0), (4, 40.0, 80.0), (5, 50.0, 100.0), (9, 50.0, 100.0)],
)
def test_a_retry_waits_between_half_the_doubled_delay_and_all_of_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch, attempts: int, low: float, high: float
) -> None:
    """The delay doubles from MAIL_RETRY_DELAY up to MAIL_RETRY_MAX_DELAY; the jitter keeps
    at least half of it."""
    app.config.update(MAIL_RETRY_DELAY=10.0, MAIL_RETRY_MAX_DELAY=100.0)
    with app.app_context():
        monkeypatch.setattr(outbox.random, "uniform", lambda a, b: a)
        assert outbox.retry_delay(attempts) == low
        monkeypatch.setattr(outbox.random, "uniform", lambda a, b: b)
        assert outbox.retry_delay(attempts) == high


def test_staff_send_an_e_mail_again_from_scratch_and_it_is_audited(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mailbox.replies += ["421 4.3.2 Service not available"] * 3
    approve(app, *pending_need)
    sweep_later(app, 5)
    assert rows(app) == [("need_approved", NotificationStatus.FAILED, 2)]
    with app.app_context():
        row = db.session.scalar(select(Notification))
        staff = db.session.get(User, pending_need[1])
        mailbox.replies += ["421 4.3.2 Service not available"]
        outbox.retry(row, staff)
        # Counted from nought again: the one attempt made since leaves the row waiting.
        assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "notification.retried")
        )
        assert (event.actor_id, event.target_id) == (staff.id, row.id)
        assert event.detail == {"email": "agnieszka@odra.example"}
        with pytest.raises(DomainError) as refusal:
            outbox.retry(row, staff)
        assert refusal.value.message == (
            "Only an e-mail that failed or was not sent can be sent again."
        )


def test_a_retry_whose_task_is_lost_is_sent_by_the_sweep_after_the_lease(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox.replies.append("550 5.1.1 No such user here")
    approve(app, *pending_need)
    monkeypatch.setattr(jobs, "start", lambda name, args: None)  # the broker loses the task
    with app.app_context():
        row = db.session.scalar(select(Notification))
        outbox.retry(row, db.session.get(User, pending_need[1]))
    monkeypatch.undo()
    lease = app.config["MAIL_LEASE"]
    assert sweep_later(app, lease - 5)["resent"] == 0
    assert sweep_later(app, lease + 1)["resent"] == 1
    assert rows(app) == [("need_approved", NotificationStatus.SENT, 1)]


def test_what_a_server_said_is_kept_to_a_thousand_characters(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    reply = "550 5.1.1 " + "x" * 1200
    mailbox.replies.append(reply)
    approve(app, *pending_need)
    with app.app_context():
        row = db.session.scalar(select(Notification))
        suppression = db.session.scalar(select(Suppression))
        assert row.last_error == reply[:1000] and suppression.reason == reply[:1000]
        assert (row.sent_at, row.claimed_at) == (None, None)
        outbox.suppress("agnieszka@odra.example", "a second refusal")
        db.session.commit()
        assert db.session.scalars(select(Suppression.reason)).all() == [reply[:1000]]


def test_a_row_sent_carries_when_and_is_due_no_more(
    app: Flask, pending_need: tuple[int, int], mailbox: Mailbox
) -> None:
    before = utcnow()
    approve(app, *pending_need)
    with app.app_context():
        row = db.session.scalar(select(Notification))
        assert row.status == NotificationStatus.SENT and row.last_error == ""
        assert row.sent_at is not None and row.sent_at >= before
        assert (row.next_attempt_at, row.claimed_at) == (None, None)


def test_rows_that_wait_for_an_unreachable_server_do_not_lose_an_attempt(
    app: Flask, pending_need: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row that found the server gone counts an attempt; those behind it do not."""
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    monkeypatch.setattr(jobs, "start", lambda name, args: None)  # delivered below, by hand
    with app.app_context():
        need = db.session.get(Need, pending_need[0])
        staff = [db.session.get(User, factories.make_user(is_staff=True).id) for _ in range(3)]
        event = AuditEvent(action="need.submitted", target_type="need", target_id=need.id)
        db.session.add(event)
        db.session.flush()
        announce.announce(event, "need_submitted", staff, need=need)
        db.session.commit()
        ids = db.session.scalars(select(Notification.id).order_by(Notification.id)).all()
        for row in db.session.scalars(select(Notification)):
            row.attempts = 3  # three attempts made before this one
        db.session.commit()
        deliver.send(*ids)
        attempts = db.session.scalars(select(Notification.attempts).order_by(Notification.id))
        assert list(attempts) == [4, 3, 3]
