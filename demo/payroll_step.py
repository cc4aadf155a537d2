"""The demo's payroll step: timesheets for the last pay run, with underpayments seeded, then the check.

The last pay run (1-14 June 2026, paid 17 June) pays every employee their payslip hours at their usual
rate and no penalties, so its timesheets are weekday day shifts that add up to each payslip's hours,
except where an error is seeded on purpose:

* Chloe Nguyen (E007, casual) works a Sunday shift, paid at her ordinary casual rate;
* Sophie Davies (E016, casual) works a 2-hour shift, paid for 2 hours (the minimum engagement is 3);
* Isla Martin (E013) is paid super at 11.5 %, last year's rate (SEEDED_SUPER_RATES, used by history);
* and the rate errors of demo.company.SEEDED_UNDERPAYMENTS (E009, E015, E019).

The shop is in NSW, where Monday 8 June 2026 is the King's Birthday: nobody works it, and the full-time
and part-time staff who normally work Mondays are paid it (kind public_holiday_not_worked). Harper Lee,
the weekend assistant, works Saturdays and Sundays: at 18 she is on the junior rate, so her flat adult
rate is above the minimum even with weekend penalties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.payroll_check import check_period
from memory.payroll_store import PayrollStore, TimesheetEntry
from memory.schema import Employee, PayRun, Payslip
from core.clock import Clock
from tools.payroll.holidays import default_calendar

D = Decimal
SEEDED_SUPER_RATES = {"E013": D("0.115")}   # super paid at the 2024-25 rate in the last pay run
SUNDAY_SHIFT = "E007"                        # a casual paid ordinary rates for a Sunday
SHORT_SHIFT = "E016"                         # a casual paid for 2 hours: the minimum engagement is 3
WEEKEND_ONLY = ("E014",)
SEEDED = ("E007", "E016", "E013", "E009", "E015", "E019")


@dataclass
class PayrollSummary:
    pay_run: str = ""
    payment_date: date | None = None
    shifts: int = 0
    underpaid: list[str] = field(default_factory=list)
    above_minimum: list[str] = field(default_factory=list)
    back_pay: Decimal = field(default_factory=lambda: D("0.00"))
    super_owed: Decimal = field(default_factory=lambda: D("0.00"))
    warnings: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"pay_run": self.pay_run, "payment_date": self.payment_date.isoformat() if self.payment_date else None,
                "shifts": self.shifts, "underpaid": self.underpaid, "underpayments": len(self.underpaid),
                "above_minimum": self.above_minimum, "back_pay": str(self.back_pay),
                "super_owed": str(self.super_owed), "total_owed": str(self.back_pay + self.super_owed),
                "warnings": self.warnings}

    def as_text(self) -> str:
        if self.payment_date is None:
            return "  payroll check no pay run to check"
        return (f"  payroll check last pay run {self.payment_date}: {len(self.underpaid)} underpayments found "
                f"(${self.back_pay + self.super_owed:,.2f} back pay: ${self.back_pay:,.2f} wages, "
                f"${self.super_owed:,.2f} super) in {self.shifts} shifts")


def _day_shift(day: date, hours: Decimal, start: time = time(9)) -> TimesheetEntry:
    """A day shift of `hours` paid hours from `start`, with a 30-minute unpaid break past 5 hours."""
    minutes = int(hours * 60)
    unpaid = 30 if minutes > 300 else 0
    begin = start.hour * 60 + start.minute
    end = begin + minutes + unpaid
    return TimesheetEntry(day, start, time(end // 60, end % 60), unpaid_break_minutes=unpaid)


def _spread(hours: Decimal, days: list[date], start: time = time(9)) -> list[TimesheetEntry]:
    """Whole hours over as few days as possible (at most 8 a shift, at least 3), spread out."""
    total = int(hours)
    assert total == hours and total >= 3, hours
    count = min(len(days), max(1, math.ceil(total / 8)))
    while total / count < 3:
        count -= 1
    sizes = [total // count + (1 if i < total % count else 0) for i in range(count)]
    picks = [days[round(i * (len(days) - 1) / max(1, count - 1))] for i in range(count)] if count > 1 else [days[0]]
    return [_day_shift(day, D(size), start) for day, size in zip(picks, sizes)]


def _plan(employee: Employee, slip: Payslip, run: PayRun) -> list[TimesheetEntry]:
    days = [run.period_start + timedelta(days=n) for n in range((run.period_end - run.period_start).days + 1)]
    calendar = default_calendar()
    holidays = {d for d in days if any(h.whole_day for h in calendar.on(employee.state, d))}
    weekdays = [d for d in days if d.weekday() < 5 and d not in holidays]
    hours = slip.ordinary_hours
    if employee.employment_type != "casual":
        # A regular pattern: the same days every week, the same hours each day.
        weekly = employee.ordinary_hours_per_week
        pattern = {5: range(5), 3: range(1, 4), 4: range(1, 5)}
        per_day = {D(38): 5, D("22.8"): 3, D(24): 3, D(20): 4}.get(weekly, 5)
        each = weekly / per_day
        entries = []
        for d in days:
            if d.weekday() not in pattern[per_day]:
                continue
            entry = _day_shift(d, each)
            if d in holidays:
                entry = TimesheetEntry(d, entry.start, entry.end, entry.unpaid_break_minutes,
                                       kind="public_holiday_not_worked")
            entries.append(entry)
        assert sum(_paid_hours(e) for e in entries) == hours, (employee.employee_code, hours)
        return entries
    if employee.employee_code in WEEKEND_ONLY:
        weekend = [d for d in days if d.weekday() >= 5]
        return _spread(hours, weekend, time(10))
    if employee.employee_code == SUNDAY_SHIFT:
        sunday = next(d for d in days if d.weekday() == 6)
        return [_day_shift(sunday, D(6), time(10)), *_spread(hours - 6, weekdays)]
    if employee.employee_code == SHORT_SHIFT:
        short_day = weekdays[-1]
        return [*_spread(hours - 2, weekdays[:-1]), _day_shift(short_day, D(2), time(10))]
    return _spread(hours, weekdays)


def _paid_hours(entry: TimesheetEntry) -> Decimal:
    minutes = (entry.end.hour * 60 + entry.end.minute) - (entry.start.hour * 60 + entry.start.minute)
    return D(minutes - entry.unpaid_break_minutes) / 60


def record_timesheets(session: Session, clock: Clock) -> PayRun | None:
    """Timesheets for the last pay run: every payslip's hours as shifts (errors seeded, see above)."""
    store = PayrollStore(session, clock, "demo")
    run = store.last_pay_run()
    if run is None:
        return None
    slips = session.execute(select(Payslip, Employee).join(Employee, Employee.id == Payslip.employee_id)
                            .where(Payslip.pay_run_id == run.id).order_by(Employee.employee_code)).all()
    for slip, employee in slips:
        store.record_shifts(employee.employee_code, _plan(employee, slip, run),
                            pay_run_id=run.id, source="demo")
    return run


def check_last_pay_run(session: Session, clock: Clock) -> PayrollSummary:
    store = PayrollStore(session, clock, "demo")
    run = store.last_pay_run()
    if run is None:
        return PayrollSummary()
    report = check_period(store, run.period_start, run.period_end)
    employees = [e for r in report.pay_runs for e in r.employees]
    return PayrollSummary(
        pay_run=f"{run.period_start} to {run.period_end}", payment_date=run.payment_date,
        shifts=len(store.shifts(run.period_start, run.period_end)),
        underpaid=[e.employee_id for e in employees if e.status == "underpaid"],
        above_minimum=[e.employee_id for e in employees if e.status == "above_minimum"],
        back_pay=report.back_pay, super_owed=report.super_owed, warnings=len(report.warnings))
