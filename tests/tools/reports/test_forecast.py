"""The 13-week cash forecast over hand-built ledgers: weekly buckets, the lowest point, receipts by
each customer's payment history, bills by due date, payroll, super, BAS and PAYG dates, recurring
items learned from history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from tests.tools.reports.books import BANK, GST_C, GST_P, PAYG, RENT, SUPER, Books
from tools.reports.config import ReportConfig
from tools.reports.forecast import cash_forecast, liability_payments, week_of
from tools.reports.periods import Month
from tools.reports.recurring import (
    detect_cadence,
    invoice_streams,
    journal_streams,
    payroll_cycle,
    signature,
)

D = Decimal
JUNE = Month(2026, 6)
AS_OF = JUNE.end          # Tuesday 30 June 2026


def opening(b: Books, cash: str = "50000.00") -> None:
    b.journal(date(2025, 6, 30), [(BANK, cash), ("3100", f"-{cash}")], "opening", "Opening balances")


def items(forecast, category: str) -> list[tuple[date, Decimal, str]]:  # type: ignore[no-untyped-def]
    return [(i.date, i.amount, i.description) for i in forecast.items if i.category == category]


def test_thirteen_weekly_buckets_chain_and_the_lowest_is_flagged() -> None:
    b = Books()
    opening(b)
    b.contact(5, "Landlord")
    b.bill(5, "R-1", date(2026, 6, 20), "10000.00", due_days=30)   # due 20 July: week 3
    f = cash_forecast(b.snapshot(JUNE))
    assert len(f.weeks) == 13 and f.opening == D("50000.00")
    assert (f.weeks[0].start, f.weeks[0].end) == (date(2026, 7, 1), date(2026, 7, 7))
    assert f.weeks[-1].end == date(2026, 9, 29) == f.horizon_end
    assert all(a.closing == b_.opening for a, b_ in zip(f.weeks, f.weeks[1:]))
    assert all((w.end - w.start).days == 6 for w in f.weeks)
    assert week_of(AS_OF, date(2026, 7, 20)) == 3
    assert f.weeks[2].payments >= D("11000.00")
    low = f.lowest
    assert low.closing == min(w.closing for w in f.weeks)
    assert not f.below_zero
    assert ReportConfig().cash_buffer == 0 and not f.below_buffer
    buffered = cash_forecast(b.snapshot(JUNE), ReportConfig(cash_buffer=D("45000")))
    assert buffered.below_buffer and buffered.lowest.number == 3


def test_ties_go_to_the_earliest_week_and_overdraft_is_flagged() -> None:
    b = Books()
    opening(b, "1000.00")
    b.contact(5, "Supplier")
    b.bill(5, "S-1", date(2026, 6, 1), "2000.00", due_days=14)   # overdue: paid in week 1
    f = cash_forecast(b.snapshot(JUNE))
    assert items(f, "supplier_payments") == [(date(2026, 7, 1), D("-2200.00"), "S-1 Supplier")]
    assert f.below_zero and f.lowest.number == 1 and f.lowest.closing == D("-1200.00")


def test_receipts_follow_each_customers_payment_history() -> None:
    b = Books()
    opening(b)
    b.contact(1, "Slow Payer")
    b.contact(2, "New Customer")
    b.contact(3, "Very Late")
    # Slow Payer takes 45, 50 and 47 days: median 47
    for n, (issued, days) in enumerate(((date(2026, 1, 10), 45), (date(2026, 2, 20), 50), (date(2026, 3, 1), 47))):
        b.sale(1, f"S-{n}", issued, "1000.00", paid=[(issued + timedelta(days=days), "1100.00")])
    b.sale(1, "S-open", date(2026, 6, 10), "2000.00")      # expected 10 June + 47 = 27 July
    b.sale(2, "N-open", date(2026, 6, 15), "500.00")       # no history: its due date, 15 July
    b.sale(1, "S-late", date(2026, 5, 1), "300.00")        # 1 May + 47 = 17 June, already past: week 1's end
    b.sale(3, "V-old", date(2026, 1, 2), "800.00")         # due 1 Feb: over 90 days past due, doubtful
    f = cash_forecast(b.snapshot(JUNE))
    receipts = items(f, "customer_receipts")
    assert (date(2026, 7, 27), D("2200.00"), "S-open Slow Payer") in receipts
    assert (date(2026, 7, 15), D("550.00"), "N-open New Customer") in receipts
    assert (date(2026, 7, 7), D("330.00"), "S-late Slow Payer") in receipts
    assert [i.description for i in f.excluded] == ["V-old Very Late"]
    assert "usually pays 47 days" in next(i.basis for i in f.items if i.description == "S-open Slow Payer")


def test_payroll_super_and_paygw_on_their_dates() -> None:
    b = Books()
    opening(b, "200000.00")
    # fortnightly pay runs from 6 May; super and PAYG accrue, nothing paid since the March quarter
    for day in (date(2026, 5, 6), date(2026, 5, 20), date(2026, 6, 3), date(2026, 6, 17)):
        b.pay_run(day, "10000.00", "1500.00", "1200.00")
    f = cash_forecast(b.snapshot(JUNE))
    payroll = items(f, "payroll")
    assert [d for d, _, _ in payroll] == [date(2026, 7, 1) + timedelta(days=14 * n) for n in range(7)]
    assert all(a == D("-8500.00") for _, a, _ in payroll)
    # the April-June quarter's super (4 runs x 1,200) is due 28 July; the next quarter's not before 28 October
    assert items(f, "superannuation") == [(date(2026, 7, 28), D("-4800.00"), "Super guarantee, quarter to 30 June 2026")]
    # PAYG withheld goes with the quarterly BAS, due 28 July
    assert items(f, "payg_withholding") == [(date(2026, 7, 28), D("-6000.00"),
                                             "PAYG withheld, BAS period to 30 June 2026")]
    cycle = payroll_cycle(b.pay_runs, AS_OF)
    assert cycle is not None and cycle.cadence.name == "fortnightly" and cycle.net == D("8500.00")


def test_the_october_december_bas_is_due_28_february_with_forecast_accruals() -> None:
    b = Books()
    opening(b, "100000.00")
    b.contact(1, "Acme")
    for n, day in enumerate((date(2025, 9, 3), date(2025, 10, 3), date(2025, 11, 3))):
        b.sale(1, f"A-{n}", day, "10000.00", paid=[(day + timedelta(days=20), "11000.00")])
    b.journal(date(2025, 10, 28), [(GST_C, "1000.00"), (BANK, "-1000.00")], "bas", "BAS Jul-Sep 2025")
    dec = Month(2025, 11)
    f = cash_forecast(b.snapshot(dec))   # 30 Nov 2025 to 1 March 2026
    gst = items(f, "gst")
    # Oct-Dec: 1,000 (October) + 1,000 (November) booked + 1,000 for the December invoice expected on 3 Dec
    assert gst == [(date(2026, 2, 28), D("-3000.00"), "GST, BAS period to 31 December 2025")]
    expected = items(f, "expected_receipts")
    assert expected[0] == (date(2025, 12, 23), D("11000.00"), "Acme (expected invoice 3 December 2025)")


def test_monthly_bas_cycle_from_settings() -> None:
    b = Books()
    opening(b)
    b.contact(1, "Acme")
    b.sale(1, "A-1", date(2026, 6, 5), "10000.00", paid=[(date(2026, 6, 25), "11000.00")])
    f = cash_forecast(b.snapshot(JUNE), ReportConfig(gst_cycle="monthly"))
    assert items(f, "gst") == [(date(2026, 7, 21), D("-1000.00"), "GST, BAS period to 30 June 2026")]


def test_bas_already_paid_is_not_paid_again_and_a_refund_is_a_receipt() -> None:
    b = Books()
    opening(b)
    b.contact(5, "Big Supplier")
    b.bill(5, "C-1", date(2026, 5, 2), "20000.00", paid=[(date(2026, 6, 1), "22000.00")])
    # the March quarter was settled on 28 April with a BAS journal: only April-June remains
    b.journal(date(2026, 3, 10), [(GST_C, "-700.00"), (BANK, "700.00")], "manual", "GST adjustment")
    b.journal(date(2026, 4, 28), [(GST_C, "700.00"), (BANK, "-700.00")], "bas", "BAS Jan-Mar")
    f = cash_forecast(b.snapshot(JUNE))
    assert items(f, "gst") == [(date(2026, 7, 28), D("2000.00"), "GST, BAS period to 30 June 2026")]
    assert f.weeks[3].receipts == D("2000.00")


def test_liability_roll_forward() -> None:
    as_of = date(2026, 7, 31)
    actual = [(date(2026, 7, 15), D("100"))]               # accrued after 30 June, before the forecast date
    forecast = [(date(2026, 8, 12), D("50")), (date(2026, 10, 7), D("70"))]
    paid = liability_payments(D("400"), actual, forecast, [date(2026, 6, 30), date(2026, 9, 30)], as_of)
    assert paid == [(date(2026, 6, 30), D("300")), (date(2026, 9, 30), D("150"))]


def test_recurring_items_are_learned_from_history() -> None:
    b = Books()
    opening(b, "100000.00")
    b.contact(5, "Landlord")
    b.contact(7, "Shop Sales")
    for m in range(1, 7):                               # rent bill on the 2nd, 7 days' terms
        b.bill(5, f"R-{m}", date(2026, m, 2), "5000.00", due_days=7, account=RENT,
               paid=[(date(2026, m, 9), "5500.00")])
        b.journal(date(2026, m, 15), [("2800", "1000.00"), ("6150", "300.00"), (BANK, "-1300.00")], "bank",
                  f"Loan repayment {Month(2026, m).label}")
        end = Month(2026, m).end
        b.journal(end, [("6020", "48.50"), (BANK, "-48.50")], "bank", f"Bank fees {Month(2026, m).label}")
    day = date(2026, 5, 3)
    while day <= AS_OF:                                 # weekly till sales, paid the same day
        b.sale(7, f"POS-{day}", day, "2000.00", due_days=0, paid=[(day, "2200.00")])
        day += timedelta(days=7)
    b.journal(date(2026, 2, 3), [("6110", "900.00"), (BANK, "-900.00")], "bank", "Plumber")   # one-off
    snap = b.snapshot(JUNE)
    streams = {s.name: s for s in invoice_streams(snap, AS_OF) + journal_streams(snap, AS_OF)}
    assert set(streams) == {"Landlord", "Shop Sales", "Loan repayment", "Bank fees"}
    assert streams["Landlord"].cadence.name == "monthly" and streams["Landlord"].delay_days == 7
    assert streams["Landlord"].cash == D("-5500.00") and streams["Landlord"].gst == D("-500.00")
    assert streams["Shop Sales"].cadence.name == "weekly" and streams["Shop Sales"].delay_days == 0
    assert streams["Bank fees"].cadence.month_end
    f = cash_forecast(snap)
    expected = items(f, "expected_payments")
    assert (date(2026, 7, 9), D("-5500.00"), "Landlord (expected bill 2 July 2026)") in expected
    assert (date(2026, 7, 15), D("-1300.00"), "Loan repayment (expected 15 July 2026)") in expected
    assert (date(2026, 7, 31), D("-48.50"), "Bank fees (expected 31 July 2026)") in expected
    assert (date(2026, 8, 31), D("-48.50"), "Bank fees (expected 31 August 2026)") in expected
    receipts = items(f, "expected_receipts")
    assert len(receipts) == 13 and receipts[0][:2] == (date(2026, 7, 5), D("2200.00"))
    assert not any("Plumber" in d for _, _, d in expected)


def test_a_stopped_stream_is_not_projected_and_a_missing_one_is_expected_now() -> None:
    b = Books()
    opening(b)
    b.contact(5, "Stopped")
    b.contact(6, "Waiting")
    for m in (1, 2, 3):
        b.bill(5, f"X-{m}", date(2026, m, 10), "100.00", paid=[(date(2026, m + 1, 9), "110.00")])
    for m in (2, 3, 4, 5):   # May's bill is the last in the books; June's is waiting for approval
        b.bill(6, f"W-{m}", date(2026, m, 3), "1000.00", due_days=30, paid=[(date(2026, m + 1, 2), "1100.00")])
    f = cash_forecast(b.snapshot(JUNE))
    described = [d for _, _, d in items(f, "expected_payments")]
    assert not any(d.startswith("Stopped") for d in described)
    assert "Waiting (expected bill 3 June 2026)" in described
    assert next(i.date for i in f.items if i.description == "Waiting (expected bill 3 June 2026)") == date(2026, 7, 3)


def test_cadence_detection_and_signatures() -> None:
    monthly = [date(2026, m, 5) for m in range(1, 6)]
    assert detect_cadence(monthly).name == "monthly"  # type: ignore[union-attr]
    assert detect_cadence(monthly[:2]) is None                       # too few
    assert detect_cadence([date(2026, 1, 1), date(2026, 1, 3), date(2026, 3, 20), date(2026, 3, 21)]) is None
    assert detect_cadence([date(2026, 1, 1) + timedelta(days=14 * n) for n in range(4)]).name == "fortnightly"  # type: ignore[union-attr]
    assert signature("Loan repayment June 2026") == "loan repayment"
    assert signature("Bank fees Sep 2025 #12") == "bank fees"
    assert PAYG == "2300" and SUPER == "2310" and GST_P == "2210"


def test_forecast_from_a_snapshot_ignores_later_payments() -> None:
    b = Books()
    opening(b)
    b.contact(1, "Acme")
    b.sale(1, "A-1", date(2026, 6, 10), "1000.00", paid=[(date(2026, 7, 2), "1100.00")])
    snap = b.snapshot(JUNE)
    assert snap.invoices[0].payments == ()
    f = cash_forecast(replace(snap))
    assert items(f, "customer_receipts")[0][1] == D("1100.00")
