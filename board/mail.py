"""E-mail: compose a multipart message from a template pair and hand it to the transport.

The transport is SMTP when `SMTP_URL` is set (`smtp://` upgrades with STARTTLS when the server
offers it, `smtps://` is TLS from the start, user and password come from the URL), otherwise
each message is written as an `.eml` file to the instance folder's `mail/` directory.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import os
import re
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.contentmanager import raw_data_manager
from email.message import EmailMessage, MIMEPart
from email.policy import Compat32
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template

log = logging.getLogger(__name__)


class MailError(Exception):
    """An e-mail could not be delivered."""


class TransientMailError(MailError):
    """Delivery may succeed later: connection refused or dropped, a 4xx reply."""


class PermanentMailError(MailError):
    """Delivery will not succeed: a 5xx reply."""


class MailPolicy(Compat32):
    """compat32 writes headers several times faster than `email.policy.default`.

    With a content manager, readers of a composed message still have `get_body()` and
    `get_content()`, as on any EmailMessage.
    """

    content_manager = raw_data_manager

    # A short ASCII value needs neither folding nor encoding, and compat32 would write it
    # unchanged, but through an `email.header.Header` per header and message, which costs
    # more than all the rest of writing a message. A longer ASCII value without a place to
    # fold it (a link, a Message-ID) compat32 moves whole to a continuation line; that is
    # written here directly too. Other values go through compat32.
    # What compat32 writes for a value that repeats from message to message (the subject of
    # a need's e-mails, in each language) is remembered.
    def fold(self, name: str, value: Any) -> str:
        folded = self._fold_plain(name, value)
        if folded is not None:
            return folded
        if type(value) is str:
            return _compat32_fold(self, name, value)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._fold_plain(name, value)
        if folded is not None:
            return folded.encode("ascii")
        if type(value) is str:
            return _compat32_fold_binary(self, name, value)
        return super().fold_binary(name, value)

    def _fold_plain(self, name: str, value: Any) -> str | None:
        if not (type(value) is str and value.isascii() and value.isprintable()):
            return None
        if not self.max_line_length or len(name) + 2 + len(value) <= self.max_line_length:
            if "  " in value or value[:1] == " " or value[-1:] == " ":
                return None
            return f"{name}: {value}{self.linesep}"
        if value and not _FOLD_POINTS.search(value):
            return f"{name}: {self.linesep} {value}{self.linesep}"
        return None


# Where compat32 may fold a header: whitespace and its split characters.
_FOLD_POINTS = re.compile(r"[\s;,]")


@functools.lru_cache(maxsize=256)
def _compat32_fold(policy: MailPolicy, name: str, value: str) -> str:
    return Compat32.fold(policy, name, value)


@functools.lru_cache(maxsize=256)
def _compat32_fold_binary(policy: MailPolicy, name: str, value: str) -> bytes:
    return Compat32.fold_binary(policy, name, value)


POLICY = MailPolicy()
# SMTP wants CRLF line ends: messages are written with them, not converted after.
SMTP_POLICY = POLICY.clone(linesep="\r\n")


class Letter(NamedTuple):
    """What an e-mail says, before it is written as a message: the recipient, the subject, a
    text and an HTML body, and the Message-ID and other headers it should carry."""

    to: str
    subject: str
    text: str
    html: str
    message_id: str | None = None
    headers: Mapping[str, str] | None = None


def compose(
    *,
    to: str,
    subject: str,
    template: str,
    message_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> EmailMessage:
    """Build a text + HTML message from `templates/email/<template>.txt` and `.html`."""
    _refuse_line_breaks({"To": to, "Message-ID": message_id or "", **(headers or {})})
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    return build_message(Letter(to, subject, text, html, message_id, headers))


def build_message(letter: Letter) -> EmailMessage:
    """A multipart/alternative message of a text and an HTML body, both UTF-8."""
    message = EmailMessage(policy=POLICY)
    for name, value in _fields(letter).items():
        message[name] = value
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = _alternative()
    message.attach(_text_part(letter.text, "plain"))
    message.attach(_text_part(letter.html, "html"))
    return message


class Outgoing(NamedTuple):
    """A message written for SMTP: its envelope and its bytes, with CRLF line ends."""

    sender: str
    recipients: list[str]
    data: bytes


def build_outgoing(letter: Letter) -> Outgoing | EmailMessage:
    """`build_message`, written straight to the bytes `wire_bytes` would give for it.

    An address that is not a bare ASCII one (a name, SMTPUTF8) gets the EmailMessage.
    """
    fields = _fields(letter)
    sender = _address(fields["From"])
    others = ("Sender", "Cc", "Bcc", "Resent-Bcc")
    if any(name in fields for name in others) or not (
        _BARE_ADDRESS.fullmatch(letter.to) and sender.isascii()
    ):
        return build_message(letter)
    fold = SMTP_POLICY.fold_binary
    content_type = _alternative()
    chunks = [fold(name, value) for name, value in fields.items()]
    chunks.append(b"MIME-Version: 1.0\r\n")
    chunks.append(fold("Content-Type", content_type))
    delimiter = f"\r\n--{_ALTERNATIVE.fullmatch(content_type)[1]}\r\n".encode("ascii")  # type: ignore[index]
    for number, (content, subtype) in enumerate(((letter.text, "plain"), (letter.html, "html"))):
        chunks.append(delimiter if number else b"\r\n" + delimiter[2:])
        chunks.append(_PART_HEADERS[subtype])
        chunks.append(base64.encodebytes(content.encode()).replace(b"\n", b"\r\n"))
    chunks.append(delimiter[:-2] + b"--\r\n")
    return Outgoing(sender, [letter.to], b"".join(chunks))


# A text part's headers and the blank line after them, as `_text_part` makes and
# `wire_bytes` writes them.
_PART_HEADERS = {
    subtype: (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode("ascii")
    for subtype in ("plain", "html")
}


def _fields(letter: Letter) -> dict[str, str]:
    """A message's headers before MIME-Version, in their order; refuses line breaks."""
    config = current_app.config
    domain = config["MAIL_FROM"].rpartition("@")[2]
    # A subject carries user text (a need's title): line breaks in it would end the header.
    fields = {
        "Subject": " ".join(letter.subject.split()),
        "From": _from_header(config["MAIL_SENDER_NAME"], config["MAIL_FROM"]),
        "To": letter.to,
        "Date": _date_header(datetime.now(UTC).replace(microsecond=0)),
        "Message-ID": letter.message_id or make_msgid(domain=domain),
        **(letter.headers or {}),
    }
    _refuse_line_breaks(fields)
    return fields


