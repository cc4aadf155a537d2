"""The GST summary for the BAS, on the accruals basis, from the ledger's GST accounts.

* 1A (GST on sales) = credits less debits on the `gst_collected` account, and 1B (GST on purchases)
  = debits less credits on the `gst_paid` account, in the period, leaving out the journals that
  settle a BAS (source `bas`) and opening balances: those move the accounts without being GST on a
  supply. So 1A and 1B equal the accounts' movements without the settlements.
* G1 (total sales, GST included) = income lines with a reportable tax code (GST, FRE, INP, CAP:
  the line's code, else the account's), GST excluded, plus 1A.
* W1 (gross wages) = the wages account's postings from pay runs; W2 (PAYG withheld) = credits less
  debits on the `payg_withholding` account, settlements left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.reports.model import SETTLEMENT_SOURCES, LedgerSnapshot
from tools.reports.money import ZERO
from tools.reports.periods import Period, bas_due, bas_period_of

NOT_REPORTABLE = frozenset({None, "N-T"})


@dataclass(frozen=True)
class GstSummary:
    period: Period
    g1: Decimal
    gst_on_sales: Decimal       # 1A
    gst_on_purchases: Decimal   # 1B
    w1: Decimal
    w2: Decimal
    complete: bool              # the period has ended by the report date
    due_date: date | None       # the BAS due date (for a BAS period)

    @property
    def net_gst(self) -> Decimal:
        """1A less 1B: payable when positive, a refund when negative."""
        return self.gst_on_sales - self.gst_on_purchases


def _movement(snapshot: LedgerSnapshot, role: str, period: Period) -> Decimal:
    code = snapshot.roles.get(role)
    if code is None:
        return ZERO
    return sum((p.amount for p in snapshot.postings_of(code, period.start, period.end)
                if p.source_type not in SETTLEMENT_SOURCES), ZERO)


def gst_summary(snapshot: LedgerSnapshot, period: Period, *, as_of: date | None = None,
                due_date: date | None = None) -> GstSummary:
    end = min(period.end, as_of or snapshot.as_of)
    span = Period(period.start, end, period.label)
    one_a = -_movement(snapshot, "gst_collected", span)
    one_b = _movement(snapshot, "gst_paid", span)
    sales = ZERO
    for acc in snapshot.accounts:
        if acc.type != "revenue":
            continue
        for p in snapshot.postings_of(acc.code, span.start, span.end):
            if (p.tax_code or acc.tax_code) not in NOT_REPORTABLE:
                sales -= p.amount
    wages_code = snapshot.roles.get("wages")
    w1 = sum((p.amount for p in snapshot.postings_of(wages_code, span.start, span.end)
              if p.source_type == "payroll"), ZERO) if wages_code else ZERO
    w2 = -_movement(snapshot, "payg_withholding", span)
    return GstSummary(period, sales + one_a, one_a, one_b, w1, w2,
                      complete=(as_of or snapshot.as_of) >= period.end, due_date=due_date)


def bas_summary(snapshot: LedgerSnapshot, day: date, cycle: str = "quarterly") -> GstSummary:
    """The BAS period (quarter or month) containing `day`, to `day`, with its due date."""
    period = bas_period_of(day, cycle)
    return gst_summary(snapshot, period, as_of=day, due_date=bas_due(period.end, cycle))
