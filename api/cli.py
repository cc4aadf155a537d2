"""The `backoffice` command line. Commands are thin: they parse, call stores, and print."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from core.settings import load_settings
from api.cli_support import actor, fail, handles_errors
from services.runtime import Runtime
from memory import audit
from memory.contacts_store import ContactsStore
from memory.db import unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=lambda v: str(v) if isinstance(v, Decimal)
                          else v.isoformat() if isinstance(v, date) else repr(v)))


def _runtime(ctx: click.Context, *, migrated: bool = True) -> Runtime:
    runtime: Runtime = ctx.obj
    if migrated:
        runtime.require_migrated()
    return runtime


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Backoffice: an AI back office for Australian SMEs.

    Settings come from BACKOFFICE_* environment variables (and .env): BACKOFFICE_HOME is the data
    directory (default ./.backoffice), BACKOFFICE_DATABASE_URL the database (default SQLite there).
    """
    ctx.obj = Runtime(load_settings())


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.pass_context
@handles_errors
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the database schema to the current version."""
    from agent.checkpointer import open_checkpointer

    runtime = _runtime(ctx, migrated=False)
    upgrade(runtime.engine)
    with open_checkpointer(runtime.settings.resolved_database_url):  # the agent's checkpoint tables
        pass
    click.echo(f"database is at the current schema: "
               f"{runtime.engine.url.render_as_string(hide_password=True)}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
@handles_errors
def demo(ctx: click.Context, as_json: bool) -> None:
    """(Re)build the demo company in BACKOFFICE_HOME, offline and deterministically."""
    from demo.build import build_demo

    settings = ctx.obj.settings
    summary = build_demo(settings)
    if as_json:
        _emit_json(summary.as_dict())
    else:
        click.echo(summary.as_text())


@cli.group()
def org() -> None:
    """The organisation whose books these are."""


@org.command("create")
@click.argument("name")
@click.option("--abn", help="The organisation's ABN (11 digits, spaces allowed).")
@click.option("--gst/--no-gst", "gst_registered", default=True, help="Registered for GST.")
@click.option("--state", type=click.Choice(["NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"]))
@click.pass_context
@handles_errors
def org_create(ctx: click.Context, name: str, abn: str | None, gst_registered: bool,
               state: str | None) -> None:
    """Set up the books: the organisation, the standard chart of accounts and tax codes."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        LedgerStore(session, runtime.clock, actor()).create_organisation(
            name, abn, gst_registered=gst_registered, state=state)
    click.echo(f"organisation created: {name}")


@org.command("show")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def org_show(ctx: click.Context, as_json: bool) -> None:
    """The organisation's details and lock date."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        o = LedgerStore(session, runtime.clock, actor()).organisation()
        data = {"name": o.name, "abn": o.abn, "gst_registered": o.gst_registered, "state": o.state,
                "financial_year_start_month": o.financial_year_start_month, "lock_date": o.lock_date}
    if as_json:
        _emit_json(data)
    else:
        for key, value in data.items():
            click.echo(f"{key:<28} {value if value is not None else ''}")


@cli.group()
def ledger() -> None:
    """The general ledger: accounts, journals, trial balance, lock date."""


@ledger.command("accounts")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def ledger_accounts(ctx: click.Context, as_json: bool) -> None:
    """The chart of accounts."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        accounts = LedgerStore(session, runtime.clock, actor()).accounts().values()
    rows = [{"code": a.code, "name": a.name, "type": a.type, "subtype": a.subtype,
             "tax_code": a.tax_code, "role": a.role, "active": a.active} for a in accounts]
    if as_json:
        _emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['code']:<6} {r['name']:<50} {r['type']:<10} {r['tax_code'] or '':<4} "
                   f"{r['role'] or ''}")


@ledger.command("trial-balance")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Include journals up to this date.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def ledger_trial_balance(ctx: click.Context, as_of: Any, as_json: bool) -> None:
    """One row per account with its debit or credit balance; the totals agree."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        tb = LedgerStore(session, runtime.clock, actor()).trial_balance(as_of.date() if as_of else None)
    rows = [{"code": r.code, "name": r.name, "type": r.type, "debit": r.debit, "credit": r.credit,
             "balance": r.balance} for r in tb.rows]
    if as_json:
        _emit_json({"as_of": tb.as_of, "rows": rows, "total_debit": tb.total_debit,
                    "total_credit": tb.total_credit, "balanced": tb.balanced})
        return
    click.echo(f"Trial balance{f' as of {tb.as_of}' if tb.as_of else ''}")
    click.echo(f"{'Code':<6} {'Account':<50} {'Debit':>15} {'Credit':>15}")
    for r in tb.rows:
        if r.debit or r.credit:
            click.echo(f"{r.code:<6} {r.name:<50} {r.debit:>15,.2f} {r.credit:>15,.2f}")
    click.echo(f"{'':<6} {'Total':<50} {tb.total_debit:>15,.2f} {tb.total_credit:>15,.2f}")


@ledger.command("journal")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def ledger_journal(ctx: click.Context, date_from: Any, date_to: Any, as_json: bool) -> None:
    """Posted journals with their lines, oldest first."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        journals = LedgerStore(session, runtime.clock, actor()).journals(
            date_from.date() if date_from else None, date_to.date() if date_to else None)
    data = [{"id": jid, "date": j.date, "narration": j.narration, "source_type": j.source_type,
             "source_ref": j.source_ref, "reverses_journal_id": j.reverses_journal_id,
             "lines": [{"account": ln.account_code, "description": ln.description,
                        "debit": ln.debit, "credit": ln.credit, "tax_code": ln.tax_code}
                       for ln in j.lines]} for jid, j in journals]
    if as_json:
        _emit_json(data)
        return
    for j in data:
        click.echo(f"#{j['id']} {j['date']} {j['narration']}")
        for ln in j["lines"]:
            click.echo(f"    {ln['account']:<6} {ln['debit'] or '':>12} {ln['credit'] or '':>12}  "
                       f"{ln['description']}")


