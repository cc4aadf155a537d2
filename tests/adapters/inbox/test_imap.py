"""ImapPoller against a real dovecot on loopback: each message recorded once, UIDs tracked,
\\Seen set, UIDVALIDITY changes survived, plaintext refused off loopback."""

from __future__ import annotations

import imaplib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import load_settings
from services.intake import MessageIntake
from tools.inbox.errors import InboxError
from adapters.inbox.imap import ImapPoller, is_loopback

from .conftest import FIXTURES
from .dovecot import Dovecot, dovecot_binary, running_dovecot


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is required in CI (.ci/run installs dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    with running_dovecot(binary) as server:
        yield server


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Iterator[Dovecot]:
    """The shared server with an empty INBOX for each test."""
    yield dovecot
    conn = imaplib.IMAP4(dovecot.host, dovecot.port)
    conn.login(dovecot.user, dovecot.password)
    _, count = conn.select("INBOX")
    if int(count[0] or 0):
        conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
        conn.expunge()
    conn.logout()


def _poller(server: Dovecot, store: MessageIntake, **overrides: object) -> ImapPoller:
    options: dict[str, object] = {"host": server.host, "port": server.port, "user": server.user,
                                  "password": server.password, "tls": False, "timeout": 10}
    options.update(overrides)
    return ImapPoller(store, **options)  # type: ignore[arg-type]


def _seen(server: Dovecot) -> list[bytes]:
    conn = imaplib.IMAP4(server.host, server.port)
    try:
        conn.login(server.user, server.password)
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("SEARCH", "SEEN")
        return data[0].split()
    finally:
        conn.logout()


def test_each_message_is_recorded_once_and_only_new_ones_on_later_polls(
        mailbox: Dovecot, intake: MessageIntake) -> None:
    mailbox.deliver((FIXTURES / "invoice_pdf.eml").read_bytes())
    mailbox.deliver((FIXTURES / "html_only.eml").read_bytes())
    poller = _poller(mailbox, intake)

    first = poller.poll_once()
    assert [r.created for r in first] == [True, True]
    assert {r.message.message_id for r in first} == {
        "inv-1001.1@coastalceramics.com.au", "hsc-0042@harboursidesignage.com.au"}
    m = first[0].message
    assert m.channel == "imap" and m.imap_account == f"ap@127.0.0.1:{mailbox.port}/INBOX"
    assert m.uidvalidity is not None and m.uidvalidity > 0
    assert sorted(r.message.uid for r in first) == sorted(int(u) for u in _seen(mailbox))
    # The bytes the server sent are what was stored (IMAP gives CRLF line endings).
    assert intake.store.raw(m.id).startswith(b"Return-Path") and b"\r\n" in intake.store.raw(m.id)

    assert poller.poll_once() == []                        # nothing new

    mailbox.deliver((FIXTURES / "forwarded_pdf.eml").read_bytes())
    [third] = poller.poll_once()
    assert third.created and third.message.subject.startswith("Fwd:")
    assert third.message.uid == max(r.message.uid for r in first) + 1  # type: ignore[operator]
    assert len(intake.store.list_recent()) == 3
    state = intake.imap_state(poller.account, "INBOX")
    assert state is not None and state.last_uid == third.message.uid
    assert len(_seen(mailbox)) == 3


def test_the_same_message_delivered_twice_is_recorded_once(
        mailbox: Dovecot, intake: MessageIntake) -> None:
    raw = (FIXTURES / "invoice_pdf.eml").read_bytes()
    mailbox.deliver(raw)
    mailbox.deliver(b"Received: from resend.example; Fri, 26 Jun 2026 08:00:00 +1000\n" + raw)
    results = _poller(mailbox, intake).poll_once()
    assert [r.created for r in results] == [True, False]
    assert results[0].message.id == results[1].message.id


def test_a_uidvalidity_change_re_reads_the_folder_without_processing_twice(
        mailbox: Dovecot, intake: MessageIntake) -> None:
    mailbox.deliver((FIXTURES / "invoice_pdf.eml").read_bytes())
    poller = _poller(mailbox, intake)
    [first] = poller.poll_once()
    state = intake.imap_state(poller.account, "INBOX")
    assert state is not None
    # Pretend the last poll saw an older numbering of the folder, far ahead of today's UIDs.
    with intake.store.sessions.begin() as session:
        from memory.inbox_schema import InboxImapState
        row = session.get(InboxImapState, (poller.account, "INBOX"))
        row.uidvalidity, row.last_uid = state.uidvalidity - 1, 10_000  # type: ignore[union-attr]
    [again] = poller.poll_once()
    assert not again.created and again.message.id == first.message.id
    assert intake.imap_state(poller.account, "INBOX") == state
    assert len(intake.store.list_recent()) == 1


def test_a_wrong_password_is_a_typed_error(mailbox: Dovecot, intake: MessageIntake) -> None:
    with pytest.raises(InboxError) as info:
        _poller(mailbox, intake, password="wrong").poll_once()
    assert info.value.code == "imap_login_failed"
    assert "wrong" not in str(info.value)


def test_tls_is_the_default_and_a_plain_server_fails_the_handshake(
        mailbox: Dovecot, intake: MessageIntake, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, imap_host=mailbox.host, imap_port=mailbox.port,
                             imap_user=mailbox.user, imap_password=mailbox.password)
    poller = ImapPoller.from_settings(settings, intake)
    assert poller.tls
    with pytest.raises(InboxError) as info:
        poller.poll_once()
    assert info.value.code == "imap_unavailable"


def test_plain_imap_is_refused_off_loopback(intake: MessageIntake) -> None:
    with pytest.raises(InboxError) as info:
        ImapPoller(intake, host="mail.example.com", user="u", password="p", port=143,
                   tls=False)
    assert info.value.code == "imap_plaintext_refused"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.0.0.1") and not is_loopback("localhost.evil.example")


def test_an_unconfigured_mailbox_is_a_typed_error(intake: MessageIntake, tmp_path: Path) -> None:
    with pytest.raises(InboxError) as info:
        ImapPoller.from_settings(load_settings(home=tmp_path), intake)
    assert info.value.code == "imap_not_configured"


def test_run_keeps_polling_until_stopped(mailbox: Dovecot, intake: MessageIntake) -> None:
    import threading

    stop, seen = threading.Event(), []

    def collect(results: list) -> None:  # type: ignore[type-arg]
        seen.extend(results)
        if seen:
            stop.set()

    thread = threading.Thread(target=_poller(mailbox, intake).run, args=(0.05, stop, collect))
    thread.start()
    mailbox.deliver((FIXTURES / "invoice_pdf.eml").read_bytes())
    thread.join(15)
    stop.set()
    assert not thread.is_alive()
    assert [r.created for r in seen] == [True]


def test_new_mail_is_fetched_within_seconds_through_idle(mailbox: Dovecot, intake: MessageIntake) -> None:
    """With a long interval (a minute) the poller still fetches a new message at once: it waits in
    IMAP IDLE and the server announces the delivery."""
    import threading
    import time

    stop, seen, arrived = threading.Event(), [], threading.Event()

    def collect(results: list) -> None:  # type: ignore[type-arg]
        seen.extend(results)
        if seen:
            arrived.set()

    poller = _poller(mailbox, intake)
    thread = threading.Thread(target=poller.run, args=(60, stop, collect))
    thread.start()
    time.sleep(1.5)  # the first (empty) poll is done and the poller is idling
    delivered = time.monotonic()
    mailbox.deliver((FIXTURES / "invoice_pdf.eml").read_bytes())
    assert arrived.wait(10), "the delivery was not noticed"
    latency = time.monotonic() - delivered
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and [r.created for r in seen] == [True]
    assert latency < 2.0, latency
