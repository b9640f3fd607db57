"""A server that offers PIPELINING gets MAIL, RCPT and DATA in one write, and in a stream of
messages each message's text with the next one's envelope: the same messages arrive, its
refusals mean what they mean without pipelining, and each lands on its own outbox row."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import select, update

from board import mail
from board.extensions import db
from board.mail import PermanentMailError, SMTPTransport, TransientMailError, open_transport
from board.models import (
    Member,
    NeedStatus,
    Notification,
    NotificationStatus,
    Suppression,
    User,
    utcnow,
)
from board.notifications import compose, deliver, match, outbox, sweep
from tests import factories
from tests.mailbox import Mailbox, SMTPServer, free_port, html_of, text_of

SENT = NotificationStatus.SENT


def invitation(app: Flask, to: str = "ala@odra.example") -> EmailMessage:
    with app.app_context():
        return mail.build_message(
            mail.Letter(
                to=to,
                subject="Invitation to Odra",
                text=f"Hello {to},\n.a line with a dot\nŻółć\n",
                html=f"<p>Hello {to},</p>",
            )
        )


class PipeliningMailbox(Mailbox):
    """A mailbox whose server offers PIPELINING and refuses recipients named `refused@…`."""

    def __init__(self) -> None:
        super().__init__()
        self.commands_per_read: list[int] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("refused@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


M = TypeVar("M", bound=Mailbox)


def serving(app: Flask, mailbox: M) -> Iterator[M]:
    """`mailbox` behind an SMTP server on loopback, the board's SMTP_URL pointing at it."""
    server = SMTPServer(mailbox)
    server.start()
    app.config["SMTP_URL"] = server.url
    yield mailbox
    server.stop()


@pytest.fixture
def pipelining(app: Flask) -> Iterator[PipeliningMailbox]:
    yield from serving(app, PipeliningMailbox())


