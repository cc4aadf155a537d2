"""`backoffice extract PATH...`: one document (PDF, image, UBL/CII XML) or email (.eml) in, one
extraction out, validated against the books when there are books (ARCHITECTURE.md §5 schema).

With --json it prints one JSON object per input, one per line, in input order; a file that could
not be read gets {"source", "error": {"code", "message"}} in its place and the exit code is 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from services.runtime import Runtime
from tools.documents.extract import InvoiceReading, NoInvoice
from tools.documents.pipeline import DocumentUnreadable, ReadingOptions
from tools.documents.validation import ValidationContext
from tools.inbox.errors import InboxError


def _context(runtime: Runtime, today: date) -> ValidationContext:
    """The books' suppliers and bills when this home has books; otherwise checks that need no books."""
    from sqlalchemy.engine import make_url

    from memory.documents_store import validation_context
    from memory.migrate import current_revision, head_revision

    url = make_url(runtime.settings.resolved_database_url)
    bare = ValidationContext(suppliers=(), prior_invoices=(), today=today, own_abn=None,
                             supplier_master=False)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).exists():
        return bare  # no books here; connecting would create an empty database file
    try:
        migrated = current_revision(runtime.engine) == head_revision()
    except Exception:  # no database at all: extraction still works
        migrated = False
    if not migrated:
        return bare
    with runtime.sessions() as session:
        return validation_context(session, today=today)


def _read(runtime: Runtime, path: Path, context: ValidationContext) -> InvoiceReading:
    from adapters.llm import OpenAIChatModel
    from services.extraction import extract_invoice
    from adapters.ocr import TesseractOcr
    from tools.inbox.parsing import MessageLimits

    settings = runtime.settings
    if path.stat().st_size > settings.max_message_bytes:
        raise DocumentUnreadable("file_too_large", f"The file is larger than the "
                                 f"{settings.max_message_bytes:,}-byte limit.")
    options = ReadingOptions(own_abn=context.own_abn, max_pdf_pages=settings.max_pdf_pages,
                             max_xml_bytes=settings.max_xml_bytes)
    return extract_invoice(path.read_bytes(), name=path.name, context=context, ocr=TesseractOcr(),
                           model=OpenAIChatModel.from_settings(settings), options=options,
                           limits=MessageLimits.from_settings(settings))


def _describe(source: str, data: dict[str, Any]) -> str:
    sup = data["supplier"]
    conf = data["confidence"].get("overall", 0.0)
    lines = [f"{source}: {data['document_type']} read by {data['method']} (confidence {conf:.2f})",
             f"  supplier   {sup['name'] or '?'}  ABN {sup['abn'] or '-'}",
             f"  number     {data['invoice_number'] or '?'}   issued {data['issue_date'] or '?'}   "
             f"due {data['due_date'] or '-'}   PO {data['purchase_order'] or '-'}",
             f"  amounts    subtotal {data['subtotal'] or '-'}  tax {data['tax'] or '-'}  "
             f"total {data['total'] or '?'} {data['currency'] or ''}".rstrip(),
             f"  lines      {len(data['lines'])}"]
    pay = data["payment"]
    if pay:
        lines.append(f"  pay to     BSB {pay['bsb'] or '-'} account {pay['account_number'] or '-'} "
                     f"{pay['iban'] or ''}".rstrip())
    lines += [f"  ! {i['code']}: {i['message']}" for i in data["issues"]]
    return "\n".join(lines)


@click.command("extract")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, one per line.")
@click.pass_context
def extract(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Read invoices from PDFs, images, UBL/CII XML or .eml files and check them.

    Checks that need the books (supplier master, bank details, duplicates) run when
    BACKOFFICE_HOME has books; arithmetic, ABN, dates and injection checks always run.
    Exit 2 when any file could not be read."""
    runtime: Runtime = ctx.obj
    context = _context(runtime, runtime.clock.now().date())
    failed = False
    for path in paths:
        try:
            reading = _read(runtime, path, context)
            data: dict[str, Any] = {"source": str(path), **reading.extraction.contract()}
        except (DocumentUnreadable, InboxError) as exc:
            failed = True
            data = {"source": str(path), "error": {"code": exc.code, "message": exc.message}}
        except OSError as exc:
            failed = True
            data = {"source": str(path), "error": {"code": "file_unreadable",
                                                   "message": f"The file cannot be read: {exc.strerror or exc}"}}
        except NoInvoice as exc:
            failed = True
            data = {"source": str(path), "error": {"code": "no_invoice", "message": str(exc)}}
        if as_json:
            click.echo(json.dumps(data, separators=(",", ":")))
        elif "error" in data:
            click.echo(f"{path}: not read: {data['error']['message']} [{data['error']['code']}]", err=True)
        else:
            click.echo(_describe(str(path), data))
    if failed:
        sys.exit(2)
