"""services.books_import over a migrated database (SQLite and PostgreSQL): a Xero and an MYOB
export in, with the books checked afterwards; the same export again changes nothing; a refusal
anywhere writes nothing."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from memory.audit import AuditEntry
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import Contact, Invoice, Journal, Payment
from services.books_import import import_books
from tests.conftest import TickingClock
from tools.imports.model import ImportRefused

FIXTURES = Path(__file__).parents[1] / "tools" / "imports" / "fixtures"
XERO = sorted((FIXTURES / "xero").glob("*.csv"))
MYOB = sorted((FIXTURES / "myob").glob("*.TXT"))
D = Decimal


@dataclass
class Ctx:
    settings: object
    sessions: sessionmaker[Session]
    clock: TickingClock


@pytest.fixture
def ctx(engine: Engine) -> Ctx:
    sessions = session_factory(engine)
    clock = TickingClock(datetime(2026, 7, 1, tzinfo=UTC))
    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "test").create_organisation("Harbour & Vine Homewares", None)
    return Ctx(None, sessions, clock)


def _counts(ctx: Ctx) -> dict[str, int]:
    with unit_of_work(ctx.sessions) as s:
        return {t.__name__: s.scalar(select(func.count()).select_from(t)) or 0
                for t in (Contact, Invoice, Journal, Payment, AuditEntry)}


def test_a_xero_export_becomes_books_and_a_second_import_changes_nothing(ctx: Ctx) -> None:
    done = import_books(ctx, "xero", XERO, actor="cli:test", as_at=date(2025, 6, 30))
    assert done.applied
    with unit_of_work(ctx.sessions) as s:
        ledger = LedgerStore(s, ctx.clock, "t")
        accounts = ledger.accounts()
        assert {"090", "200", "400", "408", "461", "970"} <= set(accounts)
        assert not {"610", "800", "820", "960"} & set(accounts)   # the old system accounts map onto ours
        signs = s.scalar(select(Contact).where(Contact.name == "Harbourside Print & Signage"))
        assert signs.is_supplier and signs.abn == "31112233445" and signs.payment_terms_days == 14
        assert (signs.current_bank_details.bsb, signs.current_bank_details.account_number) == ("062000", "11223344")
        bills = s.scalars(select(Invoice).where(Invoice.contact_id == signs.id).order_by(Invoice.issue_date)).all()
        assert len(bills) == 12 and [b.status for b in bills].count("paid") == 11
        assert bills[0].total == D("231.00") and bills[0].issue_date == date(2025, 7, 8)
        customer = s.scalar(select(Contact).where(Contact.name == "Bondi Home Stores"))
        assert customer.is_customer and not customer.is_supplier
        tb = {r.code: r.balance for r in ledger.trial_balance(date(2025, 6, 30)).rows}
        assert tb["090"] == D("25000.00") and tb["1200"] == D("3300.00") and tb["2100"] == D("-1100.00")
        assert ledger.trial_balance().balanced
    before = _counts(ctx)
    again = import_books(ctx, "xero", XERO, actor="cli:test", as_at=date(2025, 6, 30))
    assert not again.applied and not again.plan.changes_anything
    assert len(again.plan.unchanged_invoices) == 18
    assert _counts(ctx) == before


def test_a_dry_run_shows_the_plan_and_writes_nothing(ctx: Ctx) -> None:
    before = _counts(ctx)
    plan = import_books(ctx, "xero", XERO, actor="cli:test", as_at=date(2025, 6, 30), dry_run=True).plan
    assert len(plan.new_invoices) == 18 and len(plan.new_accounts) == 7
    assert plan.aliases == {"610": "1200", "800": "2100", "820": "2200", "960": "3200"}
    assert {c.contact.name for c in plan.contacts} == {
        "Harbourside Print & Signage", "Coastal Cleaning Services Pty Ltd", "Bondi Home Stores"}
    assert sum(b.amount for b in plan.opening) == 0 and len(plan.opening) == 5
    assert _counts(ctx) == before


def test_a_myob_export_imports_and_its_balances_open_the_books(ctx: Ctx) -> None:
    import_books(ctx, "myob", MYOB, actor="cli:test", as_at=date(2025, 7, 31))
    with unit_of_work(ctx.sessions) as s:
        linh = s.scalar(select(Contact).where(Contact.name == "Linh Nguyen"))
        bill = s.scalar(select(Invoice).where(Invoice.contact_id == linh.id))
        assert (bill.number, bill.total, bill.status, bill.reference) == ("NB-77", D("709.50"), "posted", "0000050")
        tb = {r.code: r.balance for r in LedgerStore(s, ctx.clock, "t").trial_balance(date(2025, 7, 31)).rows}
        assert tb["1-1110"] == D("18500.00") and tb["2100"] == D("-2200.00") and tb["3200"] == D("-16000.00")
        assert s.scalar(select(func.count()).select_from(Invoice)) == 4   # the quote is not a bill


def test_a_refusal_late_in_the_import_writes_nothing(ctx: Ctx) -> None:
    with unit_of_work(ctx.sessions) as s:   # the books are locked into the history's first months
        LedgerStore(s, ctx.clock, "t").set_lock_date(date(2025, 8, 31))
    before = _counts(ctx)
    with pytest.raises(ImportRefused) as refused:
        import_books(ctx, "xero", XERO, actor="cli:test", as_at=date(2025, 6, 30))
    assert {p.code for p in refused.value.problems} == {"period_locked"}
    assert any(p.file == "Bills.csv" and p.row == 2 for p in refused.value.problems)
    assert _counts(ctx) == before


def test_unbalanced_opening_balances_are_refused_naming_the_rows(ctx: Ctx, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    for p in XERO:
        shutil.copy(p, export / p.name)
    tb = export / "TrialBalance.csv"
    tb.write_text(tb.read_text().replace("25,000.00", "25,000.10"))
    before = _counts(ctx)
    with pytest.raises(ImportRefused) as refused:
        import_books(ctx, "xero", sorted(export.iterdir()), actor="cli:test", as_at=date(2025, 6, 30))
    (problem,) = refused.value.problems
    assert problem.code == "opening_unbalanced" and "$0.10" in problem.message
    assert "row 2 (090 +25,000.10)" in problem.message and "row 6 (960 -26,750.00)" in problem.message
    assert _counts(ctx) == before


def test_a_store_refusing_halfway_leaves_no_part_of_the_import(ctx: Ctx, tmp_path: Path) -> None:
    """Two contacts with one ABN pass the reading; the contacts store refuses the second after the
    accounts and the first contacts were written in the same transaction: all of it rolls back."""
    from tools.ledger.problems import LedgerError

    export = tmp_path / "export"
    export.mkdir()
    for p in XERO:
        shutil.copy(p, export / p.name)
    contacts = export / "Contacts.csv"
    contacts.write_text(contacts.read_text().replace("11 334 455 667", "21 223 344 556"))
    before = _counts(ctx)
    with pytest.raises(LedgerError) as refused:
        import_books(ctx, "xero", sorted(export.iterdir()), actor="cli:test", as_at=date(2025, 6, 30))
    assert refused.value.codes == ("duplicate_abn",)
    assert _counts(ctx) == before
    with unit_of_work(ctx.sessions) as s:
        assert "461" not in LedgerStore(s, ctx.clock, "t").accounts()