@pytest.fixture
def no_plain_sendmail(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("smtplib's sendmail used although the server pipelines")

    monkeypatch.setattr(smtplib.SMTP, "sendmail", refuse)


@pytest.mark.usefixtures("no_plain_sendmail")
def test_messages_pipelined_over_one_connection_arrive_whole(
    app: Flask, pipelining: PipeliningMailbox
) -> None:
    messages = [invitation(app, to=f"user{n}@odra.example") for n in range(3)]
    with app.app_context(), open_transport() as transport:
        for message in messages:
            transport.send(message)
        assert isinstance(transport, SMTPTransport)
        assert transport.connection is not None
        assert transport.connection.has_extn("pipelining")
    received = pipelining.wait_for(3)
    for sent, got in zip(messages, received, strict=True):
        assert got["To"] == sent["To"]
        assert got["Message-ID"] == sent["Message-ID"]
        assert text_of(got) == text_of(sent)
        assert html_of(got) == html_of(sent)


@pytest.mark.usefixtures("no_plain_sendmail")
@pytest.mark.parametrize(
    "reply, error",
    [
        ("451 4.3.0 Try again later", TransientMailError),
        ("550 5.1.1 No such user", PermanentMailError),
    ],
)
def test_a_refused_message_leaves_the_connection_ready_for_the_next(
    app: Flask, pipelining: PipeliningMailbox, reply: str, error: type[Exception]
) -> None:
    pipelining.replies.append(reply)
    first, second = invitation(app, to="a@odra.example"), invitation(app, to="b@odra.example")
    with app.app_context(), open_transport() as transport:
        with pytest.raises(error, match=reply[:3]):
            transport.send(first)
        transport.send(second)
    (received,) = pipelining.wait_for(1)
    assert received["To"] == "b@odra.example"


@pytest.mark.usefixtures("no_plain_sendmail")
def test_a_refused_recipient_is_a_permanent_failure_and_the_next_message_goes(
    app: Flask, pipelining: PipeliningMailbox
) -> None:
    refused, welcome = invitation(app, to="refused@odra.example"), invitation(app)
    with app.app_context(), open_transport() as transport:
        with pytest.raises(PermanentMailError, match="550"):
            transport.send(refused)
        transport.send(welcome)
    (received,) = pipelining.wait_for(1)
    assert received["To"] == "ala@odra.example"


def test_lines_that_start_with_a_dot_arrive_unchanged(
    app: Flask, pipelining: PipeliningMailbox
) -> None:
    data = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: dots\r\n\r\n.one\r\n..two\r\n.\r\nend"
    connection = smtplib.SMTP("127.0.0.1", int(app.config["SMTP_URL"].rpartition(":")[2]))
    try:
        assert mail.sendmail(connection, "a@b.example", ["c@d.example"], data) == {}
    finally:
        connection.quit()
    (received,) = pipelining.wait_for(1)
    assert received.get_content().splitlines() == [".one", "..two", ".", "end"]


class RefusingMailbox(PipeliningMailbox):
    """Refuses at the end of DATA the messages to `later@…` (451), `bounce@…` (554) and
    `closing@…` (421, as a server going down says it)."""

    async def handle_DATA(self, server, session, envelope) -> str:
        local = envelope.rcpt_tos[0].partition("@")[0]
        reply = {"later": "451 4.3.0 Try again later", "bounce": "554 5.6.0 Rejected"}.get(local)
        if local == "closing":
            reply = "421 4.3.2 Shutting down"
        return reply or await super().handle_DATA(server, session, envelope)


@pytest.fixture
def refusing(app: Flask) -> Iterator[RefusingMailbox]:
    yield from serving(app, RefusingMailbox())


@pytest.mark.usefixtures("no_plain_sendmail")
def test_submitted_messages_go_one_write_each_and_their_outcomes_come_in_order(
    app: Flask, refusing: RefusingMailbox
) -> None:
    addresses = ["a", "later", "refused", "b", "bounce", "c"]
    outcomes: list[tuple[object, Exception | None]] = []
    with app.app_context(), open_transport() as transport:
        for address in addresses:
            outcomes += transport.submit(address, invitation(app, to=f"{address}@odra.example"))
            # A message refused at RCPT is known at once; the others wait for the next one.
            assert transport.waiting == (None if address == "refused" else address)
        outcomes += transport.finish()
        assert transport.waiting is None
    assert [key for key, _error in outcomes] == ["a", "later", "refused", "b", "bounce", "c"]
    errors = {key: type(error) for key, error in outcomes if error is not None}
    assert errors == {
        "later": TransientMailError,
        "refused": PermanentMailError,
        "bounce": PermanentMailError,
    }
    received = refusing.wait_for(3)
    assert [message["To"] for message in received] == [
        "a@odra.example",
        "b@odra.example",
        "c@odra.example",
    ]


@pytest.mark.usefixtures("no_plain_sendmail")
def test_a_server_closing_mid_stream_fails_the_message_it_was_sent_with(
    app: Flask, refusing: RefusingMailbox
) -> None:
    with app.app_context(), open_transport() as transport:
        assert transport.submit(1, invitation(app, to="closing@odra.example")) == []
        outcomes = transport.submit(2, invitation(app, to="b@odra.example"))
        assert isinstance(transport, SMTPTransport)
        assert transport.connection is None and transport.waiting is None
    assert [(key, type(error)) for key, error in outcomes] == [
        (1, TransientMailError),
        (2, TransientMailError),
    ]
    assert refusing.messages == []


@pytest.mark.usefixtures("no_plain_sendmail")
def test_closing_the_transport_drops_a_message_whose_text_was_not_sent(
    app: Flask, refusing: RefusingMailbox
) -> None:
    with app.app_context(), open_transport() as transport:
        assert transport.submit(1, invitation(app, to="a@odra.example")) == []
    with app.app_context(), open_transport() as transport:
        transport.send(invitation(app, to="b@odra.example"))
    (received,) = refusing.wait_for(1)
    assert received["To"] == "b@odra.example"


def outbox_rows(app: Flask, locals_: list[str]) -> list[int]:
    """A need_approved row for each address `<local>@odra.example`, two for a repeated one."""
    with app.app_context():
        odra = factories.make_member("Odra Software")
        need = factories.make_need(odra)
        users: dict[str, int] = {}
        ids = []
        for number, local in enumerate(locals_):
            if local not in users:
                users[local] = factories.make_user(odra, email=f"{local}@odra.example").id
            row = Notification(
                user_id=users[local],
                key=f"need_approved:test:{number}",
                kind="need_approved",
                need_id=need.id,
                next_attempt_at=utcnow() + timedelta(hours=1),
            )
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
        db.session.commit()
        return ids


def row_states(app: Flask, ids: list[int]) -> list[tuple[NotificationStatus, int]]:
    with app.app_context():
        return [
            (row.status, row.attempts)
            for row in db.session.scalars(
                select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)
            )
        ]


