"""`backoffice backup` / `backup verify` / `restore`: thin, over services.backup.

Exit codes: 0 done (and verified), 1 a check failed (the source's audit chain is broken, or the
restored books do not reproduce the manifest), 2 refused (tampered archive, occupied target, a
missing pg_dump), 3 the source database is not migrated.
"""

from __future__ import annotations

import json
import sys
import tempfile
from functools import wraps
from pathlib import Path
from typing import Any

import click

from adapters.postgres_dump import PgToolError
from api.cli_support import actor, fail, handles_errors
from core.settings import load_settings
from services.backup import (
    BackupRefused,
    BackupResult,
    RestoreResult,
    backup,
    check_members,
    read_manifest,
    restore,
)
from services.runtime import Runtime

SUMMARY_COUNTS = ("journals", "journal_lines", "bills", "inbox_messages", "payments", "audit_log")


def refusals(command: Any) -> Any:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (BackupRefused, PgToolError) as exc:
            fail(f"{exc.message} [{exc.code}]", 2)
    return wrapper


def _emit(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _backup_dict(done: BackupResult) -> dict[str, object]:
    books = done.books
    return {"archive": str(done.archive), "sha256": done.sha256, "bytes": done.size,
            "seconds": round(done.seconds, 3), "created_at": done.manifest["created_at"],
            "database": done.manifest["database"], "members": len(done.manifest["members"]),  # type: ignore[arg-type]
            "chain_intact": books.chain_intact, "chain_length": books.chain_length,
            "head_hash": books.head_hash, "chain_break": books.chain_break,
            "counts": books.counts, "total_debit": books.total_debit,
            "total_credit": books.total_credit, "blobs_missing": list(books.blobs_missing)}


def _restore_dict(done: RestoreResult) -> dict[str, object]:
    books = done.restored
    return {"archive": str(done.archive), "verified": done.verified,
            "differences": done.differences, "head_hash": books.head_hash,
            "expected_head_hash": done.manifest["books"]["head_hash"],  # type: ignore[index]
            "chain_length": books.chain_length, "counts": books.counts,
            "total_debit": books.total_debit, "total_credit": books.total_credit,
            "files": done.files, "replaced": str(done.replaced) if done.replaced else None,
            "audit_seq": done.audit_seq, "seconds": round(done.seconds, 3),
            "backed_up_at": done.manifest["created_at"]}


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(name, 0)} {name}" for name in SUMMARY_COUNTS)


@click.group("backup", invoke_without_command=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write. Default: HOME/backups/backoffice-YYYYMMDDTHHMMSSZ.tar.gz")
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
@click.pass_context
@handles_errors
@refusals
def backup_group(ctx: click.Context, out: Path | None, as_json: bool) -> None:
    """Back up the books: the database (SQLite's online backup, or pg_dump), the files under
    BACKOFFICE_HOME (every message's bytes, the knowledge base, payment files...) and a manifest
    (audit head hash, row counts, trial balance, each member's sha256) in one .tar.gz. Safe while
    the worker runs. Exit 1 if the audit chain is broken (the archive is still written)."""
    if ctx.invoked_subcommand is not None:
        return
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    done = backup(runtime, out)
    books = done.books
    if as_json:
        _emit(_backup_dict(done))
    else:
        click.echo(f"backup written: {done.archive} ({done.size:,} bytes, "
                   f"{len(done.manifest['members'])} members, {done.seconds:.1f} s)")  # type: ignore[arg-type]
        click.echo(f"sha256 {done.sha256}")
        click.echo(f"audit chain: {books.chain_length} rows, head {books.head_hash}")
        click.echo(f"books: {_counts_line(books.counts)}; trial balance {books.total_debit} Dr "
                   f"= {books.total_credit} Cr")
        if books.blobs_missing:
            click.echo(f"warning: {len(books.blobs_missing)} messages' bytes were missing", err=True)
    if not books.chain_intact:
        click.echo(f"audit log BROKEN at {books.chain_break} (recorded in the manifest)", err=True)
        sys.exit(1)


@backup_group.command("verify")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@handles_errors
@refusals
def backup_verify(archive: Path, as_json: bool) -> None:
    """Restore a SQLite backup into a temporary home and check it reproduces the manifest (audit
    head, counts, trial balance, message bytes), changing nothing here. A PostgreSQL backup's
    members are checked against their sha256 (a full check needs `restore` into a spare schema)."""
    manifest = read_manifest(archive)
    kind = manifest["database"]["kind"]  # type: ignore[index]
    with tempfile.TemporaryDirectory(prefix="backoffice-verify-") as scratch:
        if kind == "sqlite":
            runtime = Runtime(load_settings(home=Path(scratch) / "home", database_url=None))
            done = restore(runtime, archive, actor=actor())
            runtime.engine.dispose()
            data = _restore_dict(done) | {"replaced": None, "audit_seq": None, "kind": kind}
        else:
            files = check_members(archive)  # no PostgreSQL to spare here
            data = {"archive": str(archive), "verified": True, "kind": kind, "members": files,
                    "differences": [], "checked": "members' sha256 only",
                    "expected_head_hash": manifest["books"]["head_hash"]}  # type: ignore[index]
    if as_json:
        _emit(data)
    elif data["verified"]:
        click.echo(f"backup verified: {archive} reproduces head {data['expected_head_hash']}"
                   + (" (members' sha256 only)" if kind != "sqlite" else ""))
    else:
        for line in data["differences"]:  # type: ignore[attr-defined]
            click.echo(f"mismatch: {line}", err=True)
    if not data["verified"]:
        sys.exit(1)


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace books already there (kept under "
              "HOME/backups/replaced-<time>/).")
@click.option("--json", "as_json", is_flag=True, help="The result as JSON.")
@click.pass_context
@handles_errors
@refusals
def restore_command(ctx: click.Context, archive: Path, force: bool, as_json: bool) -> None:
    """Restore a backup into BACKOFFICE_HOME / BACKOFFICE_DATABASE_URL and verify it: every
    member's sha256 first (a tampered archive changes nothing), then the audit chain intact with
    the manifest's head hash, the row counts and the trial balance. Refused when the target holds
    books, unless --force. Stop the server and workers first. Exit 1 if verification fails."""
    runtime: Runtime = ctx.obj
    done = restore(runtime, archive, force=force, actor=actor())
    if as_json:
        _emit(_restore_dict(done))
    elif done.verified:
        books = done.restored
        click.echo(f"restored {archive} (backed up {done.manifest['created_at']}): "
                   f"{done.files} files, {done.seconds:.1f} s")
        click.echo(f"verified: audit head {books.head_hash} ({books.chain_length} rows) as backed up; "
                   f"{_counts_line(books.counts)}; trial balance {books.total_debit} Dr = "
                   f"{books.total_credit} Cr")
        click.echo(f"recorded as audit entry {done.audit_seq} (backup.restored)")
    if done.replaced and not as_json:
        click.echo(f"what was replaced is kept in {done.replaced}", err=True)
    if not done.verified:
        if not as_json:
            click.echo("restore NOT verified:", err=True)
            for line in done.differences:
                click.echo(f"  {line}", err=True)
        sys.exit(1)
