"""The IMAP channel: poll a real mailbox (imaplib), tracking UIDVALIDITY + UID.

Each poll selects the folder, reads its UIDVALIDITY, fetches the UIDs above the last one recorded
(BODY.PEEK[], so nothing is marked read before it is recorded), records each message with its
UIDVALIDITY+UID, then sets \\Seen and moves the mark forward. A UIDVALIDITY change means the server
renumbered the folder: tracking restarts from UID 1, and the store's Message-ID + body-hash key
stops messages already recorded from being processed twice.

Implicit TLS (IMAPS) by default; plain IMAP is refused unless the server is on loopback.
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import re
import ssl
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tools.inbox.errors import InboxError
from adapters.inbox.lifecycle import stop_on_signals
from adapters.inbox.sink import ImapSink

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)
_UIDVALIDITY = re.compile(rb"UIDVALIDITY\s+(\d+)", re.I)


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapPoller:
    def __init__(self, store: ImapSink, *, host: str, user: str, password: str, port: int = 993,
                 folder: str = "INBOX", tls: bool = True, timeout: float = 60.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if not tls and not is_loopback(host):
            raise InboxError("imap_plaintext_refused",
                             f"Refusing to send the mailbox password to {host} without TLS; "
                             "plain IMAP is only allowed on this machine (loopback)")
        self.store, self.host, self.port = store, host, port
        self.user, self._password = user, password
        self.folder, self.tls, self.timeout = folder, tls, timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    @classmethod
    def from_settings(cls, settings: Settings, store: ImapSink) -> ImapPoller:
        if not (settings.imap_host and settings.imap_user and settings.imap_password):
            raise InboxError("imap_not_configured",
                             "Set BACKOFFICE_IMAP_HOST, BACKOFFICE_IMAP_USER and "
                             "BACKOFFICE_IMAP_PASSWORD to poll a mailbox")
        return cls(store, host=settings.imap_host, port=settings.imap_port, user=settings.imap_user,
                   password=settings.imap_password.get_secret_value(), folder=settings.imap_folder,
                   tls=settings.imap_tls)

    @property
    def account(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    def _connect(self) -> imaplib.IMAP4:
        try:
            if self.tls:
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=self.ssl_context, timeout=self.timeout)
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise InboxError("imap_unavailable",
                             f"Cannot reach the mailbox at {self.host}:{self.port}: "
                             f"{exc}") from None
        try:
            conn.login(self.user, self._password)
        except imaplib.IMAP4.error:
            _close(conn)
            raise InboxError("imap_login_failed",
                             f"The mailbox refused the login for {self.user}") from None
        return conn

    def poll_once(self) -> list[Any]:
        """Record every message above the last UID seen; returns one result per message fetched."""
        conn = self._connect()
        try:
            return self._poll(conn)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise InboxError("imap_failed",
                             f"Reading {self.folder} at {self.host} failed: {exc}") from None
        finally:
            _close(conn)

    def _poll(self, conn: imaplib.IMAP4) -> list[Any]:
        typ, data = conn.select(_quote(self.folder))
        if typ != "OK":
            raise InboxError("imap_folder", f"Cannot open folder {self.folder!r}: {data!r}")
        uidvalidity = self._uidvalidity(conn)
        state = self.store.imap_state(self.account, self.folder)
        last = state.last_uid if state is not None and state.uidvalidity == uidvalidity else 0
        if state is not None and state.uidvalidity != uidvalidity:
            log.warning("%s %s: UIDVALIDITY changed %s → %s; re-reading the folder",
                        self.account, self.folder, state.uidvalidity, uidvalidity)
        typ, data = conn.uid("SEARCH", "UID", f"{last + 1}:*")
        if typ != "OK":
            raise InboxError("imap_failed", f"UID SEARCH failed: {data!r}")
        # "n:*" always matches the highest UID, even when it is below n: filter.
        uids = sorted({int(u) for u in (data[0] or b"").split() if int(u) > last})
        results: list[Any] = []
        for uid in uids:
            raw = self._fetch(conn, uid)
            if raw is not None:
                results.append(self.store.record(
                    raw, channel="imap", imap_account=f"{self.account}/{self.folder}",
                    uidvalidity=uidvalidity, uid=uid))
                conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")
            self.store.set_imap_state(self.account, self.folder, uidvalidity, uid)
        return results

    def _uidvalidity(self, conn: imaplib.IMAP4) -> int:
        _, values = conn.response("UIDVALIDITY")
        if values and values[0]:
            return int(values[0])
        typ, data = conn.status(_quote(self.folder), "(UIDVALIDITY)")
        match = _UIDVALIDITY.search(data[0] or b"") if typ == "OK" and data else None
        if match is None:
            raise InboxError("imap_failed", f"The server gave no UIDVALIDITY for {self.folder!r}")
        return int(match.group(1))

    @staticmethod
    def _fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
        typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if typ != "OK":
            raise InboxError("imap_failed", f"UID FETCH {uid} failed: {data!r}")
        for item in data or ():
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # expunged meanwhile

    def run(self, interval: float, stop: threading.Event | None = None,
            on_results: Callable[[list[Any]], None] | None = None) -> None:
        """Poll until `stop` is set, Ctrl-C or SIGTERM. Between polls the poller waits in IMAP IDLE
        when the server offers it (new mail is fetched within about a second) and re-polls at
        least every `interval` seconds; without IDLE it simply waits `interval`. A failed poll is
        logged and retried (the poller keeps running)."""
        with stop_on_signals(stop or threading.Event()) as stop:
            while not stop.is_set():
                try:
                    results = self.poll_once()
                    if results:
                        log.info("%s: %d message(s) fetched", self.account, len(results))
                    if on_results is not None:
                        on_results(results)
                    self.wait_for_mail(interval, stop)
                except InboxError as exc:
                    log.warning("%s", exc)
                    stop.wait(interval)

    def wait_for_mail(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to `seconds` for the server to announce new mail (IDLE, RFC 2177). Returns True
        when it did; falls back to a plain wait when the server has no IDLE."""
        conn = self._connect()
        try:
            if "IDLE" not in conn.capabilities:
                stop.wait(seconds)
                return False
            typ, data = conn.select(_quote(self.folder), readonly=True)
            if typ != "OK":
                raise InboxError("imap_folder", f"Cannot open folder {self.folder!r}: {data!r}")
            return _idle(conn, min(seconds, IDLE_MAX_SECONDS), stop)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise InboxError("imap_failed", f"Waiting for mail at {self.host} failed: {exc}") from None
        finally:
            _close(conn)


