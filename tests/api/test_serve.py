"""`backoffice serve` for real: a subprocess on a free port over a copy of the test company, with
the embedded worker, the SMTP receiver and an IMAP poller (against a real dovecot on loopback,
when installed). Health; a message through the API, one through SMTP and one through IMAP each
picked up by the worker within 2 s; the body limit on a real chunked upload; a clean stop on
SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Template, copy_home, with_message_id
from tests.adapters.inbox.dovecot import dovecot_binary, running_dovecot
from adapters.inbox.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 200_000


@pytest.fixture(scope="module")
def server(api_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:  # type: ignore[type-arg]
    home = copy_home(api_template.home, tmp_path_factory.mktemp("serve") / "home")
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BACKOFFICE_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({"BACKOFFICE_HOME": str(home), "BACKOFFICE_SMTP_PORT": str(smtp_port),
                "BACKOFFICE_API_MAX_BODY_BYTES": str(LIMIT), "PYTHONPATH": str(ROOT)})
    stack = ExitStack()
    binary = dovecot_binary()
    imap = stack.enter_context(running_dovecot(binary)) if binary else None
    if imap is not None:
        env.update({"BACKOFFICE_IMAP_HOST": imap.host, "BACKOFFICE_IMAP_PORT": str(imap.port),
                    "BACKOFFICE_IMAP_USER": imap.user, "BACKOFFICE_IMAP_PASSWORD": imap.password,
                    "BACKOFFICE_IMAP_TLS": "false", "BACKOFFICE_IMAP_POLL_SECONDS": "1"})
    log = (home.parent / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", "--port", str(port),
         "--no-access-log"], cwd=home.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    info = {"proc": proc, "base": base, "home": home, "smtp_port": smtp_port, "imap": imap,
            "log": home.parent / "serve.log", "keys": api_template.keys}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, info["log"].read_text()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        yield info
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        stack.close()


def _db_status(home: Path, message_id: str) -> str | None:
    conn = sqlite3.connect(f"file:{home / 'backoffice.db'}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT status FROM inbox_messages WHERE message_id = ?",
                           (message_id,)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def _wait(predicate, timeout: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def test_health_is_ok_without_a_key(server: dict) -> None:  # type: ignore[type-arg]
    r = httpx.get(f"{server['base']}/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert httpx.get(f"{server['base']}/v1/approvals").status_code == 401


def test_a_message_posted_to_the_api_is_picked_up_within_2_seconds(server: dict) -> None:  # type: ignore[type-arg]
    base, keys = server["base"], server["keys"]
    approvals = httpx.get(f"{base}/v1/approvals", params={"status": "pending"},
                          headers={"X-API-Key": keys["owner"]}).json()["items"]
    model = next(a for a in approvals if a["contact_id"])
    conn = sqlite3.connect(server["home"] / "backoffice.db")
    sha = conn.execute("SELECT raw_sha256 FROM inbox_messages WHERE id = ?",
                       (model["inbox_message_id"],)).fetchone()[0]
    conn.close()
    from memory.blobs import BlobStore

    raw = with_message_id(BlobStore(server["home"] / "blobs").get(sha), "<serve-api@example.com>")
    headers = {"Authorization": f"Bearer {keys['clerk']}"}
    posted = httpx.post(f"{base}/v1/inbox/messages", content=raw,
                        headers={**headers, "Content-Type": "message/rfc822"})
    assert posted.status_code == 202
    url = f"{base}/v1/inbox/messages/{posted.json()['id']}"

    def status() -> str:
        return str(httpx.get(url, headers=headers).json()["status"])

    assert _wait(lambda: status() != "received", 2.0) < 2.0
    _wait(lambda: status() not in ("received", "processing"), 20.0)
    final = httpx.get(url, headers=headers).json()
    assert final["status"] == "awaiting_approval" and final["approval_id"]


def test_a_message_sent_by_smtp_is_picked_up_within_2_seconds(server: dict) -> None:  # type: ignore[type-arg]
    message = ("From: Supplier <ar@example.com>\r\nTo: ap@example.com\r\nSubject: hello\r\n"
               "Message-ID: <serve-smtp@example.com>\r\n\r\nNo invoice attached.\r\n")
    with smtplib.SMTP("127.0.0.1", server["smtp_port"], timeout=10) as smtp:
        smtp.sendmail("ar@example.com", ["ap@example.com"], message)
    took = _wait(lambda: _db_status(server["home"], "serve-smtp@example.com")
                 not in (None, "received"), 2.0)
    assert took < 2.0
    _wait(lambda: _db_status(server["home"], "serve-smtp@example.com") == "quarantined", 20.0)


def test_a_message_arriving_by_imap_is_picked_up_within_2_seconds(server: dict) -> None:  # type: ignore[type-arg]
    if server["imap"] is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server["imap"].deliver(b"From: Supplier <ar@example.com>\r\nTo: ap@example.com\r\n"
                           b"Subject: by IMAP\r\nMessage-ID: <serve-imap@example.com>\r\n\r\n"
                           b"No invoice attached.\r\n")
    took = _wait(lambda: _db_status(server["home"], "serve-imap@example.com")
                 not in (None, "received"), 2.0)
    assert took < 2.0
    _wait(lambda: _db_status(server["home"], "serve-imap@example.com") == "quarantined", 20.0)


def test_the_body_limit_holds_for_a_real_chunked_upload(server: dict) -> None:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {server['keys']['clerk']}", "Content-Type": "message/rfc822"}
    head = b"From: a@example.com\r\nSubject: big\r\nMessage-ID: <big@example.com>\r\n\r\n"

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(30):  # 30 × 10 kB = 300 kB > the 200 kB limit
            yield b"z" * 10_000

    r = httpx.post(f"{server['base']}/v1/inbox/messages", content=chunks(), headers=headers, timeout=10)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    declared = httpx.post(f"{server['base']}/v1/inbox/messages", content=head + b"z" * (LIMIT + 1),
                          headers=headers, timeout=10)
    assert declared.status_code == 413
    assert _db_status(server["home"], "big@example.com") is None
    assert httpx.get(f"{server['base']}/healthz").status_code == 200  # still serving


def test_sigterm_stops_everything_cleanly(server: dict) -> None:  # type: ignore[type-arg]
    proc: subprocess.Popen[bytes] = server["proc"]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert time.monotonic() - started < 10
    output = server["log"].read_text()
    assert "Application shutdown complete" in output and output.rstrip().endswith("stopped")
    assert f"IMAP {'on' if server['imap'] else 'off'}" in output
    assert "Traceback" not in output
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server['base']}/healthz", timeout=1)
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", server["smtp_port"], timeout=2)


def test_the_worker_command_picks_up_maildir_deliveries_and_stops_on_sigterm(
        api_template: Template, tmp_path: Path) -> None:
    from adapters.inbox.maildir import deliver

    home = copy_home(api_template.home, tmp_path / "home")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BACKOFFICE_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update({"BACKOFFICE_HOME": str(home), "PYTHONPATH": str(ROOT)})
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "worker"],
                                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait(lambda: "running every" in log_path.read_text(), 30.0)
            deliver(home / "mail" / "inbox", b"From: ar@example.com\r\nSubject: maildir\r\n"
                    b"Message-ID: <worker-maildir@example.com>\r\n\r\nNo invoice.\r\n")
            took = _wait(lambda: _db_status(home, "worker-maildir@example.com")
                         not in (None, "received"), 2.0)
            assert took < 2.0
            _wait(lambda: "quarantined" in log_path.read_text(), 20.0)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    output = log_path.read_text()
    assert output.rstrip().endswith("worker stopped") and "Traceback" not in output
