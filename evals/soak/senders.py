"""Delivering the soak's emails as a supplier's mail server and an integration would: each message
is retried until the receiving side acknowledged it (SMTP's 250 after DATA, the API's 200/202), so
a message in flight when a process died is sent again and must not be recorded twice."""

from __future__ import annotations

import smtplib
import time
from email import message_from_bytes
from email.utils import getaddresses

import httpx


class NotAccepted(RuntimeError):
    """The receiving side refused a message for good (a 4xx that is not about load)."""


def send_smtp(port: int, raw: bytes, *, deadline: float) -> int:
    """Send over SMTP to the receiver on loopback; returns how many attempts it took."""
    msg = message_from_bytes(raw)
    sender = getaddresses([msg.get("From", "")])[0][1] or "supplier@example.com"
    rcpt = [a for _, a in getaddresses(msg.get_all("To", []))] or ["ap@example.com"]
    wire = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # SMTP lines end in CRLF
    attempts = 0
    while True:
        attempts += 1
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
                smtp.sendmail(sender, rcpt, wire)
            return attempts
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:  # a permanent refusal: sending again cannot help
                raise NotAccepted(f"{exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the SMTP receiver did not take a message after {attempts} attempts")
        time.sleep(0.2)


def send_api(client: httpx.Client, raw: bytes, *, deadline: float) -> tuple[int, int]:
    """POST the message to /v1/inbox/messages; returns (message id, attempts). A dropped
    connection or a 5xx (the API was killed mid-request) is retried with the same bytes."""
    attempts = 0
    while True:
        attempts += 1
        try:
            response = client.post("/v1/inbox/messages", content=raw,
                                   headers={"Content-Type": "message/rfc822"})
            if response.status_code in (200, 202):
                return int(response.json()["id"]), attempts
            if response.status_code < 500 and response.status_code != 429:
                raise NotAccepted(f"{response.status_code}: {response.text[:300]}")
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the API did not accept a message after {attempts} attempts")
        time.sleep(0.2)
