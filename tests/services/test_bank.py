"""The bank end to end on SQLite and PostgreSQL: import a CommBank CSV, reconcile it against the
books (a ledger entry claimed, a bill paid by one payment, a receipt for two invoices), the rest
left for a person with suggestions; a person's categorising posts a GST-split journal; re-running
and re-importing change nothing; bad statements are refused with nothing stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from memory import audit
from memory.bank_schema import BankLineRow, BankReconciliation
from memory.contacts_store import ContactsStore
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import Invoice, Journal
from memory.trading_store import TradingStore
from services import bank_decide, bank_learning
from services.bank_import import BankImportError, import_statement_file
from services.bank_reconcile import exceptions, reconcile_all
from tests.conftest import TickingClock
from tools.ledger.model import Journal as JournalData
from tools.ledger.model import cr, dr
from tools.ledger.postings import DocumentLine
from tools.ledger.problems import LedgerError

D = Decimal


@dataclass
class Books:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: TickingClock


@pytest.fixture
def books(engine: Engine, clock: TickingClock, tmp_path) -> Books:  # type: ignore[no-untyped-def]
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "test").create_organisation("Harbour & Vine", "51824753556",
                                                                state="NSW")
        contacts = ContactsStore(session, clock, "test")
        tiles = contacts.create("Acme Tiles Pty Ltd", supplier=True).id
        cafe = contacts.create("Harbourside Cafe", customer=True).id
        trading = TradingStore(session, clock, "test")
        for number, amount in (("AT-101", "200.00"), ("AT-102", "300.00")):
            trading.create_invoice("bill", tiles, number, date(2026, 4, 1),
                                   [DocumentLine("Tiles", D(1), D(amount), "5000", "GST")],
                                   due_date=date(2026, 4, 30))
        for number, amount in (("INV-7001", "1000.00"), ("INV-7002", "500.00")):
            trading.create_invoice("sale", cafe, number, date(2026, 4, 2),
                                   [DocumentLine("Homewares", D(1), D(amount), "4100", "GST")])
        LedgerStore(session, clock, "test").post(JournalData(
            date(2026, 4, 15), "Loan repayment April 2026",
            (dr("2800", D("1000.00")), dr("6150", D("312.40")), cr("1100", D("1312.40"))),
            source_type="bank"))
    return Books(Settings(home=tmp_path), sessions, clock)


APRIL = b"""\
"15/04/2026","-1312.40","LOAN REPAYMENT 4471-22","+8687.60"
"20/04/2026","-550.00","PAYMENT TO ACME TILES AT-101 AT-102","+8137.60"
"22/04/2026","+1650.00","DIRECT CREDIT 402311 HARBOURSIDE CAFE INV-7001 INV-7002","+9787.60"
"23/04/2026","-64.95","VISA PURCHASE BUNNINGS 4521 MARRICKVL","+9722.65"
"""


def _import(books: Books, data: bytes = APRIL, name: str = "april.csv", account: str | None = "1100"):  # type: ignore[no-untyped-def]
    return import_statement_file(books, data, name, actor="test", account_code=account)


def _count(books: Books, model) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(books.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_statement_reconciles_against_the_books(books: Books) -> None:
    assert _import(books).lines_new == 4
    run = reconcile_all(books, actor="test")
    assert run.auto_total == 3 and run.as_dict()["exceptions"] == 1
    assert run.feeds[0].auto == {"entry": 1, "match": 2}
    with unit_of_work(books.sessions) as session:
        statuses = {i.number: i.status for i in session.scalars(select(Invoice))}
        assert statuses == {"AT-101": "paid", "AT-102": "paid", "INV-7001": "paid", "INV-7002": "paid"}
        # The bank balance movement equals the ledger's once everything is reconciled but Bunnings.
        ledger = LedgerStore(session, books.clock, "test")
        assert ledger.movement("1100", date(2026, 4, 1), date(2026, 4, 30)) == D("-212.40")
        assert audit.verify(session).intact
    [left] = exceptions(books)
    assert "BUNNINGS" in left["text"] and left["suggestions"] == []


def test_the_difference_within_tolerance_is_a_fee(books: Books) -> None:
    short = (APRIL.replace(b"+1650.00", b"+1648.35")    # a merchant fee taken from the receipt
             .replace(b"+9787.60", b"+9785.95").replace(b"+9722.65", b"+9721.00"))
    _import(books, short)
    reconcile_all(books, actor="test")
    with unit_of_work(books.sessions) as session:
        ledger = LedgerStore(session, books.clock, "test")
        assert ledger.movement("6020", date(2026, 4, 1), date(2026, 4, 30)) == D("1.65")


def test_a_person_categorises_and_the_journal_splits_gst(books: Books) -> None:
    _import(books)
    reconcile_all(books, actor="test")
    [left] = exceptions(books)
    done = bank_decide.categorise(books, left["id"], "6110", None, actor="key:3 (bookkeeper)")
    with unit_of_work(books.sessions) as session:
        [journal] = [session.get(Journal, j) for j in done["journal_ids"]]
        amounts = {ln.account_id: ln.amount for ln in journal.lines}
        ledger = LedgerStore(session, books.clock, "test")
        assert amounts[ledger.account_id("6110")] == D("59.05")
        assert amounts[ledger.account_id("2210")] == D("5.90")
        assert amounts[ledger.account_id("1100")] == D("-64.95")
    with pytest.raises(LedgerError, match="already reconciled"):
        bank_decide.categorise(books, left["id"], "6110", None, actor="key:3 (bookkeeper)")


def test_rerunning_and_reimporting_change_nothing(books: Books) -> None:
    _import(books)
    reconcile_all(books, actor="test")
    journals = _count(books, Journal)
    again = _import(books, name="april-again.csv")
    assert again.lines_new == 0
    assert reconcile_all(books, actor="test").auto_total == 0
    assert (_count(books, Journal), _count(books, BankReconciliation)) == (journals, 3)


def test_repeated_corrections_propose_a_backtested_rule(books: Books) -> None:
    balances = [D(500) - sum(D(20 + n) for n in range(1, d + 1)) for d in range(1, 5)]
    lines = b"".join(f'"{d:02d}/05/2026","-{20 + d}.00","VISA PURCHASE OFFICEWORKS 0312 RI","+{b}"\n'
                     .encode() for d, b in zip(range(1, 5), balances))
    _import(books, lines, "may.csv")
    reconcile_all(books, actor="test", auto=False)
    for row in exceptions(books)[:3]:
        bank_decide.categorise(books, row["id"], "6090", None, actor="key:3 (bookkeeper)")
    [rule] = bank_learning.list_rules(books)
    assert (rule["status"], rule["source"], rule["rule"]["account_code"]) == ("active", "learned", "6090")
    run = reconcile_all(books, actor="test")
    assert run.feeds[0].auto.get("rule") == 1


def test_bad_statements_are_refused_and_nothing_is_stored(books: Books) -> None:
    broken = APRIL.replace(b'"+9722.65"', b'"+9999.99"')          # the running balance breaks
    with pytest.raises(BankImportError) as err:
        _import(books, broken)
    assert err.value.code == "running_balance_break"
    with pytest.raises(BankImportError) as err:
        _import(books, account=None)                                 # CBA CSV names no account
    assert err.value.code == "unknown_bank_account"
    with pytest.raises(BankImportError) as err:
        _import(books, b"%PDF-1.7 not a statement", "statement.pdf")
    assert err.value.code == "not_text"
    assert _count(books, BankLineRow) == 0


def test_a_payee_a_person_matched_to_such_entries_twice_then_matches_itself(books: Books) -> None:
    """The bank calls the POS takings "SQUARE AUSTRALIA": no word in common with the ledger's
    "Receipt for POS-... from Retail Sales", so the first ones wait for a person."""
    with unit_of_work(books.sessions) as session:
        ledger = LedgerStore(session, books.clock, "test")
        for day, amount in ((6, "3100.10"), (13, "2950.45"), (20, "3322.00")):
            ledger.post(JournalData(date(2026, 6, day), f"Receipt for POS-202606{day:02d} from Retail Sales (POS)",
                                    (dr("1100", D(amount)), cr("1200", D(amount)))))
    june = b"""\
