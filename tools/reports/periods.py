"""Calendar arithmetic for reports: months, financial years, BAS quarters and statutory due dates.

Assumptions (Australian defaults):
* The financial year starts on the 1st of the organisation's `financial_year_start_month` (July).
* BAS periods are calendar quarters (Jul-Sep, Oct-Dec, Jan-Mar, Apr-Jun). A quarterly BAS is due on
  the 28th of the month after the quarter, except Oct-Dec, due 28 February. A monthly BAS is due on
  the 21st of the following month. Due dates are not moved for weekends or public holidays (the
  forecast buckets by week, so this moves at most one payment across a week boundary).
* Superannuation guarantee contributions are due 28 days after each quarter ends
  (28 Oct, 28 Jan, 28 Apr, 28 Jul).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTH_NAMES = tuple(calendar.month_name)[1:]
_MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 2999:
            raise ValueError(f"{self.year}-{self.month:02d} is not a month")

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-06' → Month(2026, 6). Anything else is a ValueError that says what is expected."""
        m = _MONTH_KEY.fullmatch(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM (for example 2026-06)")
        try:
            return cls(int(m[1]), int(m[2]))
        except ValueError:
            raise ValueError(f"{text!r} is not a month in the form YYYY-MM (for example 2026-06)") from None

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def short(self) -> str:
        return f"{MONTH_NAMES[self.month - 1][:3]} {self.year % 100:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def period(self) -> Period:
        return Period(self.start, self.end, self.label)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def add_months(day: date, months: int, *, month_end: bool = False) -> date:
    """The same day `months` later, clamped to the month's last day (or its last day if asked)."""
    target = Month.of(day).shift(months)
    if month_end:
        return target.end
    return date(target.year, target.month, min(day.day, target.end.day))


def is_month_end(day: date) -> bool:
    return day == Month.of(day).end


def financial_year_start(day: date, start_month: int = 7) -> date:
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


def financial_year_label(day: date, start_month: int = 7) -> str:
    start = financial_year_start(day, start_month)
    if start_month == 1:
        return f"FY{start.year}"
    return f"FY{start.year}-{(start.year + 1) % 100:02d}"


def quarter_of(day: date) -> Period:
    """The calendar quarter (a BAS quarter) containing `day`."""
    first = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first, 1)
    end = Month(day.year, first + 2).end
    return Period(start, end, f"{MONTH_NAMES[first - 1][:3]}-{MONTH_NAMES[first + 1][:3]} {day.year}")


def bas_period_of(day: date, cycle: str = "quarterly") -> Period:
    if cycle == "monthly":
        return Month.of(day).period()
    return quarter_of(day)


def bas_due(period_end: date, cycle: str = "quarterly") -> date:
    """When the BAS for the period ending `period_end` is due (lodged and paid)."""
    following = Month.of(period_end).shift(1)
    if cycle == "monthly":
        return date(following.year, following.month, 21)
    if period_end.month == 12:
        return date(period_end.year + 1, 2, 28)
    return date(following.year, following.month, 28)


def super_due(quarter_end: date) -> date:
    """Superannuation guarantee for a quarter is due 28 days after it ends."""
    return quarter_end + timedelta(days=28)


def period_ends_between(first: date, last: date, cycle: str = "quarterly") -> list[date]:
    """Every BAS period end (quarter or month ends) in [first, last], oldest first."""
    step = 1 if cycle == "monthly" else 3
    month = Month.of(first)
    if cycle != "monthly":
        month = Month(month.year, (month.month - 1) // 3 * 3 + 3)
    ends: list[date] = []
    while month.end <= last:
        if month.end >= first:
            ends.append(month.end)
        month = month.shift(step)
    return ends


def last_complete_month(today: date, latest_activity: date | None = None) -> Month:
    """The last month that has closed both on the calendar and in the books.

    A month is closed on its last day (the report is drafted the moment the month closes). When
    the books' latest posted journal is earlier than `today`, the books' date counts: a demo
    company whose books end on 30 June 2026 reports June 2026 whatever the calendar says."""
    ref = min(today, latest_activity) if latest_activity else today
    return Month.of(ref) if is_month_end(ref) else Month.of(ref).shift(-1)


def long_date(day: date) -> str:
    """'30 June 2026'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
