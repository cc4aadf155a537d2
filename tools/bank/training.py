"""A bank line as it was categorised: what the categoriser learns from and rules are tried on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.bank.model import BankLine


@dataclass(frozen=True)
class TrainingExample:
    text: str
    amount: Decimal            # signed as on the statement: money in +, money out -
    posted: date
    account_code: str
    tax_code: str | None = None

    def as_line(self) -> BankLine:
        return BankLine(self.posted, self.amount, self.text)
