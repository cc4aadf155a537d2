"""Modern awards as data: load the versioned TOML files in tools/payroll/data into typed, immutable
models, each figure with its clause, source and confidence.

An award file holds one award for one effective range (e.g. MA000004-2025-07-01.toml). Adding an award
or a new financial year is adding a file; `AwardLibrary.resolve(code, day)` picks the file whose range
covers the day, and refuses a day no file covers. The loader checks the data it is given (every hourly
rate is its weekly rate / 38 to the cent, every day is covered by exactly one penalty band, every rule
names a rate for every employment type) and names the file and key of anything wrong.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tools.payroll.errors import PayrollError

DATA_DIR = Path(__file__).resolve().parent / "data"
EMPLOYMENT_TYPES = ("full_time", "part_time", "casual")
DAY_KINDS = ("mon_fri", "saturday", "sunday", "public_holiday")
TAGS = ("PRIMARY", "SECONDARY", "COMPUTED", "UNCERTAIN", "NOT_IN_FACTS")
UNCERTAIN_TAGS = frozenset({"UNCERTAIN", "NOT_IN_FACTS"})
OVERTIME_RATES = ("mon_sat_first", "mon_sat_after", "sunday", "public_holiday")
CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    """Half up to the cent, as the Fair Work pay guides round."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_hhmm(text: str, *, where: str = "") -> int:
    """"HH:MM" → minutes after midnight; "24:00" is 1440 (the end of the day)."""
    try:
        hours, minutes = text.split(":")
        h, m = int(hours), int(minutes)
    except (AttributeError, ValueError):
        raise ValueError(f"{where}{text!r} is not a time HH:MM") from None
    if len(minutes) != 2 or not (0 <= m < 60) or not (0 <= h <= 24) or (h == 24 and m):
        raise ValueError(f"{where}{text!r} is not a time HH:MM")
    return h * 60 + m


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Figure:
    """The provenance of one figure or rule."""

    what: str                 # "MA000004 casual public holiday 250 %"
    clause: str
    source: str
    tag: str                  # PRIMARY / SECONDARY / COMPUTED / UNCERTAIN / NOT_IN_FACTS
    uncertain: bool
    clause_checked: bool = True

    def describe(self) -> str:
        return f"{self.what} ({self.clause}; {self.tag}: {self.source})"


@dataclass(frozen=True, slots=True)
class Classification:
    code: str
    name: str
    weekly: Decimal
    hourly: Decimal
    figure: Figure


@dataclass(frozen=True, slots=True)
class RateRule:
    """A multiplier of the minimum hourly rate for each employment type."""

    key: str
    description: str
    multipliers: Mapping[str, Decimal]
    clauses: Mapping[str, str]
    figures: Mapping[str, Figure]


@dataclass(frozen=True, slots=True)
class Band:
    day_kind: str
    start: int   # minutes after midnight
    end: int
    rate: str    # a key of Award.penalties


@dataclass(frozen=True, slots=True)
class Span:
    windows: Mapping[str, tuple[int, int]]  # mon_fri/saturday/sunday (and public_holiday unless as weekday)
    public_holiday_as_weekday: bool
    outside: Mapping[str, str]              # employment type → "overtime" | "penalty"
    figure: Figure
    outside_figures: Mapping[str, Figure]   # employment type → the reading applied outside the span


@dataclass(frozen=True, slots=True)
class Overtime:
    tier_minutes: int
    daily_minutes: int
    long_day_minutes: int | None            # one longer day a week (Retail: 11 h)
    weekly: Mapping[str, int | str | None]  # minutes, "agreed" (part-time guaranteed hours) or None
    rates: Mapping[str, RateRule]
    figure: Figure                          # when overtime applies
    daily_figure: Figure
    weekly_figures: Mapping[str, Figure]


@dataclass(frozen=True, slots=True)
class StudentEngagement:
    minutes: int
    applies_to: str
    window: tuple[int, int]
    weekdays_only: bool
    figure: Figure
    note: str


