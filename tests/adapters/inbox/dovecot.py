"""A real IMAP server for tests: Debian's dovecot with a throwaway configuration on loopback.

Started with `dovecot -F -c <conf>` on a free port, one user with a plain password, Maildir storage,
no TLS, every directory in a temporary folder. When the tests run as root, dovecot refuses uid 0
for mail access, so the mailbox then belongs to `nobody`.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from adapters.inbox.maildir import unique_name
from adapters.inbox.smtp import free_port

USER, PASSWORD = "ap", "s3cret-imap"


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot") or "/usr/sbin/dovecot"
    return found if os.access(found, os.X_OK) else None


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    inbox: Path          # the user's INBOX Maildir
    uid: int
    gid: int
    log: Path

    def deliver(self, raw: bytes) -> Path:
        """Put a message in the INBOX as a local delivery agent would (tmp → new)."""
        name = unique_name()
        tmp = self.inbox / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        final = self.inbox / "new" / name
        os.replace(tmp, final)
        return final


def _config(root: Path, port: int, uid: int, gid: int, as_root: bool) -> str:
    me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    # Not root: every dovecot process runs as the current user, without chroot.
    users = "" if as_root else (f"default_login_user = {me}\ndefault_internal_user = {me}\n"
                                f"default_internal_group = {group}\n")
    chroot = "" if as_root else "  chroot =\n"
    return f"""protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
first_valid_uid = {min(uid, 500)}
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
{chroot}  # No auth penalty (slower logins after a failed one): its socket is disabled.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _wait_for_greeting(port: int, proc: subprocess.Popen[bytes], log: Path,
                       timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited ({proc.returncode}): "
                               f"{log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not answer on port {port}: "
                       f"{log.read_text() if log.exists() else ''}")


@contextmanager
def running_dovecot(binary: str) -> Iterator[Dovecot]:
    as_root = os.geteuid() == 0
    if as_root:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
    else:
        uid, gid = os.getuid(), os.getgid()
    # A short path: dovecot's unix sockets live under base_dir (sun_path is 108 bytes).
    root = Path(tempfile.mkdtemp(prefix="bo-dovecot-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        os.chmod(root, 0o755)
        for sub in ("run", "state"):
            (root / sub).mkdir()
        inbox = root / "mail" / USER
        for sub in ("tmp", "new", "cur"):
            (inbox / sub).mkdir(parents=True)
        for path in (root / "mail", inbox, *(inbox / s for s in ("tmp", "new", "cur"))):
            os.chown(path, uid, gid)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        port = free_port()
        conf = root / "dovecot.conf"
        conf.write_text(_config(root, port, uid, gid, as_root))
        log = root / "dovecot.log"
        proc = subprocess.Popen([binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _wait_for_greeting(port, proc, log)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, inbox, uid, gid, log)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc is not None and proc.stderr is not None:
            proc.stderr.close()
        shutil.rmtree(root, ignore_errors=True)
