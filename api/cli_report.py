"""`backoffice report monthly`: the month-end report as JSON (stdout), HTML or PDF (a file).

Thin: parse, call services.reports.monthly_report, render with adapters.reports.render_*, write."""

from __future__ import annotations

import json
from pathlib import Path

import click

from adapters.files import write_atomically
from api.cli_support import handles_errors
from services.runtime import Runtime
from memory.db import unit_of_work
from tools.reports.periods import Month

SUFFIX = {"json": "json", "html": "html", "pdf": "pdf"}


def _month(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Month | None:
    if value is None:
        return None
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group("report")
def report() -> None:
    """Month-end reports: statements, variances, the 13-week cash forecast and commentary."""


@report.command("monthly")
@click.option("--month", callback=_month, metavar="YYYY-MM",
              help="The month to report. Default: the last complete month (ended on the calendar "
                   "and in the books).")
@click.option("--format", "fmt", type=click.Choice(["json", "html", "pdf"]), default="json",
              show_default=True, help="json prints to stdout; html and pdf are written to a file.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it ('-' for stdout). Default for html/pdf: "
                   "BACKOFFICE_HOME/reports/monthly-YYYY-MM.<format>.")
@click.option("--budget", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='A budget JSON file: {"months": {"YYYY-MM": {"<account code>": "<amount>"}}}. '
                   "Default: BACKOFFICE_HOME/budget.json when it exists.")
@click.option("--offline", is_flag=True,
              help="Write the commentary with the offline narrative even if an LLM is configured.")
@click.pass_context
@handles_errors
def monthly(ctx: click.Context, month: Month | None, fmt: str, output: Path | None,
            budget: Path | None, offline: bool) -> None:
    """The monthly report: profit and loss, balance sheet, cash position, aged receivables and
    payables, the GST summary for the BAS (G1, 1A, 1B), material variances with their drivers, the
    13-week cash forecast, and commentary whose every number is one of the report's facts. Each
    comparison (prior month, same month last year, budget) says when it is not available."""
    from services.reports import load_budget, monthly_report
    from adapters.reports.render_html import render_html
    from adapters.reports.render_json import report_contract
    from adapters.reports.render_pdf import render_pdf

    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    with unit_of_work(runtime.sessions) as session:
        chosen_budget = load_budget(session, budget) if budget else None
        result = monthly_report(session, month, runtime.settings, clock=runtime.clock,
                                budget=chosen_budget, offline=offline)
    if fmt == "json":
        data = (json.dumps(report_contract(result), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    elif fmt == "html":
        data = render_html(result).encode("utf-8")
    else:
        data = render_pdf(result)
    if (output is None and fmt == "json") or output == Path("-"):
        click.echo(data if fmt == "pdf" else data.decode("utf-8"), nl=False)
        return
    target = output or runtime.settings.home / "reports" / f"monthly-{result.month.key}.{SUFFIX[fmt]}"
    write_atomically(target, data)
    path = result.commentary.path if result.commentary else "none"
    click.echo(f"report written: {target} ({result.month.label}, {fmt}, commentary {path})")
