"""General Retail Industry Award [MA000004]: shifts to pay lines, worked by hand from the pay guide.

Base rates L1 $26.55, L2 $27.16; casual 125 % $33.19; evening/Saturday 125 % $33.19 (casual 150 %
$39.83); Sunday 150 % $39.83 (casual 175 % $46.46); public holiday 225 % $59.74 (casual 250 % $66.38).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from tests.tools.payroll.helpers import FRI, MON, SAT, SUN, TUE, WED, lines, one, shift, uncertain
from tools.payroll.interpret import interpret

D = Decimal


def test_weekday_full_time_part_time_and_casual() -> None:
    assert lines(one(shift(kind="full_time", brk=30))) == [("ordinary", "7.5", "26.55", "199.13")]
    assert lines(one(shift("09:00", "15:00", cls="L2", kind="part_time"))) == [("ordinary", "6", "27.16", "162.96")]
    casual = one(shift("09:00", "14:00"))
    assert lines(casual) == [("ordinary", "5", "33.19", "165.95")]
    ln = casual.lines[0]
    assert (ln.base_rate, ln.multiplier, ln.kind) == (D("26.55"), D("1.25"), "ordinary")
    assert "cl 11" in ln.clause and ln.ordinary_time


def test_evening_after_6pm_splits_the_shift() -> None:
    r = one(shift("17:00", "21:00"))
    assert lines(r) == [("ordinary", "1", "33.19", "33.19"), ("penalty.weekday_evening", "3", "39.83", "119.49")]
    assert (r.lines[1].starts_at, r.lines[1].ends_at) == (datetime(2025, 7, 7, 18), datetime(2025, 7, 7, 21))
    assert r.total == D("152.68")
    ft = one(shift("12:00", "20:00", kind="full_time", cls="L5", brk=30, break_start=time(15)))
    assert lines(ft) == [("ordinary", "5.5", "29.27", "160.99"), ("penalty.weekday_evening", "2", "36.59", "73.18")]


def test_saturday_sunday_rates_by_employment_type() -> None:
    assert lines(one(shift(day=SAT, kind="full_time", cls="L2", brk=30))) == [
        ("penalty.saturday", "7.5", "33.95", "254.63")]
    assert lines(one(shift("10:00", "16:00", day=SAT, cls="L2"))) == [("penalty.saturday", "6", "40.74", "244.44")]
    assert lines(one(shift("10:00", "16:00", day=SUN, kind="part_time"))) == [
        ("penalty.sunday", "6", "39.83", "238.98")]
    assert lines(one(shift(day=SUN, brk=30))) == [("penalty.sunday", "7.5", "46.46", "348.45")]


def test_public_holidays_by_state() -> None:
    xmas = date(2025, 12, 25)
    assert lines(one(shift(day=xmas, kind="full_time", brk=30))) == [("penalty.public_holiday", "7.5", "59.74", "448.05")]
    assert lines(one(shift("10:00", "14:00", day=xmas))) == [("penalty.public_holiday", "4", "66.38", "265.52")]
    cup = date(2025, 11, 4)  # Melbourne Cup: Victoria only
    assert lines(one(shift("10:00", "14:00", day=cup, state="VIC")))[0][0] == "penalty.public_holiday"
    assert lines(one(shift("10:00", "14:00", day=cup, state="NSW"))) == [("ordinary", "4", "33.19", "132.76")]


def test_part_day_public_holiday_splits_at_its_start() -> None:
    r = one(shift("17:00", "21:00", day=date(2025, 12, 24), state="SA"))
    assert lines(r) == [("ordinary", "1", "33.19", "33.19"), ("penalty.weekday_evening", "1", "39.83", "39.83"),
                        ("penalty.public_holiday", "2", "66.38", "132.76")]
    assert r.total == D("205.78")
    assert any("Christmas Eve" in w for w in uncertain(r)) is False  # the SA part day itself is not flagged
    assert "MA000004 Public holiday, casual 250 %" in uncertain(r)


def test_casual_loading_does_not_compound_with_penalties() -> None:
    """Casual Sunday is 175 % of the base rate (not 125 % x 150 % = 187.5 %)."""
    ln = one(shift("10:00", "14:00", day=SUN)).lines[0]
    assert (ln.multiplier, ln.rate) == (D("1.75"), D("46.46"))
    assert ln.rate != (D("26.55") * D("1.25") * D("1.5")).quantize(D("0.01"))


def test_the_engaged_hours_are_rounded_once() -> None:
    """L2 casual ($33.95) 1-3.30 pm, paid as 3 h: 3 x 33.95 = 101.85. Rounding the 2.5 h and the
    0.5 h top-up apart would give 84.88 + 16.98 = 101.86."""
    r = one(shift("13:00", "15:30", cls="L2"))
    assert lines(r) == [("ordinary", "2.5", "33.95", "84.88"), ("minimum_engagement.ordinary", "0.5", "33.95", "16.97")]
    assert r.total == D("101.85") == (3 * D("33.95")).quantize(D("0.01"))
    # A top-up at another rate than the worked time stays a line of its own, rounded alone.
    evening = one(shift("17:30", "18:15", cls="L2"))
    assert [ln.rule for ln in evening.lines][-1] == "minimum_engagement.weekday_evening"
    assert evening.lines[-1].amount == (evening.lines[-1].rate * evening.lines[-1].hours).quantize(D("0.01"))


def test_minimum_engagement_as_if_the_shift_continued() -> None:
    r = one(shift("16:00", "17:00"))
    assert lines(r) == [("ordinary", "1", "33.19", "33.19"), ("minimum_engagement.ordinary", "1", "33.19", "33.19"),
                        ("minimum_engagement.weekday_evening", "1", "39.83", "39.83")]
    assert r.total == D("106.21") and r.ordinary_time_earnings == r.total
    assert "minimum engagement" in r.lines[1].clause and "cl 11.2" in r.lines[1].clause
    sunday = one(shift("10:00", "12:00", day=SUN, cls="L2"))
    assert lines(sunday) == [("penalty.sunday", "2", "47.53", "95.06"), ("minimum_engagement.sunday", "1", "47.53", "47.53")]
    part_time = one(shift("10:00", "12:00", day=TUE, kind="part_time"))
    assert part_time.total == D("79.65")
    assert one(shift("10:00", "12:00", kind="full_time")).total == D("53.10")  # no minimum for full-time


def test_school_student_minimum_of_one_and_a_half_hours() -> None:
    r = one(shift("15:30", "16:30", day=WED, school_student=True))
    assert lines(r) == [("ordinary", "1", "33.19", "33.19"), ("minimum_engagement.ordinary", "0.5", "33.19", "16.60")]
    assert any(w.code == "condition_not_checked" for w in r.warnings)
    weekend = one(shift("10:00", "11:00", day=SAT, school_student=True))
    assert weekend.total == D("119.49") and any(w.code == "condition_not_met" for w in weekend.warnings)


def test_overtime_tiers_on_a_saturday() -> None:
    r = one(shift("12:00", "22:00", day=SAT, kind="full_time"))
    assert lines(r) == [("penalty.saturday", "6", "33.19", "199.14"), ("overtime.mon_sat_first", "3", "39.83", "119.49"),
                        ("overtime.mon_sat_after", "1", "53.10", "53.10")]
    assert not any(ln.ordinary_time for ln in r.lines if ln.kind == "overtime")
    assert r.ordinary_time_earnings == D("199.14")


def test_overtime_outside_the_span_and_after_nine_hours() -> None:
    early = one(shift("06:00", "14:00", kind="full_time", cls="L2"))
    assert lines(early) == [("overtime.mon_sat_first", "1", "40.74", "40.74"), ("ordinary", "7", "27.16", "190.12")]
    assert "MA000004 span of ordinary hours" in uncertain(early)
    sunday = one(shift("07:00", "19:00", day=SUN, kind="full_time"))
    assert lines(sunday) == [("overtime.sunday", "2", "53.10", "106.20"), ("penalty.sunday", "9", "39.83", "358.47"),
                             ("overtime.sunday", "1", "53.10", "53.10")]
    ph = one(shift("12:00", "23:00", day=date(2025, 12, 25), kind="full_time"))
    assert lines(ph) == [("penalty.public_holiday", "9", "59.74", "537.66"), ("overtime.public_holiday", "2", "66.38", "132.76")]


def test_one_long_day_a_week_then_overtime_after_nine_hours() -> None:
    days = [shift("08:00", "19:00", day=d, kind="full_time", brk=60, index=n) for n, d in enumerate((MON, TUE), 1)]
    mon, tue = interpret(days)
    assert lines(mon) == [("ordinary", "9", "26.55", "238.95"), ("penalty.weekday_evening", "1", "33.19", "33.19")]
    assert lines(tue) == [("ordinary", "9", "26.55", "238.95"), ("overtime.mon_sat_first", "1", "39.83", "39.83")]
    casual = one(shift("08:00", "20:00"))
    assert lines(casual)[-1] == ("overtime.mon_sat_first", "1", "46.46", "46.46")


def test_weekly_overtime_after_38_hours_and_agreed_part_time_hours() -> None:
    week = [shift("08:00", "16:00", day=d, kind="full_time", cls="L3", index=n)
            for n, d in enumerate((MON, TUE, WED, date(2025, 7, 10), FRI), 1)]
    results = interpret(week)
    assert [r.total for r in results] == [D("220.64")] * 4 + [D("248.22")]
    assert lines(results[4])[-1] == ("overtime.mon_sat_first", "2", "41.37", "82.74")
    pt = [shift("09:00", "16:00", day=d, kind="part_time", cls="L2", agreed_weekly_hours=D(20), index=n)
          for n, d in enumerate((MON, TUE, WED), 1)]
    assert lines(interpret(pt)[2]) == [("ordinary", "6", "27.16", "162.96"), ("overtime.mon_sat_first", "1", "40.74", "40.74")]
    # Input order does not matter: the week is taken in time order.
    assert [r.total for r in interpret(list(reversed(week)))] == list(reversed([r.total for r in results]))


def test_juniors_by_age_and_levels() -> None:
    assert lines(one(shift("09:00", "13:00", age=17))) == [("ordinary", "4", "19.91", "79.64")]
    assert one(shift("09:00", "13:00", age=17)).lines[0].base_rate == D("15.93")   # 1008.90 x 60 % / 38
    assert one(shift("10:00", "13:00", day=SUN, age=15)).lines[0].base_rate == D("11.95")  # under 16: 45 %
    assert one(shift("09:00", "13:00", cls="L4", age=18)).lines[0].base_rate == D("28.12")  # L4+: adult
    adult_after_service = one(shift("09:00", "13:00", age=20, employment_start=date(2024, 1, 1)))
    assert adult_after_service.lines[0].base_rate == D("26.55")
    new_starter = one(shift("09:00", "13:00", age=20, employment_start=date(2025, 5, 1)))
    assert new_starter.lines[0].base_rate == D("23.90")
    assert "MA000004 junior rates (% of the adult rate by age)" in uncertain(new_starter)
    assert one(shift("09:00", "13:00", age=21)).lines[0].base_rate == D("26.55")


def test_midnight_crossing_shifts_split_at_midnight() -> None:
    r = one(shift("22:00", "02:00", day=SAT, end_date=SUN))
    assert lines(r) == [("penalty.saturday", "2", "39.83", "79.66"), ("penalty.sunday", "2", "46.46", "92.92")]
    assert r.lines[1].starts_at == datetime(2025, 7, 13, 0, 0)
    ft = one(shift("20:00", "01:00", day=FRI, end_date=SAT, kind="full_time"))
    assert lines(ft) == [("penalty.weekday_evening", "1", "33.19", "33.19"), ("overtime.mon_sat_first", "3", "39.83", "119.49"),
                         ("overtime.mon_sat_after", "1", "53.10", "53.10")]
    to_midnight = one(shift("18:00", "00:00", end_date=TUE))
    assert lines(to_midnight) == [("penalty.weekday_evening", "6", "39.83", "238.98")]


def test_breaks_sit_in_the_middle_unless_placed() -> None:
    middle = one(shift("13:00", "23:00", day=TUE, kind="full_time", brk=30))
    assert lines(middle)[:2] == [("ordinary", "4.75", "26.55", "126.11"), ("penalty.weekday_evening", "2.75", "33.19", "91.27")]
    placed = one(shift("15:00", "21:00", day=WED, kind="part_time", cls="L3", brk=30, break_start=time(18)))
    assert lines(placed) == [("ordinary", "3", "27.58", "82.74"), ("penalty.weekday_evening", "2.5", "34.48", "86.20")]


def test_public_holiday_not_worked_is_paid_at_the_base_rate() -> None:
    r = one(shift("09:00", "17:06", day=date(2026, 6, 8), kind="full_time", brk=30,
                  shift_kind="public_holiday_not_worked"))
    assert lines(r) == [("public_holiday_absence", "7.6", "26.55", "201.78")]
    assert "s 116" in r.lines[0].clause and r.lines[0].ordinary_time


def test_minutes_that_are_not_whole_hundredths_of_an_hour() -> None:
    r = one(shift("09:10", "12:30"))
    assert lines(r) == [("ordinary", "3.3333", "33.19", "110.63")]
