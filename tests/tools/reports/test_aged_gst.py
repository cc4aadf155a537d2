"""Aged receivables and payables, and the GST summary for the BAS."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.tools.reports.books import AR, BANK, GST_C, GST_P, PAYG, SALES, Books
from tools.reports.aged import aged, bucket_of
from tools.reports.gst import bas_summary, gst_summary
from tools.reports.periods import Month

D = Decimal
JUNE = Month(2026, 6)


def test_buckets_by_days_past_due() -> None:
    assert [bucket_of(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current", "current", "1_30", "1_30", "31_60", "31_60", "61_90", "61_90", "over_90"]


def test_aged_receivables_with_part_payments_and_control_account() -> None:
    b = Books()
    b.contact(1, "Acme Cafe")
    b.contact(2, "Beta Hotel")
    b.sale(1, "A-1", date(2026, 3, 1), "1000.00", paid=[(date(2026, 4, 10), "400.00")])   # due 31 Mar
    b.sale(1, "A-2", date(2026, 6, 20), "500.00")                                            # not yet due
    b.sale(2, "B-1", date(2026, 5, 1), "2000.00", paid=[(date(2026, 7, 5), "2200.00")])    # paid after June
    b.sale(2, "B-2", date(2026, 1, 1), "100.00", paid=[(date(2026, 2, 1), "110.00")])      # settled
    report = aged(b.snapshot(JUNE), "receivables")
    assert [(i.number, i.outstanding, i.days_overdue, i.bucket) for i in report.items] == [
        ("A-1", D("700.00"), 91, "over_90"), ("A-2", D("550.00"), -20, "current"),
        ("B-1", D("2200.00"), 30, "1_30")]
    assert [c.name for c in report.contacts] == ["Beta Hotel", "Acme Cafe"]   # largest first
    assert report.totals == {"current": D("550.00"), "1_30": D("2200.00"), "31_60": D("0.00"),
                             "61_90": D("0.00"), "over_90": D("700.00")}
    assert report.total == D("3450.00") and report.overdue == D("2900.00")
    assert report.control_account == AR and report.control_balance == D("3450.00") and report.difference == 0


def test_a_manual_journal_to_the_control_account_shows_as_a_difference() -> None:
    b = Books()
    b.contact(1, "Acme Cafe")
    b.sale(1, "A-1", date(2026, 6, 1), "1000.00")
    b.journal(date(2026, 6, 30), [(AR, "-50.00"), ("6020", "50.00")], "manual", "Write-off")
    report = aged(b.snapshot(JUNE), "receivables")
    assert report.total == D("1100.00") and report.difference == D("-50.00")


def test_aged_payables_natural_signs() -> None:
    b = Books()
    b.contact(5, "Coastal Ceramics")
    b.bill(5, "C-1", date(2026, 6, 10), "3000.00", due_days=14)
    report = aged(b.snapshot(JUNE), "payables")
    assert report.total == D("3300.00") == report.control_balance and report.overdue == D("3300.00")
    assert report.items[0].days_overdue == 6


def test_gst_summary_excludes_bas_settlements() -> None:
    b = Books()
    b.contact(1, "Acme Cafe")
    b.contact(5, "Coastal Ceramics")
    b.sale(1, "A-1", date(2026, 4, 3), "10000.00")
    b.sale(1, "A-2", date(2026, 5, 3), "5000.00")
    b.journal(date(2026, 5, 4), [(BANK, "300.00"), ("4000", "-300.00")], "manual", "GST-free sale",
              tax={"4000": "FRE"})
    b.bill(5, "C-1", date(2026, 4, 8), "4000.00")
    b.pay_run(date(2026, 4, 15), "8000.00", "1200.00", "960.00")
    # the January-March BAS, paid on 28 April: it moves the GST accounts but is no supply
    b.journal(date(2026, 4, 28), [(GST_C, "900.00"), (GST_P, "-300.00"), (PAYG, "500.00"), (BANK, "-1100.00")],
              "bas", "BAS Jan-Mar 2026")
    snap = b.snapshot(JUNE)
    may = gst_summary(snap, Month(2026, 5).period())
    assert (may.gst_on_sales, may.gst_on_purchases, may.net_gst) == (D("500.00"), D("0.00"), D("500.00"))
    assert may.g1 == D("5800.00")   # 5,000 taxable + 300 GST-free + 500 GST
    quarter = bas_summary(snap, JUNE.end)
    assert quarter.period.label == "Apr-Jun 2026" and quarter.due_date == date(2026, 7, 28) and quarter.complete
    assert quarter.gst_on_sales == D("1500.00") and quarter.gst_on_purchases == D("400.00")
    assert quarter.g1 == D("16800.00")
    assert (quarter.w1, quarter.w2) == (D("8000.00"), D("1200.00"))
    # 1A equals the GST collected account's movement without the settlement journal
    movement = -sum((p.amount for p in snap.postings_of(GST_C, date(2026, 4, 1), date(2026, 6, 30))
                     if p.source_type != "bas"), D(0))
    assert movement == quarter.gst_on_sales
    part = bas_summary(snap, date(2026, 5, 31))
    assert not part.complete and part.gst_on_sales == D("1500.00")
    assert bas_summary(snap, date(2026, 5, 31), "monthly").due_date == date(2026, 6, 21)
    assert SALES == "4000"
