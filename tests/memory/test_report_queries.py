"""memory.report_queries on SQLite and PostgreSQL: the ledger snapshot the report kernel reads
(opening balances before the window, postings in it, open and recent invoices with their payments
up to the period end, pay runs), the books' first day and latest journal, and a report built from
it that reconciles to the trial balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from memory.contacts_store import ContactsStore
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.report_queries import (
    SessionReportSource,
    books_start,
    latest_journal_date,
    load_snapshot,
    window_start_for,
)
from memory.schema import Payslip
from memory.trading_store import TradingStore
from tests.conftest import TickingClock
from tools.ledger.model import Journal, cr, dr
from tools.ledger.postings import DocumentLine
from tools.reports.model import Budget
from tools.reports.periods import Month
from tools.reports.report import build_report

D = Decimal
JUNE = Month(2026, 6)


def build(session: Session, clock: TickingClock) -> None:
    ledger = LedgerStore(session, clock, "test")
    ledger.create_organisation("Report Books Pty Ltd", "51 824 753 556", state="NSW")
    ledger.post(Journal(date(2024, 6, 30), "Opening balances", (dr("1100", D("50000.00")), cr("3100", D("50000.00"))),
                        source_type="opening"))
    contacts = ContactsStore(session, clock, "test")
    acme = contacts.create("Acme Cafe", customer=True)
    coastal = contacts.create("Coastal Ceramics", supplier=True, payment_terms_days=14)
    trading = TradingStore(session, clock, "test")
    sale = [DocumentLine("Plates", D(10), D("100.00"), "4100", "GST")]
    old = trading.create_invoice("sale", acme.id, "OLD-1", date(2024, 10, 5), sale)          # settled long ago
    trading.record_payment(old, date(2024, 11, 1), old.total)
    stale = trading.create_invoice("sale", acme.id, "OLD-2", date(2024, 11, 5), sale)        # still open
    trading.record_payment(stale, date(2024, 12, 1), D("100.00"))
    may = trading.create_invoice("sale", acme.id, "INV-5", date(2026, 5, 5), sale)
    trading.record_payment(may, date(2026, 6, 2), may.total)
    june = trading.create_invoice("sale", acme.id, "INV-6", date(2026, 6, 5), sale)
    trading.record_payment(june, date(2026, 7, 3), june.total)                                # after June
    bill = trading.create_invoice("bill", coastal.id, "C-6", date(2026, 6, 8),
                                  [DocumentLine("Mugs", D(100), D("5.00"), "5000", "GST")])
    trading.record_payment(bill, date(2026, 6, 20), D("200.00"))
    worker = trading.add_employee(employee_code="E1", name="Sam Lee", award="MA000004", classification="L1",
                                  employment_type="full_time", state="NSW", date_of_birth=date(1990, 1, 1),
                                  start_date=date(2024, 1, 1), ordinary_hours_per_week=D("38"),
                                  hourly_rate_paid=D("26.55"))
    for paid in (date(2026, 5, 20), date(2026, 6, 3), date(2026, 6, 17)):
        trading.record_pay_run(paid.replace(day=paid.day - 16) if paid.day > 16 else date(2026, 5, 18), paid, paid,
                               [Payslip(employee_id=worker.id, ordinary_hours=D("76"), gross=D("2017.80"),
                                        payg_withheld=D("250.00"), net=D("1767.80"), superannuation=D("242.14"))])
    ledger.post(Journal(date(2026, 6, 30), "Bank fees June 2026", (dr("6020", D("48.50")), cr("1100", D("48.50"))),
                        source_type="bank"))
    ledger.post(Journal(date(2026, 7, 31), "Bank fees July 2026", (dr("6020", D("48.50")), cr("1100", D("48.50"))),
                        source_type="bank"))


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> sessionmaker[Session]:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        build(session, clock)
    return factory


def test_the_snapshot_holds_what_the_kernel_needs(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        snap = load_snapshot(session, JUNE)
        assert latest_journal_date(session) == date(2026, 7, 31)
        assert books_start(session) == date(2024, 7, 1)
    assert snap.window_start == window_start_for(JUNE) == date(2025, 6, 1)
    assert snap.as_of == date(2026, 6, 30) and snap.books_start == date(2024, 7, 1)
    assert snap.organisation.name == "Report Books Pty Ltd" and snap.organisation.financial_year_start_month == 7
    # balances before the window are summed into opening balances
    assert snap.opening_balances["1100"] == D("50000.00") + D("1100.00") + D("100.00")
    assert snap.opening_balances["1200"] == D("1000.00")
    assert all(snap.window_start <= p.date <= snap.as_of for p in snap.postings)
    assert not any(p.narration == "Bank fees July 2026" for p in snap.postings)
    numbers = {i.number: i for i in snap.invoices}
    assert set(numbers) == {"OLD-2", "INV-5", "INV-6", "C-6"}           # OLD-1 was settled before the window
    assert numbers["INV-6"].payments == () and numbers["INV-6"].outstanding_as_of(snap.as_of) == D("1100.00")
    assert numbers["OLD-2"].outstanding_as_of(snap.as_of) == D("1000.00")
    assert numbers["C-6"].contact_name == "Coastal Ceramics" and numbers["C-6"].paid_as_of(snap.as_of) == D("200.00")
    first = snap.pay_runs[0]
    assert (first.payment_date, first.gross, first.payg, first.net, first.superannuation) == (
        date(2026, 5, 20), D("2017.80"), D("250.00"), D("1767.80"), D("242.14"))
    assert len(snap.pay_runs) == 3
    assert snap.contacts[numbers["INV-5"].contact_id] == "Acme Cafe"
    assert snap.trial_balance is not None and snap.trial_balance.balanced
    assert all(isinstance(p.amount, Decimal) for p in snap.postings)


def test_a_report_from_the_snapshot_reconciles(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        snap = load_snapshot(session, JUNE, Budget({"2026-06": {"4100": D("900.00")}}))
    r = build_report(snap, JUNE)
    assert r.reconciled, r.reconciliation
    assert r.profit_and_loss.metric("revenue") == D("1000.00")
    assert r.profit_and_loss.metric("revenue", "budget") == D("900.00")
    assert r.profit_and_loss.metric("revenue", "same_month_last_year") == D("0.00")   # in the books, no sales
    assert r.receivables.total == D("2100.00") == r.receivables.control_balance
    assert r.payables.total == D("350.00")
    assert r.gst_bas.gst_on_sales == D("200.00") and r.gst_bas.gst_on_purchases == D("50.00")
    assert len(r.forecast.weeks) == 13 and r.commentary is not None and r.commentary.check.ok
    assert any(i.description == "INV-6 Acme Cafe" for i in r.forecast.items)


def test_the_session_source_for_the_agent_tool(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        source = SessionReportSource(session, date(2026, 11, 22))
        assert source.default_month() == Month(2026, 7)
        assert source.snapshot(JUNE).as_of == JUNE.end
        assert SessionReportSource(session, date(2026, 7, 10)).default_month() == JUNE


def test_a_mid_month_snapshot_for_the_weekly_forecast(sessions: sessionmaker[Session]) -> None:
    from tools.reports.forecast import cash_forecast

    with unit_of_work(sessions) as session:
        snap = load_snapshot(session, JUNE, as_of=date(2026, 6, 10))
        with pytest.raises(ValueError, match="not in June 2026"):
            load_snapshot(session, JUNE, as_of=date(2026, 7, 1))
    assert snap.as_of == date(2026, 6, 10) and max(p.date for p in snap.postings) <= date(2026, 6, 10)
    f = cash_forecast(snap)
    assert f.weeks[0].start == date(2026, 6, 11) and len(f.weeks) == 13
    assert f.opening == snap.balance("1100", date(2026, 6, 10))
