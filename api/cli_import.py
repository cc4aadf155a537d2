"""`backoffice import xero|myob FILE...`: the books of a business moving in from Xero or MYOB
AccountRight. Thin: read the paths, call services.books_import, print the plan.

Exit codes: 0 imported (or nothing to change), 2 refused (every problem printed with its file and
row; nothing was written), 3 database not migrated.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from api.cli_support import actor, handles_errors
from services.books_import import ImportOutcome, import_books, summary
from services.runtime import Runtime
from tools.imports.model import ImportRefused

_FILES = click.argument("files", nargs=-1, required=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path))
_AS_AT = click.option("--as-at", "as_at", type=click.DateTime(["%Y-%m-%d"]),
                      help="The date the opening balances are as at (the day before the first "
                           "imported bill or invoice); needed when a file carries balances.")
_DRY = click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
_JSON = click.option("--json", "as_json", is_flag=True)


@click.group("import")
def import_group() -> None:
    """Import existing books: chart of accounts, contacts with bank details, bills and sales
    invoices with their lines, opening balances. Which export each file is, is told by its
    header. All or nothing; importing the same export again changes nothing."""


def _run(ctx: click.Context, system: str, files: tuple[Path, ...], as_at: datetime | None,
         dry_run: bool, as_json: bool) -> None:
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    try:
        outcome = import_books(runtime, system, list(files), actor=actor(),
                               as_at=as_at.date() if as_at else None, dry_run=dry_run)
    except ImportRefused as exc:
        if as_json:
            click.echo(json.dumps({"refused": [{"code": p.code, "file": p.file, "row": p.row,
                                                "message": p.message} for p in exc.problems]}, indent=2))
        for p in exc.problems:
            click.echo(f"error: {p.message} [{p.code}]", err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(2)
    _print(outcome, dry_run, as_json)


def _print(outcome: ImportOutcome, dry_run: bool, as_json: bool) -> None:
    data = summary(outcome.plan)
    data["dry_run"], data["applied"] = dry_run, outcome.applied
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for f in data["files"]:
        click.echo(f"{f['file']}: {f['export']} ({f['rows']} rows)")
    acc, con, inv, ob = data["accounts"], data["contacts"], data["invoices"], data["opening_balances"]
    click.echo(f"accounts: {len(acc['create'])} to create, {len(acc['unchanged'])} already here")
    for a in acc["create"]:
        click.echo(f"  + {a}")
    for old, new in acc["mapped"].items():
        click.echo(f"  = {old} -> {new}")
    click.echo(f"contacts: {len(con['create'])} to create, {len(con['update'])} to update, "
               f"{len(con['unchanged'])} unchanged")
    for name in con["create"]:
        click.echo(f"  + {name}")
    for u in con["update"]:
        click.echo(f"  ~ {u['name']}" + (" (new bank details)" if u["bank_details"] else ""))
    click.echo(f"bills and invoices: {len(inv['create'])} to post, {len(inv['unchanged'])} already here")
    for i in inv["create"]:
        paid = f", paid {i['paid']}" if i["paid"] != "0.00" else ""
        click.echo(f"  + {i['kind']} {i['contact']} {i['number']} {i['date']} {i['total']}{paid}")
    if ob["lines"]:
        click.echo(f"opening balances as at {ob['as_at']}: {len(ob['lines'])} lines")
        for line in ob["lines"]:
            click.echo(f"  {line['account']:>8} {line['amount']:>14}")
    elif ob["already_posted"]:
        click.echo("opening balances: already posted")
    for note in data["notes"]:
        click.echo(f"note: {note}")
    if dry_run:
        click.echo("dry run: nothing written")
    elif not outcome.applied:
        click.echo("nothing to change: this export is already in the books")
    else:
        click.echo("imported")


@import_group.command("xero")
@_FILES
@_AS_AT
@_DRY
@_JSON
@click.pass_context
@handles_errors
def import_xero(ctx: click.Context, files: tuple[Path, ...], as_at: datetime | None, dry_run: bool,
                as_json: bool) -> None:
    """Xero CSV exports: Chart of Accounts, Contacts, Bills/Sales invoices, Trial Balance."""
    _run(ctx, "xero", files, as_at, dry_run, as_json)


@import_group.command("myob")
@_FILES
@_AS_AT
@_DRY
@_JSON
@click.pass_context
@handles_errors
def import_myob(ctx: click.Context, files: tuple[Path, ...], as_at: datetime | None, dry_run: bool,
                as_json: bool) -> None:
    """MYOB AccountRight exports (TXT or CSV): Accounts list (balances as opening balances),
    Supplier/Customer cards, Service purchases and sales."""
    _run(ctx, "myob", files, as_at, dry_run, as_json)
