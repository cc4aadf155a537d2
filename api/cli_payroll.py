"""`backoffice payroll …`: interpret shifts against the awards, and check pay runs. Thin: parse, call
the kernel (tools.payroll) or the store (memory.payroll_store), print."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from api.cli_support import actor, handles_errors
from services.runtime import Runtime
from memory.db import unit_of_work
from services.payroll_check import check_payroll
from tools.payroll.contract import calc_response, parse_request
from tools.payroll.errors import PayrollError
from tools.payroll.interpret import interpret
from tools.payroll.tool import PayrollCheckRequest, PayrollCheckResponse

MAX_INPUT_BYTES = 64 * 1024 * 1024


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False,
                          default=lambda v: str(v) if isinstance(v, Decimal) else v.isoformat()))


@click.group()
def payroll() -> None:
    """Payroll against Modern Awards (MA000004 Retail, MA000002 Clerks): every dollar with its clause."""


@payroll.command("calc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (amounts as decimal strings).")
@handles_errors
def calc(file: Path, as_json: bool) -> None:
    """Pay lines for the shifts in FILE (JSON; - reads stdin): hours, rate, multiplier, amount and the
    award clause of each line.

    FILE: {"award": "MA000004", "shifts": [{"employee_id", "classification", "employment_type",
    "date", "start", "end", "unpaid_break_minutes", "state", "age"?, "end_date"? (a shift past
    midnight), ...}]}. Bad input (unknown award or classification, a shift ending before it starts,
    overlapping shifts, dates outside the award data) is refused naming the shift."""
    raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1) if str(file) == "-" else _read(file)
    if len(raw) > MAX_INPUT_BYTES:
        raise PayrollError.single("too_large", f"{file} is larger than {MAX_INPUT_BYTES // 2**20} MiB")
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayrollError.single("bad_json", f"{file} is not valid JSON: {exc}") from None
    results = interpret(parse_request(data))
    response = calc_response(results)
    if as_json:
        _emit_json(response)
        return
    for shift in response["shifts"]:
        end_day = f" (ends {shift['end_date']})" if "end_date" in shift else ""
        click.echo(f"{shift['employee_id']}  {shift['date']} {shift['start']}-{shift['end']}{end_day}  "
                   f"{shift['award']} {shift['classification']} {shift['employment_type'].replace('_', '-')}")
        for ln in shift["lines"]:
            pct = f"{Decimal(ln['multiplier']) * 100:.1f}".rstrip("0").rstrip(".")
            click.echo(f"  {ln['hours']:>7} h  {ln['description'][:44]:<44} ${ln['base_rate']} x {pct}% = "
                       f"${ln['rate']:<7} ${Decimal(ln['amount']):>9,.2f}  {ln['clause']}"
                       + ("  (uncertain)" if ln["uncertain"] else ""))
        click.echo(f"  {'':>7}    {'shift total':<44} {'':>22} ${Decimal(shift['total']):>9,.2f}")
    click.echo(f"Total ${Decimal(response['total']):,.2f} for {len(response['shifts'])} shift(s)")
    for w in response["warnings"]:
        click.echo(f"warning: {w['message']} [{w['shifts']} shift(s)]")


def _read(file: Path) -> bytes:
    if file.stat().st_size > MAX_INPUT_BYTES:
        raise PayrollError.single("too_large", f"{file} is larger than {MAX_INPUT_BYTES // 2**20} MiB")
    return file.read_bytes()


def _period(value: str) -> tuple[date, date]:
    try:
        first, _, last = value.partition("..")
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise click.BadParameter(f"{value!r}: the period ends before it starts")
    return start, end


@payroll.command("check")
@click.option("--period", required=True, help="YYYY-MM-DD..YYYY-MM-DD: pay runs wholly inside it are checked.")
@click.option("--employee", "employees", multiple=True, help="Only this employee code (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@handles_errors
def check(ctx: click.Context, period: str, employees: tuple[str, ...], as_json: bool) -> None:
    """Check the ledger's pay runs against the awards and the 12 % super guarantee: each under- or
    over-payment per employee with its lines, clauses and the back pay owed. Exit 1 when anyone was
    underpaid."""
    start, end = _period(period)
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    request = PayrollCheckRequest(period_start=start, period_end=end, employee_ids=list(employees) or None)
    with unit_of_work(runtime.sessions) as session:
        report = check_payroll(session, runtime.clock, actor(), request)
    if as_json:
        _emit_json(report.model_dump(mode="json"))
    else:
        _print_report(report)
    if report.underpaid_employees:
        sys.exit(1)


def _print_report(report: PayrollCheckResponse) -> None:
    if not report.pay_runs:
        click.echo(f"no pay run lies wholly within {report.period_start} to {report.period_end}")
        return
    for run in report.pay_runs:
        click.echo(f"Pay run {run.period_start} to {run.period_end} (paid {run.payment_date}, super "
                   f"{run.super_rate_percent.normalize():f} %): {run.underpaid_employees} employee(s) underpaid, "
                   f"${run.back_pay:,.2f} back pay, ${run.super_owed:,.2f} super owed")
        for e in run.employees:
            click.echo(f"  {e.employee_id:<6} {e.name[:24]:<24} {e.status:<13} entitled ${e.entitled_gross:>10,.2f}"
                       f"  paid ${e.paid_gross:>10,.2f}  super due ${e.super_due:>8,.2f} paid ${e.super_paid:>8,.2f}")
            if e.status == "underpaid":
                for f in e.findings:
                    click.echo(f"         - {f.message}")
                for p in e.pay_lines:
                    click.echo(f"           {p.hours:>7} h at ${p.rate:<7} = ${p.amount:>9,.2f}  "
                               f"{'; '.join(p.descriptions)} [{' | '.join(p.clauses)}]")
            elif e.status == "not_checked":
                for f in e.findings:
                    click.echo(f"         - {f.message}")
    click.echo(f"Total: {report.underpaid_employees} employee(s) underpaid, ${report.back_pay:,.2f} back pay and "
               f"${report.super_owed:,.2f} super owed (${report.total_owed:,.2f})")
    for w in report.warnings:
        click.echo(f"warning: relies on an uncertain figure: {w}")
