"""`backoffice export …`: hand the books back. The whole ledger as an hledger journal, bills and
journals as the CSV files Xero and MYOB AccountRight import. Thin: parse, call
services.books_export, write the file (or stdout), print a summary."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from adapters.files import write_atomically
from api.cli_support import fail, handles_errors
from memory.db import read_only
from services.books_export import Export, ExportMismatch, export_csv, export_hledger
from services.runtime import Runtime


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


OUT = click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                   help="Write here (atomically). Default: stdout, with the summary on stderr.")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
FROM = click.option("--from", "date_from", callback=_date, metavar="YYYY-MM-DD",
                    help="First date (bills by issue date, journals by date).")
TO = click.option("--to", "date_to", callback=_date, metavar="YYYY-MM-DD", help="Last date.")
WITH_BILLS = click.option("--with-bill-journals", is_flag=True,
                          help="journals: keep the journals that post bills (left out by default, "
                               "since `bills` exports them as bills).")
KIND = click.argument("kind", type=click.Choice(["bills", "journals"]))


def part_paths(out: Path, count: int) -> list[Path]:
    """books.csv -> books-01.csv, books-02.csv, ..."""
    width = max(2, len(str(count)))
    return [out.with_name(f"{out.stem}-{n:0{width}d}{out.suffix}") for n in range(1, count + 1)]


def _emit(export: Export, out: Path | None, as_json: bool) -> None:
    written: list[str] = []
    if out is None:
        sys.stdout.buffer.write(export.file.data)
        sys.stdout.flush()
    elif export.parts:
        for path, part in zip(part_paths(out, len(export.parts)), export.parts, strict=True):
            write_atomically(path, part.data)
            written.append(str(path))
    else:
        write_atomically(out, export.file.data)
    summary = export.summary() | {"out": str(out) if out else "-", "files": written or None}
    if as_json:
        text = json.dumps(summary, indent=2, ensure_ascii=False)
    else:
        text = (f"{export.target} {export.kind}: {export.file.records} records, "
                f"{export.file.rows} rows -> {summary['out']}")
        text += "".join(f"\nwritten: {path}" for path in written)
        text += "".join(f"\nleft out: {n} {what}" for what, n in export.left_out.items() if n)
        text += "".join(f"\nwarning: {w}" for w in export.file.warnings)
    click.echo(text, err=out is None)


def _runtime(ctx: click.Context) -> Runtime:
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    return runtime


@click.group("export")
def export() -> None:
    """Hand the books back: hledger journal, Xero and MYOB AccountRight import files."""


@export.command("hledger")
@OUT
@AS_JSON
@click.pass_context
@handles_errors
def hledger(ctx: click.Context, out: Path | None, as_json: bool) -> None:
    """The whole ledger as a plain-text journal: every account declared by type, code and name,
    amounts in AUD to the cent, tax codes and contacts as tags. `hledger -f FILE check --strict`
    accepts it and `hledger -f FILE balance` shows the trial balance; the export is refused (exit
    1) unless it balances to the ledger's own trial balance."""
    runtime = _runtime(ctx)
    try:
        with read_only(runtime.sessions) as session:
            done = export_hledger(session)
    except ExportMismatch as exc:
        fail(str(exc), 1)
    _emit(done, out, as_json)


def _csv(ctx: click.Context, target: str, kind: str, out: Path | None, as_json: bool,
         date_from: date | None, date_to: date | None, with_bill_journals: bool,
         split: bool = False) -> None:
    if date_from and date_to and date_from > date_to:
        fail("--from is after --to", 2)
    if split and (out is None or kind != "journals"):
        fail("--split writes journals to several files: give --out", 2)
    runtime = _runtime(ctx)
    with read_only(runtime.sessions) as session:
        done = export_csv(session, target, kind, date_from, date_to,
                          with_bill_journals=with_bill_journals, split=split)
    _emit(done, out, as_json)


@export.command("xero")
@KIND
@OUT
@FROM
@TO
@WITH_BILLS
@click.option("--split", is_flag=True, help="journals: write OUT-01.csv, OUT-02.csv, ... of at "
              "most 300 lines each (Xero's limit per import), never splitting a journal.")
@AS_JSON
@click.pass_context
@handles_errors
def xero(ctx: click.Context, kind: str, out: Path | None, date_from: date | None,
         date_to: date | None, with_bill_journals: bool, split: bool, as_json: bool) -> None:
    """Xero's import CSV: `bills` (the Bills template: a row per line, dd/mm/yyyy, tax-exclusive,
    Xero's AU tax rates, each line's GST) or `journals` (the Manual Journals template)."""
    _csv(ctx, "xero", kind, out, as_json, date_from, date_to, with_bill_journals, split)


@export.command("myob")
@KIND
@OUT
@FROM
@TO
@WITH_BILLS
@AS_JSON
@click.pass_context
@handles_errors
def myob(ctx: click.Context, kind: str, out: Path | None, date_from: date | None,
         date_to: date | None, with_bill_journals: bool, as_json: bool) -> None:
    """MYOB AccountRight's import file: `bills` as Service Purchases, `journals` as General
    Journal Entries (a line per transaction line, a blank line between transactions)."""
    _csv(ctx, "myob", kind, out, as_json, date_from, date_to, with_bill_journals)
