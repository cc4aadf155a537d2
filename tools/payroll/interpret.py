"""The interpretation engine: shifts in, pay lines out, each line with its rate, multiplier and clause.

Pure functions over the award data (tools.payroll.awards) and the public-holiday calendar
(tools.payroll.holidays). The conventions of the Fair Work pay guides:

* base hourly rate = weekly rate / 38, rounded half up to the cent (the data files carry both, and the
  loader checks them); a junior's weekly rate is the adult weekly rate x the junior percentage, to the
  cent, and their hourly rate that / 38;
* a line's rate = base rate x multiplier, rounded half up to the cent (casual multipliers include the
  casual loading: the awards state casual penalty rates as one percentage);
* a line's amount = hours x rate, rounded half up to the cent (from the exact minutes).

How a shift becomes lines:

1. The paid time (the shift less its unpaid break; the break sits in the middle of the shift unless
   `break_start` says where) is cut wherever the rate can change: midnight, the penalty bands (Retail:
   6 pm on weekdays), the span of ordinary hours, and the edges of (part-day) public holidays.
2. Each piece is ordinary time at the penalty of its day and time, unless it is overtime: outside the
   span of ordinary hours (full-time and part-time; Clerks casuals too), beyond the daily maximum of
   ordinary hours (Retail 9, or 11 on one day a week; Clerks 10) counted per day the shift starts on,
   or beyond the weekly ordinary hours (full-time 38; part-time their agreed hours when known; Clerks
   casuals 38), counted per Monday-to-Sunday week in time order.
3. Overtime is paid by the calendar day it falls on: Sunday and public-holiday rates flat; Monday to
   Saturday the first tier (Retail 3 h, Clerks 2 h of overtime in the day) then the higher rate.
4. A shift shorter than the minimum engagement is paid as if it had continued to the minimum: the extra
   time at the penalty rate of the hours it would have covered (never overtime).

Every input problem raises PayrollError naming the shift; no default rate is ever used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from tools.payroll.awards import (
    EMPLOYMENT_TYPES,
    Award,
    AwardLibrary,
    AwardLookupError,
    Classification,
    Figure,
    RateRule,
    default_library,
    round_cents,
)
from tools.payroll.errors import PayrollError, PayrollProblem
from tools.payroll.holidays import Holiday, HolidayCalendar, HolidayLookupError, default_calendar
from tools.payroll.model import (
    PUBLIC_HOLIDAY_NOT_WORKED,
    SHIFT_KINDS,
    PayLine,
    PayWarning,
    Shift,
    ShiftPay,
    at,
)

DAY = 1440
_WEEKDAY_KIND = ("mon_fri",) * 5 + ("saturday", "sunday")
PH_ABSENCE_CLAUSE = "Fair Work Act 2009 s 116 (NES): the base rate for ordinary hours on a public holiday not worked"
PH_ABSENCE_FIGURE = Figure("Payment for a public holiday not worked (base rate of pay)", "Fair Work Act 2009 s 116",
                           "legislation (NES)", "PRIMARY", False)


@dataclass(slots=True)
class _Prepared:
    shift: Shift
    award: Award
    cls: Classification
    emp: str
    base: Decimal
    base_figures: tuple[Figure, ...]
    start: int                       # minutes after 00:00 on shift.date
    end: int
    brk: tuple[int, int] | None
    holidays: dict[int, tuple[Holiday, ...]]  # day offset → holidays that day
    week: date
    weekly_cap: int | None
    weekly_figure: Figure | None


@dataclass(slots=True)
class _Segment:
    start: int
    end: int
    kind: str
    rule: str
    description: str
    multiplier: Decimal
    clause: str
    ote: bool
    figures: list[Figure]


class _Tracker:
    """One employee's running ordinary and overtime minutes by day and by week."""

    __slots__ = ("day_ordinary", "day_overtime", "week_long_day", "week_ordinary")

    def __init__(self) -> None:
        self.week_ordinary: dict[date, int] = defaultdict(int)
        self.week_long_day: dict[date, date] = {}
        self.day_ordinary: dict[date, int] = defaultdict(int)
        self.day_overtime: dict[date, int] = defaultdict(int)


