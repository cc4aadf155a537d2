"""The 13-week rolling cash forecast, from the forecast date (the report month's last day).

Weeks are 7-day buckets starting the day after the forecast date (week 1 = days 1-7), each with
its opening balance, receipts, payments and closing balance; the week with the lowest closing
balance is flagged (the earliest if tied), with whether it is below zero or below the cash buffer.

What goes in (each item keeps the reason it is there, in `basis`):
* opening cash: the balances of the bank accounts at the forecast date;
* customer receipts: every open sales invoice, on the customer's usual payment day (median days
  from invoice to payment over their last paid invoices; the due date without history); an invoice
  already later than that is expected in week 1 (at the week's end); one more than 90 days past due
  is treated as doubtful and left out (listed under `excluded`);
* supplier payments: every open bill on its due date; overdue bills in week 1 (its first day);
* payroll: net wages on the pay cycle learned from the pay runs (tools.reports.recurring);
* superannuation: each quarter's guarantee, due 28 days after the quarter ends: the liability at the
  forecast date, less what accrued after that quarter ended, plus what the forecast pay runs accrue;
* GST and PAYG withholding (BAS): quarterly by default (due the 28th of the month after the quarter,
  28 February for Oct-Dec; PAYG with the BAS, as for small withholders), or monthly (due the 21st)
  per settings; the same liability roll-forward, with GST from the open and expected invoices
  (accruals basis) and PAYG from the forecast pay runs; a net refund is a receipt;
* recurring items learned from history: customers' and suppliers' regular invoices not yet issued,
  and regular bank journals (loan repayments, bank fees, ...), see tools.reports.recurring.
Nothing else is assumed: no new customers, no price changes, no capital spending.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tools.reports.config import ReportConfig
from tools.reports.model import SETTLEMENT_SOURCES, LedgerSnapshot
from tools.reports.money import ZERO, fmt_money
from tools.reports.periods import bas_due, long_date, period_ends_between, quarter_of, super_due
from tools.reports.recurring import (
    PayrollCycle,
    Stream,
    invoice_streams,
    journal_streams,
    payment_delay,
    payroll_cycle,
)

WEEKS = 13
DOUBTFUL_DAYS = 90
CATEGORIES: dict[str, tuple[str, str]] = {
    "customer_receipts": ("receipts", "Customer receipts (open invoices)"),
    "expected_receipts": ("receipts", "Expected sales receipts (learned)"),
    "supplier_payments": ("payments", "Supplier bills (open)"),
    "expected_payments": ("payments", "Expected bills and regular payments (learned)"),
    "payroll": ("payments", "Net wages"),
    "superannuation": ("payments", "Superannuation guarantee"),
    "gst": ("payments", "GST (BAS)"),
    "payg_withholding": ("payments", "PAYG withholding (BAS)"),
}


@dataclass(frozen=True)
class ForecastItem:
    date: date
    week: int
    category: str
    amount: Decimal        # + money in, - money out
    description: str
    basis: str


@dataclass(frozen=True)
class Week:
    number: int
    start: date
    end: date
    opening: Decimal
    receipts: Decimal
    payments: Decimal      # positive: money out
    by_category: Mapping[str, Decimal]

    @property
    def net(self) -> Decimal:
        return self.receipts - self.payments

    @property
    def closing(self) -> Decimal:
        return self.opening + self.net


@dataclass(frozen=True)
class CashForecast:
    as_of: date
    opening: Decimal
    weeks: tuple[Week, ...]
    items: tuple[ForecastItem, ...]
    excluded: tuple[ForecastItem, ...]
    streams: tuple[Stream, ...]
    payroll: PayrollCycle | None
    buffer: Decimal
    assumptions: tuple[str, ...]

    @property
    def lowest(self) -> Week:
        return min(self.weeks, key=lambda w: (w.closing, w.number))

    @property
    def below_zero(self) -> bool:
        return self.lowest.closing < 0

    @property
    def below_buffer(self) -> bool:
        return self.lowest.closing < self.buffer

    @property
    def horizon_end(self) -> date:
        return self.weeks[-1].end

    def total(self, direction: str) -> Decimal:
        return sum((w.receipts if direction == "receipts" else w.payments for w in self.weeks), ZERO)


def week_of(as_of: date, day: date) -> int:
    return (day - as_of - timedelta(days=1)).days // 7 + 1


def liability_payments(owed_at_as_of: Decimal, actual: Sequence[tuple[date, Decimal]],
                       forecast: Sequence[tuple[date, Decimal]], period_ends: Sequence[date],
                       as_of: date) -> list[tuple[date, Decimal]]:
    """What is paid for each period end, each payment clearing the liability to that date.

    The liability at a period end Q is the balance owed at the forecast date, less what accrued
    after Q up to the forecast date (`actual`), plus what the forecast accrues up to Q (`forecast`);
    each payment is that less the payments before it."""
    out: list[tuple[date, Decimal]] = []
    paid = ZERO
    for q in sorted(period_ends):
        owed = (owed_at_as_of - sum((a for d, a in actual if q < d <= as_of), ZERO)
                + sum((a for d, a in forecast if as_of < d <= q), ZERO))
        out.append((q, owed - paid))
        paid = owed
    return out


def _accruals(snapshot: LedgerSnapshot, roles: Sequence[str], since: date, as_of: date
              ) -> tuple[Decimal, list[tuple[date, Decimal]]]:
    """(liability owed at as_of, accruals by date since `since`) for liability accounts by role."""
    codes = [snapshot.roles[r] for r in roles if r in snapshot.roles]
    owed = -snapshot.balances(codes, as_of)
    accruals: list[tuple[date, Decimal]] = []
    for code in codes:
        for p in snapshot.postings_of(code, max(since, snapshot.window_start), as_of):
            if p.source_type not in SETTLEMENT_SOURCES:
                accruals.append((p.date, -p.amount))
    return owed, accruals


def cash_forecast(snapshot: LedgerSnapshot, config: ReportConfig | None = None,
                  as_of: date | None = None, weeks: int = WEEKS) -> CashForecast:
    config = config or ReportConfig()
    day0 = as_of or snapshot.as_of
    until = day0 + timedelta(days=7 * weeks)
    items: list[ForecastItem] = []
    excluded: list[ForecastItem] = []
    gst_forecast: list[tuple[date, Decimal]] = []

    def add(when: date, category: str, amount: Decimal, description: str, basis: str) -> None:
        if amount and day0 < when <= until:
            items.append(ForecastItem(when, week_of(day0, when), category, amount, description, basis))

    # open receivables, on each customer's usual payment day
    by_customer: dict[int, list] = defaultdict(list)
    for inv in snapshot.invoices:
        if inv.kind == "sale":
            by_customer[inv.contact_id].append(inv)
    for inv in sorted(snapshot.invoices, key=lambda i: (i.due_date, i.number)):
        outstanding = inv.outstanding_as_of(day0)
        if outstanding <= 0:
            continue
        if inv.kind == "sale":
            delay = payment_delay(by_customer[inv.contact_id], day0)
            expected = inv.issue_date + timedelta(days=delay) if delay is not None else inv.due_date
            basis = (f"{inv.contact_name} usually pays {delay} days after the invoice"
                     if delay is not None else f"due {long_date(inv.due_date)}; no payment history")
            if (day0 - inv.due_date).days > DOUBTFUL_DAYS:
                excluded.append(ForecastItem(inv.due_date, 0, "customer_receipts", outstanding,
                                             f"{inv.number} {inv.contact_name}",
                                             f"more than {DOUBTFUL_DAYS} days past due: doubtful"))
                continue
            if expected <= day0:
                expected = day0 + timedelta(days=7)
                basis += "; already later than that, expected within a week"
            add(expected, "customer_receipts", outstanding, f"{inv.number} {inv.contact_name}", basis)
        else:
            expected = max(inv.due_date, day0 + timedelta(days=1))
            basis = f"due {long_date(inv.due_date)}" + ("; overdue, paid in week 1" if inv.due_date <= day0 else "")
            add(expected, "supplier_payments", -outstanding, f"{inv.number} {inv.contact_name}", basis)

    # recurring items learned from history
    streams = invoice_streams(snapshot, day0) + journal_streams(snapshot, day0)
    for s in streams:
        category = "expected_receipts" if s.cash > 0 else "expected_payments"
        for occurs, cash_day in s.projections(day0, until):
            what = {"sale": "expected invoice", "bill": "expected bill"}.get(s.kind, "expected")
            add(cash_day, category, s.cash, f"{s.name} ({what} {long_date(occurs)})", s.basis)
            if s.gst:
                gst_forecast.append((max(occurs, day0 + timedelta(days=1)), s.gst))

    # payroll, and what it accrues for super and PAYG
    cycle = payroll_cycle(snapshot.pay_runs, day0)
    pay_dates = cycle.dates(day0, until) if cycle else []
    for d in pay_dates:
        assert cycle is not None
        add(d, "payroll", -cycle.net, f"Pay run {long_date(d)}",
            f"{cycle.cadence.name} pay cycle; net wages the mean of the last 3 runs")

    since = quarter_of(day0).start - timedelta(days=400)

    def schedule(roles: Sequence[str], category: str, forecast_accruals: list[tuple[date, Decimal]],
                 cycle_name: str, due: Callable[[date], date], label: Callable[[date], str]) -> None:
        owed, actual = _accruals(snapshot, roles, since, day0)
        ends = [q for q in period_ends_between(day0 - timedelta(days=120), until, cycle_name)
                if day0 < due(q) <= until]
        for q, amount in liability_payments(owed, actual, forecast_accruals, ends, day0):
            add(due(q), category, -amount, label(q),
                f"liability for the period to {long_date(q)}, due {long_date(due(q))}")

    super_accruals = [(d, cycle.superannuation) for d in pay_dates] if cycle else []
    payg_accruals = [(d, cycle.payg) for d in pay_dates] if cycle else []
    schedule(["superannuation_payable"], "superannuation", super_accruals, "quarterly", super_due,
             lambda q: f"Super guarantee, quarter to {long_date(q)}")
    schedule(["gst_collected", "gst_paid"], "gst", gst_forecast, config.gst_cycle,
             lambda q: bas_due(q, config.gst_cycle), lambda q: f"GST, BAS period to {long_date(q)}")
    schedule(["payg_withholding"], "payg_withholding", payg_accruals, config.payg_cycle,
             lambda q: bas_due(q, config.payg_cycle),
             lambda q: f"PAYG withheld, BAS period to {long_date(q)}")

    # GST accruals of the open invoices are already in the GST accounts (accruals basis).
    opening = snapshot.balances(snapshot.bank_codes, day0)
    items.sort(key=lambda i: (i.date, i.category, i.description))
    by_week: dict[int, list[ForecastItem]] = defaultdict(list)
    for item in items:
        by_week[item.week].append(item)
    out_weeks = []
    balance = opening
    for n in range(1, weeks + 1):
        start = day0 + timedelta(days=7 * (n - 1) + 1)
        rows = by_week.get(n, [])
        cats: dict[str, Decimal] = {c: ZERO for c in CATEGORIES}
        for item in rows:
            cats[item.category] += item.amount
        receipts = sum((i.amount for i in rows if i.amount > 0), ZERO)
        payments = -sum((i.amount for i in rows if i.amount < 0), ZERO)
        week = Week(n, start, start + timedelta(days=6), balance, receipts, payments, cats)
        out_weeks.append(week)
        balance = week.closing
    assumptions = _assumptions(config, cycle, streams, excluded)
    return CashForecast(day0, opening, tuple(out_weeks), tuple(items), tuple(excluded),
                        tuple(streams), cycle, config.cash_buffer, assumptions)


def _assumptions(config: ReportConfig, cycle: PayrollCycle | None, streams: Sequence[Stream],
                 excluded: Sequence[ForecastItem]) -> tuple[str, ...]:
    out = [
        ("Customers pay open invoices on their usual day (median of their last paid invoices); "
         "invoices more than 90 days past due are left out as doubtful."),
        "Open supplier bills are paid on their due date; overdue bills in week 1.",
        (f"BAS: GST {config.gst_cycle}, PAYG withholding {config.payg_cycle} "
         "(quarterly due the 28th of the month after the quarter, 28 February for October-December; "
         "monthly due the 21st), accruals basis."),
        "Superannuation guarantee paid 28 days after each quarter ends.",
    ]
    if cycle:
        out.append(f"Payroll: {cycle.cadence.name}, net wages {fmt_money(cycle.net, with_cents=True)} "
                   f"a run (mean of the last 3 runs), last paid {long_date(cycle.last)}.")
    else:
        out.append("Payroll: no regular pay cycle in the books, so no wages are forecast.")
    out.append(f"{len(streams)} recurring items learned from the last year's invoices and bank "
               "journals (amount: mean of the last 3).")
    if excluded:
        out.append(f"{len(excluded)} doubtful receivable(s) left out.")
    out.append("Nothing else is assumed: no new customers or suppliers, no capital spending, "
               "no new borrowing.")
    return tuple(out)
