"""Content-addressed storage of message bytes: blobs/ab/cd/<sha256>, written atomically.

A blob is written to a temporary file in its final directory, fsynced, then renamed into place
(os.replace is atomic on POSIX), and the directory is fsynced, so a crash leaves either no blob or
the whole blob. Writing the same bytes again is a no-op: the name is the content.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from tools.inbox.errors import InboxError


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InboxError("bad_blob_id", f"{sha256[:80]!r} is not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store the bytes (if not already stored) and return their sha256."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if final.exists() and final.stat().st_size == len(data):
            return digest
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return digest

    def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InboxError("blob_missing",
                             f"The stored message {sha256[:12]}… is missing") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise InboxError("blob_corrupt",
                             f"The stored message {sha256[:12]}… does not match its hash")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
