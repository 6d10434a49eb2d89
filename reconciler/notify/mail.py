"""The ``email`` sink: one message per notice through an SMTP server, with the standard library.

A subject to scan, a plain-text body and an HTML alternative, and a ``Message-ID`` derived from
the notice's id, so a message sent again after a crash is recognisably the same mail. A server
that refuses or cannot be reached raises SinkError: the ledger owes the notice and tries again.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate

from reconciler.errors import SinkError
from reconciler.manifest.notify_config import EmailSpec, SinkSpec
from reconciler.notify.notices import Notice
from reconciler.notify.words import headline, lines, plain

log = logging.getLogger(__name__)


def message_id(notice: Notice, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "reconciler.invalid"
    return f"<{notice.id}.reconcile@{domain}>"


def as_html(notice: Notice) -> str:
    rows = "".join(
        f"<tr><th align='left' valign='top'>{html.escape(label)}</th>"
        f"<td>{_cell(label, value)}</td></tr>"
        for label, value in lines(notice)
    )
    return (
        "<!doctype html><html><body>"
        f"<h2>{html.escape(headline(notice))}</h2><table cellpadding='4'>{rows}</table>"
        "</body></html>"
    )


def _cell(label: str, value: str) -> str:
    if value.startswith("https://"):
        return f"<a href='{html.escape(value, quote=True)}'>{html.escape(value)}</a>"
    if label == "Message":
        return f"<blockquote>{html.escape(value)}</blockquote>"
    return html.escape(value)


def compose(notice: Notice, email: EmailSpec) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = headline(notice)
    message["From"] = email.sender
    message["To"] = ", ".join(email.to)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(notice, email.sender)
    message["X-Reconcile-Id"] = notice.id
    message.set_content(plain(notice))
    message.add_alternative(as_html(notice), subtype="html")
    return message


class EmailSink:
    def __init__(self, spec: SinkSpec, env: Mapping[str, str]) -> None:
        assert spec.email is not None
        self.name = spec.name
        self.on = spec.on
        self.email = spec.email
        self.timeout = spec.timeout_seconds
        self._login = (
            (env[spec.email.username_env], env[spec.email.password_env])
            if spec.email.username_env
            else None
        )

    def _connect(self) -> smtplib.SMTP:
        email = self.email
        if email.tls:
            return smtplib.SMTP_SSL(
                email.host, email.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(email.host, email.port, timeout=self.timeout)

    def send(self, notice: Notice) -> None:
        message = compose(notice, self.email)
        try:
            with self._connect() as smtp:
                if self.email.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._login is not None:
                    smtp.login(*self._login)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SinkError(
                f"{self.name}: every recipient refused ({len(exc.recipients)})"
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise SinkError(f"{self.name}: the server answered {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SinkError(f"{self.name}: {type(exc).__name__}: {exc}") from None
        if refused:
            log.warning("notify: %s: refused some recipients: %s", self.name, ", ".join(refused))
