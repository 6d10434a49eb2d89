"""A local SMTP server for rehearsals (``reconcile sandbox mailbox``) and tests: aiosmtpd on
127.0.0.1, keeping each message it receives and telling a callback about it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from reconciler.errors import ConfigError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def describe(message: EmailMessage) -> str:
    """What arrived, as a person reads it: the envelope's headers and the plain-text body."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    head = [f"{name}: {message[name]}" for name in ("From", "To", "Cc", "Subject", "Message-ID")]
    return "\n".join(["-" * 72, *[h for h in head if not h.endswith(": None")], "", text])


class Mailbox:
    def __init__(self, port: int = 0, tell: Callable[[str], Any] | None = None) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise ConfigError("the mailbox needs aiosmtpd: pip install aiosmtpd") from None
        self.port = port or free_port()
        self.received: list[EmailMessage] = []
        self._tell = tell
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # aiosmtpd calls its handler by this name
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(message)
        if self._tell is not None:
            self._tell(describe(message))
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def start_mailbox(port: int, tell: Callable[[str], Any]) -> Mailbox:
    return Mailbox(port, tell).start()
