"""The agent tool `run_payroll_check`: typed input and output around the pay-run check.

The tool reads pay runs through a `PayrollSource` (the ledger's store implements it), so this module
stays free of the database. The docstring of `run_payroll_check` is what the model reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from tools.payroll.check import EmployeeCheck, PayRunCheck, PayRunInput, check_pay_run
from tools.payroll.model import hours_text


class PayrollSource(Protocol):
    def pay_runs(self, start: date, end: date) -> Sequence[PayRunInput]:
        """Every pay run whose pay period lies within [start, end], with its shifts and payslips."""
        ...


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _iso_day(value: Any) -> Any:
    """A date, or one written YYYY-MM-DD: not a number (pydantic would read 0 as 1 January 1970)."""
    if isinstance(value, date) or (isinstance(value, str)
                                   and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_day)]


class PayrollCheckRequest(_Model):
    period_start: Day = Field(description="First day of the period: pay runs wholly inside it are checked")
    period_end: Day = Field(description="Last day of the period (inclusive)")
    employee_ids: list[str] | None = Field(default=None, description="Only these employee codes (e.g. E007)")

    @model_validator(mode="after")
    def _ordered(self) -> PayrollCheckRequest:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class PayLineOut(_Model):
    date: date
    start: str
    end: str
    hours: str
    rate: Decimal
    multiplier: Decimal
    amount: Decimal
    description: str
    clause: str
    uncertain: bool


class EntitlementOut(_Model):
    hours: str
    rate: Decimal
    amount: Decimal
    ordinary_time: bool
    descriptions: list[str]
    clauses: list[str]


class FindingOut(_Model):
    code: str
    message: str
    amount: Decimal
    clauses: list[str]


class EmployeeOut(_Model):
    employee_id: str
    name: str
    status: Literal["underpaid", "above_minimum", "correct", "not_checked"]
    entitled_gross: Decimal
    paid_gross: Decimal
    back_pay: Decimal
    ordinary_time_earnings: Decimal
    super_due: Decimal
    super_paid: Decimal
    super_owed: Decimal
    findings: list[FindingOut]
    pay_lines: list[EntitlementOut]
    lines: list[PayLineOut]


class PayRunOut(_Model):
    pay_run_id: str | None
    period_start: date
    period_end: date
    payment_date: date
    super_rate_percent: Decimal
    underpaid_employees: int
    back_pay: Decimal
    super_owed: Decimal
    employees: list[EmployeeOut]
    warnings: list[str]


class PayrollCheckResponse(_Model):
    period_start: date
    period_end: date
    pay_runs: list[PayRunOut]
    underpaid_employees: int
    back_pay: Decimal
    super_owed: Decimal
    total_owed: Decimal
    warnings: list[str]


def employee_out(e: EmployeeCheck) -> EmployeeOut:
    lines = [PayLineOut(date=r.shift.date, start=f"{ln.starts_at:%H:%M}", end=f"{ln.ends_at:%H:%M}",
                        hours=hours_text(ln.minutes), rate=ln.rate, multiplier=ln.multiplier, amount=ln.amount,
                        description=ln.description, clause=ln.clause, uncertain=ln.uncertain)
             for r in e.shifts for ln in r.lines]
    return EmployeeOut(employee_id=e.employee_id, name=e.name, status=e.status,  # type: ignore[arg-type]
                       entitled_gross=e.entitled_gross, paid_gross=e.paid_gross, back_pay=e.back_pay,
                       ordinary_time_earnings=e.ordinary_time_earnings, super_due=e.super_due,
                       super_paid=e.super_paid, super_owed=e.super_owed,
                       findings=[FindingOut(code=f.code, message=f.message, amount=f.amount,
                                            clauses=list(f.clauses)) for f in e.findings],
                       pay_lines=[EntitlementOut(hours=hours_text(p.minutes), rate=p.rate, amount=p.amount,
                                                 ordinary_time=p.ordinary_time, descriptions=list(p.descriptions),
                                                 clauses=list(p.clauses)) for p in e.pay_lines],
                       lines=lines)


def pay_run_out(check: PayRunCheck, only: set[str] | None = None) -> PayRunOut:
    employees = [e for e in check.employees if only is None or e.employee_id in only]
    return PayRunOut(pay_run_id=check.pay_run_id, period_start=check.period_start, period_end=check.period_end,
                     payment_date=check.payment_date, super_rate_percent=check.super_rate.percent,
                     underpaid_employees=sum(e.underpaid for e in employees),
                     back_pay=sum((e.back_pay for e in employees), Decimal("0.00")),
                     super_owed=sum((e.super_owed for e in employees), Decimal("0.00")),
                     employees=[employee_out(e) for e in employees],
                     warnings=[w["message"] for w in check.warnings])


def run_payroll_check(request: PayrollCheckRequest, source: PayrollSource) -> PayrollCheckResponse:
    """Check the pay runs in a period against the Modern Awards (General Retail Industry Award
    MA000004, Clerks—Private Sector Award MA000002) and the 12 % superannuation guarantee.

    Use it to answer "were our staff paid correctly?", "do we owe back pay?" or "why is Chloe's pay
    short?". It recomputes every recorded shift's minimum pay, line by line (hours, rate, multiplier,
    amount and the award clause), compares it with the payslip's gross and super, and lists each
    employee as underpaid, above_minimum (paid more than the minimum: not an error), correct or
    not_checked (no timesheet). `findings` explain each underpayment (rate below the award, Sunday or
    evening penalties not paid, overtime, a missed minimum engagement, super short-paid) with the
    dollar amount and clauses. `warnings` name figures the award data marks as uncertain: say so when
    an answer depends on one. The check only reads; it never changes pay or posts anything.
    """
    runs = source.pay_runs(request.period_start, request.period_end)
    only = set(request.employee_ids) if request.employee_ids else None
    outs = [pay_run_out(check_pay_run(run), only) for run in runs]
    back_pay = sum((r.back_pay for r in outs), Decimal("0.00"))
    super_owed = sum((r.super_owed for r in outs), Decimal("0.00"))
    warnings = list(dict.fromkeys(w for r in outs for w in r.warnings))
    return PayrollCheckResponse(period_start=request.period_start, period_end=request.period_end, pay_runs=outs,
                                underpaid_employees=sum(r.underpaid_employees for r in outs),
                                back_pay=back_pay, super_owed=super_owed, total_owed=back_pay + super_owed,
                                warnings=warnings)
