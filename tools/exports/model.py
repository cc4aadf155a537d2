"""What an export reads: posted journals with their ids, the chart, and bills with their lines and
contacts. Immutable, Decimal; built by memory.export_queries from the books."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tools.ledger.model import Account, Journal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PostedJournal:
    id: int
    journal: Journal


@dataclass(frozen=True)
class ExportContact:
    name: str
    email: str | None = None
    address: str | None = None  # free text, one line per address line


@dataclass(frozen=True)
class ExportBillLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # excluding GST
    account_code: str
    tax_code: str
    tax_amount: Decimal


@dataclass(frozen=True)
class ExportBill:
    id: int
    number: str
    contact: ExportContact
    issue_date: date
    due_date: date
    lines: tuple[ExportBillLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    reference: str | None = None
    journal_id: int | None = None
    currency: str = "AUD"


@dataclass(frozen=True)
class Books:
    organisation: str
    accounts: tuple[Account, ...]
    journals: tuple[PostedJournal, ...] = ()
    bills: tuple[ExportBill, ...] = ()


@dataclass(frozen=True)
class ExportFile:
    """One export: its bytes, how many rows and records (bills, journals) it holds, and what the
    reader should know (a field the target cuts short, a limit per file)."""
    data: bytes
    rows: int
    records: int
    warnings: tuple[str, ...] = field(default_factory=tuple)


def money(amount: Decimal) -> str:
    """Exact, two decimals, no separators: 1234.5 -> "1234.50"."""
    return str(amount.quantize(CENT))


def one_line(text: str | None) -> str:
    """Text on one line: every run of whitespace (newlines, tabs) is one space."""
    return " ".join((text or "").split())


def line_taxes(bill: ExportBill) -> list[Decimal]:
    """Each line's GST, with any rounding against the bill's stated GST (what its journal posted)
    on the last taxed line, so the lines add up to that GST."""
    taxes = [ln.tax_amount for ln in bill.lines]
    gap = bill.tax - sum(taxes, Decimal("0.00"))
    if gap and taxes:
        taxed = [i for i, ln in enumerate(bill.lines) if ln.tax_amount]
        taxes[(taxed or [len(taxes) - 1])[-1]] += gap
    return taxes
