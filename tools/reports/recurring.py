"""Repeating cash items learned from the books: invoice streams per customer and supplier, other
regular bank journals (loan repayments, bank fees, ...), and the payroll cycle.

Rules (documented because the forecast is only as honest as they are):
* A stream needs at least 3 occurrences in the year to the forecast date (2 pay runs for payroll).
  Its cadence is the median gap between occurrences: 5-9 days weekly, 12-16 fortnightly, 26-35
  monthly, 84-98 quarterly; at least two thirds of the gaps must fall in that band, otherwise the
  item is irregular and is not projected.
* A stream whose last occurrence is more than two cadences old has stopped and is not projected.
* The amount is the mean of the last 3 occurrences (GST part likewise), to the cent.
* Monthly streams keep the day of the month of the last occurrence (clamped to the month's end);
  streams that ran on month ends stay on month ends.
* Customers' receipts come the customer's usual number of days after the invoice: the median days
  from invoice to full payment over their last 6 paid invoices; a customer with no payment history
  pays on the due date. Supplier bills are paid on their due date (their usual terms).
* An occurrence that was due within the last cadence but is not in the books yet (for example a
  supplier's bill still waiting for approval) is expected now: it is included, cash no earlier
  than the day after the forecast date.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from tools.reports.model import MODELLED_SOURCES, InvoiceRecord, LedgerSnapshot, PayRunRecord
from tools.reports.money import ZERO, cents
from tools.reports.periods import MONTH_NAMES, add_months, is_month_end

LOOKBACK_DAYS = 365
CADENCES = (("weekly", 7, 5, 9), ("fortnightly", 14, 12, 16), ("monthly", 30, 26, 35),
            ("quarterly", 91, 84, 98))
HISTORY_INVOICES = 6
_MONTH_WORDS = "|".join([m.lower() for m in MONTH_NAMES] + [m[:3].lower() for m in MONTH_NAMES])
_SIGNATURE_STRIP = re.compile(rf"\b(?:{_MONTH_WORDS})\b|[0-9]+|[^a-z ]")


@dataclass(frozen=True)
class Cadence:
    name: str
    days: int
    month_end: bool = False

    def after(self, last: date, n: int) -> date:
        """The n-th occurrence after `last`."""
        if self.name == "monthly":
            return add_months(last, n, month_end=self.month_end)
        if self.name == "quarterly":
            return add_months(last, 3 * n, month_end=self.month_end)
        return last + timedelta(days=self.days * n)


def detect_cadence(dates: Sequence[date], minimum: int = 3) -> Cadence | None:
    days = sorted(set(dates))
    if len(days) < minimum:
        return None
    gaps = [(b - a).days for a, b in pairwise(days)]
    median = statistics.median(gaps)
    for name, nominal, lo, hi in CADENCES:
        if lo <= median <= hi:
            regular = sum(lo <= g <= hi for g in gaps)
            if regular * 3 < len(gaps) * 2:
                return None
            month_end = name in ("monthly", "quarterly") and all(is_month_end(d) for d in days[-3:])
            return Cadence(name, nominal, month_end)
    return None


@dataclass(frozen=True)
class Stream:
    key: str
    kind: str                  # "sale", "bill" or "journal"
    name: str
    cadence: Cadence
    last: date
    occurrences: int
    cash: Decimal              # signed per occurrence: + money in, - money out
    gst: Decimal               # change in the net GST owed per occurrence (+ more owed)
    delay_days: int            # days from the occurrence to the cash
    basis: str                 # how it was learned, for people

    def projections(self, as_of: date, until: date) -> list[tuple[date, date]]:
        """(occurrence date, cash date) for each projected occurrence with cash by `until`. The one
        occurrence due in the last cadence but missing from the books counts as expected now."""
        out = []
        n = 1
        while True:
            when = self.cadence.after(self.last, n)
            n += 1
            if when <= as_of - timedelta(days=self.cadence.days):
                continue
            cash_day = max(when + timedelta(days=self.delay_days), as_of + timedelta(days=1))
            if cash_day > until:
                if when > until:
                    break
                continue
            out.append((when, cash_day))
        return out

    def stale(self, as_of: date) -> bool:
        return (as_of - self.last).days > 2 * self.cadence.days


def payment_delay(history: Sequence[InvoiceRecord], as_of: date) -> int | None:
    """Median days from invoice to full payment over the last paid invoices, or None."""
    settled = sorted(((inv.issue_date, s) for inv in history
                      if (s := inv.settled_on(as_of)) is not None), reverse=True)[:HISTORY_INVOICES]
    if not settled:
        return None
    return int(statistics.median_low([(paid - issued).days for issued, paid in settled]))


def invoice_streams(snapshot: LedgerSnapshot, as_of: date) -> list[Stream]:
    since = as_of - timedelta(days=LOOKBACK_DAYS)
    groups: dict[tuple[str, int], list[InvoiceRecord]] = defaultdict(list)
    for inv in snapshot.invoices:
        if since <= inv.issue_date <= as_of:
            groups[(inv.kind, inv.contact_id)].append(inv)
    out = []
    for (kind, contact_id), invoices in sorted(groups.items()):
        invoices.sort(key=lambda i: (i.issue_date, i.id))
        cadence = detect_cadence([i.issue_date for i in invoices])
        if cadence is None:
            continue
        last3 = invoices[-3:]
        total = cents(sum((i.total for i in last3), ZERO) / len(last3))
        tax = cents(sum((i.tax for i in last3), ZERO) / len(last3))
        terms = (invoices[-1].due_date - invoices[-1].issue_date).days
        name = invoices[-1].contact_name
        if kind == "sale":
            delay = payment_delay(invoices, as_of)
            basis = (f"usually paid {delay} days after the invoice (median of its last paid invoices)"
                     if delay is not None else f"no payment history: paid on its terms ({terms} days)")
            delay = terms if delay is None else delay
            cash, gst = total, tax
        else:
            delay, cash, gst = terms, -total, -tax
            basis = f"paid on its due date ({terms} days' terms)"
        stream = Stream(f"{kind}:{contact_id}", kind, name, cadence, invoices[-1].issue_date,
                        len(invoices), cash, gst, max(0, delay),
                        f"{cadence.name}, {len(invoices)} invoices in the last year; {basis}")
        if not stream.stale(as_of):
            out.append(stream)
    return out


def signature(narration: str) -> str:
    """A journal's narration without dates, numbers or punctuation: 'Loan repayment June 2026' →
    'loan repayment'."""
    return " ".join(_SIGNATURE_STRIP.sub(" ", narration.lower()).split())


def journal_streams(snapshot: LedgerSnapshot, as_of: date) -> list[Stream]:
    """Regular bank journals that are not invoices, payments, payroll or tax settlements."""
    since = as_of - timedelta(days=LOOKBACK_DAYS)
    banks = set(snapshot.bank_codes)
    gst_codes = {snapshot.roles.get("gst_collected"), snapshot.roles.get("gst_paid")} - {None}
    seen: set[int] = set()
    groups: dict[str, list[tuple[date, Decimal, Decimal]]] = defaultdict(list)
    for code in banks:
        for p in snapshot.postings_of(code, max(since, snapshot.window_start), as_of):
            if p.journal_id in seen or p.source_type in MODELLED_SOURCES:
                continue
            seen.add(p.journal_id)
            lines = snapshot.journal_lines(p.journal_id)
            cash = sum((ln.amount for ln in lines if ln.account_code in banks), ZERO)
            if cash == 0:
                continue  # a transfer between bank accounts
            gst = -sum((ln.amount for ln in lines if ln.account_code in gst_codes), ZERO)
            groups[signature(p.narration) or "unnamed"].append((p.date, cash, gst))
    out = []
    for name, rows in sorted(groups.items()):
        rows.sort()
        cadence = detect_cadence([d for d, _, _ in rows])
        if cadence is None:
            continue
        last3 = rows[-3:]
        cash = cents(sum((c for _, c, _ in last3), ZERO) / len(last3))
        gst = cents(sum((g for _, _, g in last3), ZERO) / len(last3))
        stream = Stream(f"journal:{name}", "journal", name.capitalize(), cadence, rows[-1][0],
                        len(rows), cash, gst, 0, f"{cadence.name}, {len(rows)} times in the last year")
        if not stream.stale(as_of):
            out.append(stream)
    return out


@dataclass(frozen=True)
class PayrollCycle:
    cadence: Cadence
    last: date
    net: Decimal
    payg: Decimal
    superannuation: Decimal
    runs: int

    def dates(self, as_of: date, until: date) -> list[date]:
        out, n = [], 1
        while (when := self.cadence.after(self.last, n)) <= until:
            if when > as_of:
                out.append(when)
            n += 1
        return out


def payroll_cycle(runs: Sequence[PayRunRecord], as_of: date) -> PayrollCycle | None:
    """The pay cycle from the last pay runs (at least 2), amounts the mean of the last 3."""
    past = sorted((r for r in runs if r.payment_date <= as_of), key=lambda r: r.payment_date)[-6:]
    cadence = detect_cadence([r.payment_date for r in past], minimum=2)
    if cadence is None:
        return None
    last3 = past[-3:]
    n = len(last3)
    cycle = PayrollCycle(cadence, past[-1].payment_date,
                         cents(sum((r.net for r in last3), ZERO) / n),
                         cents(sum((r.payg for r in last3), ZERO) / n),
                         cents(sum((r.superannuation for r in last3), ZERO) / n), len(past))
    if (as_of - cycle.last).days > 2 * cadence.days:
        return None
    return cycle
