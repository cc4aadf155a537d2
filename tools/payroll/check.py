"""The pay-run check: what each employee was owed for their shifts against what they were paid.

For every employee in a pay run: the award entitlement of their shifts (tools.payroll.interpret), the
superannuation guarantee on its ordinary time earnings (OTE: everything but overtime) at the rate in
force on the payment date, and each under- or over-payment with the lines and clauses behind it and the
back pay owed. Paying more than the award minimum is not an error: it is reported as "above minimum".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tools.payroll.awards import AwardLibrary, round_cents
from tools.payroll.errors import PayrollError, PayrollProblem
from tools.payroll.holidays import HolidayCalendar
from tools.payroll.interpret import interpret
from tools.payroll.model import PayLine, PayWarning, Shift, ShiftPay
from tools.payroll.superannuation import SuperRate, SuperRates, default_super_rates

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaidRecord:
    """What one employee was paid in the pay run (from the payslip)."""

    employee_id: str
    gross: Decimal
    superannuation: Decimal
    name: str = ""
    ordinary_hours: Decimal | None = None
    hourly_rate_paid: Decimal | None = None


@dataclass(frozen=True)
class PayRunInput:
    period_start: date
    period_end: date
    payment_date: date
    shifts: Sequence[Shift]
    paid: Sequence[PaidRecord]
    pay_run_id: str | None = None


@dataclass(frozen=True)
class Finding:
    code: str          # wages_underpaid | super_underpaid | rate_below_award | penalty_rate |
    #                    overtime | minimum_engagement | public_holiday | not_paid | no_timesheet | ...
    message: str
    amount: Decimal = ZERO
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntitlementLine:
    """A payslip line: all the period's hours at one rate, rounded once (as a payslip shows them)."""

    minutes: int
    rate: Decimal
    amount: Decimal
    ordinary_time: bool
    descriptions: tuple[str, ...]
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class EmployeeCheck:
    employee_id: str
    name: str
    status: str                  # underpaid | above_minimum | correct | not_checked
    entitled_gross: Decimal
    paid_gross: Decimal
    wage_difference: Decimal     # entitled - paid: positive means underpaid
    ordinary_time_earnings: Decimal
    super_rate: Decimal          # percent
    super_due: Decimal
    super_paid: Decimal
    super_difference: Decimal    # due - paid: positive means short-paid
    shifts: tuple[ShiftPay, ...]
    findings: tuple[Finding, ...]
    pay_lines: tuple[EntitlementLine, ...] = ()

    @property
    def back_pay(self) -> Decimal:
        return max(self.wage_difference, ZERO)

    @property
    def super_owed(self) -> Decimal:
        return max(self.super_difference, ZERO)

    @property
    def underpaid(self) -> bool:
        return self.status == "underpaid"


@dataclass(frozen=True)
class PayRunCheck:
    pay_run_id: str | None
    period_start: date
    period_end: date
    payment_date: date
    super_rate: SuperRate
    employees: tuple[EmployeeCheck, ...]
    warnings: tuple[dict, ...] = field(default=())

    @property
    def underpaid(self) -> tuple[EmployeeCheck, ...]:
        return tuple(e for e in self.employees if e.underpaid)

    @property
    def back_pay(self) -> Decimal:
        return sum((e.back_pay for e in self.employees), ZERO)

    @property
    def super_owed(self) -> Decimal:
        return sum((e.super_owed for e in self.employees), ZERO)

    @property
    def total_owed(self) -> Decimal:
        return self.back_pay + self.super_owed


