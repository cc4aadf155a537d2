"""Profit and loss, balance sheet, cash position, trend and reconciliation over hand-built books."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.tools.reports.books import AP, AR, BANK, COGS, FEES, RENT, SALES, TRADE, Books
from tools.ledger.model import TrialBalance, TrialBalanceRow
from tools.reports import statements as st
from tools.reports.model import Budget
from tools.reports.periods import Month

D = Decimal
MARCH = Month(2026, 3)


def books() -> Books:
    b = Books()
    b.contact(1, "Acme Cafe")
    b.contact(2, "Coastal Ceramics")
    b.journal(date(2025, 6, 30), [(BANK, "10000.00"), ("3100", "-10000.00")], "opening", "Opening balances")
    # February
    b.sale(1, "INV-1", date(2026, 2, 5), "5000.00", paid=[(date(2026, 2, 20), "5500.00")])
    b.bill(2, "B-1", date(2026, 2, 6), "2000.00", paid=[(date(2026, 2, 25), "2200.00")])
    b.journal(date(2026, 2, 15), [(RENT, "1000.00"), (BANK, "-1000.00")], "bank", "Rent February 2026")
    # March
    b.sale(1, "INV-2", date(2026, 3, 5), "8000.00", account=TRADE)
    b.sale(1, "INV-3", date(2026, 3, 9), "2000.00")
    b.bill(2, "B-2", date(2026, 3, 6), "3000.00")
    b.journal(date(2026, 3, 15), [(RENT, "1000.00"), (BANK, "-1000.00")], "bank", "Rent March 2026")
    b.journal(date(2026, 3, 31), [(FEES, "48.50"), (BANK, "-48.50")], "bank", "Bank fees March 2026")
    return b


def test_profit_and_loss_sections_metrics_and_comparisons() -> None:
    snap = books().snapshot(MARCH)
    pnl = st.profit_and_loss(snap, MARCH)
    assert [s.key for s in pnl.sections] == ["trading_income", "cost_of_sales", "other_income", "operating_expenses"]
    assert [ln.code for ln in pnl.sections[0].lines] == [SALES, TRADE]
    m = pnl.metrics
    assert m["revenue"]["current"] == D("10000.00") and m["revenue"]["prior_month"] == D("5000.00")
    assert m["cost_of_sales"]["current"] == D("3000.00")
    assert m["gross_profit"]["current"] == D("7000.00")
    assert m["gross_margin_pct"]["current"] == D("70.0000") and m["gross_margin_pct"]["prior_month"] == D("60.0000")
    assert m["operating_expenses"]["current"] == D("1048.50")
    assert m["net_profit"]["current"] == D("5951.50") and m["net_profit"]["prior_month"] == D("2000.00")
    assert m["net_profit"]["year_to_date"] == D("7951.50")
    # the books start on 1 July 2025: March 2025 is not available, nor is a budget
    cols = {c.key: c for c in pnl.columns}
    assert cols["same_month_last_year"].available is False
    assert cols["same_month_last_year"].reason == "the books start on 1 July 2025"
    assert m["net_profit"]["same_month_last_year"] is None
    assert cols["budget"].available is False and cols["budget"].reason == "no budget is set for March 2026"
    line = pnl.line(SALES)
    assert line is not None and line.values["budget"] is None and line.values["current"] == D("2000.00")


def test_a_budget_fills_its_column_and_missing_accounts_are_zero() -> None:
    budget = Budget({"2026-03": {SALES: D("4000.00"), TRADE: D("7000.00"), RENT: D("1200.00"), COGS: D("3500.00")}})
    snap = books().snapshot(MARCH, budget=budget)
    pnl = st.profit_and_loss(snap, MARCH)
    assert pnl.metric("revenue", "budget") == D("11000.00")
    assert pnl.metric("net_profit", "budget") == D("6300.00")
    assert pnl.line(FEES).values["budget"] == D("0")  # type: ignore[union-attr]


def test_balance_sheet_balances_with_current_year_earnings() -> None:
    snap = books().snapshot(MARCH)
    bs = st.balance_sheet(snap, MARCH)
    assert bs.balanced
    t = bs.totals
    assert t["assets"]["current"] == t["liabilities"]["current"] + t["equity"]["current"]
    equity = {ln.name: ln.values["current"] for s in bs.sections if s.group == "equity" for ln in s.lines}
    assert equity["Current year earnings"] == D("7951.50")
    assert equity["Owner's Capital"] == D("10000.00")
    ar = next(ln for s in bs.sections for ln in s.lines if ln.code == AR)
    assert ar.values["current"] == D("11000.00") and ar.values["prior_month"] == D("0.00")
    ap = next(ln for s in bs.sections for ln in s.lines if ln.code == AP)
    assert ap.values["current"] == D("3300.00")
    assert bs.prior_as_of == date(2026, 2, 28)
    assert t["assets"]["prior_month"] == t["liabilities"]["prior_month"] + t["equity"]["prior_month"]


def test_earlier_years_not_closed_show_in_equity() -> None:
    b = books()
    b.journal(date(2025, 5, 10), [(BANK, "500.00"), ("4300", "-500.00")], "manual", "Old income")
    snap = b.snapshot(MARCH)
    bs = st.balance_sheet(snap, MARCH)
    assert bs.balanced
    equity = {ln.name: ln.values["current"] for s in bs.sections if s.group == "equity" for ln in s.lines}
    assert equity["Earlier years' earnings not yet closed"] == D("500.00")


def test_cash_position_per_bank_account() -> None:
    cash = st.cash_position(books().snapshot(MARCH), MARCH)
    cheque = next(a for a in cash.accounts if a.code == BANK)
    assert cheque.opening == D("12300.00")  # 10,000 + 5,500 - 2,200 - 1,000
    assert (cheque.receipts, cheque.payments) == (D("0.00"), D("1048.50"))
    assert cheque.closing == D("11251.50") == cash.total.closing
    assert {a.code for a in cash.accounts} == {"1100", "1110"}


def test_trend_marks_months_before_the_books_as_not_available() -> None:
    points = st.trend(books().snapshot(MARCH), MARCH)
    assert len(points) == 12 and points[-1].month == MARCH
    assert [p.available for p in points] == [False] * 3 + [True] * 9   # Apr-Jun 2025 precede the books
    assert points[-1].revenue == D("10000.00") and points[-2].gross_margin_pct == D("60.0000")
    assert points[0].revenue is None


def test_reconciliation_agrees_and_catches_a_trial_balance_that_differs() -> None:
    snap = books().snapshot(MARCH)
    bs, cash = st.balance_sheet(snap, MARCH), st.cash_position(snap, MARCH)
    checks = st.reconcile(snap, bs, cash)
    assert all(c.ok for c in checks), checks
    assert {c.name for c in checks} >= {"balance_sheet_balances", "trial_balance_balances",
                                         "accounts_agree_with_trial_balance", "earnings_agree_with_trial_balance",
                                         "cash_agrees_with_trial_balance"}
    tb = snap.trial_balance
    assert tb is not None
    rows = tuple(TrialBalanceRow(r.code, r.name, r.type, r.debit + (D("1.00") if r.code == BANK else 0), r.credit)
                 for r in tb.rows)
    bad = replace(snap, trial_balance=TrialBalance(tb.as_of, rows))
    failed = {c.name for c in st.reconcile(bad, bs, cash) if not c.ok}
    assert failed == {"trial_balance_balances", "accounts_agree_with_trial_balance",
                      "assets_agree_with_trial_balance", "cash_agrees_with_trial_balance"}


def test_a_snapshot_refuses_periods_it_does_not_hold() -> None:
    snap = books().snapshot(MARCH)
    with pytest.raises(ValueError, match="holds postings from"):
        snap.movement(BANK, date(2024, 1, 1), date(2024, 1, 31))
    with pytest.raises(ValueError, match="no balances before"):
        snap.balance(BANK, date(2024, 1, 1))


def test_any_period_the_snapshot_holds() -> None:
    from tools.reports.periods import Period

    snap = books().snapshot(MARCH)
    quarter = Period(date(2026, 1, 1), date(2026, 3, 31), "Jan-Mar 2026")
    m = st.period_metrics(snap, quarter)
    assert m["revenue"] == D("15000.00") and m["net_profit"] == D("7951.50")
    cash = st.cash_position(snap, quarter)
    assert cash.total.opening == D("10000.00") and cash.total.closing == D("11251.50")
    assert cash.total.receipts == D("5500.00")
