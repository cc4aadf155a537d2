"""Profit and loss, balance sheet, cash position, the 12-month trend, and their reconciliation to
the trial balance. Pure functions over a `LedgerSnapshot`.

Signs: statements show natural amounts (income, expenses, assets, liabilities and equity
positive); the ledger's debit-positive balances are turned round by account type.

P&L layout (Xero/MYOB style): trading income (revenue accounts other than subtype `other_income`),
cost of sales (expense subtype `direct_costs`), gross profit, other income, operating expenses
(every other expense), net profit. Gross margin = gross profit / trading income.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tools.ledger.model import Account
from tools.reports.model import LedgerSnapshot
from tools.reports.money import ZERO, percent_of
from tools.reports.periods import Month, Period, financial_year_start, long_date

CURRENT, PRIOR, LAST_YEAR, BUDGET, YTD = (
    "current", "prior_month", "same_month_last_year", "budget", "year_to_date")
COMPARISONS = (PRIOR, LAST_YEAR, BUDGET)
SECTIONS = (("trading_income", "Trading income"), ("cost_of_sales", "Cost of sales"),
            ("other_income", "Other income"), ("operating_expenses", "Operating expenses"))
METRICS = ("revenue", "cost_of_sales", "gross_profit", "gross_margin_pct", "other_income",
           "operating_expenses", "net_profit")
Values = Mapping[str, Decimal | None]


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    available: bool
    period: Period | None = None
    reason: str | None = None


def comparisons(snapshot: LedgerSnapshot, month: Month) -> tuple[Comparison, ...]:
    """The prior month, the same month last year and the budget, each available or not (why)."""
    out = []
    for key, other in ((PRIOR, month.shift(-1)), (LAST_YEAR, month.shift(-12))):
        if snapshot.covered(other.start):
            out.append(Comparison(key, other.label, True, other.period()))
        else:
            since = snapshot.books_start or snapshot.window_start
            out.append(Comparison(key, other.label, False, other.period(),
                                  f"the books start on {long_date(since)}"))
    budget = snapshot.budget.for_month(month.key) if snapshot.budget else None
    if budget is not None:
        out.append(Comparison(BUDGET, "Budget", True, month.period()))
    else:
        out.append(Comparison(BUDGET, "Budget", False, month.period(),
                              f"no budget is set for {month.label}"))
    return tuple(out)


def section_of(account: Account) -> str | None:
    if account.type == "revenue":
        return "other_income" if account.subtype == "other_income" else "trading_income"
    if account.type == "expense":
        return "cost_of_sales" if account.subtype == "direct_costs" else "operating_expenses"
    return None


def natural(account: Account, amount: Decimal) -> Decimal:
    """Debit-positive ledger amount → the statement's natural sign for this account type."""
    return amount if account.type in ("asset", "expense") else -amount


# ----------------------------------------------------------------------------- profit and loss
@dataclass(frozen=True)
class PnlLine:
    code: str
    name: str
    section: str
    values: Values


@dataclass(frozen=True)
class PnlSection:
    key: str
    label: str
    lines: tuple[PnlLine, ...]
    totals: Values


@dataclass(frozen=True)
class ProfitAndLoss:
    month: Month
    columns: tuple[Comparison, ...]     # current, the three comparisons, year to date
    sections: tuple[PnlSection, ...]
    metrics: Mapping[str, Values]       # METRICS → column → value (None when not available)

    def metric(self, name: str, column: str = CURRENT) -> Decimal | None:
        return self.metrics[name][column]

    def line(self, code: str) -> PnlLine | None:
        return next((ln for s in self.sections for ln in s.lines if ln.code == code), None)


def pnl_period(snapshot: LedgerSnapshot, period: Period) -> dict[str, Decimal]:
    """Natural amount per P&L account for one period."""
    out: dict[str, Decimal] = {}
    for acc in snapshot.accounts:
        if section_of(acc) is None:
            continue
        amount = natural(acc, snapshot.movement(acc.code, period.start, period.end))
        if amount:
            out[acc.code] = amount
    return out


