"""`backoffice inbox …`: record mail from files, the Maildir, SMTP and IMAP. Thin: parse, call the
intake, print one line per message (recorded / duplicate / quarantined (reason) / refused).

"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from api.cli_support import actor, handles_errors
from services.runtime import Runtime
from memory.inbox_store import InboxRecord, InboxStore
from services.intake import MessageIntake, RecordResult
from memory.blobs import BlobStore
from tools.inbox.errors import InboxError
from tools.inbox.parsing import MessageLimits


def _store(ctx: click.Context) -> MessageIntake:
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    settings = runtime.settings
    return MessageIntake(InboxStore(runtime.sessions, runtime.clock, BlobStore(settings.blob_path),
                                    actor=actor()), MessageLimits.from_settings(settings))


def _outcome(result: RecordResult) -> str:
    if result.message.status == "quarantined" and result.created:
        return "quarantined"
    return "recorded" if result.created else "duplicate"


def _row(label: str, result: RecordResult) -> dict[str, Any]:
    m = result.message
    return {"source": label, "result": _outcome(result), "id": m.id, "message_id": m.message_id,
            "status": m.status, "reason": m.quarantine_reason, "subject": m.subject,
            "sender": m.sender,
            "attachments": [d.name for d in result.parsed.documents] if result.parsed else [],
            "warnings": [w.code for w in result.parsed.warnings] if result.parsed else []}


def _line(row: dict[str, Any]) -> str:
    text = f"{row['result']:<11} {row['source']}  #{row['id']} <{row['message_id']}>"
    if row["result"] == "quarantined":
        text += f" ({row['reason']})"
    if row["warnings"]:
        text += f" [warnings: {', '.join(row['warnings'])}]"
    return text


def _emit(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
    else:
        for row in rows:
            click.echo(_line(row))


@click.group()
def inbox() -> None:
    """Incoming mail: import files, scan the Maildir, receive by SMTP, poll IMAP, list."""


@inbox.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
@handles_errors
def inbox_import(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Record FILES: .eml messages as they are; bare PDF, XML and image documents wrapped in a
    message of their own (importing the same document again is recognised as a duplicate).
    Exit 2 if any file is neither."""
    from tools.inbox.imports import is_document, is_email, wrap_document

    store = _store(ctx)
    limit = ctx.obj.settings.max_attachment_bytes
    rows: list[dict[str, Any]] = []
    refused = False
    for path in files:
        data = path.read_bytes()
        if is_email(data, path.name):
            raw = data
        elif is_document(data) and len(data) <= limit:
            raw = wrap_document(data, path.name)
        else:
            refused = True
            why = (f"larger than the {limit:,}-byte attachment limit" if is_document(data)
                   else "not an email (.eml) or a PDF, XML or image document")
            rows.append({"source": str(path), "result": "refused", "reason": why})
            if not as_json:
                click.echo(f"refused     {path}: {why}", err=True)
            continue
        row = _row(str(path), store.record(raw, channel="import"))
        rows.append(row)
        if not as_json:
            click.echo(_line(row))
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
    if refused:
        sys.exit(2)


@inbox.command("scan-maildir")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
@handles_errors
def inbox_scan_maildir(ctx: click.Context, as_json: bool) -> None:
    """Record every unseen message in the Maildir at BACKOFFICE_HOME/mail/inbox, marking each
    seen."""
    from adapters.inbox.maildir import import_maildir

    store = _store(ctx)
    results = import_maildir(ctx.obj.settings.maildir_path, store)
    _emit([_row(r.name, r.result) for r in results], as_json)
    if not as_json:
        click.echo(f"{len(results)} message(s) read from {ctx.obj.settings.maildir_path}")


@inbox.command("serve-smtp")
@click.pass_context
@handles_errors
def inbox_serve_smtp(ctx: click.Context) -> None:
    """Run the SMTP receiver alone (BACKOFFICE_SMTP_HOST:BACKOFFICE_SMTP_PORT, default
    127.0.0.1:2525) until Ctrl-C; each message goes into the Maildir for `scan-maildir`."""
    from adapters.inbox.smtp import serve_smtp

    settings = ctx.obj.settings

    def ready(controller: Any) -> None:
        click.echo(f"receiving mail on {controller.hostname}:{controller.port} into "
                   f"{settings.maildir_path} (Ctrl-C stops)")

    try:
        serve_smtp(settings, on_ready=ready)
    except OSError as exc:
        raise InboxError("smtp_bind_failed", f"Cannot listen on {settings.smtp_host}:"
                         f"{settings.smtp_port}: {exc.strerror or exc}") from None
    click.echo("receiver stopped")


@inbox.command("poll-imap")
@click.option("--once", is_flag=True, help="Poll once and exit (default: every "
              "BACKOFFICE_IMAP_POLL_SECONDS until Ctrl-C).")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the results as JSON.")
@click.pass_context
@handles_errors
def inbox_poll_imap(ctx: click.Context, once: bool, as_json: bool) -> None:
    """Fetch new messages from the IMAP mailbox in BACKOFFICE_IMAP_* settings and record them."""
    from adapters.inbox.imap import ImapPoller

    settings = ctx.obj.settings
    poller = ImapPoller.from_settings(settings, _store(ctx))
    label = f"imap:{poller.account}/{poller.folder}"

    def show(results: list[RecordResult]) -> None:
        for result in results:
            click.echo(_line(_row(f"{label} uid {result.message.uid}", result)))

    if once:
        results = poller.poll_once()
        if as_json:
            _emit([_row(f"{label} uid {r.message.uid}", r) for r in results], True)
        else:
            show(results)
            click.echo(f"{len(results)} new message(s)")
        return
    click.echo(f"polling {label} every {settings.imap_poll_seconds}s (Ctrl-C stops)")
    poller.run(settings.imap_poll_seconds, on_results=show)


@inbox.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--status", type=click.Choice(["received", "processing", "processed", "quarantined"]))
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON.")
@click.pass_context
@handles_errors
def inbox_list(ctx: click.Context, limit: int, status: str | None, as_json: bool) -> None:
    """The most recently received messages, newest first."""
    records = _store(ctx).store.list_recent(limit, status)
    if as_json:
        click.echo(json.dumps([_record(r) for r in records], indent=2, default=str))
        return
    for r in records:
        extra = f" ({r.quarantine_reason})" if r.quarantine_reason else (
            f" → {r.outcome}" if r.outcome else "")
        click.echo(f"#{r.id:<5} {r.received_at:%Y-%m-%d %H:%M} {r.channel:<7} {r.status:<11} "
                   f"{(r.sender or '-'):<32} {r.subject[:60]}{extra}")


def _record(r: InboxRecord) -> dict[str, Any]:
    return {"id": r.id, "message_id": r.message_id, "received_at": r.received_at.isoformat(),
            "channel": r.channel, "status": r.status, "outcome": r.outcome,
            "quarantine_reason": r.quarantine_reason, "subject": r.subject, "sender": r.sender,
            "size": r.size, "raw_sha256": r.raw_sha256, "body_hash": r.body_hash,
            "imap": None if r.imap_account is None else
            {"account": r.imap_account, "uidvalidity": r.uidvalidity, "uid": r.uid}}