def check_pay_run(run: PayRunInput, *, library: AwardLibrary | None = None,
                  calendar: HolidayCalendar | None = None,
                  super_rates: SuperRates | None = None) -> PayRunCheck:
    """Check one pay run. Raises PayrollError (naming the shift) when a shift cannot be interpreted or
    lies outside the pay period."""
    problems = [PayrollProblem("shift_outside_period",
                               f"{s.label}: is outside the pay period {run.period_start} to {run.period_end}",
                               s.label)
                for s in run.shifts if not run.period_start <= s.date <= run.period_end]
    if problems:
        raise PayrollError(problems)
    super_rate = (super_rates or default_super_rates()).on(run.payment_date)
    results = interpret(run.shifts, library=library, calendar=calendar)
    by_employee: dict[str, list[ShiftPay]] = defaultdict(list)
    for r in results:
        by_employee[r.shift.employee_id].append(r)
    paid = {p.employee_id: p for p in run.paid}
    if len(paid) != len(run.paid):
        raise PayrollError.single("duplicate_payslip", "an employee has two payslips in one pay run")
    employees = []
    for employee_id in list(dict.fromkeys([*paid, *by_employee])):
        employees.append(_check_employee(employee_id, paid.get(employee_id), by_employee.get(employee_id, []),
                                         super_rate))
    from tools.payroll.contract import unique_warnings

    return PayRunCheck(run.pay_run_id, run.period_start, run.period_end, run.payment_date, super_rate,
                       tuple(employees), tuple(unique_warnings(results)))


def _check_employee(employee_id: str, paid: PaidRecord | None, shifts: list[ShiftPay],
                    super_rate: SuperRate) -> EmployeeCheck:
    shifts.sort(key=lambda r: (r.shift.date, r.shift.start))
    name = paid.name if paid else ""
    paid_gross = paid.gross if paid else ZERO
    paid_super = paid.superannuation if paid else ZERO
    if not shifts:
        return EmployeeCheck(employee_id, name, "not_checked", ZERO, paid_gross, ZERO, ZERO, super_rate.percent,
                             ZERO, paid_super, ZERO, (), (Finding(
                                 "no_timesheet", f"{name or employee_id}: paid ${paid_gross:,.2f} but no shifts "
                                                 "are recorded for the pay period, so the pay cannot be checked"),))
    pay_lines = entitlement_lines(shifts)
    entitled = sum((ln.amount for ln in pay_lines), ZERO)
    ote = sum((ln.amount for ln in pay_lines if ln.ordinary_time), ZERO)
    super_due = super_rate.of(ote)
    wage_diff, super_diff = entitled - paid_gross, super_due - paid_super
    findings: list[Finding] = []
    who = name or employee_id
    if paid is None:
        findings.append(Finding("not_paid", f"{who}: worked {len(shifts)} shift(s) in the period but has no "
                                            f"payslip: ${entitled:,.2f} is owed", entitled))
    elif wage_diff > 0:
        findings.append(Finding("wages_underpaid",
                                f"{who}: paid ${paid_gross:,.2f} gross; the award requires ${entitled:,.2f} "
                                f"for these shifts: ${wage_diff:,.2f} back pay owed", wage_diff,
                                _clauses(ln for r in shifts for ln in r.lines)))
    if wage_diff > 0:
        findings.extend(_causes(paid, shifts))
    if super_diff > 0:
        note = " (part of it because wages were underpaid)" if wage_diff > 0 else ""
        findings.append(Finding(
            "super_underpaid",
            f"{who}: super paid ${paid_super:,.2f}; {super_rate.percent.normalize():f} % of ordinary time earnings "
            f"${ote:,.2f} is ${super_due:,.2f}: ${super_diff:,.2f} short{note}", super_diff,
            (super_rate.figure.clause,)))
    if wage_diff > 0 or super_diff > 0:
        status = "underpaid"
    elif wage_diff < 0 or super_diff < 0:
        status = "above_minimum"
        findings.append(Finding("above_minimum", f"{who}: paid ${-wage_diff:,.2f} more than the award minimum "
                                                 "for these shifts" + (f" and ${-super_diff:,.2f} more super"
                                                                       if super_diff < 0 else ""),
                                -wage_diff))
    else:
        status = "correct"
    return EmployeeCheck(employee_id, name, status, entitled, paid_gross, wage_diff, ote, super_rate.percent,
                         super_due, paid_super, super_diff, tuple(shifts), tuple(findings), pay_lines)


