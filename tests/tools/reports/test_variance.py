"""Variance analysis: materiality from settings, drivers by supplier, customer and pay run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.tools.reports.books import COGS, RENT, SALES, WAGES, Books
from tools.reports.config import ReportConfig
from tools.reports.model import Budget
from tools.reports.periods import Month
from tools.reports.statements import profit_and_loss
from tools.reports.variance import analyse, is_material

D = Decimal
MAY = Month(2026, 5)


def books() -> Books:
    b = Books()
    b.journal(date(2025, 6, 30), [("1100", "50000.00"), ("3100", "-50000.00")], "opening", "Opening balances")
    for cid, name in ((1, "Acme Cafe"), (2, "Beta Hotel"), (5, "Coastal Ceramics"), (6, "Linen Co")):
        b.contact(cid, name)
    # April
    b.sale(1, "A-4", date(2026, 4, 5), "10000.00")
    b.sale(2, "B-4", date(2026, 4, 6), "6000.00")
    b.bill(5, "C-4", date(2026, 4, 7), "5000.00")
    b.bill(6, "L-4", date(2026, 4, 8), "2000.00")
    for day in (date(2026, 4, 8), date(2026, 4, 22)):
        b.pay_run(day, "10000.00", "1500.00", "1200.00")
    b.journal(date(2026, 4, 15), [(RENT, "3000.00"), ("1100", "-3000.00")], "bank", "Rent")
    # May: Acme buys more, Coastal's bill is missing, three pay runs
    b.sale(1, "A-5", date(2026, 5, 5), "15000.00")
    b.sale(1, "A-5b", date(2026, 5, 19), "1000.00")
    b.sale(2, "B-5", date(2026, 5, 6), "6100.00")
    b.bill(6, "L-5", date(2026, 5, 8), "2100.00")
    for day in (date(2026, 5, 6), date(2026, 5, 20), date(2026, 5, 31)):
        b.pay_run(day, "10000.00", "1500.00", "1200.00")
    b.journal(date(2026, 5, 15), [(RENT, "3050.00"), ("1100", "-3050.00")], "bank", "Rent")
    return b


def test_materiality_needs_both_the_amount_and_the_percentage() -> None:
    cfg = ReportConfig(materiality_amount=D("1000"), materiality_percent=D("10"))
    assert is_material(D("12000"), D("10000"), cfg)           # $2,000 and 20 %
    assert not is_material(D("100900"), D("100000"), cfg)     # $900
    assert not is_material(D("105000"), D("100000"), cfg)     # $5,000 but 5 %
    assert is_material(D("1500"), D("0"), cfg)                # no base: the amount decides
    assert not is_material(D("500"), D("500"), cfg)


def test_material_changes_and_their_drivers() -> None:
    snap = books().snapshot(MAY)
    pnl = profit_and_loss(snap, MAY)
    analysis = analyse(snap, pnl, ReportConfig())
    items = {v.key: v for v in analysis.items if v.comparison == "prior_month"}
    assert set(items) == {SALES, COGS, WAGES, "6210"}           # rent moved $50: not material
    sales = items[SALES]
    assert (sales.current, sales.comparison_amount, sales.change) == (D("22100.00"), D("16000.00"), D("6100.00"))
    assert sales.direction == "up" and sales.favourable is True and sales.change_pct == D("38.1250")
    acme = sales.drivers[0]
    assert (acme.kind, acme.name, acme.change, acme.count_current, acme.count_comparison) == (
        "contact", "Acme Cafe", D("6000.00"), 2, 1)
    assert [d.name for d in sales.drivers] == ["Acme Cafe", "Beta Hotel"]
    cogs = items[COGS]
    assert cogs.direction == "down" and cogs.favourable is True
    assert cogs.drivers[0].name == "Coastal Ceramics" and cogs.drivers[0].count_current == 0
    wages = items[WAGES]
    assert wages.change == D("10000.00") and wages.favourable is False
    assert (wages.drivers[0].kind, wages.drivers[0].name, wages.drivers[0].count_current,
            wages.drivers[0].count_comparison) == ("source", "Pay runs", 3, 2)
    # largest change first
    assert [v.key for v in analysis.items] == [WAGES, SALES, COGS, "6210"]
    totals = {v.key: v for v in analysis.totals}
    assert totals["net_profit"].level == "total" and totals["revenue"].material


def test_thresholds_come_from_settings_by_name() -> None:
    settings = SimpleNamespace(report_materiality_amount="20000", report_materiality_percent=5,
                               report_cash_buffer="5000.00", report_gst_cycle="monthly")
    cfg = ReportConfig.from_settings(settings)
    assert (cfg.materiality_amount, cfg.materiality_percent, cfg.cash_buffer, cfg.gst_cycle, cfg.payg_cycle) == (
        D("20000"), D("5"), D("5000.00"), "monthly", "quarterly")
    snap = books().snapshot(MAY)
    assert analyse(snap, profit_and_loss(snap, MAY), cfg).items == ()
    assert ReportConfig.from_settings(None) == ReportConfig()
    with pytest.raises(ValueError, match="gst_cycle"):
        ReportConfig(gst_cycle="yearly")


def test_budget_variances_have_no_drivers() -> None:
    snap = books().snapshot(MAY, budget=Budget({"2026-05": {SALES: D("20000.00"), RENT: D("2000.00")}}))
    analysis = analyse(snap, profit_and_loss(snap, MAY), ReportConfig())
    budget = {v.key: v for v in analysis.items if v.comparison == "budget"}
    assert budget[RENT].direction == "above" and budget[RENT].change == D("1050.00") and budget[RENT].drivers == ()
    assert budget[SALES].direction == "above" and budget[SALES].comparison_label == "Budget"
