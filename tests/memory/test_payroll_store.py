"""Timesheets in the ledger and the payroll check over its pay runs, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.payroll_schema import TimesheetShift
from memory.payroll_store import PayrollStore, TimesheetEntry, age_on
from services.payroll_check import check_payroll
from memory.schema import AuditEntry, Payslip
from memory.tables import metadata
from memory.trading_store import TradingStore
from tests.conftest import TickingClock
from core.clock import Clock
from tools.ledger.problems import LedgerError
from tools.payroll.tool import PayrollCheckRequest

D = Decimal
Sessions = sessionmaker[Session]
PERIOD = (date(2026, 6, 1), date(2026, 6, 14), date(2026, 6, 17))


def build_small_ledger(session: Session, clock: Clock) -> int:
    """Four employees, one pay run (1-14 June 2026) and its timesheets: Chloe's Sunday paid at her
    ordinary casual rate and Grace paid a lower Clerks level are underpaid; Oscar is paid correctly;
    Harper, 18, is on the junior rate and paid above it. Returns the pay run's id."""
    LedgerStore(session, clock, "test").create_organisation("Small Books Pty Ltd", "51 824 753 556", state="NSW")
    trading = TradingStore(session, clock, "test")
    people = {}
    for code, name, award, cls, kind, hours, rate, born in (
            ("E007", "Chloe Nguyen", "MA000004", "L1", "casual", "16", "33.19", date(2003, 3, 2)),
            ("E012", "Oscar Singh", "MA000004", "L2", "part_time", "10", "27.16", date(1995, 6, 6)),
            ("E014", "Harper Lee", "MA000004", "L1", "casual", "8", "33.19", date(2008, 1, 1)),
            ("E019", "Grace Wilson", "MA000002", "L2Y1", "part_time", "22.8", "26.96", date(1993, 5, 27))):
        people[code] = trading.add_employee(
            employee_code=code, name=name, award=award, classification=cls, employment_type=kind, state="NSW",
            date_of_birth=born, start_date=date(2024, 1, 8), ordinary_hours_per_week=D(hours),
            hourly_rate_paid=D(rate))
    slips = [(people["E007"], "12", "398.28", "47.79"), (people["E012"], "20", "543.20", "65.18"),
             (people["E014"], "4", "132.76", "15.93"), (people["E019"], "22.8", "614.69", "73.76")]
    run = trading.record_pay_run(*PERIOD, [
        Payslip(employee_id=e.id, ordinary_hours=D(h), gross=D(g), payg_withheld=D("0.00"), net=D(g),
                superannuation=D(s)) for e, h, g, s in slips])
    store = PayrollStore(session, clock, "test")
    store.record_shifts("E007", [TimesheetEntry(date(2026, 6, 2), time(9), time(15)),
                                 TimesheetEntry(date(2026, 6, 7), time(10), time(16))], pay_run_id=run.id)
    store.record_shifts("E012", [TimesheetEntry(date(2026, 6, d), time(9), time(14)) for d in (2, 3, 9)],
                        pay_run_id=run.id)
    store.record_shifts("E012", [TimesheetEntry(date(2026, 6, 10), time(9), time(14))])  # not linked: in period
    store.record_shifts("E014", [TimesheetEntry(date(2026, 6, 6), time(10), time(14))], pay_run_id=run.id)
    store.record_shifts("E019", [TimesheetEntry(date(2026, 6, d), time(9), time(17, 6), unpaid_break_minutes=30)
                                 for d in (2, 3, 4)], pay_run_id=run.id)
    store.record_shifts("E007", [TimesheetEntry(date(2026, 6, 20), time(9), time(15))])  # after the period
    return run.id


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> Sessions:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        build_small_ledger(session, clock)
    return factory


