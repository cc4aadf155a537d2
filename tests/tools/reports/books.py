"""Hand-built ledgers for the report kernel's tests: a `Books` builder that posts balanced journals,
invoices with payments and pay runs into an immutable `LedgerSnapshot`, on the standard chart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tools.ledger.chart import standard_accounts
from tools.ledger.model import TrialBalance
from tools.ledger.rules import trial_balance
from tools.reports.model import (
    Budget,
    InvoiceRecord,
    LedgerSnapshot,
    Organisation,
    PaymentRecord,
    PayRunRecord,
    Posting,
)
from tools.reports.periods import Month, financial_year_start

D = Decimal
BANK, AR, AP, GST_C, GST_P, PAYG, SUPER = "1100", "1200", "2100", "2200", "2210", "2300", "2310"
SALES, TRADE, COGS, RENT, WAGES, SUPER_X, FEES = "4000", "4100", "5000", "6100", "6200", "6210", "6020"


@dataclass
class Books:
    postings: list[Posting] = field(default_factory=list)
    invoices: list[InvoiceRecord] = field(default_factory=list)
    pay_runs: list[PayRunRecord] = field(default_factory=list)
    contacts: dict[int, str] = field(default_factory=dict)
    next_journal: int = 1
    next_invoice: int = 1

    def journal(self, day: date, lines: list[tuple[str, str | Decimal] | tuple[str, str | Decimal, int | None]],
                source: str = "manual", narration: str = "journal", tax: dict[str, str] | None = None) -> int:
        jid = self.next_journal
        self.next_journal += 1
        total = D(0)
        for line in lines:
            code, amount = line[0], D(str(line[1]))
            contact = line[2] if len(line) > 2 else None  # type: ignore[misc]
            total += amount
            self.postings.append(Posting(jid, day, code, amount, source, contact, (tax or {}).get(code),
                                         narration))
        assert total == 0, f"journal {jid} does not balance: {total}"
        return jid

    def contact(self, cid: int, name: str) -> int:
        self.contacts[cid] = name
        return cid

    def sale(self, cid: int, number: str, issued: date, net: str, *, due_days: int = 30,
             paid: list[tuple[date, str]] = (), account: str = SALES) -> InvoiceRecord:
        net_d = D(net)
        tax = (net_d / 10).quantize(D("0.01"))
        total = net_d + tax
        self.journal(issued, [(AR, total, cid), (account, -net_d, cid), (GST_C, -tax)], "sale",
                     f"Invoice {number}", tax={account: "GST"})
        payments = []
        for day, amount in paid:
            self.journal(day, [(BANK, D(amount)), (AR, -D(amount), cid)], "payment", f"Receipt {number}")
            payments.append(PaymentRecord(day, D(amount)))
        inv = InvoiceRecord(self.next_invoice, "sale", number, cid, self.contacts[cid], issued,
                            issued + timedelta(days=due_days), net_d, tax, total, tuple(payments))
        self.next_invoice += 1
        self.invoices.append(inv)
        return inv

    def bill(self, cid: int, number: str, issued: date, net: str, *, due_days: int = 30,
             paid: list[tuple[date, str]] = (), account: str = COGS) -> InvoiceRecord:
        net_d = D(net)
        tax = (net_d / 10).quantize(D("0.01"))
        total = net_d + tax
        self.journal(issued, [(account, net_d, cid), (GST_P, tax), (AP, -total, cid)], "bill",
                     f"Bill {number}", tax={account: "GST"})
        payments = []
        for day, amount in paid:
            self.journal(day, [(AP, D(amount), cid), (BANK, -D(amount))], "payment", f"Payment {number}")
            payments.append(PaymentRecord(day, D(amount)))
        inv = InvoiceRecord(self.next_invoice, "bill", number, cid, self.contacts[cid], issued,
                            issued + timedelta(days=due_days), net_d, tax, total, tuple(payments))
        self.next_invoice += 1
        self.invoices.append(inv)
        return inv

    def pay_run(self, paid: date, gross: str, payg: str, superannuation: str) -> None:
        g, p, s = D(gross), D(payg), D(superannuation)
        self.journal(paid, [(WAGES, g), (PAYG, -p), (BANK, -(g - p)), (SUPER_X, s), (SUPER, -s)], "payroll",
                     f"Pay run {paid}")
        self.pay_runs.append(PayRunRecord(paid, paid - timedelta(days=16), paid - timedelta(days=3), g, p, g - p, s))

    def snapshot(self, month: Month, *, window_start: date | None = None, books_start: date | None = None,
                 budget: Budget | None = None, tb: bool = True) -> LedgerSnapshot:
        start = window_start or min(month.shift(-12).start, financial_year_start(month.end))
        as_of = month.end
        opening: dict[str, Decimal] = defaultdict(Decimal)
        inside = []
        for p in self.postings:
            if p.date < start:
                opening[p.account_code] += p.amount
            elif p.date <= as_of:
                inside.append(p)
        invoices = tuple(
            InvoiceRecord(i.id, i.kind, i.number, i.contact_id, i.contact_name, i.issue_date, i.due_date,
                          i.subtotal, i.tax, i.total, tuple(p for p in i.payments if p.date <= as_of))
            for i in self.invoices if i.issue_date <= as_of)
        trial: TrialBalance | None = None
        if tb:
            sums: dict[str, Decimal] = defaultdict(Decimal)
            for p in self.postings:
                if p.date <= as_of:
                    sums[p.account_code] += p.amount
            trial = trial_balance(((a, sums.get(a.code, D("0.00"))) for a in standard_accounts()), as_of)
        openings = [p.date for p in self.postings if p.source_type == "opening"]
        first = (max(openings) + timedelta(days=1) if openings
                 else min((p.date for p in self.postings), default=None))
        return LedgerSnapshot(
            Organisation("Test Traders Pty Ltd", "53004085616"), standard_accounts(), as_of, start, dict(opening),
            tuple(inside), invoices, tuple(r for r in self.pay_runs if r.payment_date <= as_of), trial,
            books_start or first, budget, dict(self.contacts))