"07/06/2026","+3100.10","SQUARE AUSTRALIA SETTLEMENT","+13100.10"
"14/06/2026","+2950.45","SQUARE AUSTRALIA SETTLEMENT","+16050.55"
"""
    _import(books, june, "june-1.csv")
    assert reconcile_all(books, actor="test").auto_total == 0
    for row in exceptions(books):
        bank_decide.accept(books, row["id"], actor="key:3 (bookkeeper)")
    _import(books, june + b'"21/06/2026","+3322.00","SQUARE AUSTRALIA SETTLEMENT","+19372.55"\n', "june-2.csv")
    assert reconcile_all(books, actor="test").feeds[0].auto == {"entry": 1}


def test_a_file_that_names_no_account_is_given_its_number_and_keeps_it(books: Books) -> None:
    from memory.bank_schema import BankFeed

    _import(books)                                                    # CBA CSV: no account in it
    with unit_of_work(books.sessions) as session:
        assert session.scalars(select(BankFeed.identifier)).one() == "LEDGER1100"
    may = b'"02/05/2026","-10.00","MONTHLY ACCOUNT FEE","+9712.65"\n'
    import_statement_file(books, may, "may.csv", actor="test", account_code="1100",
                          account_number="062-000 1012 1234")
    with unit_of_work(books.sessions) as session:
        assert session.scalars(select(BankFeed.identifier)).one() == "06200010121234"
    with pytest.raises(BankImportError) as err:                       # another account's number
        import_statement_file(books, may.replace(b"02/05", b"03/05"), "may-2.csv", actor="test",
                              account_code="1100", account_number="062-000 9999 0000")
    assert err.value.code == "account_mismatch"


def test_the_far_side_of_a_transfer_claims_the_entry_its_near_side_posted(books: Books) -> None:
    """Cheque "TRANSFER TO XX5678" was reconciled to savings (the journal 1100 → 1110); the
    savings statement says "TRANSFER FROM XX1234", the cheque account's number."""
    with unit_of_work(books.sessions) as session:
        LedgerStore(session, books.clock, "test").post(JournalData(
            date(2026, 4, 24), "Bank: TRANSFER TO XX5678 SAVINGS",
            (dr("1110", D("7000.00")), cr("1100", D("7000.00"))), source_type="bank"))
    import_statement_file(books, APRIL, "april.csv", actor="test", account_code="1100",
                          account_number="062-000 1012 1234")
    savings = b'"24/04/2026","+7000.00","TRANSFER FROM XX1234","+7000.00"\n'
    import_statement_file(books, savings, "savings.csv", actor="test", account_code="1110",
                          account_number="062-000 1034 5678")
    run = reconcile_all(books, actor="test")
    assert {f.account: f.auto for f in run.feeds}["1110"] == {"entry": 1}


def test_a_purchase_in_another_currency_is_categorised_but_never_settles_a_bill() -> None:
    row = BankLineRow(posted=date(2026, 4, 5), amount=D("-15.49"), line_key="k",
                      description="AMAZON WEB SERVICES AWS.AMAZON.CO USD 10.35 Card xx4821")
    categorise = {"kind": "categorise", "confidence": 0.99, "account_code": "6040"}
    match = {"kind": "match", "confidence": 0.99, "item_ids": ["bill:1"]}
    assert bank_decide.auto_choice(row, [categorise], 0.9) == categorise
    assert bank_decide.auto_choice(row, [match], 0.9) is None
    assert bank_decide.auto_choice(row, [{**categorise, "confidence": 0.8}], 0.9) is None
