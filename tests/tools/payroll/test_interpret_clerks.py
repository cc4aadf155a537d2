"""Clerks—Private Sector Award [MA000002]: shifts to pay lines, worked by hand.

Span 7.00 am-7.00 pm Monday to Friday and 7.00 am-12.30 pm Saturday; overtime after the span or 10 h,
first 2 h at 150 % then 200 % (casual 175/225 %); Saturday 125 %, Sunday 200 %, public holiday 250 %
(casual +25 points: uncertain in the facts file). L1Y1 $25.74, L2Y1 $28.12, L3 $29.70, L4 $31.19, L5 $32.45.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.tools.payroll.helpers import FRI, MON, SAT, SUN, TUE, WED, lines, one, shift, uncertain
from tools.payroll.interpret import interpret

D = Decimal
C = "MA000002"


def clerk(start: str = "09:00", end: str = "17:00", **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("cls", "L1Y1")
    kw.setdefault("kind", "full_time")
    return shift(start, end, award=C, **kw)


def test_weekday_rates_and_casual_loading() -> None:
    assert lines(one(clerk(brk=30))) == [("ordinary", "7.5", "25.74", "193.05")]
    assert lines(one(clerk("09:00", "13:00", cls="L2Y1", kind="casual"))) == [("ordinary", "4", "35.15", "140.60")]
    assert one(clerk("09:00", "13:00", cls="L2Y1", kind="casual")).lines[0].clause == "cl 11.2"
    assert lines(one(clerk(cls="CCPCS", brk=30))) == [("ordinary", "7.5", "29.91", "224.33")]
    assert one(clerk()).warnings == ()


def test_no_evening_penalty_inside_the_span_but_overtime_after_7pm() -> None:
    r = one(clerk("17:00", "22:00", cls="L2Y1"))
    assert lines(r) == [("ordinary", "2", "28.12", "56.24"), ("overtime.mon_sat_first", "2", "42.18", "84.36"),
                        ("overtime.mon_sat_after", "1", "56.24", "56.24")]
    assert r.ordinary_time_earnings == D("56.24")


def test_overtime_after_ten_hours_and_tiers_counted_per_day() -> None:
    assert lines(one(clerk("07:00", "19:00", cls="L4", day=TUE))) == [
        ("ordinary", "10", "31.19", "311.90"), ("overtime.mon_sat_first", "2", "46.79", "93.58")]
    r = one(clerk("06:00", "18:00", cls="L5", day=WED))
    assert lines(r) == [("overtime.mon_sat_first", "1", "48.68", "48.68"), ("ordinary", "10", "32.45", "324.50"),
                        ("overtime.mon_sat_first", "1", "48.68", "48.68")]


def test_saturday_morning_then_overtime_after_12_30() -> None:
    r = one(clerk("09:00", "15:00", day=SAT))
    assert lines(r) == [("penalty.saturday", "3.5", "32.18", "112.63"), ("overtime.mon_sat_first", "2", "38.61", "77.22"),
                        ("overtime.mon_sat_after", "0.5", "51.48", "25.74")]
    assert any("Saturday ordinary hours" in u for u in uncertain(r))
    casual = one(clerk("11:00", "15:00", day=SAT, cls="L2Y1", kind="casual"))
    assert lines(casual) == [("penalty.saturday", "1.5", "42.18", "63.27"), ("overtime.mon_sat_first", "2", "49.21", "98.42"),
                             ("overtime.mon_sat_after", "0.5", "63.27", "31.64")]


def test_sunday_and_public_holidays_are_penalties_and_uncertain() -> None:
    sunday = one(clerk("09:00", "13:00", day=SUN, cls="L3"))
    assert lines(sunday) == [("penalty.sunday", "4", "59.40", "237.60")]
    assert sunday.ordinary_time_earnings == D("237.60") and sunday.warnings
    assert lines(one(clerk("10:00", "14:00", day=SUN, cls="L3", kind="casual"))) == [("penalty.sunday", "4", "66.83", "267.32")]
    long_sunday = one(clerk("08:00", "20:00", day=SUN, cls="L5"))
    assert lines(long_sunday) == [("penalty.sunday", "10", "64.90", "649.00"), ("overtime.sunday", "2", "64.90", "129.80")]
    xmas = one(clerk(day=date(2025, 12, 25), brk=30))
    assert lines(xmas) == [("penalty.public_holiday", "7.5", "64.35", "482.63")]
    wa = one(clerk("09:00", "13:00", day=date(2026, 4, 27), cls="L1Y3", kind="casual", state="WA"))
    qld = one(clerk("09:00", "13:00", day=date(2026, 4, 27), cls="L1Y3", kind="casual", state="QLD"))
    assert lines(wa) == [("penalty.public_holiday", "4", "76.42", "305.68")]
    assert lines(qld) == [("ordinary", "4", "34.74", "138.96")]


def test_minimum_engagement_is_uncertain_for_clerks() -> None:
    r = one(clerk("10:00", "12:00", kind="casual"))
    assert lines(r) == [("ordinary", "2", "32.18", "64.36"), ("minimum_engagement.ordinary", "1", "32.18", "32.18")]
    assert "MA000002 casual minimum engagement 3 hours" in uncertain(r)
    evening = one(clerk("18:00", "19:00", kind="casual"))
    assert lines(evening) == [("ordinary", "1", "32.18", "32.18"), ("minimum_engagement.ordinary", "2", "32.18", "64.36")]


def test_casual_hours_outside_the_span_are_overtime_and_flagged() -> None:
    r = one(clerk("19:00", "23:00", kind="casual"))
    assert lines(r) == [("overtime.mon_sat_first", "2", "45.05", "90.10"), ("overtime.mon_sat_after", "2", "57.92", "115.84")]
    assert "MA000002 casual hours outside the span paid as overtime" in uncertain(r)


def test_weekly_overtime_after_38_hours() -> None:
    week = [clerk("08:00", "16:00", day=d, cls="L3", index=n) for n, d in
            enumerate((MON, TUE, WED, date(2025, 7, 10), FRI), 1)]
    results = interpret(week)
    assert lines(results[4]) == [("ordinary", "6", "29.70", "178.20"), ("overtime.mon_sat_first", "2", "44.55", "89.10")]
    assert sum(r.total for r in results) == D("1217.70")


def test_juniors() -> None:
    assert one(clerk("09:00", "13:00", kind="casual", age=17)).lines[0].rate == D("19.31")  # 15.45 x 1.25
    assert one(clerk(cls="L2Y1", brk=30, age=19)).total == D("168.68")                    # 22.49 x 7.5
    assert one(clerk("09:00", "13:00", kind="casual", age=20)).lines[0].base_rate == D("23.17")
    assert one(clerk("09:00", "13:00", kind="casual", age=20)).warnings == ()  # Clerks juniors: SECONDARY


def test_midnight_crossing_overtime() -> None:
    r = one(clerk("22:00", "02:00", day=FRI, end_date=SAT))
    assert lines(r) == [("overtime.mon_sat_first", "2", "38.61", "77.22"), ("overtime.mon_sat_after", "2", "51.48", "102.96")]
    casual = one(clerk("22:00", "02:00", day=SAT, end_date=SUN, kind="casual"))
    assert lines(casual) == [("overtime.mon_sat_first", "2", "45.05", "90.10"), ("penalty.sunday", "2", "57.92", "115.84")]


def test_part_day_public_holiday_in_sa() -> None:
    r = one(clerk("16:00", "20:00", cls="L2Y1", day=date(2025, 12, 24), state="SA"))
    assert lines(r) == [("ordinary", "3", "28.12", "84.36"), ("penalty.public_holiday", "1", "70.30", "70.30")]