@dataclass(frozen=True, slots=True)
class MinimumEngagement:
    minutes: Mapping[str, int]
    figures: Mapping[str, Figure]
    student: StudentEngagement | None


@dataclass(frozen=True, slots=True)
class Juniors:
    adult_age: int
    percent_by_age: Mapping[int, Decimal]
    youngest_key_covers_younger: bool
    applies_to: frozenset[str] | None
    adult_rate_at_age: int | None
    adult_rate_after_months: int | None
    figure: Figure

    def percent(self, age: int) -> Decimal | None:
        """The junior percentage for an age, or None when the adult rate applies."""
        if age >= self.adult_age:
            return None
        if age in self.percent_by_age:
            return self.percent_by_age[age]
        youngest = min(self.percent_by_age)
        if age < youngest and self.youngest_key_covers_younger:
            return self.percent_by_age[youngest]
        return None


@dataclass(frozen=True, slots=True)
class Award:
    code: str
    name: str
    version: str
    effective_from: date
    effective_to: date
    hours_per_week: int
    file: str
    operative_note: str
    sources: Mapping[str, str]
    classifications: Mapping[str, Classification]
    penalties: Mapping[str, RateRule]
    bands: Mapping[str, tuple[Band, ...]]
    span: Span
    overtime: Overtime
    minimum_engagement: MinimumEngagement
    juniors: Juniors | None
    cuts: tuple[int, ...] = ()  # times of day (minutes) where a rate can change, besides midnight

    def covers(self, day: date) -> bool:
        return self.effective_from <= day <= self.effective_to

    @property
    def label(self) -> str:
        return f"{self.code} {self.name} ({self.effective_from} to {self.effective_to})"


