"""Properties of the interpretation, over generated shifts (hypothesis).

* Splitting a shift into two adjacent shifts on the same day never lowers the pay by more than the one
  cent of rounding the extra line can cost: the worked hours are paid the same, and a minimum
  engagement can only add (the second part's top-up covers at least the whole shift's).
* Making a shift longer never lowers its pay (beyond a cent of rounding): the extra time was either
  unpaid or a minimum-engagement top-up at the penalty rate of that time, and overtime never pays less
  than the ordinary penalty of the same time.
* Every line is hours x rate rounded half up, every rate is base x multiplier rounded half up, the shift
  total is the sum of its lines, and the worked lines cover exactly the paid minutes.
* A higher classification is never paid less for the same shift.
* The order shifts are given in does not change any shift's pay.
"""

from __future__ import annotations

import os
import random
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.payroll.interpret import interpret
from tools.payroll.model import Shift

D = Decimal
RETAIL = ("L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8")
CLERKS = ("L1Y1", "L1Y2", "L1Y3", "L2Y1", "L2Y2", "L3", "CCPCS", "L4", "L5", "CCTA")  # rising weekly rates
FIRST, LAST = date(2025, 7, 1), date(2026, 6, 28)
# PAYROLL_EXAMPLES=3000 searches harder (about 20 s).
SETTINGS = settings(max_examples=int(os.environ.get("PAYROLL_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def shifts(draw: st.DrawFn, *, same_day: bool = True) -> Shift:
    award = draw(st.sampled_from(("MA000004", "MA000002")))
    cls = draw(st.sampled_from(RETAIL if award == "MA000004" else CLERKS))
    day = FIRST + timedelta(days=draw(st.integers(0, (LAST - FIRST).days)))
    start = draw(st.integers(0, 287)) * 5
    latest = 1440 if same_day else start + 16 * 60
    end = draw(st.integers(start // 5 + 1, latest // 5)) * 5
    return Shift(employee_id="P1", award=award, classification=cls,
                 employment_type=draw(st.sampled_from(("full_time", "part_time", "casual"))),
                 date=day, start=time(start // 60, start % 60), end=time(end // 60 % 24, end % 60),
                 end_date=day + timedelta(days=1) if end >= 1440 else None,
                 state=draw(st.sampled_from(("NSW", "VIC", "QLD", "SA", "WA", "ACT", "NT", "TAS"))),
                 age=draw(st.sampled_from((None, None, None, 16, 17, 19))), index=1)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _with(s: Shift, **changes) -> Shift:  # type: ignore[no-untyped-def]
    fields = {f: getattr(s, f) for f in s.__dataclass_fields__}
    fields.update(changes)
    return Shift(**fields)


@SETTINGS
@given(shifts(), st.data())
def test_splitting_a_shift_never_lowers_pay(s: Shift, data: st.DataObject) -> None:
    start, end = _minutes(s.start), _minutes(s.end) or 1440
    if end - start < 10:
        return
    cut = data.draw(st.integers(start // 5 + 1, (end - 1) // 5)) * 5
    at = time(cut // 60, cut % 60)
    whole = interpret([s])[0]
    first = _with(s, end=at, end_date=None, index=1)
    second = _with(s, start=at, index=2)
    parts = interpret([first, second])
    split_total = sum(p.total for p in parts)
    assert split_total >= whole.total - D("0.01"), (whole.lines, parts)
    worked = lambda results: sum(ln.amount for r in results for ln in r.lines
                                 if ln.kind != "minimum_engagement")
    assert abs(worked(parts) - worked([whole])) <= D("0.01")


@SETTINGS
@given(shifts(), st.integers(1, 36))
def test_a_longer_shift_is_never_paid_less(s: Shift, extra_steps: int) -> None:
    end = _minutes(s.end) or 1440
    longer_end = min(end + extra_steps * 5, 1440)
    if longer_end == end:
        return
    longer = _with(s, end=time(longer_end // 60 % 24, longer_end % 60),
                   end_date=s.date + timedelta(days=1) if longer_end == 1440 else None)
    before, after = interpret([s])[0], interpret([longer])[0]
    assert after.total >= before.total - D("0.02"), (before.lines, after.lines)


@SETTINGS
@given(shifts(same_day=False), st.sampled_from((0, 0, 30, 60)))
def test_lines_follow_the_pay_guide_arithmetic(s: Shift, brk: int) -> None:
    length = _minutes(s.end) + (1440 if s.end_date else 0) - _minutes(s.start)
    if brk >= length:
        brk = 0
    r = interpret([_with(s, unpaid_break_minutes=brk)])[0]
    cent = D("0.01")
    for before, ln in zip((None, *r.lines), r.lines, strict=False):
        assert ln.rate == (ln.base_rate * ln.multiplier).quantize(cent, ROUND_HALF_UP)
        if (before is not None and ln.kind == "minimum_engagement"
                and before.kind != "minimum_engagement" and before.rate == ln.rate):
            # The engaged hours at one rate are rounded once, worked time and top-up together.
            together = (ln.rate * (before.minutes + ln.minutes) / 60).quantize(cent, ROUND_HALF_UP)
            assert before.amount + ln.amount == together
        else:
            assert ln.amount == (ln.rate * ln.minutes / 60).quantize(cent, ROUND_HALF_UP)
        assert ln.clause and ln.minutes > 0
    assert r.total == sum(ln.amount for ln in r.lines)
    assert r.ordinary_time_earnings == sum(ln.amount for ln in r.lines if ln.kind != "overtime")
    assert r.worked_minutes == length - brk


@SETTINGS
@given(shifts(same_day=False))
def test_a_higher_classification_is_never_paid_less(s: Shift) -> None:
    levels = RETAIL if s.award == "MA000004" else CLERKS
    totals = [interpret([_with(s, classification=c)])[0].total for c in levels]
    assert totals == sorted(totals)


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_input_order_does_not_change_pay(rng: random.Random) -> None:
    week = [date(2025, 7, 7) + timedelta(days=d) for d in range(14)]
    shifts_in = []
    for n in range(30):
        emp = f"E{n % 3}"
        day = week[n // 3 % 14]
        start = rng.choice((6, 8, 9, 12, 15, 18))
        length = rng.choice((2, 4, 8, 10, 12))
        end = min(start + length, 24)
        shifts_in.append(Shift(employee_id=emp, award="MA000004", classification="L2",
                               employment_type=("full_time", "part_time", "casual")[n % 3], date=day,
                               start=time(start), end=time(end % 24),
                               end_date=day + timedelta(days=1) if end == 24 else None,
                               state="NSW", agreed_weekly_hours=D(20) if n % 3 == 1 else None, index=n + 1))
    expected = {r.shift.index: r.total for r in interpret(shifts_in)}
    shuffled = shifts_in[:]
    rng.shuffle(shuffled)
    assert {r.shift.index: r.total for r in interpret(shuffled)} == expected