def test_shifts_are_recorded_and_audited(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        rows = session.scalars(select(TimesheetShift).order_by(TimesheetShift.id)).all()
        assert len(rows) == 11
        first = rows[0]
        assert (first.work_date, first.start_time, first.end_time, first.unpaid_break_minutes, first.kind,
                first.ends_next_day, first.created_by) == (date(2026, 6, 2), time(9), time(15), 0, "worked", False, "test")
        audited = session.scalars(select(AuditEntry.payload).where(AuditEntry.action == "timesheet.recorded")).all()
        assert len(audited) == 6 and '"employee":"E007"' in audited[0]


def test_bad_shifts_are_refused(sessions: Sessions, clock: TickingClock) -> None:
    cases = [("E999", TimesheetEntry(date(2026, 6, 2), time(9), time(15)), "unknown_employee"),
             ("E007", TimesheetEntry(date(2026, 6, 2), time(15), time(9)), "bad_shift"),
             ("E007", TimesheetEntry(date(2026, 6, 2), time(9), time(15), kind="annual_leave"), "bad_shift"),
             ("E007", TimesheetEntry(date(2026, 6, 2), time(9), time(15), unpaid_break_minutes=-5), "bad_shift")]
    for code, entry, want in cases:
        with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
            PayrollStore(session, clock, "test").record_shifts(code, [entry])
        assert info.value.codes == (want,)
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        PayrollStore(session, clock, "test").record_shifts(
            "E007", [TimesheetEntry(date(2026, 6, 3), time(9), time(15))], pay_run_id=999)
    assert info.value.codes == ("unknown_pay_run",)
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:  # the same shift twice
        PayrollStore(session, clock, "test").record_shifts("E007", [TimesheetEntry(date(2026, 6, 2), time(9), time(12))])
    assert info.value.codes == ("duplicate_shift",)
    with pytest.raises(IntegrityError), unit_of_work(sessions) as session:  # and the database agrees
        session.add(TimesheetShift(employee_id=1, work_date=date(2026, 6, 2), start_time=time(9), end_time=time(12),
                                   ends_next_day=False, unpaid_break_minutes=0, kind="worked", school_student=False,
                                   source="raw", created_at=clock.now(), created_by="raw"))
        session.flush()


def test_the_database_checks_break_and_kind(sessions: Sessions) -> None:
    for column, value in (("unpaid_break_minutes", "-1"), ("kind", "'holiday'")):
        values = {"unpaid_break_minutes": "0", "kind": "'worked'", column: value}
        with pytest.raises(IntegrityError), unit_of_work(sessions) as session:
            session.execute(text(
                "INSERT INTO timesheet_shifts (employee_id, work_date, start_time, end_time, ends_next_day, "
                "unpaid_break_minutes, kind, school_student, source, created_at, created_by) VALUES "
                f"(1, '2026-06-05', '09:00:00', '12:00:00', false, {values['unpaid_break_minutes']}, "
                f"{values['kind']}, false, 'test', '2026-06-05 12:00:00+00', 'raw')"))


def test_rows_become_kernel_shifts_with_the_employees_terms(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        runs = PayrollStore(session, clock, "test").pay_runs(date(2026, 6, 1), date(2026, 6, 30))
    assert len(runs) == 1
    run = runs[0]
    assert (run.period_start, run.period_end, run.payment_date) == PERIOD
    by_emp: dict[str, list] = {}
    for s in run.shifts:
        by_emp.setdefault(s.employee_id, []).append(s)
    assert len(by_emp["E012"]) == 4                       # the unlinked shift in the period is included
    assert len(by_emp["E007"]) == 2                       # the 20 June shift is not
    harper = by_emp["E014"][0]
    assert (harper.age, harper.award, harper.classification, harper.employment_type) == (18, "MA000004", "L1", "casual")
    oscar = by_emp["E012"][0]
    assert oscar.agreed_weekly_hours == D("10") and oscar.employment_start == date(2024, 1, 8)
    assert by_emp["E007"][0].agreed_weekly_hours is None
    assert by_emp["E007"][0].label.startswith("shift timesheet #")
    assert {p.employee_id: p.hourly_rate_paid for p in run.paid}["E019"] == D("26.96")
    with unit_of_work(sessions) as session:
        assert PayrollStore(session, clock, "test").pay_runs(date(2026, 6, 2), date(2026, 6, 30)) == []


def test_the_check_service_finds_the_underpayments(sessions: Sessions, clock: TickingClock) -> None:
    request = PayrollCheckRequest(period_start=date(2026, 6, 1), period_end=date(2026, 6, 30))
    with unit_of_work(sessions) as session:
        report = check_payroll(session, clock, "test", request)
        writes = session.scalar(select(func.count()).select_from(AuditEntry))
    status = {e.employee_id: e.status for r in report.pay_runs for e in r.employees}
    assert status == {"E007": "underpaid", "E012": "correct", "E014": "above_minimum", "E019": "underpaid"}
    assert (report.back_pay, report.super_owed) == (D("106.07"), D("12.74"))
    chloe = report.pay_runs[0].employees[0]
    assert [f.code for f in chloe.findings] == ["wages_underpaid", "penalty_rate", "super_underpaid"]
    with unit_of_work(sessions) as session:   # the check only reads
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == writes


def test_age_on_a_day() -> None:
    assert age_on(date(2008, 1, 1), date(2026, 6, 6)) == 18
    assert age_on(date(2008, 6, 7), date(2026, 6, 6)) == 17
    assert age_on(None, date(2026, 6, 6)) is None


def test_the_migration_creates_exactly_the_timesheet_model(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    assert [d for d in flat if "timesheet_shifts" in repr(d)] == []
