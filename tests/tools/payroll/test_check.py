"""The pay-run check: entitlement per employee against the payslip, super on ordinary time earnings,
and each finding with its lines and clauses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.tools.payroll.helpers import shift
from tools.payroll.check import PaidRecord, PayRunInput, check_pay_run
from tools.payroll.errors import PayrollError

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 6, 14), date(2026, 6, 17))


def run(shifts, paid, period=JUNE):  # type: ignore[no-untyped-def]
    return check_pay_run(PayRunInput(*period, shifts, paid))


def test_a_sunday_paid_at_the_ordinary_casual_rate() -> None:
    check = run([shift("09:00", "15:00", day=date(2026, 6, 2), emp="E7", index=1),
                 shift("10:00", "16:00", day=date(2026, 6, 7), emp="E7", index=2)],
                [PaidRecord("E7", D("398.28"), D("47.79"), "Chloe", D(12), D("33.19"))])
    e = check.employees[0]
    assert (e.status, e.entitled_gross, e.back_pay, e.super_due, e.super_owed) == (
        "underpaid", D("477.90"), D("79.62"), D("57.35"), D("9.56"))
    codes = [f.code for f in e.findings]
    assert codes == ["wages_underpaid", "penalty_rate", "super_underpaid"]
    sunday = e.findings[1]
    assert sunday.amount == D("79.62") and "Sunday" in sunday.message and "cl 22" in sunday.clauses[0]
    assert "$33.19 paid" in sunday.message
    assert check.back_pay == D("79.62") and check.super_owed == D("9.56") and check.total_owed == D("89.18")


def test_a_missed_minimum_engagement() -> None:
    e = run([shift("10:00", "12:00", day=date(2026, 6, 5), emp="E8")],
            [PaidRecord("E8", D("66.38"), D("7.97"), hourly_rate_paid=D("33.19"))]).employees[0]
    assert (e.status, e.back_pay, e.super_owed) == ("underpaid", D("33.19"), D("3.98"))
    finding = next(f for f in e.findings if f.code == "minimum_engagement")
    assert finding.amount == D("33.19") and "cl 11.2" in finding.message


def test_super_short_paid_only() -> None:
    days = [date(2026, 6, d) for d in range(1, 6)]
    e = run([shift("09:00", "17:06", day=d, kind="full_time", cls="L3", brk=30, index=n) for n, d in enumerate(days)],
            [PaidRecord("E1", D("1048.04"), D("120.52"))]).employees[0]
    assert (e.status, e.back_pay, e.super_due, e.super_owed) == ("underpaid", D("0.00"), D("125.76"), D("5.24"))
    assert [f.code for f in e.findings] == ["super_underpaid"]
    assert "Superannuation Guarantee (Administration) Act 1992 s 19(2)" in e.findings[0].clauses


def test_a_period_is_rounded_as_a_payslip_not_shift_by_shift() -> None:
    """Ten 7.6 h shifts at $27.58: per shift $209.608 -> $209.61 (x10 = $2,096.10), but the payslip's
    76 h x $27.58 = $2,096.08 is correct and must not show as 2 cents short."""
    days = [date(2026, 6, d) for d in (1, 2, 3, 4, 5, 9, 10, 11, 12)]
    shifts = [shift("09:00", "17:06", day=d, kind="full_time", cls="L3", brk=30, index=n) for n, d in enumerate(days)]
    shifts.append(shift("09:00", "17:06", day=date(2026, 6, 8), kind="full_time", cls="L3", brk=30, index=99,
                        shift_kind="public_holiday_not_worked"))
    check = run(shifts, [PaidRecord("E1", D("2096.08"), D("251.53"))])
    e = check.employees[0]
    assert sum(r.total for r in e.shifts) == D("2096.10")
    assert (e.status, e.entitled_gross, e.super_due) == ("correct", D("2096.08"), D("251.53"))
    assert [(p.minutes, p.rate, p.amount) for p in e.pay_lines] == [(4560, D("27.58"), D("2096.08"))]


def test_overtime_is_not_ordinary_time_earnings() -> None:
    days = [date(2026, 6, d) for d in range(1, 6)]
    e = run([shift("08:00", "16:00", day=d, kind="full_time", emp="E6", index=n) for n, d in enumerate(days)],
            [PaidRecord("E6", D("1062.00"), D("127.44"), hourly_rate_paid=D("26.55"))]).employees[0]
    assert (e.entitled_gross, e.ordinary_time_earnings, e.super_due) == (D("1088.56"), D("1008.90"), D("121.07"))
    assert (e.status, e.back_pay, e.super_owed) == ("underpaid", D("26.56"), D("0.00"))
    assert any(f.code == "overtime" for f in e.findings)


def test_above_minimum_correct_not_checked_and_not_paid() -> None:
    check = run([shift("09:00", "17:00", day=date(2026, 6, 2), kind="full_time", emp="A", index=1),
                 shift("09:00", "17:00", day=date(2026, 6, 2), kind="full_time", emp="B", index=2),
                 shift("09:00", "13:00", day=date(2026, 6, 3), emp="D", index=3)],
                [PaidRecord("A", D("300.00"), D("36.00")), PaidRecord("B", D("212.40"), D("25.49")),
                 PaidRecord("C", D("500.00"), D("60.00"))])
    status = {e.employee_id: e.status for e in check.employees}
    assert status == {"A": "above_minimum", "B": "correct", "C": "not_checked", "D": "underpaid"}
    d = next(e for e in check.employees if e.employee_id == "D")
    assert d.back_pay == D("132.76") and d.findings[0].code == "not_paid"
    assert [e.employee_id for e in check.underpaid] == ["D"]


def test_the_super_rate_is_the_one_in_force_on_the_payment_date() -> None:
    check = run([shift("09:00", "17:00", day=date(2025, 7, 1), kind="full_time")],
                [PaidRecord("E1", D("212.40"), D("24.43"))], (date(2025, 7, 1), date(2025, 7, 1), date(2025, 7, 3)))
    assert check.super_rate.percent == D("12") and check.employees[0].super_owed == D("1.06")
    early = run([shift("09:00", "17:00", day=date(2025, 7, 1), kind="full_time")],
                [PaidRecord("E1", D("212.40"), D("24.43"))], (date(2025, 7, 1), date(2025, 7, 1), date(2025, 6, 30)))
    assert early.super_rate.percent == D("11.5") and early.employees[0].status == "correct"


def test_shifts_outside_the_period_are_refused_naming_them() -> None:
    with pytest.raises(PayrollError) as info:
        run([shift(day=date(2026, 6, 20), index=4)], [])
    assert info.value.codes == ("shift_outside_period",)
    assert "shift 4 (E1 2026-06-20 09:00-17:00): is outside the pay period 2026-06-01 to 2026-06-14" in str(info.value)
