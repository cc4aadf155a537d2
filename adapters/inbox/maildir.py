"""The Maildir channel: delivery into a Maildir (tmp/ → new/) and import from it.

Import records first and moves the file to cur/ with the Seen flag after, so a crash in between
only means the next import records the same message again, which the store recognises.
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.inbox.sink import MessageSink

_counter = itertools.count(1)


def ensure_maildir(path: Path) -> Path:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def unique_name() -> str:
    """time.M<usec>P<pid>Q<n>R<random>.<host>, as the Maildir convention suggests."""
    now = time.time()
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"
    return (f"{int(now)}.M{int((now % 1) * 1_000_000)}P{os.getpid()}Q{next(_counter)}"
            f"R{secrets.token_hex(4)}.{host}")


def deliver(maildir: Path, raw: bytes) -> Path:
    """Write one message into tmp/, fsync, and rename into new/ (atomic); returns its path."""
    ensure_maildir(maildir)
    name = unique_name()
    tmp = maildir / "tmp" / name
    with open(tmp, "xb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    final = maildir / "new" / name
    os.replace(tmp, final)
    return final


def _flags(name: str) -> tuple[str, str]:
    base, sep, info = name.partition(":2,")
    return base, info if sep else ""


@dataclass(frozen=True)
class MaildirResult:
    name: str                 # the file name the message had when it was read
    result: Any


def import_maildir(path: Path, store: MessageSink) -> list[MaildirResult]:
    """Record every unseen message in new/ and cur/ (tmp/ is ignored: deliveries in progress),
    then mark each Seen by moving it to cur/<name>:2,<flags+S>. Returns one result per message."""
    ensure_maildir(path)
    results: list[MaildirResult] = []
    for sub in ("new", "cur"):
        for entry in sorted(os.scandir(path / sub), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            base, flags = _flags(entry.name)
            if sub == "cur" and "S" in flags:
                continue
            try:
                raw = Path(entry.path).read_bytes()
            except FileNotFoundError:  # another importer took it meanwhile
                continue
            result = store.record(raw, channel="maildir")
            target = path / "cur" / f"{base}:2,{''.join(sorted(set(flags + 'S')))}"
            try:
                os.replace(entry.path, target)
            except FileNotFoundError:
                pass
            results.append(MaildirResult(entry.name, result))
    return results