def interpret(shifts: Sequence[Shift], *, library: AwardLibrary | None = None,
              calendar: HolidayCalendar | None = None) -> tuple[ShiftPay, ...]:
    """Pay lines for every shift, in input order. Shifts of one employee are taken together (in time
    order) for daily and weekly overtime. Raises PayrollError listing every bad shift."""
    library = library or default_library()
    calendar = calendar or default_calendar()
    prepared: list[_Prepared | None] = []
    problems: list[PayrollProblem] = []
    for shift in shifts:
        item = _prepare(shift, library, calendar, problems)
        prepared.append(item)
    problems.extend(_overlaps([p for p in prepared if p is not None]))
    if problems:
        raise PayrollError(problems)
    by_employee: dict[str, list[_Prepared]] = defaultdict(list)
    for p in prepared:
        assert p is not None
        by_employee[p.shift.employee_id].append(p)
    results: dict[int, ShiftPay] = {}
    for items in by_employee.values():
        tracker = _Tracker()
        for p in sorted(items, key=lambda p: (p.shift.date, p.start)):
            results[id(p)] = _pay(p, tracker, calendar)
    return tuple(results[id(p)] for p in prepared)


# -- validation ------------------------------------------------------------------------------------

def _prepare(shift: Shift, library: AwardLibrary, calendar: HolidayCalendar,
             problems: list[PayrollProblem]) -> _Prepared | None:
    label = shift.label
    found: list[PayrollProblem] = []

    def problem(code: str, message: str) -> None:
        found.append(PayrollProblem(code, f"{label}: {message}", label))

    try:
        award = library.resolve(shift.award, shift.date)
    except AwardLookupError as exc:
        problem(exc.code, exc.message)
        award = None
    cls = None
    if award is not None:
        cls = award.classifications.get(shift.classification)
        if cls is None:
            problem("unknown_classification",
                    f"unknown classification {shift.classification!r} for {award.code} "
                    f"(one of {', '.join(award.classifications)})")
    if shift.employment_type not in EMPLOYMENT_TYPES:
        problem("unknown_employment_type", f"employment type {shift.employment_type!r} is not one of "
                                           f"{', '.join(EMPLOYMENT_TYPES)}")
    if shift.kind not in SHIFT_KINDS:
        problem("unknown_shift_kind", f"kind {shift.kind!r} is not one of {', '.join(SHIFT_KINDS)}")

    start = shift.start.hour * 60 + shift.start.minute
    end = shift.end.hour * 60 + shift.end.minute
    if shift.start.second or shift.end.second or shift.start.microsecond or shift.end.microsecond:
        problem("bad_time", "times are whole minutes (HH:MM)")
    end_ok = True
    if shift.end_date is not None:
        days = (shift.end_date - shift.date).days
        if days not in (0, 1):
            problem("bad_end_date", f"end_date {shift.end_date} must be the shift's date or the next day "
                                    "(a shift is at most 24 hours)")
            end_ok = False
        else:
            end += days * DAY
    if end_ok and end <= start:
        hint = "" if shift.end_date is not None else \
            " (for a shift that crosses midnight, give end_date: the next day)"
        problem("ends_before_start" if end < start else "zero_length",
                f"ends at {shift.end:%H:%M}, not after it starts at {shift.start:%H:%M}{hint}")
    elif end_ok and end - start > DAY:
        problem("too_long", "is longer than 24 hours")
    length = end - start
    brk = None
    if shift.unpaid_break_minutes < 0:
        problem("bad_break", "unpaid_break_minutes cannot be negative")
    elif shift.unpaid_break_minutes and length > 0:
        b = shift.unpaid_break_minutes
        if b >= length:
            problem("bad_break", f"the unpaid break ({b} min) is as long as the shift ({length} min)")
        else:
            if shift.break_start is None:
                bs = start + (length - b) // 2
            else:
                bs = shift.break_start.hour * 60 + shift.break_start.minute
                if bs < start:
                    bs += DAY
            if not (start <= bs and bs + b <= end):
                problem("bad_break", f"the break from {shift.break_start:%H:%M} for {b} min is not "
                                     "inside the shift")
            brk = (bs, bs + b)
    elif shift.break_start is not None and not shift.unpaid_break_minutes:
        problem("bad_break", "break_start is given but unpaid_break_minutes is 0")

    holidays: dict[int, tuple[Holiday, ...]] = {}
    if end > start:
        for offset in range((end - 1) // DAY + 1):
            try:
                holidays[offset] = calendar.on(shift.state, shift.date + timedelta(days=offset))
            except HolidayLookupError as exc:
                problem(exc.code, exc.message)
                break

    base, base_figures = Decimal(0), tuple[Figure, ...]()
    if award is not None and cls is not None:
        base, base_figures = _base_rate(award, cls, shift, problem)

    emp = shift.employment_type
    if shift.kind == PUBLIC_HOLIDAY_NOT_WORKED and not found:
        if emp == "casual":
            problem("casual_public_holiday", "a casual is not paid for a public holiday not worked "
                                             "(kind public_holiday_not_worked)")
        elif not any(h.whole_day for h in holidays.get(0, ())):
            problem("not_a_public_holiday", f"{shift.date} is not a public holiday in {shift.state}")
    if shift.agreed_weekly_hours is not None and shift.agreed_weekly_hours <= 0:
        problem("bad_agreed_hours", "agreed_weekly_hours must be positive")

    if found or award is None or cls is None:
        problems.extend(found)
        return None
    weekly = award.overtime.weekly.get(emp)
    if weekly == "agreed":
        weekly = int(shift.agreed_weekly_hours * 60) if shift.agreed_weekly_hours is not None else None
    week = shift.date - timedelta(days=shift.date.weekday())
    weekly_figure = award.overtime.weekly_figures.get(emp) or award.overtime.figure
    return _Prepared(shift, award, cls, emp, base, base_figures, start, end, brk, holidays, week,
                     weekly if isinstance(weekly, int) else None, weekly_figure)


def _base_rate(award: Award, cls: Classification, shift: Shift, problem) -> tuple[Decimal, tuple[Figure, ...]]:  # type: ignore[no-untyped-def]
    """The minimum hourly rate: the adult rate, or a junior's share of the weekly rate / 38."""
    if shift.age is None:
        return cls.hourly, (cls.figure,)
    if not 0 < shift.age < 120:
        problem("bad_age", f"age {shift.age} is not an age")
        return cls.hourly, (cls.figure,)
    juniors = award.juniors
    if juniors is None or (juniors.applies_to is not None and cls.code not in juniors.applies_to):
        return cls.hourly, (cls.figure,)
    percent = juniors.percent(shift.age)
    if percent is None:
        return cls.hourly, (cls.figure,)
    if juniors.adult_rate_at_age == shift.age and juniors.adult_rate_after_months:
        if shift.employment_start is None:
            problem("needs_employment_start",
                    f"a {shift.age}-year-old under {award.code} is paid the adult rate after "
                    f"{juniors.adult_rate_after_months} months' service: give employment_start")
            return cls.hourly, (cls.figure,)
        if _add_months(shift.employment_start, juniors.adult_rate_after_months) <= shift.date:
            return cls.hourly, (cls.figure, juniors.figure)
    weekly = round_cents(cls.weekly * percent / 100)
    return round_cents(weekly / award.hours_per_week), (cls.figure, juniors.figure)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


def _overlaps(items: list[_Prepared]) -> list[PayrollProblem]:
    problems = []
    by_employee: dict[str, list[_Prepared]] = defaultdict(list)
    for p in items:
        by_employee[p.shift.employee_id].append(p)
    for group in by_employee.values():
        group.sort(key=lambda p: (p.shift.date, p.start))
        latest: _Prepared | None = None
        latest_end = None
        for p in group:
            p_start = at(p.shift.date, p.start)
            if latest is not None and latest_end is not None and p_start < latest_end:
                problems.append(PayrollProblem(
                    "overlapping_shifts",
                    f"{p.shift.label}: overlaps {latest.shift.label} for the same employee",
                    p.shift.label))
            p_end = at(p.shift.date, p.end)
            if latest_end is None or p_end > latest_end:
                latest, latest_end = p, p_end
    return problems


# -- interpretation ----------------------------------------------------------------------------------

def _pieces(p: _Prepared, start: int, end: int, holidays: dict[int, tuple[Holiday, ...]]) -> list[tuple[int, int]]:
    cuts = p.award.cuts
    out = []
    a = start
    while a < end:
        offset = a // DAY
        base = offset * DAY
        nxt = base + DAY
        for c in cuts:
            if base + c > a:
                nxt = min(nxt, base + c)
                break
        for h in holidays.get(offset, ()):
            for edge in (h.start, h.end):
                if a < base + edge < nxt:
                    nxt = base + edge
        b = min(nxt, end)
        out.append((a, b))
        a = b
    return out


def _classify(p: _Prepared, minute: int, holidays: dict[int, tuple[Holiday, ...]]
              ) -> tuple[str, str, bool, Holiday | None]:
    """(day kind, penalty key, inside the span?, holiday) at a minute of the shift."""
    offset, tod = divmod(minute, DAY)
    weekday = _WEEKDAY_KIND[(p.shift.date.weekday() + offset) % 7]
    holiday = None
    for h in holidays.get(offset, ()):
        if h.start <= tod < h.end:
            holiday = h
            break
    kind = "public_holiday" if holiday else weekday
    rate = ""
    for band in p.award.bands[kind]:
        if band.start <= tod < band.end:
            rate = band.rate
            break
    span = p.award.span
    window = span.windows[weekday] if kind == "public_holiday" and span.public_holiday_as_weekday \
        else span.windows[kind]
    return kind, rate, window[0] <= tod < window[1], holiday


def _penalty_segment(p: _Prepared, a: int, b: int, rate_key: str, extra: list[Figure]) -> _Segment:
    rule: RateRule = p.award.penalties[rate_key]
    kind = "ordinary" if rate_key == "ordinary" else "penalty"
    name = "ordinary" if rate_key == "ordinary" else f"penalty.{rate_key}"
    return _Segment(a, b, kind, name, rule.description, rule.multipliers[p.emp], rule.clauses[p.emp], True,
                    [*extra, rule.figures[p.emp]])


def _overtime_segments(p: _Prepared, a: int, b: int, day_kind: str, tracker: _Tracker,
                       reason: list[Figure]) -> list[_Segment]:
    ot = p.award.overtime
    day = p.shift.date
    out = []
    if day_kind in ("sunday", "public_holiday"):
        parts = [(a, b, day_kind)]
    else:
        first_left = max(0, ot.tier_minutes - tracker.day_overtime[day])
        split = min(b, a + first_left)
        parts = [(a, split, "mon_sat_first"), (split, b, "mon_sat_after")]
    for x, y, key in parts:
        if y <= x:
            continue
        rule = ot.rates[key]
        out.append(_Segment(x, y, "overtime", f"overtime.{key}", rule.description, rule.multipliers[p.emp],
                            rule.clauses[p.emp], False, [ot.figure, *reason, rule.figures[p.emp]]))
    tracker.day_overtime[day] += b - a
    return out


def _worked_segments(p: _Prepared, tracker: _Tracker) -> list[_Segment]:
    ot, span = p.award.overtime, p.award.span
    day, week = p.shift.date, p.week
    intervals = [(p.start, p.end)] if p.brk is None else [(p.start, p.brk[0]), (p.brk[1], p.end)]
    segments: list[_Segment] = []
    for lo, hi in intervals:
        for a, b in _pieces(p, lo, hi, p.holidays):
            day_kind, rate_key, in_span, holiday = _classify(p, a, p.holidays)
            extra = [holiday.figure] if holiday else []
            if not in_span and span.outside[p.emp] == "overtime":
                reading = [span.outside_figures[p.emp]] if p.emp in span.outside_figures else []
                segments += _overtime_segments(p, a, b, day_kind, tracker, [*extra, span.figure, *reading])
                continue
            if not in_span:
                extra += [span.figure, span.outside_figures.get(p.emp, span.figure)]
            # Ordinary hours, up to the daily and weekly maximum; the rest is overtime.
            cap = ot.daily_minutes
            long_day = tracker.week_long_day.get(week)
            if ot.long_day_minutes and (long_day == day or (
                    long_day is None and tracker.day_ordinary[day] + (b - a) > ot.daily_minutes)):
                cap = ot.long_day_minutes
                tracker.week_long_day[week] = day
            room_day = max(0, cap - tracker.day_ordinary[day])
            room_week = max(0, p.weekly_cap - tracker.week_ordinary[week]) if p.weekly_cap is not None \
                else b - a
            ordinary = min(b - a, room_day, room_week)
            if ordinary:
                segments.append(_penalty_segment(p, a, a + ordinary, rate_key, extra))
                tracker.day_ordinary[day] += ordinary
                tracker.week_ordinary[week] += ordinary
            if ordinary < b - a:
                reason = [ot.daily_figure] if room_day <= room_week else [p.weekly_figure or ot.figure]
                segments += _overtime_segments(p, a + ordinary, b, day_kind, tracker, [*extra, *reason])
    return segments


def _minimum_engagement(p: _Prepared, paid: int, calendar: HolidayCalendar,
                        warnings: list[PayWarning]) -> list[_Segment]:
    me = p.award.minimum_engagement
    minimum, figure = me.minutes.get(p.emp), me.figures.get(p.emp)
    student = me.student
    if p.shift.school_student and student is not None:
        on_school_day = (not student.weekdays_only or p.shift.date.weekday() < 5) and not p.holidays.get(0)
        if (student.applies_to == p.emp and on_school_day and p.end <= DAY
                and student.window[0] <= p.start and p.end <= student.window[1]):
            minimum, figure = student.minutes, student.figure
            warnings.append(PayWarning("condition_not_checked",
                                       f"{p.shift.label}: {student.figure.what} applied. {student.note}",
                                       student.figure))
        else:
            warnings.append(PayWarning("condition_not_met",
                                       f"{p.shift.label}: school_student is set but the shift is not a "
                                       f"{p.emp} shift inside {student.window[0] // 60}:{student.window[0] % 60:02d}"
                                       f"-{student.window[1] // 60}:{student.window[1] % 60:02d} on a school "
                                       "day, so the usual minimum engagement applies"))
    if minimum is None or paid >= minimum or figure is None:
        return []
    start, end = p.end, p.end + (minimum - paid)
    holidays = dict(p.holidays)
    for offset in range(start // DAY, (end - 1) // DAY + 1):
        if offset not in holidays:
            try:
                holidays[offset] = calendar.on(p.shift.state, p.shift.date + timedelta(days=offset))
            except HolidayLookupError as exc:
                raise PayrollError.single(exc.code, f"{p.shift.label}: the minimum engagement runs on to "
                                                    f"{exc.message}", p.shift.label) from None
    out = []
    for a, b in _pieces(p, start, end, holidays):
        _, rate_key, _, holiday = _classify(p, a, holidays)
        rule = p.award.penalties[rate_key]
        extra = [holiday.figure] if holiday else []
        out.append(_Segment(a, b, "minimum_engagement", f"minimum_engagement.{rate_key}",
                            f"Minimum engagement top-up ({rule.description.lower()})", rule.multipliers[p.emp],
                            f"{figure.clause} (minimum engagement); {rule.clauses[p.emp]}", True,
                            [figure, *extra, rule.figures[p.emp]]))
    return out


def _pay(p: _Prepared, tracker: _Tracker, calendar: HolidayCalendar) -> ShiftPay:
    warnings: list[PayWarning] = []
    if p.shift.kind == PUBLIC_HOLIDAY_NOT_WORKED:
        minutes = p.end - p.start - (p.brk[1] - p.brk[0] if p.brk else 0)
        holiday = next(h for h in p.holidays[0] if h.whole_day)
        segments = [_Segment(p.start, p.end, "public_holiday_absence", "public_holiday_absence",
                             f"Public holiday not worked: {holiday.name}", Decimal("1.00"), PH_ABSENCE_CLAUSE,
                             True, [PH_ABSENCE_FIGURE, holiday.figure])]
        tracker.day_ordinary[p.shift.date] += minutes
        tracker.week_ordinary[p.week] += minutes
        lines = [_line(p, segments[0], minutes)]
    else:
        segments = _worked_segments(p, tracker)
        paid = sum(s.end - s.start for s in segments)
        segments += _minimum_engagement(p, paid, calendar, warnings)
        lines = _engaged_hours_rounded_once([_line(p, s, m) for s, m in _merge(segments)])
    seen: set[str] = set()
    for figure in (*p.base_figures, *(f for ln in lines for f in ln.figures)):
        if figure.uncertain and figure.what not in seen:
            seen.add(figure.what)
            warnings.append(PayWarning("uncertain_figure", f"{p.shift.label}: relies on an uncertain figure: "
                                                           f"{figure.describe()}", figure))
    total = sum((ln.amount for ln in lines), Decimal("0.00"))
    ote = sum((ln.amount for ln in lines if ln.ordinary_time), Decimal("0.00"))
    return ShiftPay(p.shift, p.award.file, tuple(lines), total, ote, tuple(warnings))


def _merge(segments: list[_Segment]) -> list[tuple[_Segment, int]]:
    """Join consecutive segments paid by the same rule (across the unpaid break too)."""
    out: list[tuple[_Segment, int]] = []
    for s in segments:
        minutes = s.end - s.start
        if out:
            last, total = out[-1]
            if last.rule == s.rule and last.multiplier == s.multiplier and last.kind == s.kind:
                for f in s.figures:
                    if f not in last.figures:
                        last.figures.append(f)
                last.end = s.end
                out[-1] = (last, total + minutes)
                continue
        out.append((_Segment(s.start, s.end, s.kind, s.rule, s.description, s.multiplier, s.clause, s.ote,
                             list(s.figures)), minutes))
    return out


def _engaged_hours_rounded_once(lines: list[PayLine]) -> list[PayLine]:
    """A minimum-engagement top-up at the same rate as the worked time before it is one stretch
    of engaged hours, rounded once: 2.5 h worked and 0.5 h topped up at $33.95 come to
    3 h x $33.95 = $101.85, not $84.88 + $16.98. The top-up line keeps its own hours and rule
    and carries the remainder."""
    out = list(lines)
    for i in range(1, len(out)):
        worked, top_up = out[i - 1], out[i]
        if (top_up.kind == "minimum_engagement" and worked.kind != "minimum_engagement"
                and top_up.rate == worked.rate):
            together = round_cents(worked.rate * (worked.minutes + top_up.minutes) / 60)
            out[i] = replace(top_up, amount=together - worked.amount)
    return out


_RATES: dict[tuple[Decimal, Decimal], Decimal] = {}


def _line(p: _Prepared, s: _Segment, minutes: int) -> PayLine:
    key = (p.base, s.multiplier)
    rate = _RATES.get(key)
    if rate is None:
        rate = _RATES[key] = round_cents(p.base * s.multiplier)
    amount = round_cents(rate * minutes / 60)
    figures = tuple(dict.fromkeys((*p.base_figures, *s.figures)))
    return PayLine(s.kind, s.rule, s.description, at(p.shift.date, s.start), at(p.shift.date, s.end), minutes,
                   p.base, s.multiplier, rate, amount, s.clause, s.ote, figures)
