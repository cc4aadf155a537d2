"""Timesheets: the shifts each employee worked, so a pay run can be checked against the award.

A row is one shift (or, with kind 'public_holiday_not_worked', the ordinary hours a full-time or
part-time employee would have worked on a public holiday they had off). It may be linked to the pay run
that paid it. Times are local wall-clock times; a shift that crosses midnight has ends_next_day.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base

SHIFT_KINDS = ("worked", "public_holiday_not_worked")


class TimesheetShift(Base):
    __tablename__ = "timesheet_shifts"
    __table_args__ = (
        UniqueConstraint("employee_id", "work_date", "start_time"),
        CheckConstraint("unpaid_break_minutes >= 0", name="break_not_negative"),
        CheckConstraint(f"kind IN ({','.join(repr(k) for k in SHIFT_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    pay_run_id: Mapped[int | None] = mapped_column(ForeignKey("pay_runs.id"), index=True)
    work_date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    ends_next_day: Mapped[bool] = mapped_column(Boolean, default=False)
    unpaid_break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    break_start: Mapped[time | None] = mapped_column(Time)
    kind: Mapped[str] = mapped_column(String(30), default="worked")
    school_student: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
