"""How business documents become journals: bills, sales invoices, payments and pay runs (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.ledger.model import Journal, JournalLine, cr, dr
from tools.ledger.money import round_cents
from tools.ledger.problems import LedgerError

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal  # GST-exclusive
    account_code: str
    tax_code: str

    def __post_init__(self) -> None:
        for name in ("quantity", "unit_price"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise LedgerError.single(
                    "float_amount" if isinstance(value, float) else "bad_amount",
                    f"{self.description!r}: {name.replace('_', ' ')} {value!r} must be an exact decimal")

    @property
    def amount(self) -> Decimal:
        return round_cents(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    line_tax: tuple[Decimal, ...]


def document_totals(lines: Sequence[DocumentLine], tax_rates: Mapping[str, Decimal]) -> Totals:
    """Subtotal, GST and total of GST-exclusive lines; GST is rounded per line, as invoices show it."""
    line_tax = tuple(round_cents(ln.amount * tax_rates[ln.tax_code]) for ln in lines)
    subtotal = sum((ln.amount for ln in lines), ZERO)
    tax = sum(line_tax, ZERO)
    return Totals(subtotal, tax, subtotal + tax, line_tax)


def document_journal(
    kind: str,
    number: str,
    contact_name: str,
    contact_id: int | None,
    issue_date: date,
    lines: Sequence[DocumentLine],
    totals: Totals,
    roles: Mapping[str, str],
) -> Journal:
    """A bill: Dr expense lines and GST paid, Cr trade creditors. A sale: the mirror image."""
    sign = Decimal(1) if kind == "bill" else Decimal(-1)
    by_account: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for ln in lines:
        by_account[(ln.account_code, ln.tax_code)] += ln.amount
    journal_lines = [
        JournalLine(code, sign * amount, f"{contact_name} {number}", tax, contact_id)
        for (code, tax), amount in by_account.items()
        if amount != 0
    ]
    gst_account = roles["gst_paid"] if kind == "bill" else roles["gst_collected"]
    if totals.tax:
        journal_lines.append(JournalLine(gst_account, sign * totals.tax, f"GST on {number}"))
    control = roles["accounts_payable"] if kind == "bill" else roles["accounts_receivable"]
    journal_lines.append(JournalLine(control, -sign * totals.total, f"{contact_name} {number}",
                                     None, contact_id))
    noun = "Bill" if kind == "bill" else "Invoice"
    return Journal(issue_date, f"{noun} {number} {contact_name}", tuple(journal_lines),
                   source_type=kind, source_ref=number)


def payment_journal(
    kind: str, number: str, contact_name: str, contact_id: int | None, on: date, amount: Decimal,
    bank_code: str, roles: Mapping[str, str],
) -> Journal:
    """Paying a bill: Dr trade creditors, Cr bank. Receiving for a sale: Dr bank, Cr trade debtors."""
    if kind == "bill":
        lines = (dr(roles["accounts_payable"], amount, f"Paid {number}", contact_id=contact_id),
                 cr(bank_code, amount, f"Paid {contact_name} {number}"))
        narration = f"Payment of {number} to {contact_name}"
    else:
        lines = (dr(bank_code, amount, f"Received {contact_name} {number}"),
                 cr(roles["accounts_receivable"], amount, f"Received {number}", contact_id=contact_id))
        narration = f"Receipt for {number} from {contact_name}"
    return Journal(on, narration, lines, source_type="payment", source_ref=number)


def payroll_journal(
    payment_date: date, period: str, gross: Decimal, payg: Decimal, superannuation: Decimal,
    roles: Mapping[str, str], bank_code: str,
) -> Journal:
    """Wages expense and super expense; PAYG and super to their liabilities; net pay from the bank."""
    net = gross - payg
    lines = [dr(roles["wages"], gross, f"Gross wages {period}")]
    if payg:
        lines.append(cr(roles["payg_withholding"], payg, f"PAYG withheld {period}"))
    lines.append(cr(bank_code, net, f"Net wages {period}"))
    if superannuation:
        lines += [dr(roles["superannuation_expense"], superannuation, f"Super guarantee {period}"),
                  cr(roles["superannuation_payable"], superannuation, f"Super guarantee {period}")]
    return Journal(payment_date, f"Pay run {period}", tuple(lines), source_type="payroll",
                   source_ref=period)
