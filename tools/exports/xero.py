"""Bills and manual journals as the CSV files Xero imports (Business > Bills to pay > Import;
Accounting > Manual journals > Import), with the columns of Xero's own templates.

Dates are dd/mm/yyyy. A bill is one row per line, tax-exclusive amounts, with Xero's Australian
tax-rate names and each line's GST in TaxAmount, so Xero's bill carries this bill's exact GST and
total. A manual journal is one row per line (positive debit, negative credit); Xero groups rows by
Narration and Date, so each narration ends with the journal's id. GST already sits on its own
lines (GST Paid, GST Collected) in these journals, so every line is "BAS Excluded": Xero adds no
tax of its own and the amounts are the ledger's to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from tools.exports.csvtext import csv_bytes
from tools.exports.model import (
    CENT,
    ExportBill,
    ExportBillLine,
    ExportFile,
    PostedJournal,
    line_taxes,
    money,
)

BILL_COLUMNS = (
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3",
    "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber",
    "*InvoiceDate", "*DueDate", "Total", "InventoryItemCode", "Description", "*Quantity",
    "*UnitAmount", "*AccountCode", "*TaxType", "TaxAmount", "TrackingName1", "TrackingOption1",
    "TrackingName2", "TrackingOption2", "Currency",
)
JOURNAL_COLUMNS = (
    "*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount",
    "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2",
)
# Backoffice tax code -> the name of Xero's Australian tax rate on a purchase.
PURCHASE_TAX_RATES = {"GST": "GST on Expenses", "CAP": "GST on Capital",
                      "FRE": "GST Free Expenses", "INP": "Input Taxed", "N-T": "BAS Excluded"}
NO_TAX = "BAS Excluded"
MAX_BILLS = 500      # Xero imports at most 500 invoices or bills per file
MAX_JOURNAL_LINES = 300  # and at most 300 manual-journal lines per file


def xero_date(on: date) -> str:
    return on.strftime("%d/%m/%Y")


def quantity_and_price(line: ExportBillLine) -> tuple[str, str]:
    """The line's own quantity and unit price when they give its amount exactly, else 1 x amount."""
    qty, unit = line.quantity, line.unit_price
    if unit == unit.quantize(CENT) and qty * unit == line.amount and qty != 0:
        return f"{qty.normalize():f}", money(unit)
    return "1", money(line.amount)


def _address(text: str | None) -> list[str]:
    lines = [" ".join(part.split()) for part in (text or "").splitlines() if part.strip()]
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    return lines + [""] * (4 - len(lines))


def _bill_rows(bill: ExportBill) -> Iterable[Sequence[str]]:
    address = _address(bill.contact.address)
    for line, tax in zip(bill.lines, line_taxes(bill)):
        qty, unit = quantity_and_price(line)
        yield (bill.contact.name, bill.contact.email or "", *address, "", "", "", "",
               bill.number, xero_date(bill.issue_date), xero_date(bill.due_date), money(bill.total),
               "", line.description, qty, unit, line.account_code,
               PURCHASE_TAX_RATES.get(line.tax_code, NO_TAX), money(tax), "", "", "", "",
               bill.currency)


def xero_bills_csv(bills: Sequence[ExportBill]) -> ExportFile:
    rows = [row for bill in bills for row in _bill_rows(bill)]
    warnings = []
    if len(bills) > MAX_BILLS:
        warnings.append(f"{len(bills)} bills: Xero imports at most {MAX_BILLS} per file")
    unknown = sorted({ln.tax_code for b in bills for ln in b.lines} - set(PURCHASE_TAX_RATES))
    if unknown:
        warnings.append(f"tax codes with no Xero rate, exported as {NO_TAX}: {', '.join(unknown)}")
    return ExportFile(csv_bytes(BILL_COLUMNS, rows), len(rows), len(bills), tuple(warnings))


def journal_narration(posted: PostedJournal) -> str:
    """Unique per journal: Xero makes one journal of the rows sharing a narration and a date."""
    return f"{' '.join(posted.journal.narration.split())} (#{posted.id})"


def journal_parts(journals: Sequence[PostedJournal], max_lines: int = MAX_JOURNAL_LINES
                  ) -> list[list[PostedJournal]]:
    """The journals in files of at most `max_lines` lines each, never splitting a journal (one
    longer than that is a file of its own)."""
    parts: list[list[PostedJournal]] = []
    lines = 0
    for posted in journals:
        size = len(posted.journal.lines)
        if not parts or lines + size > max_lines:
            parts.append([])
            lines = 0
        parts[-1].append(posted)
        lines += size
    return parts


def xero_journals_csv(journals: Sequence[PostedJournal]) -> ExportFile:
    rows = [(journal_narration(p), xero_date(p.journal.date), ln.description, ln.account_code,
             NO_TAX, money(ln.amount), "", "", "", "")
            for p in journals for ln in p.journal.lines]
    warnings = []
    if len(rows) > MAX_JOURNAL_LINES:
        warnings.append(f"{len(rows)} journal lines: Xero imports at most {MAX_JOURNAL_LINES} "
                        "per file; export with --split")
    return ExportFile(csv_bytes(JOURNAL_COLUMNS, rows), len(rows), len(journals), tuple(warnings))
