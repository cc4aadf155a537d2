"""Timesheets in the ledger.

`PayrollStore` records shifts (each batch audited) and reads the ledger's employees, pay runs and
payslips as the kernel's values: it is the `PayrollSource` of tools.payroll.tool, which
services.payroll_check runs over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from memory import audit
from memory.ledger_store import guarded
from memory.payroll_schema import SHIFT_KINDS, TimesheetShift
from memory.schema import Employee, PayRun, Payslip
from core.clock import Clock
from tools.ledger.problems import LedgerError
from tools.payroll.check import PaidRecord, PayRunInput
from tools.payroll.model import Shift


@dataclass(frozen=True)
class TimesheetEntry:
    """One shift to record for an employee."""

    work_date: date
    start: time
    end: time
    unpaid_break_minutes: int = 0
    ends_next_day: bool = False
    break_start: time | None = None
    kind: str = "worked"
    school_student: bool = False


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PayrollStore:
    def __init__(self, session: Session, clock: Clock, actor: str) -> None:
        self.session, self.clock, self.actor = session, clock, actor

    # -- writing ----------------------------------------------------------------------------------
    def record_shifts(self, employee_code: str, entries: Sequence[TimesheetEntry], *,
                      pay_run_id: int | None = None, source: str = "manual") -> list[TimesheetShift]:
        """Record an employee's shifts (and audit the batch). Shapes are checked here; the award rules
        are checked when the shifts are interpreted."""
        employee = self._employee(employee_code)
        if pay_run_id is not None and self.session.get(PayRun, pay_run_id) is None:
            raise LedgerError.single("unknown_pay_run", f"There is no pay run #{pay_run_id}")
        rows = []
        seen: set[tuple[date, time]] = set(self.session.execute(
            select(TimesheetShift.work_date, TimesheetShift.start_time)
            .where(TimesheetShift.employee_id == employee.id,
                   TimesheetShift.work_date.in_({e.work_date for e in entries}))).all())
        for n, e in enumerate(entries, start=1):
            label = f"{employee_code} {e.work_date} {e.start:%H:%M}-{e.end:%H:%M}"
            if e.kind not in SHIFT_KINDS:
                raise LedgerError.single("bad_shift", f"shift {n} ({label}): kind {e.kind!r} is not one of "
                                                      f"{', '.join(SHIFT_KINDS)}")
            if e.unpaid_break_minutes < 0:
                raise LedgerError.single("bad_shift", f"shift {n} ({label}): the break cannot be negative")
            if not e.ends_next_day and e.end <= e.start:
                raise LedgerError.single("bad_shift", f"shift {n} ({label}): ends before it starts "
                                                      "(a shift past midnight sets ends_next_day)")
            if (e.work_date, e.start) in seen:
                raise LedgerError.single("duplicate_shift", f"shift {n} ({label}) is already recorded")
            seen.add((e.work_date, e.start))
            rows.append(TimesheetShift(
                employee_id=employee.id, pay_run_id=pay_run_id, work_date=e.work_date, start_time=e.start,
                end_time=e.end, ends_next_day=e.ends_next_day, unpaid_break_minutes=e.unpaid_break_minutes,
                break_start=e.break_start, kind=e.kind, school_student=e.school_student, source=source,
                created_at=self.clock.now(), created_by=self.actor))
        with guarded(self.session):
            self.session.add_all(rows)
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="timesheet.recorded",
                         entity_type="employee", entity_id=employee.id,
                         payload={"employee": employee_code, "shifts": len(rows), "pay_run_id": pay_run_id,
                                  "source": source, "ids": [r.id for r in rows]})
        return rows

    def _employee(self, code: str) -> Employee:
        employee = self.session.scalar(select(Employee).where(Employee.employee_code == code))
        if employee is None:
            raise LedgerError.single("unknown_employee", f"There is no employee {code!r}")
        return employee

    # -- reading ----------------------------------------------------------------------------------
    def shifts(self, start: date, end: date) -> list[tuple[TimesheetShift, Employee]]:
        rows = self.session.execute(
            select(TimesheetShift, Employee).join(Employee, Employee.id == TimesheetShift.employee_id)
            .where(TimesheetShift.work_date >= start, TimesheetShift.work_date <= end)
            .order_by(TimesheetShift.work_date, TimesheetShift.start_time, Employee.employee_code))
        return [(s, e) for s, e in rows]

    @staticmethod
    def as_shift(row: TimesheetShift, employee: Employee) -> Shift:
        """A timesheet row as the kernel's Shift: award terms from the employee record."""
        return Shift(
            employee_id=employee.employee_code, award=employee.award, classification=employee.classification,
            employment_type=employee.employment_type, date=row.work_date, start=row.start_time,
            end=row.end_time, state=employee.state, unpaid_break_minutes=row.unpaid_break_minutes,
            end_date=row.work_date + timedelta(days=1) if row.ends_next_day else None,
            break_start=row.break_start, age=age_on(employee.date_of_birth, row.work_date),
            employment_start=employee.start_date,
            agreed_weekly_hours=employee.ordinary_hours_per_week if employee.employment_type == "part_time"
            else None,
            school_student=row.school_student, kind=row.kind, ref=f"timesheet #{row.id}")

    def pay_runs(self, start: date, end: date) -> list[PayRunInput]:
        """Every pay run whose pay period lies within [start, end] (the PayrollSource protocol), with
        its payslips and the shifts it paid: those linked to it, and unlinked shifts in its period."""
        runs = self.session.scalars(select(PayRun).where(PayRun.period_start >= start, PayRun.period_end <= end)
                                    .order_by(PayRun.period_start)).all()
        out = []
        for run in runs:
            slips = self.session.execute(
                select(Payslip, Employee).join(Employee, Employee.id == Payslip.employee_id)
                .where(Payslip.pay_run_id == run.id).order_by(Employee.employee_code)).all()
            rows = self.session.execute(
                select(TimesheetShift, Employee).join(Employee, Employee.id == TimesheetShift.employee_id)
                .where(or_(TimesheetShift.pay_run_id == run.id,
                           and_(TimesheetShift.pay_run_id.is_(None),
                                TimesheetShift.work_date >= run.period_start,
                                TimesheetShift.work_date <= run.period_end)))
                .order_by(TimesheetShift.work_date, TimesheetShift.start_time, Employee.employee_code)).all()
            shifts = [self.as_shift(s, e) for s, e in rows]
            paid = [PaidRecord(e.employee_code, p.gross, p.superannuation, e.name, p.ordinary_hours,
                               e.hourly_rate_paid) for p, e in slips]
            out.append(PayRunInput(run.period_start, run.period_end, run.payment_date, shifts, paid, str(run.id)))
        return out

    def last_pay_run(self) -> PayRun | None:
        return self.session.scalar(select(PayRun).order_by(PayRun.payment_date.desc()).limit(1))
