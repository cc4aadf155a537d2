"""The bank store on SQLite and PostgreSQL: a statement's lines stored once however often it is
imported (identical lines on one day stay separate), feeds tied to bank accounts, reconciliations
write-once and one per line, a ledger entry claimed by one line only, and the migration matching
the model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from memory.bank_store import BankStore, normalise_identifier
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.tables import metadata
from tests.conftest import TickingClock
from tools.bank.model import BankLine, Statement
from tools.ledger.model import Journal, cr, dr
from tools.ledger.problems import LedgerError

D = Decimal


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> sessionmaker[Session]:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        LedgerStore(session, clock, "test").create_organisation("Harbour & Vine", "51824753556",
                                                                state="NSW")
    return factory


def _statement(*lines: BankLine) -> Statement:
    return Statement(format="csv:cba", account="062-000 1234 5678", currency="AUD", lines=lines,
                     period_start=lines[0].posted, period_end=lines[-1].posted)


COFFEE = BankLine(date(2026, 3, 2), D("-4.50"), "CAFE ROMA SYDNEY")
FEE = BankLine(date(2026, 3, 31), D("-10.00"), "ACCOUNT FEE")


def _import(sessions: sessionmaker[Session], clock: TickingClock, st: Statement):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        store = BankStore(session, clock, "test")
        feed = store.find_feed(st.account) or store.add_feed("1100", st.account or "")
        return store.record_statement(feed, st, filename="march.csv", sha256="0" * 64, problems=())


def test_reimporting_an_overlapping_statement_adds_only_new_lines(
        sessions: sessionmaker[Session], clock: TickingClock) -> None:
    first = _import(sessions, clock, _statement(COFFEE, COFFEE))        # two coffees, one day
    again = _import(sessions, clock, _statement(COFFEE, COFFEE, FEE))   # the same, and one more
    assert (first.lines_read, first.lines_new) == (2, 2)
    assert (again.lines_read, again.lines_new) == (3, 1)
    with unit_of_work(sessions) as session:
        lines = BankStore(session, clock, "test").lines()
    assert [ln.amount for ln in lines] == [D("-4.50"), D("-4.50"), D("-10.00")]


def test_a_feed_is_a_bank_account_of_the_chart(sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        store = BankStore(session, clock, "test")
        with pytest.raises(LedgerError, match="not a bank"):
            store.add_feed("6020", "1234")
        feed = store.add_feed("1100", "062-000 1234 5678")
        assert store.find_feed("062000 12345678") is feed
        assert normalise_identifier("062-000 1234 5678") == "06200012345678"


def test_a_reconciliation_is_write_once_and_one_per_line(
        sessions: sessionmaker[Session], clock: TickingClock) -> None:
    _import(sessions, clock, _statement(FEE))
    with unit_of_work(sessions) as session:
        journal = LedgerStore(session, clock, "test").post(Journal(
            date(2026, 3, 31), "Bank fees", (dr("6020", D("10.00")), cr("1100", D("10.00")))))
    with unit_of_work(sessions) as session:
        store = BankStore(session, clock, "test")
        entry = store.unclaimed_entries("1100")
        assert [(e.amount, e.counter_accounts) for e in entry] == [(D("-10.00"), ("6020",))]
        row = store.lines()[0]
        rec = store.record_reconciliation(
            row, method="entry", decided_by="auto", confidence=0.99, account_code=None,
            tax_code=None, corrected=False, evidence={"why": "same amount and date"},
            journal_ids=[journal], entry_line_ids=[entry[0].journal_line_id], idempotency_key="k1")
        assert row.status == "reconciled" and store.unclaimed_entries("1100") == []
        with pytest.raises(LedgerError, match="already reconciled"):
            store.record_reconciliation(
                row, method="entry", decided_by="auto", confidence=None, account_code=None,
                tax_code=None, corrected=False, evidence={}, journal_ids=[], entry_line_ids=[],
                idempotency_key="k2")
    for statement in (f"UPDATE bank_reconciliations SET method = 'rule' WHERE id = {rec.id}",
                      f"DELETE FROM bank_reconciliations WHERE id = {rec.id}"):
        with pytest.raises(DBAPIError, match="append_only"), unit_of_work(sessions) as session:
            session.execute(text(statement))
    with pytest.raises(IntegrityError), unit_of_work(sessions) as session:
        session.execute(text(
            "INSERT INTO bank_reconciliations (bank_line_id, method, decided_by, corrected, evidence, "
            f"journal_ids, idempotency_key, created_at) VALUES ({row.id}, 'entry', 'x', false, '{{}}', "
            "'[]', 'k3', CURRENT_TIMESTAMP)"))


def test_the_migration_creates_exactly_the_bank_model(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    assert [d for d in flat if "bank_" in repr(d)] == []
