"""Public holidays by state for 2025-26, part-day holidays, additional days, and the data's range."""

from __future__ import annotations

from datetime import date

import pytest

from tools.payroll.holidays import HolidayLookupError, default_calendar


def names(state: str, day: date) -> list[str]:
    return [h.name for h in default_calendar().on(state, day)]


def test_national_days_everywhere() -> None:
    for state in ("ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"):
        for day in (date(2025, 12, 25), date(2026, 1, 1), date(2026, 1, 26), date(2026, 4, 3),
                    date(2026, 4, 6), date(2026, 4, 25)):
            assert names(state, day), (state, day)


def test_state_days_differ() -> None:
    assert names("NSW", date(2026, 6, 8)) == ["King's Birthday"]
    assert names("QLD", date(2026, 6, 8)) == [] and names("QLD", date(2025, 10, 6)) == ["King's Birthday"]
    assert names("WA", date(2026, 6, 8)) == [] and names("WA", date(2026, 6, 1)) == ["Western Australia Day"]
    assert names("VIC", date(2025, 11, 4)) == ["Melbourne Cup Day"] and names("NSW", date(2025, 11, 4)) == []
    assert names("VIC", date(2025, 9, 26)) == ["Friday before the AFL Grand Final"]
    assert names("ACT", date(2026, 3, 9)) == ["Canberra Day"] and names("SA", date(2026, 3, 9)) == ["Adelaide Cup Day"]
    assert names("WA", date(2026, 4, 4)) == [] and names("NSW", date(2026, 4, 4)) == ["Easter Saturday"]
    assert names("TAS", date(2026, 4, 5)) == []


def test_additional_anzac_day_monday_where_declared() -> None:
    for state in ("NSW", "WA", "ACT"):
        assert names(state, date(2026, 4, 27)) == ["Anzac Day additional day"]
    for state in ("VIC", "QLD", "SA", "TAS", "NT"):
        assert names(state, date(2026, 4, 27)) == []
    act = default_calendar().on("ACT", date(2026, 4, 27))[0]
    assert act.figure.uncertain and not default_calendar().on("NSW", date(2026, 4, 27))[0].figure.uncertain


def test_part_day_holidays_are_windows() -> None:
    sa = default_calendar().on("SA", date(2025, 12, 24))[0]
    qld = default_calendar().on("QLD", date(2025, 12, 24))[0]
    assert (sa.start, sa.end, sa.whole_day) == (19 * 60, 1440, False)
    assert (qld.start, qld.end) == (18 * 60, 1440)
    assert names("NSW", date(2025, 12, 24)) == []
    assert default_calendar().on("NT", date(2025, 12, 31))[0].start == 19 * 60


def test_days_outside_the_data_and_unknown_states_are_errors() -> None:
    with pytest.raises(HolidayLookupError, match="outside the public-holiday data"):
        default_calendar().on("NSW", date(2026, 7, 1))
    with pytest.raises(HolidayLookupError, match="unknown state 'XX'"):
        default_calendar().on("XX", date(2025, 12, 25))
