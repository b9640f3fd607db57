"""Composing e-mail and handing it to the transports: files, SMTP, STARTTLS, SMTPS."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from board.mail import (
    PermanentMailError,
    SMTPTransport,
    TransientMailError,
    compose,
    open_transport,
)
from tests import factories
from tests.mailbox import Mailbox, free_port, html_of, text_of

USER, PASSWORD = "mailer@cluster.example", "p@ss w:rd"
SMTP_USERINFO = "mailer%40cluster.example:p%40ss%20w%3Ard"


def invitation(app: Flask, to: str = "ala@odra.example"):
    with app.app_context():
        account = factories.make_user(factories.make_member("Odra"), email=to, password=None)
        from board.extensions import db
        from board.models import User

        user = db.session.get(User, account.id)
        return compose(
            to=user.email, subject="Invitation", template="invitation", user=user, url="http://x/y"
        )


def test_a_message_is_multipart_text_and_html_with_its_headers(app: Flask) -> None:
    message = invitation(app)
    assert message.get_content_type() == "multipart/alternative"
    assert "Odra" in text_of(message)
    assert '<a href="http://x/y"' in html_of(message)
    assert message["From"] == "Cluster procurement board <board@localhost>"
    assert message["Message-ID"].endswith("@localhost>")
    assert message["Date"]


def test_header_injection_through_an_address_is_impossible(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError):
        compose(
            to="a@b.example\r\nBcc: victim@c.example",
            subject="x",
            template="invitation",
            user=None,
            url="",
        )


def test_without_smtp_url_messages_are_written_as_files(app: Flask, tmp_path: Path) -> None:
    app.config.update(SMTP_URL=None, MAIL_FOLDER=str(tmp_path / "mail"))
    message = invitation(app)
    with app.app_context(), open_transport() as transport:
        transport.send(message)
    (path,) = (tmp_path / "mail").glob("*.eml")
    stored = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert stored["To"] == "ala@odra.example"
    assert "Odra" in text_of(stored)


def test_one_connection_carries_several_messages(app: Flask, mailbox: Mailbox) -> None:
    messages = [invitation(app)] * 3
    with app.app_context(), open_transport() as transport:
        for message in messages:
            transport.send(message)
        assert isinstance(transport, SMTPTransport)
        connection = transport.connection
    assert connection is not None
    assert len(mailbox.wait_for(3)) == 3


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusted(
    certificate_authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ssl.SSLContext:
    """A server TLS context whose CA the board's default SSL context trusts."""
    bundle = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(trusted: ssl.SSLContext, request: pytest.FixtureRequest) -> Iterator[tuple]:
    mode = request.param
    mailbox, port = Mailbox(), free_port()
    options = {"authenticator": authenticator, "auth_exclude_mechanism": ["LOGIN"]}
    if mode == "starttls":
        options.update(tls_context=trusted, require_starttls=True)
    else:
        # TLS from the first byte; aiosmtpd only knows of TLS it negotiated with STARTTLS.
        options.update(ssl_context=trusted, auth_require_tls=False)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield mode, port, mailbox
    controller.stop()


@pytest.mark.parametrize("tls_server", ["starttls", "smtps"], indirect=True)
def test_smtp_over_tls_with_user_and_password(app: Flask, tls_server: tuple) -> None:
    mode, port, mailbox = tls_server
    scheme = "smtp" if mode == "starttls" else "smtps"
    app.config["SMTP_URL"] = f"{scheme}://{SMTP_USERINFO}@127.0.0.1:{port}"
    message = invitation(app)
    with app.app_context(), open_transport() as transport:
        transport.send(message)
    (received,) = mailbox.wait_for(1)
    assert received["To"] == "ala@odra.example"


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
def test_wrong_smtp_password_is_a_permanent_failure(app: Flask, tls_server: tuple) -> None:
    _mode, port, mailbox = tls_server
    app.config["SMTP_URL"] = f"smtp://{USER}:wrong@127.0.0.1:{port}"
    message = invitation(app)
    with app.app_context(), pytest.raises(PermanentMailError, match="535"):
        with open_transport() as transport:
            transport.send(message)
    assert mailbox.messages == []