def _alternative() -> str:
    # A boundary of our own: left to the generator, it compiled a regular expression for each
    # message to check that the boundary is not in the body. Base64 lines cannot hold "-".
    # 96 random bits keep the header within 78 characters, so it is written without folding.
    return f'multipart/alternative; boundary="board-{uuid.uuid4().hex[:24]}"'


@functools.lru_cache(maxsize=8)
def _from_header(name: str, address: str) -> str:
    # The same for every message: written once.
    return formataddr((name, address))


# A Date header has whole seconds: it is written once a second.
_date_header = functools.lru_cache(maxsize=4)(format_datetime)


def _refuse_line_breaks(fields: Mapping[str, str]) -> None:
    # compat32 checks nothing: a line break in a value would start a header of its own.
    for name, value in fields.items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"a line break in the {name} header: {value!r}")


def _text_part(content: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    # Base64 is encoded in C; quoted-printable, in Python, costs more than the rest together.
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(content.encode()).decode("ascii"))
    return part


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: `as_bytes` with CRLF line ends.

    A message as `build_message` makes it (multipart of text parts in base64) is written
    here directly: the email package's generator copies each part into a buffer of its own
    and parses the boundary back, which costs as much as sending the e-mail over pipelined
    SMTP. Any other message goes through the generator.
    """
    if message.policy is not POLICY:
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    parts = message.get_payload()
    # The header as build_message writes it (parsing it with get_boundary costs more than
    # writing the message).
    shape = _ALTERNATIVE.fullmatch(message.get("Content-Type", ""))
    if not (
        shape
        and isinstance(parts, list)
        and parts
        and message.preamble is None
        and message.epilogue is None
        and all(_plain_leaf(part) for part in parts)
    ):
        return message.as_bytes(policy=SMTP_POLICY)
    boundary = shape[1]
    fold = SMTP_POLICY.fold_binary
    delimiter = f"\r\n--{boundary}\r\n".encode("ascii")
    chunks = [fold(name, value) for name, value in message.raw_items()]
    for number, part in enumerate(parts):
        # The blank line after the headers, then the delimiter.
        chunks.append(delimiter if number else b"\r\n" + delimiter[2:])
        chunks += [fold(name, value) for name, value in part.raw_items()]
        chunks.append(b"\r\n")
        chunks.append(part.get_payload().replace("\n", "\r\n").encode("ascii"))
    chunks.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks)


_ALTERNATIVE = re.compile(r'multipart/alternative; boundary="([0-9A-Za-z-]{1,70})"')


def _plain_leaf(part: Any) -> bool:
    """A part the generator writes as its headers, a blank line and its lines: a text part
    whose payload is ASCII with LF line ends (base64)."""
    payload = part.get_payload()
    return (
        isinstance(payload, str)
        and payload.isascii()
        and "\r" not in payload
        and part.get_content_maintype() == "text"
    )


# What became of messages handed to `submit`, in the order they were handed: each one's key,
# and None if the server took the message, or why it did not.
Outcomes = list[tuple[Any, MailError | None]]
# A message as the board hands it to a transport.
Message = EmailMessage | Outgoing
# Work done while the server works on what was written (see SMTPTransport.submit).
Meanwhile = Callable[[], object] | None


class Transport(Protocol):
    # The key of a message handed to `submit` whose outcome is not known yet.
    waiting: Any

    def send(self, message: EmailMessage) -> None: ...

    def submit(self, key: Any, message: Message, meanwhile: Meanwhile = None) -> Outcomes: ...

    def finish(self) -> Outcomes: ...


@contextmanager
def open_transport() -> Iterator[Transport]:
    """Open the configured transport; an SMTP connection is reused for every send inside."""
    url = current_app.config.get("SMTP_URL")
    if url:
        transport = SMTPTransport(url, timeout=current_app.config["SMTP_TIMEOUT"])
        try:
            yield transport
        finally:
            transport.close()
    else:
        yield FileTransport(Path(current_app.config["MAIL_FOLDER"]))


class FileTransport:
    """Writes each message as an `.eml` file: the embedded default, for a machine without SMTP."""

    waiting = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def submit(self, key: Any, message: Message, meanwhile: Meanwhile = None) -> Outcomes:
        """Write the message now; its outcome."""
        if isinstance(message, Outgoing):
            self._write(message.data.replace(b"\r\n", b"\n"), message.recipients[0])
        else:
            self.send(message)
        return [(key, None)]

    def finish(self) -> Outcomes:
        return []

    def send(self, message: EmailMessage) -> None:
        self._write(message.as_bytes(), message["To"])

    def _write(self, data: bytes, to: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(data)
        log.info("Wrote e-mail to %s as %s", to, path)


def tls_context() -> ssl.SSLContext:
    """The TLS settings of the SMTP connections, made once per set of trusted authorities.

    Loading the system's certificate authorities takes as long as a batch of e-mails spends
    in SMTP; it is done once per process, not for each connection.
    """
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    # The arguments key the cache: the default context reads these variables.
    return ssl.create_default_context()


@functools.lru_cache(maxsize=64)
def _address(value: str) -> str:
    """The address in a From or Sender header (the same for every message of a batch)."""
    return parseaddr(value)[1]


# An address alone, as the board writes a user's: what getaddresses would give back unchanged.
_BARE_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)


def _recipients(values: list[str]) -> list[str]:
    """The addresses in To and Cc headers; a bare address is taken without parsing it."""
    if len(values) == 1 and _BARE_ADDRESS.fullmatch(values[0]):
        return [values[0]]
    return [address for _, address in getaddresses(values)]


class _Waiting(NamedTuple):
    """A submitted message whose envelope the server took (DATA answered 354)."""

    key: Any
    # The message, dot-quoted and ending with CRLF: the final "." goes after it.
    data: bytes
    # Recipients the server refused while it took the others.
    refused: dict[str, tuple[int, bytes]]


class SMTPTransport:
    """One SMTP connection, opened on the first message and reused for the following ones.

    `send` delivers one message and raises if it is refused. `submit` and `finish` deliver a
    stream of messages at one round trip each when the server offers PIPELINING (RFC 2920):
    a message's text and final "." go in one write with the next message's MAIL, RCPT and
    DATA, and the replies to both are read together. So the text of the last message
    submitted waits for the next `submit`, or for `finish`.
    """

    def __init__(self, url: str, timeout: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP_URL must look like smtp://user:pass@host:587, not {url!r}")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None
        self._waiting: _Waiting | None = None

    @property
    def waiting(self) -> Any:
        return None if self._waiting is None else self._waiting.key

    def connect(self) -> smtplib.SMTP:
        try:
            if self.tls:
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=tls_context()
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                connection.ehlo()
                if connection.has_extn("starttls"):
                    connection.starttls(context=tls_context())
                    connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except smtplib.SMTPResponseException as exc:
            raise classify(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # The server cannot do what SMTP_URL asks (AUTH without TLS, say): fix the setting.
            raise PermanentMailError(f"{self.host}:{self.port}: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientMailError(f"cannot reach {self.host}:{self.port}: {exc}") from exc
        return connection

    def send(self, message: EmailMessage) -> None:
        if self._waiting is not None:
            raise RuntimeError("finish() the submitted messages before send()")
        ((_key, error),) = [*self.submit(None, message), *self.finish()]
        if error is not None:
            raise error

    def submit(self, key: Any, message: Message, meanwhile: Meanwhile = None) -> Outcomes:
        """Start sending a message; the outcomes learnt meanwhile, in order: the waiting
        message's, then this one's unless it waits in turn.

        `meanwhile`, if given, is called once the server has what was written and before its
        replies are read (over a pipelining server only): work done while the server works.
        """
        if isinstance(message, Outgoing):
            sender, recipients, data = message
        else:
            if "Bcc" in message or "Resent-Bcc" in message:
                raise ValueError("the board's e-mails name their recipients in To and Cc only")
            sender = _address(message["Sender"] or message["From"])
            recipients = _recipients(message.get_all("To", []) + message.get_all("Cc", []))
            # The bytes are written once, with CRLF line ends, and go out as they are.
            # `send_message` would copy the message and write it again.
            data = wire_bytes(message)
        international = not (sender.isascii() and all(r.isascii() for r in recipients))
        if self.connection is None:
            try:
                self.connection = self.connect()
            except MailError as exc:
                return [(key, exc)]
        connection = self.connection
        if international or not (connection.does_esmtp and connection.has_extn("pipelining")):
            done = self.finish()
            if self.connection is None:
                return [*done, (key, TransientMailError("connection lost"))]
            return [*done, (key, self._send_whole(message, sender, recipients, data))]
        waiting, self._waiting = self._waiting, None
        done: Outcomes = []
        try:
            ending = waiting.data + b".\r\n" if waiting is not None else b""
            connection.send(ending + _envelope(connection, sender, recipients, len(data)))
            if meanwhile is not None:
                meanwhile()
            if waiting is not None:
                code, error = _end_of_data(connection, waiting.refused)
                done.append((waiting.key, error))
                if code == 421:
                    self._drop()
                    return [*done, (key, TransientMailError(f"connection closed: {error}"))]
            refused = _envelope_replies(connection, sender, recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return [*done, (key, classify(code, reply))]
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            else:
                self.reset()
            return [*done, (key, classify(exc.smtp_code, exc.smtp_error))]
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            lost = TransientMailError(f"connection lost: {exc}")
            if waiting is not None and not done:
                done.append((waiting.key, lost))
            return [*done, (key, lost)]
        self._waiting = _Waiting(key, _quote(data), refused)
        return done

    def finish(self) -> Outcomes:
        """Send the text of the waiting message, if any; its outcome."""
        waiting, self._waiting = self._waiting, None
        if waiting is None or self.connection is None:
            return []
        try:
            self.connection.send(waiting.data + b".\r\n")
            code, error = _end_of_data(self.connection, waiting.refused)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return [(waiting.key, TransientMailError(f"connection lost: {exc}"))]
        if code == 421:
            self._drop()
        return [(waiting.key, error)]

    def _send_whole(
        self, message: EmailMessage | Outgoing, sender: str, recipients: list[str], data: bytes
    ) -> MailError | None:
        """Send one message and wait for its outcome (a server that does not pipeline, or an
        address that needs SMTPUTF8; `build_outgoing` writes only ASCII addresses)."""
        assert self.connection is not None
        try:
            if isinstance(message, EmailMessage) and not (
                sender.isascii() and all(r.isascii() for r in recipients)
            ):
                refused = self.connection.send_message(message)
            else:
                refused = sendmail(self.connection, sender, recipients, data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return classify(code, reply)
        except smtplib.SMTPResponseException as exc:
            self.reset()
            return classify(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return TransientMailError(f"connection lost: {exc}")
        if refused:
            code, reply = next(iter(refused.values()))
            return classify(code, reply)
        return None

    def reset(self) -> None:
        """Clear a failed transaction so the connection can carry the next message."""
        try:
            if self.connection is not None:
                self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self._waiting is not None:
            # The server waits for a message's text: QUIT would be read as part of it. Closed
            # without its final ".", the message is dropped, and its row is sent again later.
            self._drop()
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        self.connection = None

    def _drop(self) -> None:
        """Close the connection at once, without QUIT."""
        self._waiting = None
        if self.connection is not None:
            self.connection.close()
        self.connection = None


_LEADING_DOT = re.compile(rb"(?m)^\.")


def sendmail(
    connection: smtplib.SMTP, sender: str, recipients: list[str], data: bytes
) -> dict[str, tuple[int, bytes]]:
    """`connection.sendmail`, in two round trips instead of four when the server pipelines.

    With PIPELINING (RFC 2920) MAIL, RCPT and DATA go in one write and their replies are read
    after; then the message. The replies mean what they mean to `sendmail`, which raises the
    same exceptions for them and leaves the connection in the same state.
    """
    connection.ehlo_or_helo_if_needed()
    if not (connection.does_esmtp and connection.has_extn("pipelining")):
        return connection.sendmail(sender, recipients, data)
    connection.send(_envelope(connection, sender, recipients, len(data)))
    refused = _envelope_replies(connection, sender, recipients)
    connection.send(_quote(data) + b".\r\n")
    code, reply = connection.getreply()
    if code != 250:
        _end_transaction(connection, code)
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _envelope(connection: smtplib.SMTP, sender: str, recipients: list[str], size: int) -> bytes:
    """MAIL, RCPT and DATA, to be written at once."""
    extra = f" size={size}" if connection.has_extn("size") else ""
    commands = [f"mail FROM:{_quoteaddr(sender)}{extra}"]
    commands += [f"rcpt TO:{_quoteaddr(recipient)}" for recipient in recipients]
    return "".join(f"{command}\r\n" for command in [*commands, "data"]).encode("ascii")


def _envelope_replies(
    connection: smtplib.SMTP, sender: str, recipients: list[str]
) -> dict[str, tuple[int, bytes]]:
    """Read the replies to `_envelope`; the recipients refused, if the server took the others.

    Raises what `sendmail` raises for the same replies, with the transaction ended.
    """
    mail_code, mail_reply = connection.getreply()
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, reply = connection.getreply()
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    data_code, data_reply = connection.getreply()
    if data_code == 354 and (mail_code != 250 or len(refused) == len(recipients)):
        # DATA should have been refused with nobody to deliver to; end the empty message.
        connection.send(b".\r\n")
        connection.getreply()
    if mail_code != 250:
        _end_transaction(connection, mail_code)
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
    if len(refused) == len(recipients):
        _end_transaction(connection, next(iter(refused.values()))[0])
        raise smtplib.SMTPRecipientsRefused(refused)
    if data_code != 354:
        raise smtplib.SMTPDataError(data_code, data_reply)
    return refused


def _quoteaddr(address: str) -> str:
    """`smtplib.quoteaddr`: a bare address is put in angle brackets without parsing it."""
    if _BARE_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _end_of_data(
    connection: smtplib.SMTP, refused: dict[str, tuple[int, bytes]]
) -> tuple[int, MailError | None]:
    """Read the reply to a message's final "."; its code, and what failed if anything did.

    Whatever the reply, the transaction is over: the next one needs no RSET.
    """
    code, reply = connection.getreply()
    if code != 250:
        return code, classify(code, reply)
    if refused:
        return code, classify(*next(iter(refused.values())))
    return code, None


def _quote(data: bytes) -> bytes:
    """A message as DATA carries it, before the final ".": dots doubled, ending with CRLF."""
    quoted = _LEADING_DOT.sub(b"..", data) if data[:1] == b"." or b"\n." in data else data
    return quoted if quoted.endswith(b"\r\n") else quoted + b"\r\n"


def _end_transaction(connection: smtplib.SMTP, code: int) -> None:
    # As `sendmail` does: 421, the server is closing the connection; otherwise reset.
    if code == 421:
        connection.close()
    else:
        # A server that has hung up needs no reset: the next message reconnects.
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            connection.rset()


def classify(code: int, reply: bytes | str) -> MailError:
    """A 4xx reply may pass later; anything else will not."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    if 400 <= code < 500:
        return TransientMailError(f"{code} {text}")
    return PermanentMailError(f"{code} {text}")