def _metrics(by_section: Mapping[str, Decimal | None]) -> dict[str, Decimal | None]:
    if any(v is None for v in by_section.values()):
        return {m: None for m in METRICS}
    s = {k: v or ZERO for k, v in by_section.items()}
    gross = s["trading_income"] - s["cost_of_sales"]
    return {"revenue": s["trading_income"], "cost_of_sales": s["cost_of_sales"],
            "gross_profit": gross, "gross_margin_pct": percent_of(gross, s["trading_income"]),
            "other_income": s["other_income"], "operating_expenses": s["operating_expenses"],
            "net_profit": gross + s["other_income"] - s["operating_expenses"]}


def profit_and_loss(snapshot: LedgerSnapshot, month: Month) -> ProfitAndLoss:
    comps = comparisons(snapshot, month)
    fy_start = financial_year_start(month.end, snapshot.organisation.financial_year_start_month)
    columns = (Comparison(CURRENT, month.label, True, month.period()), *comps,
               Comparison(YTD, "Year to date", True, Period(fy_start, month.end,
                                                             f"{long_date(fy_start)} to {long_date(month.end)}")))
    amounts: dict[str, dict[str, Decimal] | None] = {}
    for col in columns:
        if not col.available or col.period is None:
            amounts[col.key] = None
        elif col.key == BUDGET:
            budget = snapshot.budget.for_month(month.key) if snapshot.budget else None
            amounts[col.key] = {c: v for c, v in (budget or {}).items()
                                if c in snapshot.account_map and section_of(snapshot.account_map[c])}
        else:
            start = max(col.period.start, snapshot.window_start)
            amounts[col.key] = pnl_period(snapshot, Period(start, col.period.end))
    codes = sorted({c for a in amounts.values() if a for c in a})
    sections = []
    section_totals: dict[str, dict[str, Decimal | None]] = {col.key: {} for col in columns}
    for key, label in SECTIONS:
        lines = tuple(
            PnlLine(code, snapshot.account_map[code].name, key,
                    {col.key: (None if amounts[col.key] is None else amounts[col.key].get(code, ZERO))  # type: ignore[union-attr]
                     for col in columns})
            for code in codes if section_of(snapshot.account_map[code]) == key)
        totals = {col.key: None if amounts[col.key] is None else
                  sum((ln.values[col.key] or ZERO for ln in lines), ZERO) for col in columns}
        for col in columns:
            section_totals[col.key][key] = totals[col.key]
        sections.append(PnlSection(key, label, lines, totals))
    per_column = {col.key: _metrics(section_totals[col.key]) for col in columns}
    metrics = {m: {col.key: per_column[col.key][m] for col in columns} for m in METRICS}
    return ProfitAndLoss(month, columns, tuple(sections), metrics)


# ----------------------------------------------------------------------------- balance sheet
BS_GROUPS = (
    ("assets", "bank", "Bank"), ("assets", "current_assets", "Current assets"),
    ("assets", "fixed_assets", "Fixed assets"), ("assets", "other_assets", "Other assets"),
    ("liabilities", "current_liabilities", "Current liabilities"),
    ("liabilities", "non_current_liabilities", "Non-current liabilities"),
    ("equity", "equity", "Equity"),
)
CURRENT_YEAR_EARNINGS = "current_year_earnings"
EARLIER_EARNINGS = "earlier_earnings"


def _bs_group(acc: Account) -> str | None:
    if acc.type == "asset":
        if acc.subtype == "bank" or acc.role == "bank":
            return "bank"
        if acc.subtype in ("current", "inventory", "receivable"):
            return "current_assets"
        return "fixed_assets" if acc.subtype == "fixed" else "other_assets"
    if acc.type == "liability":
        return "non_current_liabilities" if acc.subtype == "non_current" else "current_liabilities"
    if acc.type == "equity":
        return "equity"
    return None


@dataclass(frozen=True)
class BsLine:
    code: str | None          # None for computed lines (current year earnings)
    name: str
    values: Values            # "current" and "prior_month" (closing of the prior month)


