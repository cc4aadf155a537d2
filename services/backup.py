"""Backups: one .tar.gz holding the database, the files under BACKOFFICE_HOME the books need, and a
manifest that says what the restored books must look like; and the restore that checks it.

Consistency. SQLite is copied with its online backup API (a snapshot, while workers write);
PostgreSQL is dumped by `pg_dump --snapshot` of a REPEATABLE READ transaction. The manifest's
fingerprint (memory.backup_queries: audit head and length, row counts, trial balance) is read from
that same snapshot, so it describes exactly the archived database. The files are copied after the
database: message bytes are stored before their rows (ARCHITECTURE.md §4.1), so every blob the
snapshot names is in the archive. Other SQLite files under HOME (the knowledge base's chromadb)
are snapshotted the same way.

A broken audit chain is backed up all the same (a copy of damaged books is evidence, and refusing
would leave none); the manifest records the break and `backup` exits 1 so it is not missed.

Restore checks every member's size and sha256 against the manifest before it touches anything,
replaces the database and HOME's files, then reads the fingerprint again from what it restored:
the head hash must be the manifest's. Nothing is appended to the chain before that check; after
it passes, one `backup.restored` entry records the restore. A restore over books (`force`) first
moves what it replaces into HOME/backups/replaced-<time>/ (PostgreSQL: a pg_dump of the schema).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from adapters import postgres_dump as pg
from memory import audit
from memory.backup_queries import Fingerprint, fingerprint, holds_books, schema_revision
from memory.blobs import BlobStore
from memory.db import read_only, unit_of_work
from services.runtime import Runtime

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/backoffice.sqlite3", "postgresql": "database/backoffice.pgdump"}
SKIP_DIRS = ("backups",)              # top-level folders of HOME never archived
SQLITE_HEADER = b"SQLite format 3\x00"
CHUNK = 1 << 20


class BackupRefused(Exception):
    """Refused input (exit 2): a missing tool, an unreadable or tampered archive, occupied target."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    sha256: str                 # of the archive file itself: keep it elsewhere to prove the copy
    size: int
    manifest: dict[str, object]
    seconds: float

    @property
    def books(self) -> Fingerprint:
        return Fingerprint.from_dict(self.manifest["books"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class RestoreResult:
    archive: Path
    manifest: dict[str, object]
    restored: Fingerprint
    differences: list[str]
    replaced: Path | None       # where what the restore replaced was kept
    files: int
    audit_seq: int | None       # the backup.restored entry appended after verification
    seconds: float

    @property
    def verified(self) -> bool:
        return not self.differences


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _kind(runtime: Runtime) -> str:
    """The database's kind, read from its URL: no engine yet (making one creates folders)."""
    return make_url(runtime.settings.resolved_database_url).get_backend_name()


def _sqlite_path(runtime: Runtime) -> Path | None:
    url = make_url(runtime.settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()  # type: ignore[arg-type]


def default_archive(home: Path, at: datetime) -> Path:
    return home / "backups" / f"backoffice-{at:%Y%m%dT%H%M%SZ}.tar.gz"


# -- backup ----------------------------------------------------------------------------------------

def backup(runtime: Runtime, out: Path | None = None) -> BackupResult:
    started, at = datetime.now(UTC), _now()
    settings, kind = runtime.settings, _kind(runtime)
    home = settings.home.resolve()
    out = (out or default_archive(home, at)).resolve()
    if out.exists():
        raise BackupRefused("archive_exists", f"{out} already exists; choose another --out")
    if kind not in DB_MEMBER:
        raise BackupRefused("unsupported_database", f"cannot back up a {kind} database")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as scratch:
        dump = Path(scratch) / "db"
        books, extra = _snapshot_database(runtime, dump)
        partial = Path(scratch) / out.name
        members: dict[str, dict[str, object]] = {}
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            members[DB_MEMBER[kind]] = _add(tar, DB_MEMBER[kind], dump)
            for name, path in _home_files(home, runtime, skip={out}):
                members[name] = _add_home_file(tar, name, path, Path(scratch))
            manifest = {
                "format": FORMAT, "created_at": at.isoformat(), "app": "backoffice",
                "database": {"kind": kind, **extra}, "books": books.as_dict(),
                "members": members,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(at.timestamp())
            tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)  # bank details, payroll and key hashes: the owner's eyes only
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        digest, size = _sha256_file(partial)
        os.replace(partial, out)  # the archive appears whole or not at all
    return BackupResult(out, digest, size, manifest, (datetime.now(UTC) - started).total_seconds())


def _snapshot_database(runtime: Runtime, dump: Path) -> tuple[Fingerprint, dict[str, object]]:
    blobs = BlobStore(runtime.settings.blob_path)
    if _kind(runtime) == "sqlite":
        _sqlite_snapshot(_sqlite_path(runtime), dump)  # type: ignore[arg-type]
        with _sqlite_reader(dump) as session:
            return fingerprint(session, blobs), {"alembic_revision": schema_revision(session)}
    target = pg.pg_target(runtime.settings.resolved_database_url)
    pg.tool("pg_dump")  # before opening the snapshot: a missing tool is refused input
    with runtime.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            with Session(bind=connection) as session:
                books, revision = fingerprint(session, blobs), schema_revision(session)
            pg.dump_schema(target, dump, snapshot=snapshot)  # the snapshot is held open meanwhile
    return books, {"alembic_revision": revision, "schema": target.schema}


def _sqlite_snapshot(source: Path, dump: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(dump)
    try:
        src.backup(dst)                          # one step: a consistent snapshot, WAL included
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        src.close()
        dst.close()


@contextmanager
def _sqlite_reader(path: Path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true")
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _home_files(home: Path, runtime: Runtime, skip: set[Path]) -> Iterator[tuple[str, Path]]:
    """Every regular file under HOME the books need, as (member name, path), in a stable order:
    not the live database, backups/, temporary files, locks or symlinks."""
    live = set(_live_sqlite_files(runtime))
    if not home.is_dir():
        return
    for root, dirs, files in os.walk(home):
        base = Path(root)
        dirs[:] = sorted(d for d in dirs if not _skipped_dir(home, base / d))
        for name in sorted(files):
            path = base / name
            if path in live or path.resolve() in skip or _transient(path) or path.is_symlink() \
                    or not path.is_file():
                continue
            yield "home/" + path.relative_to(home).as_posix(), path


def _skipped_dir(home: Path, path: Path) -> bool:
    return (path.parent == home and path.name in SKIP_DIRS) or path.name.startswith(
        (".restore-", ".backup-")) or path.is_symlink()


def _transient(path: Path) -> bool:
    """Temporary files (dot-files: BlobStore's .tmp-*, atomic writes), locks, and the journals of
    SQLite files (those are snapshotted whole)."""
    name = path.name
    if name.startswith(".") or name.endswith((".lock", ".tmp")):
        return True
    for suffix in ("-wal", "-shm", "-journal"):
        if name.endswith(suffix) and path.with_name(name[: -len(suffix)]).exists():
            return True
    return False


def _live_sqlite_files(runtime: Runtime) -> list[Path]:
    db = _sqlite_path(runtime)
    return [] if db is None else [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, object]:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        reader = _HashingReader(handle)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(path.stat().st_mtime), 0o600
        tar.addfile(info, reader)
    return {"size": size, "sha256": reader.hexdigest()}


def _add_home_file(tar: tarfile.TarFile, name: str, path: Path, scratch: Path) -> dict[str, object]:
    with open(path, "rb") as handle:
        is_sqlite = handle.read(16) == SQLITE_HEADER
    if not is_sqlite:
        return _add(tar, name, path)
    copy = scratch / "sqlite-member"   # e.g. the knowledge base: copied as a snapshot, not raw
    copy.unlink(missing_ok=True)
    _sqlite_snapshot(path, copy)
    try:
        return _add(tar, name, copy)
    finally:
        copy.unlink(missing_ok=True)


class _HashingReader:
    """A file tarfile reads from, hashing what it reads (so the manifest hashes the very bytes
    archived, even when a file changes while it is copied)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.hash = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- restore ---------------------------------------------------------------------------------------

def read_manifest(archive: Path) -> dict[str, object]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            return _manifest(tar)
    except (OSError, tarfile.TarError, zlib.error, EOFError) as exc:
        raise BackupRefused("archive_unreadable", f"{archive} is not a readable backup: {exc}") from None


def _manifest(tar: tarfile.TarFile) -> dict[str, object]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupRefused("manifest_missing", "the archive has no manifest.json") from None
    handle = tar.extractfile(member)
    try:
        manifest = json.loads(handle.read()) if handle else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused("manifest_unreadable",
                            f"manifest.json is not a Backoffice backup manifest of format {FORMAT}")
    return manifest


def check_members(archive: Path) -> int:
    """Every member's size and sha256 against the manifest (into a scratch folder, then gone)."""
    manifest = read_manifest(archive)
    with tempfile.TemporaryDirectory(prefix="backoffice-check-") as scratch:
        return _extract_verified(archive, manifest, Path(scratch))


def restore(runtime: Runtime, archive: Path, *, force: bool = False,
            actor: str = "backup") -> RestoreResult:
    started = datetime.now(UTC)
    settings, kind = runtime.settings, _kind(runtime)
    home = settings.home.resolve()
    manifest = read_manifest(archive)
    source_kind = manifest["database"]["kind"]  # type: ignore[index]
    if source_kind != kind:
        raise BackupRefused("database_kind_mismatch",
                            f"the archive holds a {source_kind} database and the target is {kind}; "
                            "restore it into the same kind of database")
    occupied = _occupants(runtime, home)
    if occupied and not force:
        raise BackupRefused("target_not_empty", "the target already holds " + ", ".join(occupied)
                            + "; restore elsewhere, or pass --force to replace them (what is "
                            "replaced is kept under HOME/backups/replaced-<time>/)")
    created_home = not home.exists()
    home.mkdir(parents=True, exist_ok=True)
    if kind == "postgresql":
        for name in ("pg_dump", "pg_restore", "psql"):  # missing tools refuse before any change
            pg.tool(name)
    staging = home / f".restore-{secrets.token_hex(4)}"
    moved: list[tuple[Path, Path]] = []   # (where it was, where it is kept)
    placed: list[Path] = []
    replaced = None
    try:
        try:
            files = _extract_verified(archive, manifest, staging)
        except BackupRefused:
            shutil.rmtree(staging, ignore_errors=True)
            if created_home:
                home.rmdir()  # refused: not even the folder is left behind
            raise
        runtime.engine.dispose()
        try:
            replaced = _set_aside(runtime, home, moved) if occupied else None
            _restore_database(runtime, manifest, staging, placed)
            _move_files_in(staging / "home", home, placed)
        except BaseException:
            runtime.engine.dispose()
            _put_back(moved, placed)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    count = len(placed) - (kind == "sqlite")  # the files, not the SQLite database placed first
    runtime.engine.dispose()
    expected = Fingerprint.from_dict(manifest["books"])  # type: ignore[arg-type]
    with read_only(runtime.sessions) as session:
        restored = fingerprint(session, BlobStore(settings.blob_path))
    differences = expected.differences(restored)
    seq = None
    if not differences:  # only now may the chain grow: it reproduced the backed-up head first
        with unit_of_work(runtime.sessions) as session:
            seq = audit.append(session, runtime.clock, actor=actor, action="backup.restored",
                               entity_type="backup", entity_id=archive.name, payload={
                                   "created_at": manifest["created_at"],
                                   "head_hash": restored.head_hash,
                                   "chain_length": restored.chain_length, "files": files,
                                   "replaced": str(replaced) if replaced else None}).seq
    return RestoreResult(archive, manifest, restored, differences, replaced, count, seq,
                         (datetime.now(UTC) - started).total_seconds())


def _occupants(runtime: Runtime, home: Path) -> list[str]:
    found = []
    db = _sqlite_path(runtime)
    try:
        if db is not None and not db.exists():
            raise FileNotFoundError(db)  # nothing there; connecting would create an empty file
        with read_only(runtime.sessions) as session:
            if holds_books(session):
                found.append("books in the database")
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 — an unreadable target is not empty either
        found.append("a database that cannot be read")
    files = sum(1 for _ in _home_files(home, runtime, skip=set()))
    if files:
        found.append(f"{files} files in {home}")
    return found


def _extract_verified(archive: Path, manifest: dict[str, object], staging: Path) -> int:
    """Every member into `staging`, each checked against the manifest; any doubt refuses all."""
    expected: dict[str, dict[str, object]] = manifest["members"]  # type: ignore[assignment]
    seen: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                want = expected.get(member.name)
                if want is None or not member.isfile() or not _safe_name(member.name):
                    raise BackupRefused("archive_tampered",
                                        f"{member.name!r} is not a member the manifest lists")
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                digest, size = hashlib.sha256(), 0
                with open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if size != want["size"] or digest.hexdigest() != want["sha256"]:
                    raise BackupRefused("archive_tampered",
                                        f"{member.name} does not match its sha256 in the manifest")
                seen.add(member.name)
    except (OSError, tarfile.TarError, zlib.error, EOFError) as exc:
        raise BackupRefused("archive_unreadable",
                            f"{archive} is damaged or truncated ({exc}); nothing was restored") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupRefused("archive_tampered", f"{len(missing)} members the manifest lists are "
                            f"missing from the archive, e.g. {missing[0]}")
    return len(seen)


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts \
        and parts[0] in ("database", "home")


def _set_aside(runtime: Runtime, home: Path, moved: list[tuple[Path, Path]]) -> Path:
    """Move what the restore replaces out of the way, kept: the database (PostgreSQL: dumped,
    first, so a failing dump changes nothing), then HOME's files. `moved` lists each move."""
    keep = home / "backups" / f"replaced-{_now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
    keep.mkdir(parents=True)
    if _kind(runtime) != "sqlite":
        pg.dump_schema(pg.pg_target(runtime.settings.resolved_database_url), keep / "database.pgdump")
    pending = [(path, keep / "database" / path.name)
               for path in _live_sqlite_files(runtime) if path.exists()]
    pending += [(path, keep / name) for name, path in _home_files(home, runtime, skip=set())]
    for path, dest in pending:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, dest)
        moved.append((path, dest))
    return keep


def _put_back(moved: list[tuple[Path, Path]], placed: list[Path]) -> None:
    """A restore that failed half way: remove what it placed, return what it moved aside."""
    for path in placed:
        path.unlink(missing_ok=True)
    for original, kept in reversed(moved):
        original.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(kept, original)


def _restore_database(runtime: Runtime, manifest: dict[str, object], staging: Path,
                      placed: list[Path]) -> None:
    kind = _kind(runtime)
    staged = staging / DB_MEMBER[kind]
    if kind == "sqlite":
        db = _sqlite_path(runtime)
        assert db is not None
        db.parent.mkdir(parents=True, exist_ok=True)
        for path in _live_sqlite_files(runtime):  # an empty database's files (no books in it)
            path.unlink(missing_ok=True)
        shutil.move(staged, db)
        placed.append(db)
        return
    source_schema = str(manifest["database"].get("schema") or "public")  # type: ignore[union-attr]
    pg.restore_schema(staged, source_schema, pg.pg_target(runtime.settings.resolved_database_url))


def _move_files_in(staged: Path, home: Path, placed: list[Path]) -> None:
    if not staged.is_dir():
        return
    for root, _dirs, files in os.walk(staged):
        for name in files:
            path = Path(root) / name
            dest = home / path.relative_to(staged)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
            placed.append(dest)
