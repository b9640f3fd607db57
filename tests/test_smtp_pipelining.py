"""A server that offers PIPELINING gets MAIL, RCPT and DATA in one write: the same messages
arrive, and its refusals mean what they mean without pipelining."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from board import mail
from board.mail import PermanentMailError, SMTPTransport, TransientMailError, open_transport
from tests.mailbox import Mailbox, free_port, html_of, text_of


def invitation(app: Flask, to: str = "ala@odra.example") -> EmailMessage:
    with app.app_context():
        return mail.build_message(
            to=to,
            subject="Invitation to Odra",
            text=f"Hello {to},\n.a line with a dot\nŻółć\n",
            html=f"<p>Hello {to},</p>",
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


@pytest.fixture
def pipelining(app: Flask) -> Iterator[PipeliningMailbox]:
    mailbox, port = PipeliningMailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    yield mailbox
    controller.stop()


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
