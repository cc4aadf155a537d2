"""The SMTP receiver on an ephemeral loopback port: delivers into the Maildir, refuses oversize."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import load_settings
from services.intake import MessageIntake
from adapters.inbox.maildir import import_maildir
from adapters.inbox.smtp import smtp_controller

from .conftest import FIXTURES


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    settings = load_settings(home=tmp_path / "home", max_message_bytes=20_000)
    controller = smtp_controller(settings, port=0)
    controller.start()
    try:
        yield controller.hostname, controller.port, settings.maildir_path
    finally:
        controller.stop()


def test_a_message_sent_by_smtp_lands_in_the_maildir_and_is_recorded_once(
        receiver: tuple[str, int, Path], intake: MessageIntake) -> None:
    host, port, maildir = receiver
    raw = (FIXTURES / "invoice_pdf.eml").read_bytes().replace(b"\n", b"\r\n")  # SMTP is CRLF
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.ehlo("supplier.example")
        refused = client.sendmail("accounts@coastalceramics.com.au", ["ap@harbourvine.com.au"], raw)
        assert refused == {}
        client.sendmail("accounts@coastalceramics.com.au", ["ap@harbourvine.com.au"], raw)  # resent
    delivered = sorted((maildir / "new").iterdir())
    assert len(delivered) == 2
    stored = delivered[0].read_bytes()
    assert stored.startswith(b"Received: from supplier.example")
    assert b"\r\n" not in stored  # stored with LF line endings, as Maildir expects
    assert stored.endswith(raw[-200:].replace(b"\r\n", b"\n"))

    results = import_maildir(maildir, intake)
    assert [r.result.created for r in results] == [True, False]  # the resend is recognised
    m = results[0].result.message
    assert m.message_id == "inv-1001.1@coastalceramics.com.au"
    assert results[0].result.parsed is not None
    assert results[0].result.parsed.documents[0].data.startswith(b"%PDF-")


def test_an_oversized_message_is_refused_with_552_and_the_receiver_keeps_running(
        receiver: tuple[str, int, Path]) -> None:
    host, port, maildir = receiver
    big = b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 400
    with smtplib.SMTP(host, port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPException) as info:
            client.sendmail("a@example.com", ["ap@harbourvine.com.au"], big)
        code = getattr(info.value, "smtp_code", None) or getattr(info.value, "recipients", {})
        assert "552" in str(code) or "552" in str(info.value)
    with smtplib.SMTP(host, port, timeout=10) as client:
        assert client.sendmail("a@example.com", ["ap@harbourvine.com.au"],
                               b"Subject: small\r\n\r\nok\r\n") == {}
    assert len(list((maildir / "new").iterdir())) == 1


def test_serve_smtp_runs_until_stopped(tmp_path: Path) -> None:
    import threading

    from adapters.inbox.smtp import free_port, serve_smtp

    settings = load_settings(home=tmp_path / "home", smtp_port=free_port())
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=serve_smtp, args=(settings, stop),
                              kwargs={"on_ready": lambda c: ready.set()})
    thread.start()
    try:
        assert ready.wait(10)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as client:
            client.sendmail("a@example.com", ["ap@harbourvine.com.au"],
                            b"Subject: hi\r\n\r\nhello\r\n")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    [delivered] = (settings.maildir_path / "new").iterdir()
    assert delivered.read_bytes().endswith(b"Subject: hi\n\nhello\n")
    with pytest.raises(OSError):
        smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=2)


def test_the_receiver_process_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from adapters.inbox.smtp import free_port

    port = free_port()
    code = ("from core.settings import load_settings\n"
            "from adapters.inbox.smtp import serve_smtp\n"
            f"serve_smtp(load_settings(home={str(tmp_path / 'home')!r}, smtp_port={port}),\n"
            "           on_ready=lambda c: print('ready', flush=True))\n"
            "print('stopped', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parents[3])
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("a@example.com", ["ap@harbourvine.com.au"], b"Subject: t\r\n\r\nx\r\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert proc.stdout.read().strip() == "stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
    assert len(list((tmp_path / "home" / "mail" / "inbox" / "new").iterdir())) == 1
