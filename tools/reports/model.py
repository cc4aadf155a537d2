"""The kernel's inputs: what the ledger held at the end of the reporting period, as immutable values.

`memory.report_queries.load_snapshot` reads these from the database; tests build them by hand.
Amounts are Decimal and signed the ledger's way (debit positive, credit negative) on postings;
invoice, payment and pay-run amounts are positive as documents show them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from tools.ledger.model import Account, TrialBalance
from tools.reports.money import ZERO

# Journals that clear a tax liability rather than create it: they are left out of the GST summary
# and of the liability accruals the forecast learns from.
SETTLEMENT_SOURCES = frozenset({"bas", "super", "opening"})
# Journals the forecast models explicitly (open items, payroll, BAS, super): not "recurring".
MODELLED_SOURCES = frozenset({"payment", "payroll", "bas", "super", "opening", "sale", "bill"})


@dataclass(frozen=True)
class Organisation:
    name: str
    abn: str | None = None
    financial_year_start_month: int = 7
    gst_registered: bool = True


@dataclass(frozen=True)
class Posting:
    """One posted journal line with its journal's date, source and narration."""

    journal_id: int
    date: date
    account_code: str
    amount: Decimal                 # debit +, credit -
    source_type: str = "manual"
    contact_id: int | None = None
    tax_code: str | None = None
    narration: str = ""


@dataclass(frozen=True)
class PaymentRecord:
    date: date
    amount: Decimal


@dataclass(frozen=True)
class InvoiceRecord:
    """A posted bill or sales invoice with the payments recorded against it."""

    id: int
    kind: Literal["bill", "sale"]
    number: str
    contact_id: int
    contact_name: str
    issue_date: date
    due_date: date
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    payments: tuple[PaymentRecord, ...] = ()

    def paid_as_of(self, day: date) -> Decimal:
        return sum((p.amount for p in self.payments if p.date <= day), ZERO)

    def outstanding_as_of(self, day: date) -> Decimal:
        return self.total - self.paid_as_of(day) if self.issue_date <= day else ZERO

    def settled_on(self, as_of: date) -> date | None:
        """The date the payments (up to `as_of`) first covered the total, if they did."""
        paid = ZERO
        for p in sorted(self.payments, key=lambda p: p.date):
            if p.date > as_of:
                break
            paid += p.amount
            if paid >= self.total:
                return p.date
        return None


@dataclass(frozen=True)
class PayRunRecord:
    payment_date: date
    period_start: date
    period_end: date
    gross: Decimal
    payg: Decimal
    net: Decimal
    superannuation: Decimal


@dataclass(frozen=True)
class Budget:
    """Monthly budget amounts by account code, in natural signs (income and expenses positive).

    JSON form (HOME/budget.json or `--budget FILE`):
    {"version": 1, "months": {"2026-06": {"4000": "150000.00", "6100": "12500.00"}}}"""

    months: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)

    def for_month(self, key: str) -> Mapping[str, Decimal] | None:
        return self.months.get(key)


@dataclass(frozen=True)
class BankFeedState:
    """A bank feed at the report's date: reconciled up to which day, and what is still open."""
    account_code: str
    name: str
    reconciled_to: date | None
    open_lines: int
    open_amount: Decimal
    statement_balance: Decimal | None     # the bank's running balance on its last line by then

    @property
    def sentence(self) -> str:
        when = f"{self.reconciled_to.day} {self.reconciled_to:%B %Y}" if self.reconciled_to else "no date yet"
        return (f"{self.account_code} {self.name}: bank reconciled to {when}, "
                f"{self.open_lines} line{'s' if self.open_lines != 1 else ''} open")


@dataclass(frozen=True)
class LedgerSnapshot:
    """Everything a monthly report reads, as at `as_of` (the period's last day).

    `postings` hold every posted line dated `window_start`..`as_of`; `opening_balances` the
    balance of each account at the end of the day before `window_start`. `invoices` are those
    issued by `as_of` that were still open at `window_start` or issued since (payments after
    `as_of` excluded). `trial_balance` comes from the ledger store itself, for reconciliation."""

    organisation: Organisation
    accounts: tuple[Account, ...]
    as_of: date
    window_start: date
    opening_balances: Mapping[str, Decimal]
    postings: tuple[Posting, ...]
    invoices: tuple[InvoiceRecord, ...] = ()
    pay_runs: tuple[PayRunRecord, ...] = ()
    trial_balance: TrialBalance | None = None
    books_start: date | None = None
    budget: Budget | None = None
    contacts: Mapping[int, str] = field(default_factory=dict)   # contact id → name
    bank_feeds: tuple[BankFeedState, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "opening_balances", MappingProxyType(dict(self.opening_balances)))
        object.__setattr__(self, "contacts", MappingProxyType(dict(self.contacts)))

    # -- indexes (computed once per snapshot) ---------------------------------------------------
    @cached_property
    def account_map(self) -> Mapping[str, Account]:
        return MappingProxyType({a.code: a for a in self.accounts})

    @cached_property
    def roles(self) -> Mapping[str, str]:
        return MappingProxyType({a.role: a.code for a in self.accounts if a.role})

    @cached_property
    def bank_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.accounts if a.subtype == "bank" or a.role == "bank")

    @cached_property
    def _by_account(self) -> Mapping[str, tuple[Posting, ...]]:
        out: dict[str, list[Posting]] = defaultdict(list)
        for p in sorted(self.postings, key=lambda p: (p.date, p.journal_id)):
            out[p.account_code].append(p)
        return MappingProxyType({k: tuple(v) for k, v in out.items()})

    @cached_property
    def _by_journal(self) -> Mapping[int, tuple[Posting, ...]]:
        out: dict[int, list[Posting]] = defaultdict(list)
        for p in self.postings:
            out[p.journal_id].append(p)
        return MappingProxyType({k: tuple(v) for k, v in out.items()})

    def postings_of(self, code: str, start: date | None = None, end: date | None = None
                    ) -> tuple[Posting, ...]:
        rows = self._by_account.get(code, ())
        if start is None and end is None:
            return rows
        lo, hi = start or date.min, end or date.max
        return tuple(p for p in rows if lo <= p.date <= hi)

    def journal_lines(self, journal_id: int) -> tuple[Posting, ...]:
        return self._by_journal.get(journal_id, ())

    def movement(self, code: str, start: date, end: date) -> Decimal:
        self._covers(start)
        return sum((p.amount for p in self.postings_of(code, start, end)), ZERO)

    def balance(self, code: str, as_of: date) -> Decimal:
        """Debit-positive balance at the end of `as_of` (not earlier than the day before the window)."""
        opening = self.opening_balances.get(code, ZERO)
        if as_of < self.window_start:
            if (self.window_start - as_of).days > 1:
                raise ValueError(f"the snapshot has no balances before {self.window_start}")
            return opening
        return opening + sum((p.amount for p in self.postings_of(code, self.window_start, as_of)), ZERO)

    def balances(self, codes: Iterable[str], as_of: date) -> Decimal:
        return sum((self.balance(c, as_of) for c in codes), ZERO)

    def _covers(self, start: date) -> None:
        if start < self.window_start:
            raise ValueError(f"the snapshot holds postings from {self.window_start}, not {start}")

    def covered(self, start: date) -> bool:
        """Whether the books hold this period: it starts on or after the books start and the
        snapshot's window."""
        if start < self.window_start:
            return False
        return self.books_start is None or start >= self.books_start
