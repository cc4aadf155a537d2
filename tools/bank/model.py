"""Immutable bank-statement data. Amounts are Decimal and signed from the business's side:
money in (a deposit, a receipt) is positive, money out (a payment, a fee) is negative."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tools.ledger.problems import Problem


@dataclass(frozen=True)
class BankLine:
    posted: date
    amount: Decimal
    description: str
    bank_id: str | None = None          # the bank's own transaction id (OFX FITID, camt AcctSvcrRef)
    payee: str = ""                     # counterparty name when the format carries one
    reference: str = ""                 # remitter's or end-to-end reference
    balance: Decimal | None = None      # running balance after this line, when the bank gives it
    kind: str = ""                      # the bank's transaction type (DEBIT, FEE, XFER, camt domain)

    @property
    def text(self) -> str:
        """Everything a person or the matcher reads: payee, description and reference, each once
        (a QIF payee is often the memo cut at 32 characters: the memo alone is said)."""
        parts = list(dict.fromkeys(p for p in (self.payee, self.description, self.reference) if p))
        folded = [" ".join(p.split()).upper() for p in parts]
        return " ".join(p for n, p in enumerate(parts)
                        if not any(m != n and folded[n] in other for m, other in enumerate(folded)))

    @property
    def stored_text(self) -> str:
        """What the re-import key hashes: every field as given (kept as it always was, so a
        statement imported before still finds its lines)."""
        return " ".join(dict.fromkeys(p for p in (self.payee, self.description, self.reference) if p))


@dataclass(frozen=True)
class Statement:
    format: str                          # "ofx", "qif", "camt053", "mt940", "csv:cba", "csv:mapped"...
    account: str | None                  # the account as the bank names it (BSB + number, IBAN)
    currency: str | None
    lines: tuple[BankLine, ...]
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    warnings: tuple[Problem, ...] = field(default=())  # readable but odd: a skipped row, a bad date


class BankFileError(Exception):
    """A file we will not read. `code` is stable for programs; `message` is for a bookkeeper and
    names the row or element where that helps."""

    def __init__(self, code: str, message: str, *, row: int | None = None) -> None:
        self.code, self.message, self.row = code, message, row
        super().__init__(message)


def line_basis(account: str, line: BankLine) -> str:
    """What a line's key is made of, but for its occurrence: lines with one basis are the same
    line as far as the bank's file says."""
    if line.bank_id:
        return f"id|{account}|{line.bank_id}"
    balance = "" if line.balance is None else f"{line.balance:.2f}"
    return (f"h|{account}|{line.posted.isoformat()}|{line.amount:.2f}|"
            f"{' '.join(line.stored_text.split()).upper()}|{balance}")


def line_key(account: str, line: BankLine, occurrence: int = 0, *, basis: str | None = None) -> str:
    """The key that makes re-importing an overlapping statement a no-op: the bank's id when it has
    one, otherwise a hash of what the line says (date, amount, description, running balance) and
    which occurrence of that same line it is within its file, so two identical coffees on one day
    stay two lines while the same statement read twice stays one. `basis` is `line_basis`, when
    the caller has it already."""
    basis = basis or line_basis(account, line)
    if not basis.startswith("id|"):
        basis = f"{basis}|{occurrence}"
    return hashlib.sha256(basis.encode()).hexdigest()[:32]
