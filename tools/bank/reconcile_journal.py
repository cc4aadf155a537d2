"""The journal a chosen reconciliation candidate posts (pure), in the conventions of
tools/ledger/postings.py: signed amounts (debit +, credit -), the contact on the control-account
line, the tax code on the line it applies to.

* a match: the bank line for the whole amount; each item's clearing account (2100 trade
  creditors for a bill, 1200 trade debtors for a sale, 2320/2310/2300 for wages, super and tax)
  for its allocation; a difference (fee, short or over payment) to the difference account;
* a categorised line or a rule: the bank line, the net amount to the account and, when the tax
  code carries GST, the GST part of the gross (rate / (1 + rate), 1/11 at 10%, rounded half up
  to the cent) to GST paid (money out) or GST collected (money in);
* a transfer: the bank line and the other own account.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tools.bank.model import BankLine
from tools.bank.reconcile_model import ZERO, Candidate, OpenItem
from tools.ledger.model import Journal, JournalLine
from tools.ledger.money import round_cents
from tools.ledger.problems import LedgerError, Problem

DEFAULT_TAX_RATES: Mapping[str, Decimal] = {
    "GST": Decimal("0.10"), "CAP": Decimal("0.10"), "FRE": Decimal(0), "INP": Decimal(0),
    "N-T": Decimal(0)}


def describe_items(items: tuple[OpenItem, ...]) -> str:
    """"Bunnings INV-1, INV-2; Officeworks 77": contacts with their document numbers."""
    by_contact: dict[str, list[str]] = {}
    for item in items:
        by_contact.setdefault(item.contact, []).append(item.number)
    return "; ".join(f"{contact} {', '.join(numbers)}" for contact, numbers in by_contact.items())


def gst_in_gross(gross: Decimal, rate: Decimal) -> Decimal:
    """The GST inside a GST-inclusive amount: gross x rate / (1 + rate), half up to the cent."""
    return round_cents(gross * rate / (1 + rate)) if rate else ZERO


def _match_lines(line: BankLine, candidate: Candidate, difference_account_code: str,
                 description: str) -> list[JournalLine]:
    items = {i.item_id: i for i in candidate.items}
    missing = [item_id for item_id, _ in candidate.allocations if item_id not in items]
    if missing or not candidate.allocations:
        raise LedgerError.single(
            "match_without_items",
            "The match does not carry the items it settles" + (f" ({', '.join(missing)})"
                                                               if missing else ""))
    out = []
    for item_id, allocated in candidate.allocations:
        item = items[item_id]
        sign = Decimal(1) if item.direction == "out" else Decimal(-1)   # out: Dr the liability
        verb = "Paid" if item.direction == "out" else "Received"
        out.append(JournalLine(item.account_code, sign * allocated,
                               f"{verb} {item.contact} {item.number}", None, item.contact_id))
    if candidate.difference:
        out.append(JournalLine(difference_account_code, -candidate.difference,
                               f"Difference on {description}"))
    return out


def _account_lines(line: BankLine, candidate: Candidate, tax_rates: Mapping[str, Decimal],
                   gst_paid_code: str, gst_collected_code: str, description: str
                   ) -> list[JournalLine]:
    if not candidate.account_code:
        raise LedgerError.single("no_account", f"The {candidate.kind} candidate names no account")
    rate = ZERO
    if candidate.tax_code is not None and candidate.kind != "transfer":
        if candidate.tax_code not in tax_rates:
            raise LedgerError.single("unknown_tax_code",
                                     f"There is no tax rate for tax code {candidate.tax_code!r}")
        rate = Decimal(tax_rates[candidate.tax_code])
    gross = -line.amount                      # money out is a debit to the account
    gst = gst_in_gross(abs(gross), rate) * (1 if gross > 0 else -1)
    tax_code = None if candidate.kind == "transfer" else candidate.tax_code
    out = [JournalLine(candidate.account_code, gross - gst, description, tax_code,
                       candidate.contact_id)]
    if gst:
        gst_code = gst_paid_code if gross > 0 else gst_collected_code
        out.append(JournalLine(gst_code, gst, f"GST on {description}"))
    return out


def reconciliation_journal(
    line: BankLine,
    candidate: Candidate,
    *,
    bank_account_code: str,
    narration_prefix: str = "Bank",
    tax_rates: Mapping[str, Decimal] = DEFAULT_TAX_RATES,
    gst_paid_code: str = "2210",
    gst_collected_code: str = "2200",
    difference_account_code: str = "6020",
    line_key: str | None = None,
) -> Journal:
    """The balanced journal for reconciling `line` with `candidate`. Raises LedgerError with a
    Problem when the candidate cannot be posted or the lines would not balance."""
    if line.amount == 0:
        raise LedgerError.single("zero_line", "A bank line of $0.00 has nothing to reconcile")
    description = (describe_items(candidate.items) if candidate.kind == "match"
                   else " ".join(line.text.split())[:120])
    bank = JournalLine(bank_account_code, line.amount, description)
    if candidate.kind == "match":
        rest = _match_lines(line, candidate, difference_account_code, description)
    else:
        rest = _account_lines(line, candidate, tax_rates, gst_paid_code, gst_collected_code,
                              description)
    lines = tuple(ln for ln in (bank, *rest) if ln.amount != 0)
    problem = balance_problem(lines)
    if problem is not None:
        raise LedgerError((problem,))
    return Journal(line.posted, f"{narration_prefix}: {description}", lines,
                   source_type="bank", source_ref=line_key or line.bank_id,
                   idempotency_key=f"bank:{line_key}" if line_key else None)


def balance_problem(lines: tuple[JournalLine, ...]) -> Problem | None:
    """A Problem when the signed amounts do not add up to zero."""
    total = sum((ln.amount for ln in lines), ZERO)
    if total == 0:
        return None
    return Problem("unbalanced", f"The reconciliation journal is out by ${abs(total):,.2f}: the "
                                 "allocations and the difference do not add up to the bank amount")