@ledger.command("lock")
@click.argument("lock_date", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--reason", default="", help="Why the lock date moves (kept in the audit log).")
@click.pass_context
@handles_errors
def ledger_lock(ctx: click.Context, lock_date: Any, reason: str) -> None:
    """Lock the books up to and including LOCK_DATE (YYYY-MM-DD)."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        LedgerStore(session, runtime.clock, actor()).set_lock_date(lock_date.date(), reason)
    click.echo(f"books locked up to {lock_date.date()}")


@cli.group()
def suppliers() -> None:
    """Supplier master data."""


@suppliers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def suppliers_import(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Upsert suppliers by ABN from a JSON list of
    {name, abn, email, bsb, account_number, account_name?, address?, payment_terms_days?,
    default_account?, established?}. `default_account` is the account the supplier's bill lines
    go to when nothing more specific is known; `established: true` marks a supplier the business
    already trades with (moving in from another system), so its first bill here is not held as a
    new supplier's. Nothing is written unless every record is valid."""
    runtime = _runtime(ctx)
    try:
        records = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{file} is not valid JSON: {exc}", 2)
    if not isinstance(records, list):
        fail(f"{file} must hold a JSON list of suppliers", 2)
    with unit_of_work(runtime.sessions) as session:
        result = ContactsStore(session, runtime.clock, actor()).import_suppliers(records)
    summary = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    if as_json:
        _emit_json(summary)
    else:
        click.echo(f"{len(result.created)} created, {len(result.updated)} updated, "
                   f"{len(result.unchanged)} unchanged")


@suppliers.command("layouts")
@click.argument("abn")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def suppliers_layouts(ctx: click.Context, abn: str, as_json: bool) -> None:
    """What approvers' corrections taught about ABN's documents: every version of its learned
    layout (where each header field sits, which account each kind of line goes to), who taught it
    and when, and the lessons the backtest refused or that taught nothing new."""
    from memory import layouts_store

    digits = "".join(ch for ch in abn if ch.isdigit())
    if len(digits) != 11:
        fail(f"{abn!r} is not an ABN (11 digits)", 2)
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        lessons = layouts_store.lessons(session, digits)
    versions = [x.version for x in lessons if x.version is not None]
    data = {"supplier_abn": digits, "current_version": max(versions) if versions else None,
            "lessons": [x.as_dict() for x in lessons]}
    if as_json:
        _emit_json(data)
        return
    if not lessons:
        click.echo(f"nothing learned for {digits} yet")
    for x in lessons:
        what = f"version {x.version}" if x.version is not None else x.outcome
        click.echo(f"{x.created_at:%Y-%m-%d %H:%M}  {what:<12} approval {x.approval_id}  by {x.taught_by}")
        for a in x.layout.anchors if x.layout else ():
            click.echo(f"    {a.field:<15} {a.position.replace('_', ' '):<9} '{a.label}'")
        for key, account in x.layout.line_accounts if x.layout else ():
            click.echo(f"    lines '{key}' -> {account}")
        for r in x.lesson.get("refused", []):
            click.echo(f"    refused {r['rule']}: {r['message']}")


@cli.group("audit")
def audit_group() -> None:
    """The append-only, hash-chained audit log."""


@audit_group.command("verify")
@click.option("--expect-head", help="A head hash recorded earlier; it must still be on the chain.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def audit_verify(ctx: click.Context, expect_head: str | None, as_json: bool) -> None:
    """Check the audit chain; exit 1 naming the first bad row."""
    runtime = _runtime(ctx)
    with unit_of_work(runtime.sessions) as session:
        report = audit.verify(session, expect_head)
    if as_json:
        _emit_json({"intact": report.intact, "rows_checked": report.rows_checked,
                    "head_hash": report.head_hash, "first_bad_seq": report.first_bad_seq,
                    "reason": report.reason})
    elif report.intact:
        click.echo(f"audit log intact: {report.rows_checked} rows, head {report.head_hash}")
    else:
        click.echo(f"audit log BROKEN at row {report.first_bad_seq}: {report.reason}", err=True)
    if not report.intact:
        sys.exit(1)


def _register_groups() -> None:
    # Command groups that live in their own modules, so this file stays readable.
    from api.cli_ap import apikey, approvals, serve, worker
    from api.cli_ask import ask
    from api.cli_backup import backup_group, restore_command
    from api.cli_bank import bank
    from api.cli_kb import kb
    from api.cli_eval import eval_group
    from api.cli_extract import extract
    from api.cli_export import export
    from api.cli_import import import_group
    from api.cli_inbox import inbox
    from api.cli_pay import pay
    from api.cli_payroll import payroll
    from api.cli_report import report
    from api.cli_status import status

    cli.add_command(inbox)
    cli.add_command(extract)
    cli.add_command(payroll)
    cli.add_command(eval_group)
    cli.add_command(report)
    for command in (apikey, approvals, worker, serve, ask, kb, bank, import_group, export, pay,
                    status):
        cli.add_command(command)
    cli.add_command(backup_group)
    cli.add_command(restore_command)


_register_groups()


def main() -> None:
    cli(prog_name="backoffice")
