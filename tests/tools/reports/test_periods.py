"""Months, financial years, BAS quarters and the statutory due dates the forecast relies on."""

from __future__ import annotations

from datetime import date

import pytest

from tools.reports.periods import (
    Month,
    add_months,
    bas_due,
    financial_year_label,
    financial_year_start,
    last_complete_month,
    long_date,
    period_ends_between,
    quarter_of,
    super_due,
)


def test_month_parses_shifts_and_labels() -> None:
    m = Month.parse("2026-06")
    assert (m.start, m.end, m.key, m.label, m.short) == (date(2026, 6, 1), date(2026, 6, 30), "2026-06",
                                                         "June 2026", "Jun 26")
    assert m.shift(-1) == Month(2026, 5) and m.shift(-12) == Month(2025, 6) and m.shift(7) == Month(2027, 1)
    assert Month(2024, 2).end == date(2024, 2, 29)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-6", "June 2026", "2026/06", "", "20260"])
def test_bad_months_are_refused_with_the_expected_form(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(bad)


def test_financial_year_starts_in_july() -> None:
    assert financial_year_start(date(2026, 6, 30)) == date(2025, 7, 1)
    assert financial_year_start(date(2025, 7, 1)) == date(2025, 7, 1)
    assert financial_year_label(date(2026, 1, 15)) == "FY2025-26"
    assert financial_year_label(date(2026, 1, 15), 1) == "FY2026"


def test_bas_quarters_and_due_dates() -> None:
    assert quarter_of(date(2025, 11, 3)).start == date(2025, 10, 1)
    assert quarter_of(date(2025, 11, 3)).end == date(2025, 12, 31)
    assert quarter_of(date(2025, 11, 3)).label == "Oct-Dec 2025"
    # quarterly: the 28th of the month after, except October-December: 28 February
    assert bas_due(date(2025, 9, 30)) == date(2025, 10, 28)
    assert bas_due(date(2025, 12, 31)) == date(2026, 2, 28)
    assert bas_due(date(2026, 3, 31)) == date(2026, 4, 28)
    assert bas_due(date(2026, 6, 30)) == date(2026, 7, 28)
    # monthly BAS: the 21st of the next month
    assert bas_due(date(2025, 12, 31), "monthly") == date(2026, 1, 21)


def test_super_guarantee_is_due_28_days_after_the_quarter() -> None:
    assert super_due(date(2025, 9, 30)) == date(2025, 10, 28)
    assert super_due(date(2025, 12, 31)) == date(2026, 1, 28)
    assert super_due(date(2026, 3, 31)) == date(2026, 4, 28)
    assert super_due(date(2026, 6, 30)) == date(2026, 7, 28)


def test_period_ends_between() -> None:
    assert period_ends_between(date(2025, 8, 15), date(2026, 4, 1)) == [
        date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 31)]
    assert period_ends_between(date(2025, 8, 15), date(2025, 10, 31), "monthly") == [
        date(2025, 8, 31), date(2025, 9, 30), date(2025, 10, 31)]


def test_the_last_complete_month_follows_the_calendar_and_the_books() -> None:
    assert last_complete_month(date(2026, 11, 22)) == Month(2026, 10)
    assert last_complete_month(date(2026, 10, 31)) == Month(2026, 10)   # closed on its last day
    # books that end on 30 June 2026 report June whatever the calendar says
    assert last_complete_month(date(2026, 11, 22), date(2026, 6, 30)) == Month(2026, 6)
    assert last_complete_month(date(2026, 11, 22), date(2026, 6, 29)) == Month(2026, 5)
    # a future-dated journal does not move the month
    assert last_complete_month(date(2026, 7, 10), date(2026, 12, 31)) == Month(2026, 6)


def test_add_months_clamps_and_keeps_month_ends() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 2, 28), 1, month_end=True) == date(2026, 3, 31)
    assert add_months(date(2026, 5, 15), 2) == date(2026, 7, 15)
    assert long_date(date(2026, 7, 4)) == "4 July 2026"
