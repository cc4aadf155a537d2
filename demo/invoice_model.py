"""A supplier invoice as the demo renders it (PDF, UBL, email): the ground truth of the corpus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class DocParty:
    name: str
    abn: str | None  # 11 digits, no spaces
    email: str | None
    address: tuple[str, ...]  # e.g. ("12 Wharf St", "Pyrmont NSW 2009")
    phone: str | None = None


@dataclass(frozen=True)
class DocLine:
    description: str
    quantity: Decimal
    unit_price: Decimal  # GST-exclusive
    amount: Decimal  # GST-exclusive, quantity * unit_price rounded to cents
    tax_code: str  # "GST" (10%) or "FRE" (GST-free)


@dataclass(frozen=True)
class DocPayment:
    bsb: str  # 6 digits
    account_number: str
    account_name: str
    reference: str | None = None


@dataclass(frozen=True)
class DocInvoice:
    supplier: DocParty
    customer: DocParty
    invoice_number: str
    issue_date: date
    due_date: date | None
    purchase_order: str | None
    lines: tuple[DocLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    payment: DocPayment | None
    currency: str = "AUD"
    document_type: str = "invoice"  # "invoice" or "credit_note"
    notes: str | None = None
