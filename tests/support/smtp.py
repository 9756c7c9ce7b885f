"""A real SMTP server (aiosmtpd) for the tests, told how to answer: accept, refuse or stall."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes

from aiosmtpd.controller import Controller

from tests.support.services import free_port

ACCEPTED = "250 2.0.0 OK: queued"


class MailServer:
    """``refusal`` is the reply to every RCPT TO while set, e.g. "451 4.3.0 Try again later";
    ``stall()`` makes DATA wait before its reply until released: the message is already queued
    for delivery, as a real server has it once the whole message arrived."""

    def __init__(self):
        self.refusal: str | None = None
        self.delivered: list = []
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.release.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusal:
            return self.refusal.replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append(message_from_bytes(envelope.content))
        if not self.release.is_set():
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return ACCEPTED

    def stall(self) -> None:
        self.stalled.clear()
        self.release.clear()

    def recipients(self) -> Counter:
        return Counter(message["To"] for message in self.delivered)


@contextmanager
def mail_server():
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        handler.release.set()
        controller.stop()


def smtp_settings(port: int) -> dict[str, str]:
    """The environment production reads its mail settings from, aimed at the test server."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
    }