IDLE_MAX_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes


def _idle(conn: imaplib.IMAP4, seconds: float, stop: threading.Event) -> bool:
    """One IDLE command: True as soon as the server reports a new message (EXISTS/RECENT).
    imaplib (before Python 3.14) has no IDLE, so this speaks the two-line exchange itself. It
    polls the socket with select() once a second (a timeout inside readline would leave imaplib's
    buffered reader in an undefined state) so that `stop` is noticed."""
    import select
    import time

    tag = conn._new_tag()  # type: ignore[attr-defined]
    conn.send(tag + b" IDLE\r\n")
    if not conn.readline().startswith(b"+"):
        return False
    sock = conn.sock
    deadline, arrived = time.monotonic() + seconds, False
    try:
        while not arrived and not stop.is_set() and time.monotonic() < deadline:
            pending = getattr(sock, "pending", lambda: 0)()  # bytes TLS already decrypted
            if not pending and not select.select([sock], [], [], 1.0)[0]:
                continue
            line = conn.readline()
            if not line:
                raise OSError("the server closed the connection during IDLE")
            arrived = bool(re.match(rb"\* \d+ (EXISTS|RECENT)", line))
    finally:
        conn.send(b"DONE\r\n")
        while (line := conn.readline()) and not line.startswith(tag):
            pass  # untagged updates before the tagged OK
    return arrived


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except Exception:
        pass
