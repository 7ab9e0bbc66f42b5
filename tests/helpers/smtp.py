"""A local SMTP server (aiosmtpd) that keeps what it receives, for tests and benchmarks."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# Below 32768 (ephemeral ports collide above); one of this worktree's spare ports.
SMTP_TEST_PORT = 25472


class Inbox:
    """aiosmtpd handler: every accepted mail, parsed; `refuse` names recipients to answer 550."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.mails.append(mail)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.mails) >= count, timeout)
        return list(self.mails)


@contextmanager
def smtp_server(port: int = SMTP_TEST_PORT, inbox: Inbox | None = None) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1:`port` while the block runs."""
    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