def entitlement_lines(shifts: Sequence[ShiftPay]) -> tuple[EntitlementLine, ...]:
    """The period's pay as a payslip shows it: the hours at each rate totalled, then rounded once.

    Each shift's own lines are rounded per line (the pay-guide convention for one shift); totalling a
    period's hours per rate first keeps a correct payslip (e.g. 76 h x $27.58 = $2,096.08) from showing
    as a cent or two short.
    """
    groups: dict[tuple[Decimal, bool], list[PayLine]] = {}
    for r in shifts:
        for ln in r.lines:
            groups.setdefault((ln.rate, ln.ordinary_time), []).append(ln)
    out = []
    for (rate, ote), lines in sorted(groups.items(), key=lambda kv: (not kv[0][1], kv[0][0])):
        minutes = sum(ln.minutes for ln in lines)
        out.append(EntitlementLine(minutes, rate, round_cents(rate * minutes / 60), ote,
                                   tuple(dict.fromkeys(ln.description for ln in lines)),
                                   tuple(dict.fromkeys(ln.clause for ln in lines))))
    return tuple(out)


def _clauses(lines) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(dict.fromkeys(ln.clause for ln in lines))


def _causes(paid: PaidRecord | None, shifts: list[ShiftPay]) -> list[Finding]:
    """The lines most likely behind an underpayment: a rate below the award's ordinary rate, and every
    hour paid above it (penalties, overtime) or for no work (minimum engagement, public holidays)."""
    out: list[Finding] = []
    ordinary = [ln for r in shifts for ln in r.lines if ln.kind == "ordinary"]
    if ordinary:
        award_rate = max(ln.rate for ln in ordinary)
        if paid and paid.hourly_rate_paid is not None and paid.hourly_rate_paid < award_rate:
            minutes = sum(ln.minutes for ln in ordinary if ln.rate == award_rate)
            gap = round_cents((award_rate - paid.hourly_rate_paid) * minutes / 60)
            first = next(ln for ln in ordinary if ln.rate == award_rate)
            out.append(Finding(
                "rate_below_award",
                f"paid ${_rate_text(paid.hourly_rate_paid)} an hour; the award's ordinary rate for "
                f"{shifts[0].shift.classification} {shifts[0].shift.employment_type.replace('_', '-')} is "
                f"${award_rate} ({first.clause}): ${gap:,.2f} on {_hours(minutes)} ordinary hours", gap,
                (first.clause,)))
    by_rule: dict[str, list[tuple[ShiftPay, PayLine]]] = defaultdict(list)
    for r in shifts:
        for ln in r.lines:
            if ln.kind in ("penalty", "overtime", "minimum_engagement", "public_holiday_absence"):
                by_rule[ln.rule].append((r, ln))
    flat = paid.hourly_rate_paid if paid and paid.hourly_rate_paid is not None else None
    for items in by_rule.values():
        kind = items[0][1].kind
        minutes = sum(ln.minutes for _, ln in items)
        amount = sum((ln.amount for _, ln in items), ZERO)
        when = ", ".join(f"{r.shift.date} {ln.starts_at:%H:%M}-{ln.ends_at:%H:%M}" for r, ln in items)
        first = items[0][1]
        if kind == "minimum_engagement":
            out.append(Finding("minimum_engagement",
                               f"{_hours(minutes)} h minimum-engagement top-up ({when}) at ${first.rate} "
                               f"({first.clause}): ${amount:,.2f}", amount, (first.clause,)))
            continue
        extra = amount - round_cents(flat * minutes / 60) if flat is not None else amount
        code = {"penalty": "penalty_rate", "overtime": "overtime"}.get(kind, "public_holiday")
        beyond = f": ${extra:,.2f} more than at the ${_rate_text(flat)} paid" if flat is not None else ""
        out.append(Finding(code, f"{_hours(minutes)} h {first.description} ({when}) at ${first.rate} "
                                 f"({(first.multiplier * 100).normalize():f} %, {first.clause}){beyond}",
                           extra, (first.clause,)))
    return out


def _rate_text(rate: Decimal) -> str:
    return f"{rate:.2f}" if rate == rate.quantize(Decimal("0.01")) else f"{rate.normalize():f}"


def _hours(minutes: int) -> str:
    from tools.payroll.model import hours_text

    return hours_text(minutes)


def warnings_of(results: Sequence[ShiftPay]) -> list[PayWarning]:
    return [w for r in results for w in r.warnings]