@dataclass(frozen=True)
class BsSection:
    key: str
    group: str                # assets | liabilities | equity
    label: str
    lines: tuple[BsLine, ...]
    totals: Values


@dataclass(frozen=True)
class BalanceSheet:
    as_of: date
    prior_as_of: date | None
    sections: tuple[BsSection, ...]
    totals: Mapping[str, Values]   # assets, liabilities, equity, net_assets

    @property
    def balanced(self) -> bool:
        t = self.totals
        return t["assets"][CURRENT] == (t["liabilities"][CURRENT] or ZERO) + (t["equity"][CURRENT] or ZERO)


def _earnings(snapshot: LedgerSnapshot, as_of: date) -> tuple[Decimal, Decimal]:
    """(current financial year's earnings to `as_of`, earlier years' earnings not yet closed into
    retained earnings), both natural (profit positive)."""
    fy_start = financial_year_start(as_of, snapshot.organisation.financial_year_start_month)
    pnl_codes = [a.code for a in snapshot.accounts if a.type in ("revenue", "expense")]
    to_date = -snapshot.balances(pnl_codes, as_of)
    before = -snapshot.balances(pnl_codes, fy_start - timedelta(days=1))
    return to_date - before, before


def balance_sheet(snapshot: LedgerSnapshot, month: Month) -> BalanceSheet:
    prior_end = month.shift(-1).end
    prior_ok = prior_end >= snapshot.window_start - timedelta(days=1)
    dates = {CURRENT: month.end, PRIOR: prior_end if prior_ok else None}
    sections = []
    for group, key, label in BS_GROUPS:
        lines: list[BsLine] = []
        for acc in snapshot.accounts:
            if _bs_group(acc) != key:
                continue
            values = {col: None if d is None else natural(acc, snapshot.balance(acc.code, d))
                      for col, d in dates.items()}
            if any(values.values()):
                lines.append(BsLine(acc.code, acc.name, values))
        if key == "equity":
            earlier = {col: None if d is None else _earnings(snapshot, d)[1] for col, d in dates.items()}
            if any(earlier.values()):
                lines.append(BsLine(None, "Earlier years' earnings not yet closed", earlier))
            lines.append(BsLine(None, "Current year earnings",
                                {col: None if d is None else _earnings(snapshot, d)[0]
                                 for col, d in dates.items()}))
        if not lines:
            continue
        subtotal = {col: None if d is None else sum((ln.values[col] or ZERO for ln in lines), ZERO)
                    for col, d in dates.items()}
        sections.append(BsSection(key, group, label, tuple(lines), subtotal))
    totals: dict[str, dict[str, Decimal | None]] = {}
    for group in ("assets", "liabilities", "equity"):
        totals[group] = {col: None if d is None else
                         sum((s.totals[col] or ZERO for s in sections if s.group == group), ZERO)
                         for col, d in dates.items()}
    totals["net_assets"] = {col: None if d is None else
                            (totals["assets"][col] or ZERO) - (totals["liabilities"][col] or ZERO)
                            for col, d in dates.items()}
    return BalanceSheet(month.end, dates[PRIOR], tuple(sections), totals)


# ----------------------------------------------------------------------------- cash position
@dataclass(frozen=True)
class CashLine:
    code: str
    name: str
    opening: Decimal
    receipts: Decimal
    payments: Decimal
    closing: Decimal


@dataclass(frozen=True)
class CashPosition:
    period: Period
    accounts: tuple[CashLine, ...]

    @property
    def total(self) -> CashLine:
        a = self.accounts
        return CashLine("", "Total", sum((x.opening for x in a), ZERO), sum((x.receipts for x in a), ZERO),
                        sum((x.payments for x in a), ZERO), sum((x.closing for x in a), ZERO))


