"""Backups and restores: the restored books reproduce the backed-up audit head, counts, trial balance
and message bytes; a backup taken while a writer posts is consistent; a tampered, truncated or
re-packed archive is refused with the target untouched; books are never replaced without --force;
and on PostgreSQL a schema is dumped and restored into another schema with the same head."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sqlite3
import tarfile
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from adapters.postgres_dump import PgToolError, rename_schema, search_path_schema
from core.settings import load_settings
from memory import audit
from memory.blobs import BlobStore
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from memory.inbox_store import InboxStore
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from memory.schema import Journal as JournalRow
from services.backup import BackupRefused, backup, check_members, read_manifest, restore
from services.intake import MessageIntake
from services.runtime import Runtime
from tests.conftest import TickingClock
from tools.inbox.parsing import MessageLimits
from tools.ledger.model import Journal, cr, dr

INVOICE = (Path(__file__).parents[1] / "tools" / "inbox" / "fixtures" / "invoice_pdf.eml").read_bytes()


def _runtime(home: Path, url: str | None = None) -> Runtime:
    return Runtime(load_settings(home=home, database_url=url), clock=TickingClock())


def _post(runtime: Runtime, n: int, start: int = 0) -> None:
    with unit_of_work(runtime.sessions) as session:
        ledger = LedgerStore(session, runtime.clock, "test")
        for i in range(start, start + n):
            amount = Decimal(100 + i).quantize(Decimal("0.01")) + Decimal("0.25")
            ledger.post(Journal(date(2025, 8, 1) + timedelta(days=i % 300), f"Sale {i}",
                                (dr("1100", amount), cr("4000", amount))))


def company(home: Path, url: str | None = None) -> Runtime:
    """A small company: the chart, a few postings, one recorded invoice email (its bytes in the
    blob store), a payment file, and a SQLite file of its own (as the knowledge base keeps)."""
    runtime = _runtime(home, url)
    upgrade(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        LedgerStore(session, runtime.clock, "test").create_organisation("Backup Test Pty Ltd", "53004085616")
    _post(runtime, 6)
    store = InboxStore(runtime.sessions, runtime.clock, BlobStore(runtime.settings.blob_path))
    MessageIntake(store, MessageLimits()).record(INVOICE, channel="api")
    (home / "payments").mkdir(parents=True)
    (home / "payments" / "payrun-1.aba").write_bytes(b"0                 01CBA       TEST\r\n")
    (home / "knowledge").mkdir()
    kb = sqlite3.connect(home / "knowledge" / "chroma.sqlite3")
    kb.execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body TEXT)")
    kb.execute("INSERT INTO chunks (body) VALUES ('Refunds within 30 days')")
    kb.commit()
    kb.close()
    return runtime


def _tree(home: Path) -> dict[str, bytes]:
    return {p.relative_to(home).as_posix(): p.read_bytes()
            for p in sorted(home.rglob("*")) if p.is_file()} if home.exists() else {}


@pytest.fixture
def source(tmp_path: Path) -> Runtime:
    runtime = company(tmp_path / "source")
    yield runtime
    runtime.engine.dispose()


def test_a_restore_into_an_empty_home_reproduces_the_books(source: Runtime, tmp_path: Path) -> None:
    done = backup(source, tmp_path / "out" / "b.tar.gz")
    with unit_of_work(source.sessions) as session:
        head = audit.verify(session).head_hash
        tb = LedgerStore(session, source.clock, "t").trial_balance()
        raw_sha = session.scalar(select(InboxMessage.raw_sha256))
    assert done.books.head_hash == head and done.books.chain_intact
    assert done.books.counts["journals"] == 6 and done.books.counts["inbox_messages"] == 1
    manifest = read_manifest(done.archive)
    assert set(manifest["members"]) >= {"database/backoffice.sqlite3", "home/payments/payrun-1.aba",
                                        "home/knowledge/chroma.sqlite3"}
    assert not any(name.startswith("home/backups") for name in manifest["members"])
    assert done.archive.stat().st_mode & 0o077 == 0  # not readable by other users

    target = _runtime(tmp_path / "target")
    result = restore(target, done.archive)
    assert result.verified, result.differences
    assert result.restored.head_hash == head
    assert result.restored.trial_balance == {r.code: str(r.balance) for r in tb.rows}
    assert BlobStore(target.settings.blob_path).get(raw_sha) == INVOICE
    assert (tmp_path / "target" / "payments" / "payrun-1.aba").read_bytes().startswith(b"0 ")
    kb = sqlite3.connect(tmp_path / "target" / "knowledge" / "chroma.sqlite3")
    assert kb.execute("SELECT body FROM chunks").fetchall() == [("Refunds within 30 days",)]
    kb.close()
    with unit_of_work(target.sessions) as session:  # one entry appended, after the head matched
        entries = session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())
                                  .limit(1)).all()
        assert entries[0].action == "backup.restored" and entries[0].prev_hash == head
        assert audit.verify(session, expected_head=head).intact
    target.engine.dispose()


def test_a_backup_taken_while_a_writer_posts_is_consistent(source: Runtime, tmp_path: Path) -> None:
    stop, posted, errors = threading.Event(), [0], []

    def writer() -> None:
        try:
            while not stop.is_set():
                _post(source, 1, start=100 + posted[0])
                posted[0] += 1
        except BaseException as exc:  # noqa: BLE001 — surfaced below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while posted[0] < 5:
            stop.wait(0.01)
        archives = [backup(source, tmp_path / f"b{i}.tar.gz") for i in range(3)]
        during = posted[0]
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert during >= 5
    for i, done in enumerate(archives):
        # Each archive's manifest describes its own snapshot: the journal count and audit length move
        # together (one audit entry per posting), and the restore reproduces both.
        books = done.books
        assert books.chain_intact
        assert books.chain_length - books.counts["journals"] == archives[0].books.chain_length \
            - archives[0].books.counts["journals"]
        target = _runtime(tmp_path / f"t{i}")
        result = restore(target, done.archive)
        target.engine.dispose()
        assert result.verified, result.differences
    assert archives[-1].books.counts["journals"] >= archives[0].books.counts["journals"] >= 6 + 5


def _repack(archive: Path, out: Path, change: str) -> None:
    """The same members, one of them changed, with the original manifest."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == change:
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize("damage", ["byte", "truncated", "member", "extra"])
def test_a_tampered_archive_is_refused_and_the_target_untouched(
        source: Runtime, tmp_path: Path, damage: str) -> None:
    done = backup(source, tmp_path / "b.tar.gz")
    bad = tmp_path / "bad.tar.gz"
    raw = done.archive.read_bytes()
    if damage == "byte":      # one byte of the compressed file
        middle = len(raw) // 2
        bad.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1:])
    elif damage == "truncated":
        bad.write_bytes(raw[: len(raw) * 2 // 3])
    elif damage == "member":  # a well-formed archive whose payment file was edited
        _repack(done.archive, bad, "home/payments/payrun-1.aba")
    else:                     # a member the manifest does not list
        data = gzip.decompress(raw)
        with tarfile.open(fileobj=io.BytesIO(data)) as src, tarfile.open(bad, "w:gz") as dst:
            for member in src:
                dst.addfile(member, src.extractfile(member))
            extra = tarfile.TarInfo("home/blobs/planted")
            extra.size = 3
            dst.addfile(extra, io.BytesIO(b"bad"))
    target_home = tmp_path / "target"
    target_home.mkdir()
    (target_home / "README.txt").write_text("keep me")  # a file the refusal must not move
    before = _tree(target_home)
    target = _runtime(target_home)
    with pytest.raises(BackupRefused) as refused:
        restore(target, bad, force=True)
    # Which check trips depends on where the damage lands (a gzip CRC, a tar header that ends the
    # listing before the manifest, a member's sha256); each refuses the whole archive.
    assert refused.value.code in ("archive_tampered", "archive_unreadable", "manifest_missing",
                                  "manifest_unreadable")
    assert _tree(target_home) == before  # no database created, nothing moved aside or left behind
    with pytest.raises(BackupRefused):
        check_members(bad)


def test_books_are_not_replaced_without_force(source: Runtime, tmp_path: Path) -> None:
    done = backup(source, tmp_path / "b.tar.gz")
    other = company(tmp_path / "other")
    _post(other, 3, start=50)
    with unit_of_work(other.sessions) as session:
        other_head = audit.verify(session).head_hash
    before = _tree(tmp_path / "other")
    with pytest.raises(BackupRefused) as refused:
        restore(other, done.archive)
    assert refused.value.code == "target_not_empty"
    assert _tree(tmp_path / "other") == before

    result = restore(other, done.archive, force=True)
    assert result.verified, result.differences
    assert result.restored.head_hash == done.books.head_hash
    # What was replaced is kept, whole: its database still verifies to its own head.
    assert result.replaced is not None
    kept = result.replaced / "database" / "backoffice.db"
    kept_runtime = Runtime(load_settings(home=tmp_path / "x", database_url=f"sqlite:///{kept}"))
    with unit_of_work(kept_runtime.sessions) as session:
        assert audit.verify(session).head_hash == other_head
    kept_runtime.engine.dispose()
    assert (result.replaced / "home" / "payments" / "payrun-1.aba").exists()
    other.engine.dispose()


def test_a_broken_chain_is_backed_up_and_recorded(source: Runtime, tmp_path: Path) -> None:
    with unit_of_work(source.sessions) as session:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    done = backup(source, tmp_path / "b.tar.gz")
    assert not done.books.chain_intact and done.books.chain_break.startswith("row 2")
    target = _runtime(tmp_path / "t")
    result = restore(target, done.archive)
    target.engine.dispose()
    assert not result.verified and result.audit_seq is None  # nothing appended to a broken chain
    assert any("broken" in d for d in result.differences)


def test_a_sqlite_backup_is_not_restored_into_postgresql_and_vice_versa(source: Runtime, tmp_path: Path) -> None:
    done = backup(source, tmp_path / "b.tar.gz")
    manifest = read_manifest(done.archive)
    assert manifest["database"]["kind"] == "sqlite" and manifest["format"] == 1
    pg_target = _runtime(tmp_path / "pg", "postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(BackupRefused) as refused:
        restore(pg_target, done.archive)
    assert refused.value.code == "database_kind_mismatch"


def test_the_archive_is_never_left_half_written(source: Runtime, tmp_path: Path) -> None:
    out = tmp_path / "b.tar.gz"
    backup(source, out)
    with pytest.raises(BackupRefused):
        backup(source, out)  # an existing archive is never overwritten
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".backup-")] == []


# -- PostgreSQL ------------------------------------------------------------------------------------

def test_search_path_and_schema_rename() -> None:
    assert search_path_schema("-csearch_path=t_abc") == "t_abc"
    assert search_path_schema("-c search_path=t_x,public") == "t_x"
    assert search_path_schema("") == "public"
    script = ("CREATE SCHEMA t_src;\nCREATE TABLE t_src.accounts (id integer DEFAULT "
              "nextval('t_src.accounts_id_seq'::regclass));\n"
              "COPY t_src.audit_log (payload) FROM stdin;\n{\"note\":\"t_src.accounts\"}\n\\.\n"
              "ALTER TABLE ONLY t_src.accounts ADD CONSTRAINT pk PRIMARY KEY (id);")
    out = rename_schema(script, "t_src", "t_dst")
    assert "CREATE SCHEMA" not in out
    assert 'CREATE TABLE "t_dst".accounts' in out and "nextval('\"t_dst\".accounts_id_seq'" in out
    assert 'COPY "t_dst".audit_log' in out and '{"note":"t_src.accounts"}' in out  # data untouched
    assert 'ALTER TABLE ONLY "t_dst".accounts' in out


def _schema_url(server_url: str) -> str:
    schema = f"bk_{uuid.uuid4().hex[:10]}"
    base = make_url(server_url)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_postgresql_schema_restored_into_another_schema(postgres_server_url: str, tmp_path: Path) -> None:
    src = company(tmp_path / "source", _schema_url(postgres_server_url))
    done = backup(src, tmp_path / "pg.tar.gz")
    assert done.books.chain_intact and done.books.counts["journals"] == 6
    assert read_manifest(done.archive)["database"]["schema"].startswith("bk_")
    target = _runtime(tmp_path / "target", _schema_url(postgres_server_url))
    result = restore(target, done.archive)
    assert result.verified, result.differences
    assert result.restored.head_hash == done.books.head_hash
    with unit_of_work(target.sessions) as session:  # the restored schema takes new postings
        before = session.scalar(select(func.count()).select_from(JournalRow))
    _post(target, 1, start=500)
    with unit_of_work(target.sessions) as session:
        assert session.scalar(select(func.count()).select_from(JournalRow)) == before + 1
        assert audit.verify(session, expected_head=done.books.head_hash).intact
    # Restoring again over those books needs --force; the replaced schema is dumped first.
    with pytest.raises(BackupRefused):
        restore(target, done.archive)
    again = restore(target, done.archive, force=True)
    assert again.verified and (again.replaced / "database.pgdump").stat().st_size > 0
    src.engine.dispose()
    target.engine.dispose()


@pytest.mark.postgres
def test_a_missing_pg_dump_is_a_typed_refusal(postgres_server_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src = company(tmp_path / "source", _schema_url(postgres_server_url))
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(PgToolError) as missing:
        backup(src, tmp_path / "pg.tar.gz")
    assert missing.value.code == "pg_tool_missing" and not (tmp_path / "pg.tar.gz").exists()
    src.engine.dispose()


def test_manifest_json_is_plain(source: Runtime, tmp_path: Path) -> None:
    done = backup(source, tmp_path / "b.tar.gz")
    with tarfile.open(done.archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    books = manifest["books"]
    assert books["total_debit"] == books["total_credit"] and isinstance(books["total_debit"], str)
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())


def test_a_restore_that_fails_half_way_puts_the_replaced_books_back(
        source: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.backup as service

    done = backup(source, tmp_path / "b.tar.gz")
    other = company(tmp_path / "other")
    _post(other, 2, start=70)
    with unit_of_work(other.sessions) as session:
        other_head = audit.verify(session).head_hash
    before = _tree(tmp_path / "other")

    def disk_full(staged: Path, home: Path, placed: list[Path]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "_move_files_in", disk_full)
    with pytest.raises(OSError):
        restore(other, done.archive, force=True)
    def files(tree: dict[str, bytes]) -> dict[str, bytes]:  # the database is compared by its head
        return {k: v for k, v in tree.items() if not k.startswith(("backups/", "backoffice.db"))}

    assert files(_tree(tmp_path / "other")) == files(before) != {}
    other.engine.dispose()
    with unit_of_work(other.sessions) as session:
        assert audit.verify(session).head_hash == other_head
    other.engine.dispose()
