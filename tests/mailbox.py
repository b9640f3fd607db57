"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: stores each message, or answers with a reply set by the test."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.replies: list[str] = []
        # Seconds the server takes over each message, to catch a delivery in the middle.
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self.replies:
                return self.replies.pop(0)
            content = envelope.content if isinstance(envelope.content, bytes) else b""
            message = message_from_bytes(content, policy=policy.default)
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.replies.clear()
            self.delay = 0.0

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(
        self, count: int = 1, to: str | None = None, timeout: float = 15
    ) -> list[EmailMessage]:
        """Wait until `count` messages (to `to`, if given) have arrived; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.to(to) if to else list(self.messages)
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"expected {count} e-mail(s), got {len(found)}"
                return found
            time.sleep(0.05)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text part"
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the message has no HTML part"
    return part.get_content()


class SMTPServer:
    """An aiosmtpd controller on a free loopback port."""

    def __init__(self, mailbox: Mailbox | None = None) -> None:
        self.mailbox = mailbox if mailbox is not None else Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
