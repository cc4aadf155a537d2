"""Rows of an invoices export (one row per line, the header fields repeated) grouped into
invoices, with the amounts made GST-exclusive and checked against the total the old system printed.

Why refuse rather than adjust: a bill whose lines do not come to its total here would post a
different amount to payables than the old books hold, and the supplier's balance would be wrong
from the first day. The refusal names the invoice's first row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tools.imports.model import ImportedInvoice, ImportedLine, ImportRefused, Kind, Source

CENT = Decimal("0.01")
# The standard chart's rates (tools/ledger/data/chart_au_sme.json); the import maps every tax
# type it reads onto those five codes, so these are the only rates an imported line can carry.
RATES = {"GST": Decimal("0.10"), "CAP": Decimal("0.10"), "FRE": Decimal(0), "INP": Decimal(0),
         "N-T": Decimal(0)}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceRow:
    source: Source
    kind: Kind
    contact_name: str
    number: str
    issue_date: date
    due_date: date | None
    description: str
    quantity: Decimal
    line_amount: Decimal          # as printed: GST-exclusive or -inclusive, the file decides
    account_code: str
    tax_code: str
    tax_amount: Decimal | None
    total: Decimal | None         # the invoice's total, GST included (None: sum of the lines)
    amount_paid: Decimal
    paid: bool
    reference: str | None = None
    inclusive: bool | None = None  # None: tell from the total


def group_invoices(rows: list[InvoiceRow]) -> tuple[ImportedInvoice, ...]:
    groups: dict[tuple[str, str, str], list[InvoiceRow]] = defaultdict(list)
    seen: dict[tuple[object, ...], int] = {}
    for r in rows:
        if not r.contact_name.strip() or not r.number.strip():
            raise ImportRefused.at("missing_value", "a line needs its contact and invoice number",
                                   r.source.file, r.source.row)
        if not r.account_code.strip():
            raise ImportRefused.at("missing_value", f"{r.number}: the line has no account code",
                                   r.source.file, r.source.row)
        same = (r.kind, r.contact_name.lower(), r.number, r.issue_date, r.description, r.quantity,
                r.line_amount, r.account_code, r.tax_code)
        if same in seen:
            raise ImportRefused.at("duplicated_row", f"repeats row {seen[same]} exactly ({r.number}); "
                                   "remove the copy (two identical lines on one invoice: make them "
                                   "one line with the quantity)", r.source.file, r.source.row)
        seen[same] = r.source.row
        groups[(r.kind, r.contact_name.strip().lower(), r.number.strip())].append(r)
    return tuple(_invoice(g) for g in groups.values())


def _invoice(rows: list[InvoiceRow]) -> ImportedInvoice:
    first = rows[0]
    where = (first.source.file, first.source.row)
    for r in rows[1:]:
        if (r.issue_date, r.due_date, r.contact_name.strip()) != (
                first.issue_date, first.due_date, first.contact_name.strip()):
            raise ImportRefused.at("invoice_rows_disagree", f"{r.number}: this line's contact or "
                                   f"dates differ from its first line (row {first.source.row})",
                                   r.source.file, r.source.row)
    printed_total = first.total
    gross_lines = sum((r.line_amount for r in rows), Decimal(0))
    taxes = [r.tax_amount if r.tax_amount is not None else cents(r.line_amount * RATES[r.tax_code])
             for r in rows]
    inclusive = first.inclusive
    if inclusive is None:
        inclusive = printed_total is not None and cents(gross_lines) == cents(printed_total) and any(taxes)
    lines = []
    for r, tax in zip(rows, taxes):
        ex = cents(r.line_amount - tax) if inclusive else cents(r.line_amount)
        lines.append(_line(r, ex))
    computed = sum((cents(ln.quantity * ln.unit_price) for ln in lines), Decimal(0))
    computed += sum((cents(cents(ln.quantity * ln.unit_price) * RATES[ln.tax_code]) for ln in lines),
                    Decimal(0))
    total = printed_total if printed_total is not None else computed
    if cents(computed) != cents(total):
        raise ImportRefused.at("invoice_does_not_add_up", f"{first.number}: its lines and GST come to "
                               f"${computed:,.2f} here but the export says ${total:,.2f}", *where)
    paid = total if first.paid else first.amount_paid
    if paid < 0 or paid > total:
        raise ImportRefused.at("bad_amount_paid", f"{first.number}: ${paid:,.2f} paid of a "
                               f"${total:,.2f} invoice", *where)
    if total <= 0:
        raise ImportRefused.at("credit_note_unsupported", f"{first.number} comes to ${total:,.2f}: "
                               "credit notes are not imported", *where)
    return ImportedInvoice(first.kind, first.contact_name.strip(), first.number.strip(),
                           first.issue_date, first.due_date, tuple(lines), cents(total), cents(paid),
                           first.source, first.reference)


def _line(r: InvoiceRow, ex: Decimal) -> ImportedLine:
    """Keep the quantity when a unit price reproduces the amount to the cent (the learned coding
    reads descriptions, but a person reads quantities); otherwise one of the whole amount."""
    q = r.quantity if r.quantity and r.quantity > 0 else Decimal(1)
    unit = (ex / q).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if cents(q * unit) != ex:
        q, unit = Decimal(1), ex
    return ImportedLine(r.description.strip() or "(no description)", q, unit,
                        r.account_code.strip(), r.tax_code)