@pytest.mark.parametrize(
    "reply, error",
    [
        ("451 4.3.0 Try again later", TransientMailError),
        ("550 5.1.1 No such user", PermanentMailError),
    ],
)
def test_smtp_replies_are_told_apart(
    app: Flask, mailbox: Mailbox, reply: str, error: type[Exception]
) -> None:
    mailbox.replies.append(reply)
    message = invitation(app)
    with app.app_context(), pytest.raises(error, match=reply[:3]):
        with open_transport() as transport:
            transport.send(message)


def test_an_smtp_server_that_is_down_is_a_transient_failure(app: Flask) -> None:
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    message = invitation(app)
    with app.app_context(), pytest.raises(TransientMailError, match="cannot reach"):
        with open_transport() as transport:
            transport.send(message)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_a_malformed_smtp_url_is_refused_with_its_shape(url: str) -> None:
    with pytest.raises(ValueError, match="smtp://user:pass@host:587"):
        SMTPTransport(url)


@pytest.mark.parametrize("linesep", ["\n", "\r\n"])
def test_headers_written_directly_are_what_compat32_writes(linesep: str) -> None:
    """The policy writes plain ASCII values itself, faster; compat32 is the reference."""
    from email.policy import Compat32

    from board.mail import POLICY

    ours, reference = POLICY.clone(linesep=linesep), Compat32(linesep=linesep)
    pieces = ["<", "http://board.example/account/unsubscribe/", "MTIz.Ab-c_d", "@", ">", "=?"]
    values = [
        "",
        "x",
        " leading",
        "trailing ",
        "two  spaces",
        "a; b",
        'multipart/alternative; boundary="board-0123456789abcdef01234567"',
        "Cluster procurement board <board@localhost>",
        "Zażółć gęślą jaźń",
    ]
    for length in range(40, 220, 7):
        values.append(("".join(pieces) * 10)[:length])
        values.append(("a;b," * 60)[:length])
        values.append(("word " * 60)[:length])
    for name in ("To", "Subject", "Message-ID", "List-Unsubscribe", "Content-Type"):
        for value in values:
            assert ours.fold(name, value) == reference.fold(name, value), (name, value)
            assert ours.fold_binary(name, value) == reference.fold_binary(name, value), (
                name,
                value,
            )


