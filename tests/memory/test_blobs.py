"""The content-addressed blob store: idempotent, atomic, verified on read, never a traversal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from memory.blobs import BlobStore
from tools.inbox.errors import InboxError


def test_bytes_are_stored_under_their_hash_and_read_back(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(b"hello")
    assert digest == hashlib.sha256(b"hello").hexdigest()
    path = tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == b"hello"
    assert store.get(digest) == b"hello" and store.exists(digest)


def test_putting_the_same_bytes_twice_is_a_no_op_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = store.put(b"x" * 10_000)
    mtime = store.path(first).stat().st_mtime_ns
    assert store.put(b"x" * 10_000) == first
    assert store.path(first).stat().st_mtime_ns == mtime
    assert [p.name for p in store.path(first).parent.iterdir()] == [first]


def test_a_truncated_blob_is_rewritten_and_a_corrupt_one_is_reported(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"complete message")
    store.path(digest).write_bytes(b"comp")          # e.g. a copy cut short
    assert store.put(b"complete message") == digest  # size differs: written again
    assert store.get(digest) == b"complete message"
    store.path(digest).write_bytes(b"tampered bytes!!")
    with pytest.raises(InboxError) as info:
        store.get(digest)
    assert info.value.code == "blob_corrupt"


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab" * 31, "G" * 64, ""])
def test_only_sha256_hex_names_are_accepted(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InboxError) as info:
        BlobStore(tmp_path).path(bad)
    assert info.value.code == "bad_blob_id"


def test_a_missing_blob_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(InboxError) as info:
        BlobStore(tmp_path).get("0" * 64)
    assert info.value.code == "blob_missing"
