"""The SMTP channel: a receiver (aiosmtpd) that delivers every accepted message into the Maildir.

It only receives: it never relays. Messages over max_message_bytes are refused during DATA with
552 (aiosmtpd's data_size_limit); a storage failure answers 451 so the sender retries later.
Recording happens when the Maildir is imported (`import_maildir`), so the receiver stays simple
and keeps running whatever the content.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller

from adapters.clock import SystemClock
from core.clock import Clock
from adapters.inbox.lifecycle import stop_on_signals
from adapters.inbox.maildir import deliver, ensure_maildir

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)


class MaildirHandler:
    """aiosmtpd handler: each message's bytes (LF line endings, a Received header on top) are
    written to Maildir tmp/ and renamed into new/."""

    def __init__(self, maildir: Path, clock: Clock | None = None) -> None:
        self.maildir = ensure_maildir(Path(maildir))
        self.clock = clock or SystemClock()
        self.delivered: list[Path] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        helo = _header_safe(session.host_name or "unknown")
        peer = _header_safe(str(session.peer[0]) if session.peer else "unknown")
        received = (f"Received: from {helo} ([{peer}])\n\tby backoffice-smtp; "
                    f"{format_datetime(self.clock.now())}\n").encode("ascii", "replace")
        raw = received + content.replace(b"\r\n", b"\n")
        try:
            loop = asyncio.get_running_loop()
            path = await loop.run_in_executor(None, deliver, self.maildir, raw)
        except OSError:
            log.exception("could not write the message into %s", self.maildir)
            return "451 4.3.0 Could not store the message; please try again later"
        self.delivered.append(path)
        return f"250 2.0.0 OK queued as {path.name}"


def _header_safe(value: str) -> str:
    return "".join(ch for ch in value if 32 < ord(ch) < 127)[:200] or "unknown"


def free_port(host: str = "127.0.0.1") -> int:
    """A currently unused TCP port on `host` (for tests and ephemeral receivers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def smtp_controller(settings: Settings, *, maildir: Path | None = None, host: str | None = None,
                    port: int | None = None, clock: Clock | None = None) -> Controller:
    """A started-on-demand receiver: call .start() and .stop(). port=0 picks a free port (read
    it back from .port). Defaults: Settings.smtp_host/smtp_port and Settings.maildir_path."""
    host = host or settings.smtp_host
    port = settings.smtp_port if port is None else port
    if port == 0:
        port = free_port(host)
    handler = MaildirHandler(maildir or settings.maildir_path, clock)
    return Controller(handler, hostname=host, port=port,
                      data_size_limit=settings.max_message_bytes, enable_SMTPUTF8=True,
                      ident="Backoffice SMTP receiver")


def serve_smtp(settings: Settings, stop: threading.Event | None = None,
               on_ready: Any = None) -> None:
    """Run the receiver until `stop` is set, Ctrl-C or SIGTERM."""
    controller = smtp_controller(settings)
    controller.start()
    try:
        with stop_on_signals(stop or threading.Event()) as stopping:
            if on_ready is not None:
                on_ready(controller)
            while not stopping.wait(0.5):
                pass
    finally:
        controller.stop()
