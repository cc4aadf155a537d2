"""The kernel's typed, immutable values: a shift in, pay lines out.

Money is Decimal throughout. Times are whole minutes; a line's hours are its minutes / 60 and its amount
is hours x rate rounded half up to the cent, computed from the exact minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tools.payroll.awards import Figure

Day = date  # for fields declared after Shift.date, which shadows the name inside the class

WORKED = "worked"
PUBLIC_HOLIDAY_NOT_WORKED = "public_holiday_not_worked"
SHIFT_KINDS = (WORKED, PUBLIC_HOLIDAY_NOT_WORKED)


@dataclass(frozen=True, slots=True)
class Shift:
    """One shift of one employee (or, with kind public_holiday_not_worked, the ordinary hours a full-time
    or part-time employee would have worked on a public holiday they were given off)."""

    employee_id: str
    award: str
    classification: str
    employment_type: str           # full_time | part_time | casual
    date: date                     # the day the shift starts
    start: time
    end: time                      # time(0, 0) with end_date the next day for a shift ending at midnight
    state: str
    unpaid_break_minutes: int = 0
    end_date: Day | None = None    # the next day, for a shift that crosses midnight
    break_start: time | None = None  # when the unpaid break starts; default: centred in the shift
    age: int | None = None         # on the shift's date; None = adult
    employment_start: Day | None = None  # needed for a 20-year-old under MA000004
    agreed_weekly_hours: Decimal | None = None  # a part-timer's guaranteed hours
    school_student: bool = False   # a full-time secondary-school student (MA000004 1.5 h minimum)
    kind: str = WORKED
    index: int = 0                 # position in the input (1-based), for messages
    ref: str | None = None         # the caller's own id (e.g. a timesheet row)

    @property
    def label(self) -> str:
        end = "24:00" if self.end == time(0) and self.end_date is not None else f"{self.end:%H:%M}"
        where = f"shift {self.index}" if self.index else (f"shift {self.ref}" if self.ref else "shift")
        return f"{where} ({self.employee_id} {self.date} {self.start:%H:%M}-{end})"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start)


@dataclass(frozen=True, slots=True)
class PayLine:
    kind: str            # ordinary | penalty | overtime | minimum_engagement | public_holiday_absence
    rule: str            # stable id, e.g. "penalty.sunday", "overtime.mon_sat_first"
    description: str
    starts_at: datetime
    ends_at: datetime
    minutes: int
    base_rate: Decimal
    multiplier: Decimal
    rate: Decimal
    amount: Decimal
    clause: str
    ordinary_time: bool  # counts towards ordinary time earnings (super)
    figures: tuple[Figure, ...] = ()

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60

    @property
    def uncertain(self) -> bool:
        return any(f.uncertain for f in self.figures)


@dataclass(frozen=True, slots=True)
class PayWarning:
    code: str            # "uncertain_figure" | "condition_not_checked"
    message: str
    figure: Figure | None = None


@dataclass(frozen=True, slots=True)
class ShiftPay:
    shift: Shift
    award_file: str
    lines: tuple[PayLine, ...]
    total: Decimal
    ordinary_time_earnings: Decimal
    warnings: tuple[PayWarning, ...] = field(default=())

    @property
    def worked_minutes(self) -> int:
        return sum(ln.minutes for ln in self.lines if ln.kind in ("ordinary", "penalty", "overtime"))


def hours_text(minutes: int) -> str:
    """Hours as a decimal string: exact when minutes / 60 terminates, else to 4 places."""
    value = Decimal(minutes) / 60
    exact = value.quantize(Decimal("0.0001"))
    if exact == value:
        return format(value.normalize(), "f") if value != value.to_integral_value() \
            else str(value.to_integral_value())
    return str(exact)


def at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(0)) + timedelta(minutes=minute)