@pytest.mark.usefixtures("no_plain_sendmail")
def test_each_row_of_a_pipelined_batch_gets_its_own_outcome(
    app: Flask, refusing: RefusingMailbox
) -> None:
    ids = outbox_rows(app, ["a", "later", "refused", "b", "bounce", "bounce", "c"])
    with app.app_context():
        delay = deliver.send(*ids)
        assert delay is not None  # the row refused for now is tried again
        assert db.session.scalars(select(Suppression.email).order_by(Suppression.email)).all() == [
            "bounce@odra.example",
            "refused@odra.example",
        ]
    assert row_states(app, ids) == [
        (SENT, 1),
        (NotificationStatus.PENDING, 1),
        (NotificationStatus.FAILED, 1),
        (SENT, 1),
        (NotificationStatus.FAILED, 1),
        # Refused at the end of its text: the address's next row is not attempted.
        (NotificationStatus.SUPPRESSED, 1),
        (SENT, 1),
    ]
    received = refusing.wait_for(3)
    assert sorted(message["To"] for message in received) == [
        "a@odra.example",
        "b@odra.example",
        "c@odra.example",
    ]


@pytest.mark.usefixtures("no_plain_sendmail")
def test_a_connection_lost_mid_batch_leaves_the_unsent_rows_pending(
    app: Flask, refusing: RefusingMailbox
) -> None:
    ids = outbox_rows(app, ["a", "b", "closing", "c", "d"])
    with app.app_context():
        assert deliver.send(*ids) is not None
    assert row_states(app, ids) == [
        (SENT, 1),
        (SENT, 1),
        # The row refused, and the one whose envelope went with it: each an attempt.
        (NotificationStatus.PENDING, 1),
        (NotificationStatus.PENDING, 1),
        # Not attempted: the attempt is not counted.
        (NotificationStatus.PENDING, 0),
    ]
    assert sorted(message["To"] for message in refusing.wait_for(2)) == [
        "a@odra.example",
        "b@odra.example",
    ]
    with app.app_context():
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids[2:]))
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()
        db.session.execute(
            update(User).where(User.email == "closing@odra.example").values(email="e@odra.example")
        )
        db.session.commit()
        assert deliver.send(*ids[2:]) is None
    assert [state for state, _attempts in row_states(app, ids)] == [SENT] * 5
    assert len(refusing.wait_for(5)) == 5