def test_the_bytes_written_directly_are_what_the_generator_writes(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wire_bytes` writes the board's messages itself; `as_bytes` is the reference."""
    from email.message import EmailMessage

    from board.mail import Letter, build_message, wire_bytes

    long_link = "<http://board.example/account/unsubscribe/" + "MTIz.Ab-c_d" * 12 + ">"
    with app.app_context():
        messages = [invitation(app)]
        for subject, text, html in [
            ("Zażółć gęślą jaźń " * 6, "Łódź\n.a dot\nFrom here\n", "<p>ü</p>"),
            ("plain", "", "no newline at the end"),
            ("x" * 200, "\r\n".join(["line"] * 100), "<p>" + "ż" * 5000 + "</p>"),
        ]:
            messages.append(
                build_message(
                    Letter(
                        to="Jürgen <j@odra.example>",
                        subject=subject,
                        text=text,
                        html=html,
                        headers={"List-Unsubscribe": long_link},
                    )
                )
            )
        # Not what build_message makes: the generator writes them.
        preamble = build_message(Letter(to="a@odra.example", subject="s", text="t", html="h"))
        preamble.preamble = "This is a multipart message."
        single = EmailMessage()
        single["To"] = "a@odra.example"
        single.set_content("From the start\n.\n")
        messages += [preamble, single]
    expected = [m.as_bytes(policy=m.policy.clone(linesep="\r\n")) for m in messages]
    for number, message in enumerate(messages):
        if number < 4:  # the board's own are written without the generator
            monkeypatch.setattr(EmailMessage, "as_bytes", None)
        assert wire_bytes(message) == expected[number]
        monkeypatch.undo()
        assert message_from_bytes(expected[number], policy=policy.default)["To"]


@pytest.mark.parametrize(
    "to",
    [
        "user1@firm0.example",
        "o'brien+x@odra.example",
        "a..b@odra.example",
        ".a@odra.example",
        "Jürgen <j@odra.example>",
        "a@odra.example, b@odra.example",
        '"a b"@odra.example',
        "a@[192.0.2.1]",
        "Żółć@odra.example",
    ],
)
def test_recipients_are_the_addresses_getaddresses_finds(to: str) -> None:
    """A bare address is taken as it is, without parsing; what it gives must not differ."""
    from email.utils import getaddresses

    from board.mail import _recipients

    assert _recipients([to]) == [address for _, address in getaddresses([to])]


@pytest.mark.parametrize(
    "subject, text, html, headers",
    [
        ("Invitation", "Hello,\n.a dot\nFrom here\n", "<p>Hello</p>", {}),
        (
            "Zażółć gęślą jaźń " * 6,
            "Łódź\n" * 40,
            "<p>" + "ż" * 5000 + "</p>",
            {
                "List-Unsubscribe": "<http://board.example/account/unsubscribe/"
                + "MTIz.Ab-c_d" * 12
                + ">",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        ),
        ("x" * 200, "", "no newline at the end", {}),
    ],
)
def test_outgoing_bytes_are_the_bytes_of_the_same_message_built_and_written(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    subject: str,
    text: str,
    html: str,
    headers: dict[str, str],
) -> None:
    """`build_outgoing` writes what `wire_bytes(build_message(...))` writes, byte for byte."""
    from board import mail

    monkeypatch.setattr(mail, "_alternative", lambda: 'multipart/alternative; boundary="b-1"')
    monkeypatch.setattr(mail, "_date_header", lambda moment: "Mon, 23 Nov 2026 10:00:00 +0000")
    letter = mail.Letter(
        to="user1@firm0001.example",
        subject=subject,
        text=text,
        html=html,
        message_id="<notification-7@cluster.example>",
        headers=headers,
    )
    with app.app_context():
        outgoing = mail.build_outgoing(letter)
        expected = mail.wire_bytes(mail.build_message(letter))
    assert isinstance(outgoing, mail.Outgoing)
    assert outgoing.data == expected
    assert outgoing.recipients == ["user1@firm0001.example"]
    assert outgoing.sender == app.config["MAIL_FROM"]


@pytest.mark.parametrize(
    "to, headers",
    [
        ("Jürgen <j@odra.example>", {}),
        ("łucja@odra.example", {}),
        ("a@odra.example", {"Cc": "b@odra.example"}),
        ("a@odra.example", {"Bcc": "b@odra.example"}),
    ],
)
def test_outgoing_leaves_other_addresses_to_the_email_package(
    app: Flask, to: str, headers: dict[str, str]
) -> None:
    from email.message import EmailMessage

    from board.mail import Letter, build_outgoing

    with app.app_context():
        message = build_outgoing(Letter(to=to, subject="s", text="t", html="h", headers=headers))
    assert isinstance(message, EmailMessage)
    assert message["To"] == to


def test_outgoing_bytes_refuse_a_line_break_in_a_header(app: Flask) -> None:
    from board.mail import Letter, build_outgoing

    with app.app_context(), pytest.raises(ValueError, match="line break"):
        build_outgoing(
            Letter(
                to="a@odra.example",
                subject="s",
                text="t",
                html="h",
                headers={"List-Unsubscribe": "<http://x>\r\nBcc: victim@odra.example"},
            )
        )


def test_outgoing_bytes_are_written_to_files_without_smtp(app: Flask, tmp_path: Path) -> None:
    from board.mail import Letter, build_outgoing

    app.config.update(SMTP_URL=None, MAIL_FOLDER=str(tmp_path))
    with app.app_context(), open_transport() as transport:
        outgoing = build_outgoing(
            Letter(to="a@odra.example", subject="Hej", text="Łódź\n", html="<p/>")
        )
        assert transport.submit(1, outgoing) == [(1, None)]
    (path,) = tmp_path.glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "a@odra.example"
    assert text_of(message) == "Łódź\n"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "address",
    [
        "user1@firm0.example",
        "o'brien+x@odra.example",
        "a..b@odra.example",
        ".a@odra.example",
        "Jürgen <j@odra.example>",
        '"a b"@odra.example',
        "<a@odra.example>",
        "",
    ],
)
def test_envelope_addresses_are_quoted_as_smtplib_quotes_them(address: str) -> None:
    import smtplib

    from board.mail import _quoteaddr

    assert _quoteaddr(address) == smtplib.quoteaddr(address)
