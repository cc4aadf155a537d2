"""Remittance advice to suppliers, through the business's configured SMTP relay
(BACKOFFICE_NOTIFY_SMTP_HOST / _PORT, from BACKOFFICE_NOTIFY_FROM), as escalations are sent.
The Message-ID is the caller's (derived from the remittance's idempotency key), so a receiver
can tell a resend of the same advice from a new one."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any


class RelayNotConfigured(RuntimeError):
    pass


def send_remittance(settings: Any, *, to: str, subject: str, body: str, message_id: str) -> None:
    """Hand one advice to the relay; raises RelayNotConfigured, OSError or SMTPException."""
    host = settings.notify_smtp_host
    if not host:
        raise RelayNotConfigured("no BACKOFFICE_NOTIFY_SMTP_HOST configured")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.notify_from, to, subject
    msg["Message-ID"] = message_id
    msg["Date"] = formatdate(localtime=False)
    msg.set_content(body)
    with smtplib.SMTP(host, settings.notify_smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)