@pytest.mark.usefixtures("no_plain_sendmail")
def test_work_given_to_submit_is_done_after_the_write_and_before_the_replies(
    app: Flask, refusing: RefusingMailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_send, real_getreply = smtplib.SMTP.send, smtplib.SMTP.getreply

    def send(self: smtplib.SMTP, data: Any) -> None:
        events.append("write")
        real_send(self, data)

    def getreply(self: smtplib.SMTP) -> Any:
        events.append("read")
        return real_getreply(self)

    with app.app_context(), open_transport() as transport:
        transport.submit(1, invitation(app, to="a@odra.example"))
        monkeypatch.setattr(smtplib.SMTP, "send", send)
        monkeypatch.setattr(smtplib.SMTP, "getreply", getreply)
        outcomes = transport.submit(2, invitation(app), lambda: events.append("meanwhile"))
        monkeypatch.undo()
        outcomes += transport.finish()
    # The first message's text and the second's envelope, then the work, then the replies.
    assert events[:3] == ["write", "meanwhile", "read"]
    assert events.count("meanwhile") == 1
    assert [(key, error) for key, error in outcomes] == [(1, None), (2, None)]
    assert [m["To"] for m in refusing.wait_for(2)] == ["a@odra.example", "ala@odra.example"]


def match_rows(app: Flask, locals_: list[str]) -> list[int]:
    """need_match rows of one need, one for each address `<local>@wisla.example`."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        author = factories.make_user(odra, email="author@odra.example")
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin",))
        user_ids = [
            factories.make_user(wisla, email=f"{local}@wisla.example").id for local in locals_
        ]
        need = factories.make_need(
            db.session.get(Member, odra.id),
            author.id,
            competences=("kotlin",),
            status=NeedStatus.OPEN,
        )
        match.record_matches(need)
        ids = outbox.add_need_rows("need_match", need.id, user_ids)
        db.session.commit()
        return sorted(ids)


@pytest.mark.usefixtures("no_plain_sendmail")
def test_match_e_mails_composed_ahead_arrive_once_each_with_their_outcomes(
    app: Flask, refusing: RefusingMailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = match_rows(app, ["a", "bounce", "b", "c", "later", "d"])
    real_outgoing = compose.Composer.outgoing
    failures: list[int] = []

    def outgoing(self: compose.Composer, row: Notification) -> Any:
        # The row of c@ cannot be composed the first time: it is composed again in its turn.
        if row.user.email.startswith("c@") and not failures:
            failures.append(row.id)
            raise RuntimeError("template unavailable")
        return real_outgoing(self, row)

    monkeypatch.setattr(compose.Composer, "outgoing", outgoing)
    with app.app_context():
        assert deliver.send(*ids) is not None
    assert failures == [ids[3]]
    assert row_states(app, ids) == [
        (SENT, 1),
        (NotificationStatus.FAILED, 1),
        (SENT, 1),
        (SENT, 1),
        (NotificationStatus.PENDING, 1),
        (SENT, 1),
    ]
    received = refusing.wait_for(4)
    assert [message["To"] for message in received] == [
        "a@wisla.example",
        "b@wisla.example",
        "c@wisla.example",
        "d@wisla.example",
    ]
    assert all(message["List-Unsubscribe"] for message in received)


@pytest.mark.usefixtures("no_plain_sendmail")
def test_a_batch_is_tried_again_when_its_first_row_refused_for_now_is_due(
    app: Flask, refusing: RefusingMailbox
) -> None:
    """Of two rows refused for now, the one with fewer attempts waits less: the batch's
    retry comes when it is due, not when the last row refused is."""
    app.config.update(MAIL_RETRY_DELAY=10.0, MAIL_RETRY_MAX_DELAY=10_000.0)
    first, tried_often = outbox_rows(app, ["later", "later"])
    with app.app_context():
        db.session.get_one(Notification, tried_often).attempts = 5
        db.session.commit()
        delay = deliver.send(first, tried_often)
    assert delay is not None and delay <= 10
    assert row_states(app, [first, tried_often]) == [
        (NotificationStatus.PENDING, 1),
        (NotificationStatus.PENDING, 6),
    ]


def test_when_the_server_cannot_be_reached_the_whole_batch_says_why(app: Flask) -> None:
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    ids = outbox_rows(app, ["a", "b", "c"])
    with app.app_context():
        assert deliver.send(*ids) is not None
        errors = db.session.scalars(
            select(Notification.last_error).where(Notification.id.in_(ids))
        ).all()
    assert len(errors) == 3 and all("cannot reach" in error for error in errors)
    assert row_states(app, ids) == [
        (NotificationStatus.PENDING, 1),
        (NotificationStatus.PENDING, 0),
        (NotificationStatus.PENDING, 0),
    ]


def test_a_delivery_claims_only_the_rows_it_was_given(app: Flask) -> None:
    ids = outbox_rows(app, ["a", "b"])
    with app.app_context():
        assert outbox.claim(ids[:1]) == ids[:1]
    assert row_states(app, ids) == [
        (NotificationStatus.SENDING, 1),
        (NotificationStatus.PENDING, 0),
    ]


def test_the_sweep_leaves_a_new_row_to_its_own_task_for_the_grace_period(app: Flask) -> None:
    """A row just queued is sent by the task queued with it; only a row that task has not
    sent within SWEEP_GRACE (the broker was down) is the sweep's."""
    with app.app_context():
        user = factories.make_user(factories.make_member("Odra Software"))
        outbox.add_rows(
            [{"user_id": user.id, "key": "account_exists:test", "kind": "account_exists"}]
        )
        db.session.commit()
        queued = utcnow()
        grace = app.config["SWEEP_GRACE"]
        assert sweep.sweep(queued + timedelta(seconds=grace - 5))["resent"] == 0
        assert sweep.sweep(queued + timedelta(seconds=grace + 5))["resent"] == 1


def test_a_row_no_longer_due_or_to_a_refused_address_holds_up_none_of_its_batch(
    app: Flask, mailbox: Mailbox
) -> None:
    """An invitation accepted meanwhile is dropped and a refused address's row is marked so,
    each saying why; the rows after them go out in the same batch."""
    with app.app_context():
        odra = factories.make_member("Odra Invitations")
        accepted = factories.make_user(odra, email="accepted@odra.example")
        invited = factories.make_user(odra, email="invited@odra.example", password=None)
        ids = []
        for number, user_id in enumerate((accepted.id, invited.id)):
            row = Notification(user_id=user_id, key=f"invitation:test:{number}", kind="invitation")
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
        db.session.commit()
    ids += outbox_rows(app, ["refused", "after"])
    with app.app_context():
        outbox.suppress("refused@odra.example", "550 no such user")
        db.session.commit()
        assert deliver.send(*ids) is None
        rows = {row.id: row for row in db.session.scalars(select(Notification))}
        assert ids[0] not in rows  # dropped: the link would no longer work
        assert (rows[ids[2]].status, rows[ids[2]].last_error) == (
            NotificationStatus.SUPPRESSED,
            "address suppressed",
        )
        assert rows[ids[1]].status == rows[ids[3]].status == SENT
    assert sorted(m["To"] for m in mailbox.messages) == [
        "after@odra.example",
        "invited@odra.example",
    ]


def test_e_mails_written_as_files_go_out_a_whole_batch_at_a_time(
    app: Flask, tmp_path: Path
) -> None:
    """Without a mail server (the embedded default) every row of a batch becomes a file."""
    app.config.update(SMTP_URL=None, MAIL_FOLDER=str(tmp_path))
    ids = outbox_rows(app, ["a", "b", "c"])
    with app.app_context():
        assert deliver.send(*ids) is None
    assert row_states(app, ids) == [(SENT, 1)] * 3
    assert len(list(tmp_path.glob("*.eml"))) == 3


def test_rows_are_handed_out_in_batches_of_the_configured_size(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["MAIL_BATCH_SIZE"] = 3
    sent: list[tuple[int, ...]] = []
    monkeypatch.setattr(outbox, "dispatch", lambda _name, *ids: sent.append(ids))
    with app.app_context():
        outbox.dispatch_sends(list(range(1, 8)))
    assert sent == [(1, 2, 3), (4, 5, 6), (7,)]
