"""Public holidays by state, from the data files (e.g. public-holidays-2025-26.toml).

A calendar knows the range it covers; asking about a day outside it is an error, never "not a holiday".
Part-day holidays (SA and NT from 7 pm on Christmas Eve and New Year's Eve, QLD from 6 pm on Christmas
Eve) are windows of the day.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from tools.payroll.awards import DATA_DIR, UNCERTAIN_TAGS, Figure, parse_hhmm
from tools.payroll.errors import PayrollError

STATES = ("ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA")


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name: str
    states: frozenset[str]
    start: int          # minutes after midnight (0 for a whole day)
    end: int            # 1440 for a whole day
    figure: Figure

    @property
    def whole_day(self) -> bool:
        return self.start == 0 and self.end == 1440


class HolidayLookupError(LookupError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class HolidayCalendar:
    def __init__(self, ranges: Iterable[tuple[date, date]], holidays: Iterable[Holiday],
                 files: Iterable[str] = ()) -> None:
        self.ranges = tuple(sorted(ranges))
        self.files = tuple(files)
        self._by_key: dict[tuple[str, date], tuple[Holiday, ...]] = {}
        for h in holidays:
            if not self.covers(h.day):
                raise PayrollError.single("bad_holiday_data", f"{h.name} on {h.day} is outside the "
                                                              f"calendar's own range")
            for state in h.states:
                self._by_key[(state, h.day)] = self._by_key.get((state, h.day), ()) + (h,)

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> HolidayCalendar:
        ranges, holidays, files = [], [], []
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as handle:
                data = tomllib.load(handle)
            if "holidays" not in data:
                continue
            files.append(path.name)
            ranges.append(_range(path, data))
            sources = data.get("sources", {})
            for n, entry in enumerate(data["holidays"], start=1):
                holidays.append(_holiday(path, n, entry, sources))
        return cls(ranges, holidays, files)

    def covers(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.ranges)

    def on(self, state: str, day: date) -> tuple[Holiday, ...]:
        """The public holidays (whole or part day) in `state` on `day`."""
        if state not in STATES:
            raise HolidayLookupError("unknown_state", f"unknown state {state!r} (one of {', '.join(STATES)})")
        if not self.covers(day):
            have = ", ".join(f"{a} to {b}" for a, b in self.ranges) or "none"
            raise HolidayLookupError("outside_holiday_data",
                                     f"{day} is outside the public-holiday data ({have})")
        return self._by_key.get((state, day), ())


def _range(path: Path, data: dict) -> tuple[date, date]:
    start, end = data.get("effective_from"), data.get("effective_to")
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        raise PayrollError.single("bad_holiday_data", f"{path.name}: effective_from/effective_to "
                                                      "must be dates, in order")
    return start, end


def _holiday(path: Path, n: int, entry: dict, sources: dict) -> Holiday:
    where = f"{path.name}: holidays[{n}]"
    day, name, states = entry.get("date"), entry.get("name"), entry.get("states")
    if not isinstance(day, date) or not isinstance(name, str) or not isinstance(states, list) or not states:
        raise PayrollError.single("bad_holiday_data", f"{where}: needs date, name and states")
    unknown = sorted(set(states) - set(STATES))
    if unknown:
        raise PayrollError.single("bad_holiday_data", f"{where}: unknown state {unknown[0]!r}")
    try:
        start, end = parse_hhmm(entry.get("from", "00:00")), parse_hhmm(entry.get("to", "24:00"))
    except ValueError as exc:
        raise PayrollError.single("bad_holiday_data", f"{where}: {exc}") from None
    if end <= start:
        raise PayrollError.single("bad_holiday_data", f"{where}: 'to' must be after 'from'")
    uncertain = bool(entry.get("uncertain", False))
    source_keys = str(entry.get("source", ""))
    def expand(part: str) -> str:
        key, _, rest = part.strip().partition(" ")
        return f"{sources[key]} {rest}".strip() if key in sources else part.strip()

    detail = "; ".join(expand(part) for part in source_keys.split(";"))
    tag = "UNCERTAIN" if uncertain else "SECONDARY"
    assert (tag in UNCERTAIN_TAGS) == uncertain
    part = "" if (start, end) == (0, 1440) else f" from {entry.get('from')} to {entry.get('to')}"
    figure = Figure(f"{name} {day}{part} ({', '.join(sorted(states))})",
                    "Fair Work Act 2009 s 115; state public holiday law", detail, tag, uncertain)
    return Holiday(day, name, frozenset(states), start, end, figure)


@lru_cache(maxsize=4)
def default_calendar(directory: Path = DATA_DIR) -> HolidayCalendar:
    return HolidayCalendar.load(directory)
