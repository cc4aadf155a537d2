"""Immutable ledger data. Amounts are Decimal; a journal line's amount is signed: debit +, credit -."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

AccountType = Literal["asset", "liability", "equity", "revenue", "expense"]
ACCOUNT_TYPES: tuple[str, ...] = ("asset", "liability", "equity", "revenue", "expense")


@dataclass(frozen=True)
class TaxCode:
    code: str
    name: str
    rate: Decimal


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    type: AccountType
    subtype: str = ""
    tax_code: str | None = None
    role: str | None = None  # a system role such as "accounts_payable", unique in the chart
    active: bool = True


@dataclass(frozen=True)
class JournalLine:
    account_code: str
    amount: Decimal
    description: str = ""
    tax_code: str | None = None
    contact_id: int | None = None

    @property
    def debit(self) -> Decimal:
        return self.amount if self.amount > 0 else Decimal("0.00")

    @property
    def credit(self) -> Decimal:
        return -self.amount if self.amount < 0 else Decimal("0.00")


def dr(account_code: str, amount: Decimal, description: str = "", **kw: object) -> JournalLine:
    return JournalLine(account_code, amount, description, **kw)  # type: ignore[arg-type]


def cr(account_code: str, amount: Decimal, description: str = "", **kw: object) -> JournalLine:
    return JournalLine(account_code, -amount, description, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Journal:
    date: date
    narration: str
    lines: tuple[JournalLine, ...]
    source_type: str = "manual"
    source_ref: str | None = None
    idempotency_key: str | None = None
    reverses_journal_id: int | None = None


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    type: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    as_of: date | None
    rows: tuple[TrialBalanceRow, ...] = field(default_factory=tuple)

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), Decimal("0.00"))

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit
