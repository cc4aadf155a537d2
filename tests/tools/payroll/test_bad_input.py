"""Bad input is refused with an error that names the shift; never a default rate."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from tests.tools.payroll.helpers import SUN, shift
from tools.payroll.contract import parse_request
from tools.payroll.errors import PayrollError
from tools.payroll.interpret import interpret


def refused(*shifts) -> PayrollError:  # type: ignore[no-untyped-def]
    with pytest.raises(PayrollError) as info:
        interpret(list(shifts))
    return info.value


def test_unknown_award() -> None:
    err = refused(shift(award="MA999999", index=3))
    assert err.codes == ("unknown_award",)
    assert err.problems[0].message.startswith("shift 3 (E1 2025-07-07 09:00-17:00): unknown award 'MA999999'")
    assert err.problems[0].shift == "shift 3 (E1 2025-07-07 09:00-17:00)"


def test_unknown_classification_lists_the_known_ones() -> None:
    err = refused(shift(cls="L9", index=2))
    assert err.codes == ("unknown_classification",)
    assert "shift 2 (E1 2025-07-07 09:00-17:00): unknown classification 'L9' for MA000004 (one of L1, L2" in str(err)
    assert refused(shift(award="MA000002", cls="L1")).codes == ("unknown_classification",)


def test_end_before_start_and_zero_length() -> None:
    err = refused(shift("17:00", "09:00", index=4))
    assert err.codes == ("ends_before_start",)
    assert "shift 4 (E1 2025-07-07 17:00-09:00): ends at 09:00, not after it starts at 17:00" in str(err)
    assert "give end_date" in str(err)
    assert refused(shift("09:00", "09:00")).codes == ("zero_length",)
    assert refused(shift("22:00", "02:00", end_date=date(2025, 7, 10))).codes == ("bad_end_date",)


def test_overlapping_shifts_for_one_employee_name_both() -> None:
    err = refused(shift("09:00", "13:00", index=1), shift("12:00", "16:00", index=2),
                  shift("12:00", "16:00", emp="E2", index=3))
    assert err.codes == ("overlapping_shifts",)
    assert ("shift 2 (E1 2025-07-07 12:00-16:00): overlaps shift 1 (E1 2025-07-07 09:00-13:00) for the same "
            "employee") in str(err)
    overnight = refused(shift("22:00", "06:00", day=SUN, end_date=date(2025, 7, 14), index=1),
                        shift("05:00", "09:00", day=date(2025, 7, 14), index=2))
    assert overnight.codes == ("overlapping_shifts",)
    interpret([shift("09:00", "13:00", index=1), shift("13:00", "16:00", index=2)])  # touching is fine


def test_dates_outside_the_award_data() -> None:
    err = refused(shift(day=date(2025, 6, 30), index=7))
    assert err.codes[0] == "outside_award_data"
    assert "shift 7 (E1 2025-06-30 09:00-17:00): 2025-06-30 is outside the MA000004 data (2025-07-01 to 2026-06-30)" \
        in str(err)
    assert "outside_award_data" in refused(shift(day=date(2026, 7, 1))).codes
    ends_outside = refused(shift("22:00", "02:00", day=date(2026, 6, 30), end_date=date(2026, 7, 1)))
    assert ends_outside.codes == ("outside_holiday_data",)


def test_other_bad_fields() -> None:
    assert refused(shift(state="XX")).codes == ("unknown_state",)
    assert refused(shift(kind="contractor")).codes == ("unknown_employment_type",)
    assert refused(shift(brk=480)).codes == ("bad_break",)
    assert refused(shift(brk=30, break_start=time(18))).codes == ("bad_break",)
    assert refused(shift(age=20, employment_start=None)).codes == ("needs_employment_start",)
    assert refused(shift(shift_kind="public_holiday_not_worked", kind="casual", day=date(2025, 12, 25))).codes == (
        "casual_public_holiday",)
    assert refused(shift(shift_kind="public_holiday_not_worked", kind="full_time")).codes == ("not_a_public_holiday",)
    assert refused(shift(kind="part_time", agreed_weekly_hours=Decimal(0))).codes == ("bad_agreed_hours",)


def test_every_bad_shift_is_reported_at_once() -> None:
    err = refused(shift(cls="L9", index=1), shift("09:00", "08:00", emp="E2", index=2),
                  shift(award="XX", emp="E3", index=3))
    assert [p.shift[:7] for p in err.problems] == ["shift 1", "shift 2", "shift 3"]


def test_the_json_contract_names_the_shift_too() -> None:
    good = {"employee_id": "E1", "classification": "L1", "employment_type": "casual", "date": "2025-07-07",
            "start": "09:00", "end": "17:00", "state": "NSW"}
    with pytest.raises(PayrollError) as info:
        parse_request({"award": "MA000004", "shifts": [good, {**good, "start": "9am"}, {**good, "date": None},
                                                       {**good, "agreed_weekly_hours": 20.5},
                                                       {**good, "surprise": 1}, "not an object"]})
    messages = [p.message for p in info.value.problems]
    assert messages[0] == "shift 2 (E1 2025-07-07 9am-17:00): start '9am' is not a time HH:MM"
    assert messages[1] == "shift 3 (E1 None 09:00-17:00): date is required"
    assert "shift 4" in messages[2] and "not a float" in messages[2]
    assert messages[3].endswith("unknown field 'surprise'")
    assert messages[4] == "shift 6: a shift must be a JSON object"
    with pytest.raises(PayrollError, match="differs from the request's award"):
        parse_request({"award": "MA000004", "shifts": [{**good, "award": "MA000002"}]})
    with pytest.raises(PayrollError, match='"shifts" list'):
        parse_request({"shift": []})
    midnight = parse_request({"award": "MA000004", "shifts": [{**good, "start": "18:00", "end": "24:00"}]})[0]
    assert (midnight.end, midnight.end_date) == (time(0), date(2025, 7, 8))