def cash_position(snapshot: LedgerSnapshot, period: Month | Period) -> CashPosition:
    """Each bank account's opening balance, money in, money out and closing balance, for a month
    or any period the snapshot holds."""
    span = period.period() if isinstance(period, Month) else period
    lines = []
    for code in snapshot.bank_codes:
        rows = snapshot.postings_of(code, span.start, span.end)
        lines.append(CashLine(code, snapshot.account_map[code].name,
                              snapshot.balance(code, span.start - timedelta(days=1)),
                              sum((p.amount for p in rows if p.amount > 0), ZERO),
                              -sum((p.amount for p in rows if p.amount < 0), ZERO),
                              snapshot.balance(code, span.end)))
    return CashPosition(span, tuple(lines))


def period_metrics(snapshot: LedgerSnapshot, period: Period) -> dict[str, Decimal | None]:
    """Revenue, cost of sales, gross profit, gross margin, other income, operating expenses and net
    profit for any period the snapshot holds (a quarter, a year to date, a custom range)."""
    sections = {key: ZERO for key, _ in SECTIONS}
    for code, amount in pnl_period(snapshot, period).items():
        sections[section_of(snapshot.account_map[code]) or ""] += amount
    return _metrics(sections)


# ----------------------------------------------------------------------------- trend
@dataclass(frozen=True)
class TrendPoint:
    month: Month
    available: bool
    revenue: Decimal | None = None
    gross_profit: Decimal | None = None
    gross_margin_pct: Decimal | None = None
    net_profit: Decimal | None = None


def trend(snapshot: LedgerSnapshot, month: Month, months: int = 12) -> tuple[TrendPoint, ...]:
    """Revenue, gross profit, gross margin and net profit for the `months` months to `month`."""
    out = []
    for n in range(months - 1, -1, -1):
        m = month.shift(-n)
        if not snapshot.covered(m.start):
            out.append(TrendPoint(m, False))
            continue
        mt = period_metrics(snapshot, m.period())
        out.append(TrendPoint(m, True, mt["revenue"], mt["gross_profit"], mt["gross_margin_pct"],
                              mt["net_profit"]))
    return tuple(out)


# ----------------------------------------------------------------------------- reconciliation
@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    expected: str = ""
    got: str = ""


def reconcile(snapshot: LedgerSnapshot, bs: BalanceSheet, cash: CashPosition) -> tuple[Check, ...]:
    """The report against the ledger store's own trial balance (read separately)."""
    checks = []
    tb = snapshot.trial_balance
    checks.append(Check("balance_sheet_balances", bs.balanced,
                        f"assets {bs.totals['assets'][CURRENT]}",
                        f"liabilities + equity {(bs.totals['liabilities'][CURRENT] or ZERO) + (bs.totals['equity'][CURRENT] or ZERO)}"))
    if tb is None:
        return tuple(checks)
    checks.append(Check("trial_balance_balances", tb.balanced, str(tb.total_debit), str(tb.total_credit)))
    tb_bal = {r.code: r.balance for r in tb.rows}
    differ = [code for code in snapshot.account_map
              if snapshot.balance(code, bs.as_of) != tb_bal.get(code, ZERO)]
    checks.append(Check("accounts_agree_with_trial_balance", not differ, "no differences",
                        ", ".join(differ[:5]) or "no differences"))
    cy, earlier = _earnings(snapshot, bs.as_of)
    tb_pnl = -sum((r.balance for r in tb.rows if r.type in ("revenue", "expense")), ZERO)
    checks.append(Check("earnings_agree_with_trial_balance", cy + earlier == tb_pnl,
                        str(tb_pnl), str(cy + earlier)))
    tb_assets = sum((r.balance for r in tb.rows if r.type == "asset"), ZERO)
    checks.append(Check("assets_agree_with_trial_balance", tb_assets == bs.totals["assets"][CURRENT],
                        str(tb_assets), str(bs.totals["assets"][CURRENT])))
    tb_cash = sum((tb_bal.get(c, ZERO) for c in snapshot.bank_codes), ZERO)
    checks.append(Check("cash_agrees_with_trial_balance", tb_cash == cash.total.closing,
                        str(tb_cash), str(cash.total.closing)))
    return tuple(checks)
