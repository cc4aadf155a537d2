"""Outbound notices to people (escalations), through a configured SMTP relay. Without a relay the
escalation is still recorded; the notice says so. The relay is the business's own (loopback or
LAN), never a third-party service the product chooses."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any


def send_escalation(settings: Any, approval: Any) -> str:
    """Email the approvers about an approval pending too long; returns what was done."""
    host, to = settings.notify_smtp_host, settings.notify_to
    if not host or not to:
        return "recorded (no BACKOFFICE_NOTIFY_SMTP_HOST/NOTIFY_TO configured)"
    msg = EmailMessage()
    msg["From"], msg["To"] = settings.notify_from, to
    msg["Subject"] = f"Approval {approval.id} waiting since {approval.created_at:%d/%m/%Y %H:%M}"
    codes = ", ".join(r.get("code", "?") for r in approval.reasons)
    msg.set_content(
        f"Bill approval {approval.id} for ${approval.amount:,.2f} has been waiting since "
        f"{approval.created_at:%d/%m/%Y %H:%M}.\nReasons: {codes}\nRequired role: "
        f"{approval.required_role}\n\nOpen it with: backoffice approvals show {approval.id}\n")
    return _send(settings, msg)


def send_alert(settings: Any, subject: str, body: str) -> str:
    """Email the watchdog's alert (or its resolution, services.monitoring); returns what was done."""
    host, to = settings.notify_smtp_host, settings.notify_to
    if not host or not to:
        return "recorded (no BACKOFFICE_NOTIFY_SMTP_HOST/NOTIFY_TO configured)"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.notify_from, to, subject
    msg.set_content(body)
    return _send(settings, msg)


def _send(settings: Any, msg: EmailMessage) -> str:
    to = settings.notify_to
    try:
        with smtplib.SMTP(settings.notify_smtp_host, settings.notify_smtp_port, timeout=10) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        return f"recorded; email to {to} failed: {type(exc).__name__}"
    return f"emailed {to}"