class _Reader:
    """Typed access to one TOML file, naming the file and key in every complaint."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> PayrollError:
        return PayrollError.single("bad_award_data", f"{self.path.name}: {key}: {message}")

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key}", "missing or not a table")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where}{key}", "missing or not text")
        return value

    def number(self, data: Mapping[str, Any], key: str, where: str) -> Decimal:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.fail(f"{where}{key}", "missing or not a number")
        return Decimal(value)

    def day(self, data: Mapping[str, Any], key: str, where: str) -> date:
        value = data.get(key)
        if not isinstance(value, date):
            raise self.fail(f"{where}{key}", "missing or not a date (YYYY-MM-DD)")
        return value

    def minutes(self, value: Any, key: str) -> int:
        try:
            return parse_hhmm(value)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def hours_to_minutes(self, data: Mapping[str, Any], key: str, where: str) -> int:
        value = self.number(data, key, where) * 60
        if value != value.to_integral_value() or value <= 0:
            raise self.fail(f"{where}{key}", "must be a positive whole number of minutes")
        return int(value)

    def figure(self, data: Mapping[str, Any], what: str, where: str, *, clause: str | None = None,
               clause_checked: bool | None = None) -> Figure:
        tag = data.get("tag")
        if tag not in TAGS:
            raise self.fail(f"{where}tag", f"must be one of {', '.join(TAGS)}, not {tag!r}")
        uncertain = data.get("uncertain", False)
        if not isinstance(uncertain, bool):
            raise self.fail(f"{where}uncertain", "must be true or false")
        if tag in UNCERTAIN_TAGS and not uncertain:
            raise self.fail(f"{where}uncertain", f"a figure tagged {tag} must say uncertain = true")
        checked = data.get("clause_checked", True if clause_checked is None else clause_checked)
        return Figure(what, data.get("clause", clause) or self.text(data, "clause", where),
                      self.text(data, "source", where), tag, uncertain, bool(checked))


def _frozen(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


def _rate_rule(r: _Reader, code: str, key: str, data: Mapping[str, Any], where: str) -> RateRule:
    description = r.text(data, "description", where)
    clause = r.text(data, "clause", where)
    checked = data.get("clause_checked", True)
    multipliers, clauses, figures = {}, {}, {}
    for emp in EMPLOYMENT_TYPES:
        entry = r.table(data, emp, where)
        multiplier = r.number(entry, "multiplier", f"{where}{emp}.")
        if multiplier <= 0:
            raise r.fail(f"{where}{emp}.multiplier", "must be positive")
        multipliers[emp] = multiplier
        clauses[emp] = entry.get("clause", clause)
        figures[emp] = r.figure(entry, f"{code} {description}, {emp.replace('_', '-')} "
                                        f"{(multiplier * 100).normalize():f} %", f"{where}{emp}.",
                                clause=clauses[emp], clause_checked=entry.get("clause_checked", checked))
    return RateRule(key, description, _frozen(multipliers), _frozen(clauses), _frozen(figures))


def load_award(path: Path) -> Award:
    r = _Reader(path)
    with path.open("rb") as handle:
        data = tomllib.load(handle, parse_float=Decimal)
    if data.get("schema") != 1:
        raise r.fail("schema", "this loader reads schema = 1")
    code = r.text(data, "award", "")
    hours_per_week = int(r.number(data, "hours_per_week", ""))
    effective_from, effective_to = r.day(data, "effective_from", ""), r.day(data, "effective_to", "")
    if effective_to < effective_from:
        raise r.fail("effective_to", "is before effective_from")

    classifications = {}
    for cls_code, entry in r.table(data, "classifications", "").items():
        where = f"classifications.{cls_code}."
        weekly_rate, hourly = r.number(entry, "weekly", where), r.number(entry, "hourly", where)
        if round_cents(weekly_rate / hours_per_week) != hourly:
            raise r.fail(f"{where}hourly", f"{hourly} is not the weekly rate {weekly_rate} / "
                                           f"{hours_per_week} rounded to the cent "
                                           f"({round_cents(weekly_rate / hours_per_week)})")
        name = r.text(entry, "name", where)
        classifications[cls_code] = Classification(
            cls_code, name, weekly_rate, hourly,
            r.figure(entry, f"{code} {name} minimum rate ${weekly_rate}/week, ${hourly}/hour", where))

    penalties = {key: _rate_rule(r, code, key, entry, f"penalties.{key}.")
                 for key, entry in r.table(data, "penalties", "").items()}
    if "ordinary" not in penalties:
        raise r.fail("penalties.ordinary", "missing: the ordinary-hours rate is required")

    bands: dict[str, list[Band]] = {kind: [] for kind in DAY_KINDS}
    for n, entry in enumerate(data.get("bands", []), start=1):
        where = f"bands[{n}]."
        kind = entry.get("days")
        if kind not in DAY_KINDS:
            raise r.fail(f"{where}days", f"must be one of {', '.join(DAY_KINDS)}")
        rate = r.text(entry, "rate", where)
        if rate not in penalties:
            raise r.fail(f"{where}rate", f"names no penalty rate {rate!r}")
        start, end = r.minutes(entry.get("from"), f"{where}from"), r.minutes(entry.get("to"), f"{where}to")
        if end <= start:
            raise r.fail(f"{where}to", "must be after from")
        bands[kind].append(Band(kind, start, end, rate))
    for kind, found in bands.items():
        found.sort(key=lambda b: b.start)
        edge = 0
        for band in found:
            if band.start != edge:
                raise r.fail("bands", f"{kind} is not covered from {hhmm(edge)} (exactly one band at every time)")
            edge = band.end
        if edge != 1440:
            raise r.fail("bands", f"{kind} is not covered from {hhmm(edge)} to 24:00")

    span_data = r.table(data, "span", "")
    windows = {}
    for kind in DAY_KINDS:
        value = span_data.get(kind)
        if kind == "public_holiday" and value == "as_weekday":
            continue
        if not (isinstance(value, list) and len(value) == 2):
            raise r.fail(f"span.{kind}", 'must be ["HH:MM", "HH:MM"]' +
                         (' or "as_weekday"' if kind == "public_holiday" else ""))
        windows[kind] = (r.minutes(value[0], f"span.{kind}"), r.minutes(value[1], f"span.{kind}"))
    outside = r.table(span_data, "outside_span", "span.")
    for emp in EMPLOYMENT_TYPES:
        if outside.get(emp) not in ("overtime", "penalty"):
            raise r.fail(f"span.outside_span.{emp}", 'must be "overtime" or "penalty"')
    span_figure = r.figure(span_data, f"{code} span of ordinary hours", "span.")
    outside_figures = {emp: r.figure(entry, f"{code} {emp.replace('_', '-')} hours outside the span "
                                            f"paid as {outside[emp]}", f"span.outside_span_figures.{emp}.")
                       for emp, entry in span_data.get("outside_span_figures", {}).items()}
    span = Span(_frozen(windows), "public_holiday" not in windows, _frozen(outside), span_figure,
                _frozen(outside_figures))

    ot = r.table(data, "overtime", "")
    weekly: dict[str, int | str | None] = {}
    for emp in EMPLOYMENT_TYPES:
        value = r.table(ot, "weekly", "overtime.").get(emp)
        if value == "none":
            weekly[emp] = None
        elif value == "agreed" and emp == "part_time":
            weekly[emp] = "agreed"
        elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
            weekly[emp] = value * 60
        else:
            raise r.fail(f"overtime.weekly.{emp}", 'must be hours, "none" or (part-time) "agreed"')
    ot_rates = {key: _rate_rule(r, code, key, r.table(r.table(ot, "rates", "overtime."), key, "overtime.rates."),
                                f"overtime.rates.{key}.") for key in OVERTIME_RATES}
    daily = r.hours_to_minutes(ot, "daily_ordinary_hours", "overtime.")
    long_day = r.hours_to_minutes(ot, "long_day_ordinary_hours", "overtime.") \
        if "long_day_ordinary_hours" in ot else None
    daily_figure = Figure(
        f"{code} ordinary hours a day: {daily // 60}" + (f", or {long_day // 60} on one day a week"
                                                         if long_day else ""),
        r.text(ot, "long_day_clause", "overtime."), r.text(ot, "long_day_source", "overtime."),
        r.text(ot, "long_day_tag", "overtime."), ot.get("long_day_tag") in UNCERTAIN_TAGS)
    def weekly_text(emp: str) -> str:
        value = weekly.get(emp)
        return f"{value // 60}" if isinstance(value, int) else str(value)

    weekly_figures = {emp: r.figure(entry, f"{code} {emp.replace('_', '-')} overtime after "
                                           f"{weekly_text(emp)} hours a week", f"overtime.weekly_figures.{emp}.")
                      for emp, entry in ot.get("weekly_figures", {}).items()}
    overtime = Overtime(r.hours_to_minutes(ot, "tier_hours", "overtime."), daily, long_day, _frozen(weekly),
                        _frozen(ot_rates), r.figure(ot, f"{code} when overtime is payable", "overtime."),
                        daily_figure, _frozen(weekly_figures))

    me = data.get("minimum_engagement", {})
    me_minutes, me_figures = {}, {}
    for emp in EMPLOYMENT_TYPES:
        if emp in me:
            where = f"minimum_engagement.{emp}."
            me_minutes[emp] = r.hours_to_minutes(me[emp], "hours", where)
            me_figures[emp] = r.figure(me[emp], f"{code} {emp.replace('_', '-')} minimum engagement "
                                                f"{me_minutes[emp] / 60:g} hours", where)
    student = None
    if "school_student" in me:
        s, where = me["school_student"], "minimum_engagement.school_student."
        window = s.get("window", [])
        if not (isinstance(window, list) and len(window) == 2):
            raise r.fail(f"{where}window", 'must be ["HH:MM", "HH:MM"]')
        minutes = r.hours_to_minutes(s, "hours", where)
        student = StudentEngagement(
            minutes, r.text(s, "applies_to", where),
            (r.minutes(window[0], f"{where}window"), r.minutes(window[1], f"{where}window")),
            bool(s.get("weekdays_only", True)),
            r.figure(s, f"{code} secondary-school student minimum engagement {minutes / 60:g} hours", where),
            s.get("conditions_note", ""))
    minimum_engagement = MinimumEngagement(_frozen(me_minutes), _frozen(me_figures), student)

    juniors = None
    if "juniors" in data:
        j, where = data["juniors"], "juniors."
        percents = {}
        for age, pct in r.table(j, "percent_by_age", where).items():
            if not str(age).isdigit() or isinstance(pct, bool) or not isinstance(pct, (int, Decimal)):
                raise r.fail(f"{where}percent_by_age.{age}", "must map an age to a percentage")
            percents[int(age)] = Decimal(pct)
        applies = j.get("applies_to")
        unknown = sorted(set(applies or ()) - set(classifications))
        if unknown:
            raise r.fail(f"{where}applies_to", f"names no classification {unknown[0]!r}")
        juniors = Juniors(int(r.number(j, "adult_age", where)), _frozen(percents),
                          bool(j.get("youngest_key_covers_younger", False)),
                          frozenset(applies) if applies else None, j.get("adult_rate_at_age"),
                          j.get("adult_rate_after_months"),
                          r.figure(j, f"{code} junior rates (% of the adult rate by age)", where))

    points = {edge for found in bands.values() for b in found for edge in (b.start, b.end)}
    points |= {edge for window in windows.values() for edge in window}
    if student:
        points |= set(student.window)
    return Award(code, r.text(data, "name", ""), r.text(data, "version", ""), effective_from, effective_to,
                 hours_per_week, path.name, data.get("operative_note", ""),
                 _frozen(data.get("sources", {})), _frozen(classifications), _frozen(penalties),
                 _frozen({k: tuple(v) for k, v in bands.items()}), span, overtime, minimum_engagement,
                 juniors, tuple(sorted(p for p in points if 0 < p < 1440)))


class AwardLookupError(LookupError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class AwardLibrary:
    """Every award file, by award code and effective range."""

    def __init__(self, awards: Iterable[Award]) -> None:
        by_code: dict[str, list[Award]] = {}
        for award in awards:
            by_code.setdefault(award.code, []).append(award)
        for code, versions in by_code.items():
            versions.sort(key=lambda a: a.effective_from)
            for earlier, later in pairwise(versions):
                if later.effective_from <= earlier.effective_to:
                    raise PayrollError.single(
                        "bad_award_data", f"{earlier.file} and {later.file} both cover "
                                          f"{later.effective_from} for {code}")
        self._by_code = {code: tuple(v) for code, v in by_code.items()}

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> AwardLibrary:
        """Every award file in `directory`: the TOML files whose top level names an `award`."""
        awards = []
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as handle:
                if "award" in tomllib.load(handle):
                    awards.append(load_award(path))
        return cls(awards)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_code))

    def versions(self, code: str) -> tuple[Award, ...]:
        return self._by_code.get(code, ())

    def resolve(self, code: str, day: date) -> Award:
        versions = self._by_code.get(code)
        if not versions:
            raise AwardLookupError("unknown_award", f"unknown award {code!r} (this data has "
                                                    f"{', '.join(self.codes) or 'no awards'})")
        for award in versions:
            if award.covers(day):
                return award
        ranges = ", ".join(f"{a.effective_from} to {a.effective_to}" for a in versions)
        raise AwardLookupError("outside_award_data",
                               f"{day} is outside the {code} data ({ranges}): no rates are known for it")


@lru_cache(maxsize=4)
def default_library(directory: Path = DATA_DIR) -> AwardLibrary:
    return AwardLibrary.load(directory)
