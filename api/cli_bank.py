"""`backoffice bank …`: import statements, reconcile, work the exceptions, keep the rules. Thin:
parse, call services.bank_import / services.bank_reconcile, print."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from api.cli_support import actor, fail, handles_errors
from services import bank_decide, bank_learning
from services import bank_reconcile as reconciling
from services.bank_import import BankImportError, import_statement_file, problems_as_dicts
from services.runtime import Runtime


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=lambda v: (
        str(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, date) else repr(v))))


def _runtime(ctx: click.Context) -> Runtime:
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    return runtime


@click.group()
def bank() -> None:
    """The bank: statements in (OFX/QFX, QIF, camt.053, MT940, CSV of CBA, NAB, Westpac, ANZ),
    reconciliation against the books, and the exceptions a person decides."""


@bank.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--account", "account_code", help="Chart account the statement belongs to (needed "
              "when the file does not name its account, e.g. CommBank CSV, or for a new feed).")
@click.option("--number", "account_number", help="The account's BSB and number, for files that "
              "do not carry it (transfers between your accounts quote it).")
@click.option("--format", "fmt", type=click.Choice(["ofx", "qif", "camt053", "mt940", "csv"]),
              help="Skip format detection.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_import(ctx: click.Context, files: tuple[Path, ...], account_code: str | None,
                account_number: str | None, fmt: str | None, as_json: bool) -> None:
    """Import statement FILES. Lines already held are skipped (re-importing an overlapping
    statement adds nothing); each file is all or nothing; balances that do not add up, an unknown
    account or another currency refuse the file with the reason; gaps are reported."""
    runtime = _runtime(ctx)
    results, refused = [], []
    for path in files:
        try:
            done = import_statement_file(runtime, path.read_bytes(), path.name, actor=actor(),
                                         account_code=account_code, fmt=fmt,
                                         account_number=account_number)
        except BankImportError as err:
            refused.append({"file": path.name, "code": err.code, "message": err.message})
            continue
        results.append({"file": path.name, "statements": [
            {"account": s.account_code, "read": s.lines_read, "new": s.lines_new,
             "problems": problems_as_dicts(s.problems)} for s in done.statements]})
    if as_json:
        _emit({"imported": results, "refused": refused})
    else:
        for r in results:
            for s in r["statements"]:
                click.echo(f"{r['file']}: {s['new']} new of {s['read']} lines into {s['account']}")
                for p in s["problems"]:
                    click.echo(f"  note: {p['message']} [{p['code']}]")
        for r in refused:
            click.echo(f"error: {r['file']}: {r['message']} [{r['code']}]", err=True)
    if refused:
        sys.exit(2)


def _suggestion_text(s: dict) -> str:
    what = {"match": "match", "transfer": "transfer to", "rule": "rule ->", "categorise": "->",
            "entry": "ledger entry"}.get(s["kind"], s["kind"])
    target = s.get("account_code") or ", ".join(s.get("item_ids", [])) or s.get("entry", "")
    return f"{what} {target} ({s['confidence']:.2f})"


@bank.command("reconcile")
@click.option("--no-auto", is_flag=True, help="Only suggest: post nothing, even above the threshold.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_reconcile(ctx: click.Context, no_auto: bool, as_json: bool) -> None:
    """Reconcile every open bank line: ledger entries it settles, open bills and invoices (one
    payment may settle several), transfers between own accounts, the rules and the learned
    categoriser. Above the calibrated threshold a line is reconciled with no person (a balanced
    journal with its evidence); the rest go to `bank exceptions` with their suggestions."""
    run = reconciling.reconcile_all(_runtime(ctx), actor=actor(), auto=not no_auto)
    if as_json:
        _emit(run.as_dict())
        return
    click.echo(run.as_text())


@bank.command("exceptions")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_exceptions(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Open bank lines that need a person, with their top suggestions and why."""
    rows = reconciling.exceptions(_runtime(ctx), limit=limit)
    if as_json:
        _emit(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']}  {r['posted']}  {Decimal(r['amount']):>12,.2f}  {r['text'][:48]}")
        for s in r["suggestions"][:3]:
            click.echo(f"      {_suggestion_text(s)}: {'; '.join(s['reasons'][:2])}")
    if not rows:
        click.echo("no open bank lines")


@bank.command("accept")
@click.argument("line_ids", nargs=-1, type=int, required=True)
@click.option("--choice", type=int, default=1, show_default=True, help="Which suggestion (1 = top).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_accept(ctx: click.Context, line_ids: tuple[int, ...], choice: int, as_json: bool) -> None:
    """Accept a suggestion for each of LINE_IDS."""
    done = [bank_decide.accept(_runtime(ctx), i, actor=actor(), choice=choice) for i in line_ids]
    _report(done, as_json)


@bank.command("match")
@click.argument("line_id", type=int)
@click.argument("items", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_match(ctx: click.Context, line_id: int, items: tuple[str, ...], as_json: bool) -> None:
    """Reconcile LINE_ID against ITEMS: bill or invoice numbers (or bill:ID / sale:ID), or
    entry:ID for a ledger entry on the bank account. Amounts must agree within the tolerance."""
    _report([bank_decide.match(_runtime(ctx), line_id, list(items), actor=actor())], as_json)


@bank.command("categorise")
@click.argument("line_ids", nargs=-1, type=int, required=True)
@click.option("--account", "account_code", required=True, help="Chart account, e.g. 6110.")
@click.option("--tax", "tax_code", help="Tax code (default: the account's).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_categorise(ctx: click.Context, line_ids: tuple[int, ...], account_code: str,
                    tax_code: str | None, as_json: bool) -> None:
    """Post each of LINE_IDS to ACCOUNT (GST split by the tax code). The choice trains the
    categoriser, and repeated ones propose a rule."""
    done = [bank_decide.categorise(_runtime(ctx), i, account_code, tax_code, actor=actor()) for i in line_ids]
    _report(done, as_json)


def _report(done: list[dict], as_json: bool) -> None:
    if as_json:
        _emit(done)
        return
    for d in done:
        click.echo(f"#{d['line_id']} reconciled by {d['method']}"
                   + (f" to {d['account_code']}" if d.get("account_code") else "")
                   + f" (journals {', '.join(map(str, d['journal_ids'])) or 'none: ledger entry claimed'})")


@bank.group("rules", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_rules(ctx: click.Context, as_json: bool) -> None:
    """Bank rules (a person's, and proposed ones learned from corrections with their backtest)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = bank_learning.list_rules(_runtime(ctx))
    if as_json:
        _emit(rows)
        return
    for r in rows:
        bt = r.get("backtest") or {}
        tested = f"  backtest {bt.get('agreed', 0)}/{bt.get('matched', 0)} agree" if bt else ""
        click.echo(f"#{r['id']} [{r['status']}] {r['name']} -> {r['rule']['account_code']}{tested}")
    if not rows:
        click.echo("no bank rules")


@bank_rules.command("add")
@click.argument("name")
@click.option("--contains", multiple=True, help="Text the line must contain (repeatable).")
@click.option("--payee", help="Payee the line must be (after normalising).")
@click.option("--account", "account_code", required=True)
@click.option("--tax", "tax_code")
@click.option("--direction", type=click.Choice(["in", "out"]))
@click.option("--min", "amount_min")
@click.option("--max", "amount_max")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_rules_add(ctx: click.Context, name: str, contains: tuple[str, ...], payee: str | None,
                   account_code: str, tax_code: str | None, direction: str | None,
                   amount_min: str | None, amount_max: str | None, as_json: bool) -> None:
    """Add an active rule; it is backtested against what people decided before, and refused if
    it would have changed any of it."""
    row = bank_learning.add_rule(_runtime(ctx), name, actor=actor(), contains=contains, payee=payee,
                       account_code=account_code, tax_code=tax_code, direction=direction,
                       amount_min=amount_min, amount_max=amount_max)
    _emit(row) if as_json else click.echo(f"rule #{row['id']} {row['status']}: {row['name']}")


@bank_rules.command("enable")
@click.argument("rule_id", type=int)
@click.pass_context
@handles_errors
def bank_rules_enable(ctx: click.Context, rule_id: int) -> None:
    """Use a proposed (or disabled) rule."""
    bank_learning.set_rule_status(_runtime(ctx), rule_id, "active", actor=actor())
    click.echo(f"rule #{rule_id} active")


@bank_rules.command("disable")
@click.argument("rule_id", type=int)
@click.pass_context
@handles_errors
def bank_rules_disable(ctx: click.Context, rule_id: int) -> None:
    """Stop using a rule."""
    bank_learning.set_rule_status(_runtime(ctx), rule_id, "disabled", actor=actor())
    click.echo(f"rule #{rule_id} disabled")


@bank.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handles_errors
def bank_status(ctx: click.Context, as_json: bool) -> None:
    """Each feed: lines, open lines, reconciled to which date, and its reconciliation statement
    (bank balance less open lines against ledger balance less unmatched entries)."""
    rows = reconciling.feed_status(_runtime(ctx))
    if as_json:
        _emit(rows)
        return
    for r in rows:
        click.echo(f"{r['account']} {r['name']} ({r['identifier']}): {r['lines']} lines, "
                   f"{r['open']} open, reconciled to {r['reconciled_to'] or 'nothing yet'}")
        st = r["statement"]
        if st:
            click.echo(f"  at {st['as_of']}: bank ${st['bank_balance']:,.2f} less open lines "
                       f"${st['open_lines']:,.2f} = ledger ${st['ledger_balance']:,.2f} less "
                       f"unmatched entries ${st['unclaimed_entries']:,.2f}"
                       + ("" if st["difference"] == 0 else
                          f"; DIFFERENCE ${st['difference']:,.2f}"))
    if not rows:
        fail("no bank feeds yet: `backoffice bank import FILE --account CODE`", 1)
