"""Variance analysis: which changes are material, and what drove them.

A change (current less comparison, natural signs) is material when it is at least the amount
threshold AND at least the percentage threshold of the comparison amount (when the comparison is
zero only the amount counts). Thresholds come from settings (tools.reports.config).

Drivers explain an account's change against the prior month or the same month last year: the
account's postings in both periods grouped by contact (the supplier or customer on the line) or,
for lines without one, by the kind of journal (pay runs, bank transactions, manual journals), with
the number of journals in each period. Budgets carry no detail, so budget variances have none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tools.reports.config import ReportConfig
from tools.reports.model import LedgerSnapshot
from tools.reports.money import ZERO, change_percent
from tools.reports.periods import Period
from tools.reports.statements import (
    BUDGET,
    COMPARISONS,
    CURRENT,
    ProfitAndLoss,
    natural,
    section_of,
)

SOURCE_LABELS = {"payroll": "Pay runs", "bank": "Bank transactions", "manual": "Manual journals",
                 "bill": "Bills", "sale": "Sales invoices", "payment": "Payments",
                 "reversal": "Reversals", "bas": "BAS settlements", "super": "Super payments"}
METRIC_LABELS = {"revenue": "Revenue", "gross_profit": "Gross profit",
                 "operating_expenses": "Operating expenses", "net_profit": "Net profit",
                 "cost_of_sales": "Cost of sales", "other_income": "Other income"}
INCOME_SECTIONS = ("trading_income", "other_income")
MAX_DRIVERS = 3


@dataclass(frozen=True)
class Driver:
    kind: str                 # "contact" or "source"
    name: str
    current: Decimal
    comparison: Decimal
    count_current: int
    count_comparison: int

    @property
    def change(self) -> Decimal:
        return self.current - self.comparison


@dataclass(frozen=True)
class Variance:
    comparison: str           # prior_month | same_month_last_year | budget
    comparison_label: str
    level: str                # "account" or "total"
    key: str                  # account code, or metric name for totals
    name: str
    section: str
    current: Decimal
    comparison_amount: Decimal
    material: bool
    drivers: tuple[Driver, ...] = ()

    @property
    def change(self) -> Decimal:
        return self.current - self.comparison_amount

    @property
    def change_pct(self) -> Decimal | None:
        return change_percent(self.current, self.comparison_amount)

    @property
    def direction(self) -> str:
        if self.comparison == BUDGET:
            return "above" if self.change > 0 else "below" if self.change < 0 else "on"
        return "up" if self.change > 0 else "down" if self.change < 0 else "unchanged"

    @property
    def favourable(self) -> bool | None:
        if self.change == 0:
            return None
        income = self.section in INCOME_SECTIONS or self.key in ("revenue", "gross_profit",
                                                                  "net_profit", "other_income")
        return (self.change > 0) == income


@dataclass(frozen=True)
class VarianceAnalysis:
    amount_threshold: Decimal
    percent_threshold: Decimal
    items: tuple[Variance, ...]       # material account variances, largest change first
    totals: tuple[Variance, ...]      # headline metrics against every available comparison


def is_material(current: Decimal, comparison: Decimal, config: ReportConfig) -> bool:
    change = abs(current - comparison)
    if change == 0 or change < config.materiality_amount:
        return False
    pct = change_percent(current, comparison)
    return pct is None or abs(pct) >= config.materiality_percent


def drivers(snapshot: LedgerSnapshot, code: str, current: Period, other: Period) -> tuple[Driver, ...]:
    acc = snapshot.account_map[code]

    def grouped(period: Period) -> tuple[dict[tuple[str, str], Decimal], dict[tuple[str, str], set[int]]]:
        amounts: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        journals: dict[tuple[str, str], set[int]] = defaultdict(set)
        for p in snapshot.postings_of(code, period.start, period.end):
            if p.contact_id is not None:
                key = ("contact", snapshot.contacts.get(p.contact_id, f"Contact {p.contact_id}"))
            else:
                key = ("source", SOURCE_LABELS.get(p.source_type, p.source_type.replace("_", " ").capitalize()))
            amounts[key] += natural(acc, p.amount)
            journals[key].add(p.journal_id)
        return amounts, journals

    now, now_j = grouped(current)
    before, before_j = grouped(other)
    out = [Driver(kind, name, now.get((kind, name), ZERO), before.get((kind, name), ZERO),
                  len(now_j.get((kind, name), ())), len(before_j.get((kind, name), ())))
           for kind, name in set(now) | set(before)]
    out = [d for d in out if d.change != 0]
    out.sort(key=lambda d: (-abs(d.change), d.name))
    return tuple(out[:MAX_DRIVERS])


def analyse(snapshot: LedgerSnapshot, pnl: ProfitAndLoss, config: ReportConfig) -> VarianceAnalysis:
    columns = {c.key: c for c in pnl.columns}
    current_period = columns[CURRENT].period
    assert current_period is not None
    items: list[Variance] = []
    totals: list[Variance] = []
    for key in COMPARISONS:
        col = columns[key]
        if not col.available or col.period is None:
            continue
        for metric, label in METRIC_LABELS.items():
            now, before = pnl.metric(metric), pnl.metric(metric, key)
            if now is None or before is None:
                continue
            totals.append(Variance(key, col.label, "total", metric, label, metric, now, before,
                                   is_material(now, before, config)))
        for section in pnl.sections:
            for line in section.lines:
                now, before = line.values[CURRENT] or ZERO, line.values[key] or ZERO
                if not is_material(now, before, config):
                    continue
                found = () if key == BUDGET else drivers(snapshot, line.code, current_period, col.period)
                items.append(Variance(key, col.label, "account", line.code, line.name,
                                      section_of(snapshot.account_map[line.code]) or section.key,
                                      now, before, True, found))
    order = {k: n for n, k in enumerate(COMPARISONS)}
    items.sort(key=lambda v: (order[v.comparison], -abs(v.change), v.key))
    return VarianceAnalysis(config.materiality_amount, config.materiality_percent, tuple(items),
                            tuple(totals))
