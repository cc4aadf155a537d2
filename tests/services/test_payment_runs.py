"""Payment runs end to end on SQLite and PostgreSQL: propose the approved bills due, grouped by
supplier; approval refused to the run's creator and to whoever last changed a payee's bank
details; the ABA file read back by the test's own parser; a bank detail changed since approval, a
bill already paid or a closed period refuse the file naming the row with nothing written;
remittance advice sent once through a real SMTP relay; the bank line for the file marks the
bills paid."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from adapters.inbox.smtp import smtp_controller
from core.settings import Settings
from memory import audit
from memory.contacts_store import ContactsStore
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.payments_schema import AbaFileRow, PaymentRunRow
from memory.schema import Invoice
from memory.trading_store import TradingStore
from services import payment_runs as runs
from services.bank_import import import_statement_file
from services.bank_reconcile import reconcile_all
from tests.conftest import TickingClock
from tests.tools.payments.aba_parser import parse
from tools.ledger.contacts import BankDetails
from tools.ledger.postings import DocumentLine
from tools.ledger.problems import LedgerError
from tools.payments.aba import Remitter

D = Decimal
REMITTER = Remitter(bank="CBA", user_name="Harbour & Vine Homewares", apca_id="301500",
                    bsb="062000", account_number="10458921", remitter_name="HARBOUR AND VINE")


@dataclass
class Books:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: TickingClock
    ids: dict[str, int]


def seed(sessions: sessionmaker[Session], clock: TickingClock) -> dict[str, int]:
    """Two suppliers with bank details (recorded by carol), one without; five posted bills."""
    ids: dict[str, int] = {}
    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "setup").create_organisation("Harbour & Vine", "51824753556")
        clerk = ContactsStore(session, clock, "carol")          # carol keeps the supplier master
        tiles = clerk.create("Acme Tiles Pty Ltd", supplier=True, email="accounts@acmetiles.example",
                             bank=BankDetails("082001", "123456", "ACME TILES PTY LTD")).id
        glass = clerk.create("Bright Glassware", supplier=True, email="ar@bright.example",
                             bank=BankDetails("633000", "987654321", "BRIGHT GLASSWARE")).id
        nobank = clerk.create("No Bank Co", supplier=True).id
        ids.update(tiles=tiles, glass=glass, nobank=nobank)
        trading = TradingStore(session, clock, "setup")
        for contact, number, amount, due in (
                (tiles, "AT-101", "200.00", date(2026, 4, 20)), (tiles, "AT-102", "300.00", date(2026, 4, 28)),
                (glass, "BG-9", "1234.56", date(2026, 4, 25)), (glass, "BG-10", "99.99", date(2026, 6, 1)),
                (nobank, "NB-1", "50.00", date(2026, 4, 1))):
            ids[number] = trading.create_invoice(
                "bill", contact, number, date(2026, 4, 1),
                [DocumentLine("Stock", D(1), D(amount), "5000", "FRE")], due_date=due).id
    return ids


@pytest.fixture
def books(engine: Engine, clock: TickingClock, tmp_path: Path) -> Books:
    sessions = session_factory(engine)
    return Books(Settings(home=tmp_path), sessions, clock, seed(sessions, clock))


def _approved(books: Books) -> int:
    run = runs.propose_run(books, date(2026, 4, 30), actor="alice")
    runs.approve_run(books, run["id"], actor="bob")
    return run["id"]


def _count(books: Books, model: type) -> int:
    with unit_of_work(books.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_run_proposes_the_bills_due_grouped_by_supplier(books: Books) -> None:
    run = runs.propose_run(books, date(2026, 4, 30), actor="alice", idempotency_key="k1")
    assert run["status"] == "proposed" and run["total"] == D("1734.56")
    assert [(s["supplier"], s["amount"], [b["number"] for b in s["bills"]]) for s in run["suppliers"]] == [
        ("Acme Tiles Pty Ltd", D("500.00"), ["AT-101", "AT-102"]),
        ("Bright Glassware", D("1234.56"), ["BG-9"])]
    assert run["left_out"] == [{"supplier": "No Bank Co", "bills": ["NB-1"],
                                "reason": "no bank details on file"}]
    again = runs.propose_run(books, date(2026, 4, 30), actor="alice", idempotency_key="k1")
    assert again["id"] == run["id"] and again["replayed"]
    with pytest.raises(LedgerError) as err:      # the bills are in a run already
        runs.propose_run(books, date(2026, 4, 30), actor="alice")
    assert err.value.codes == ("nothing_due",)


def test_the_creator_and_the_bank_detail_changer_may_not_approve(books: Books) -> None:
    run = runs.propose_run(books, date(2026, 4, 30), actor="alice")
    with pytest.raises(LedgerError) as err:
        runs.approve_run(books, run["id"], actor="alice")
    assert err.value.codes == ("segregation_of_duties",)
    with pytest.raises(LedgerError) as err:
        runs.approve_run(books, run["id"], actor="carol")
    assert set(err.value.codes) == {"segregation_of_duties"}
    assert "Acme Tiles Pty Ltd" in str(err.value) and "Bright Glassware" in str(err.value)
    done = runs.approve_run(books, run["id"], actor="bob")
    assert done["status"] == "approved" and done["approved_by"] == "bob"


def test_the_file_is_a_valid_aba_file_and_pays_nothing_yet(books: Books, tmp_path: Path) -> None:
    run_id = _approved(books)
    out = tmp_path / "out" / "run.aba"
    written = runs.write_run(books, run_id, REMITTER, actor="bob", out=out,
                             process_on=date(2026, 4, 30))
    f = parse(out.read_bytes())
    assert f.header.process_on == date(2026, 4, 30) and f.header.apca_id == "301500"
    tiles, glass, balance = f.details
    assert (tiles.bsb, tiles.account, tiles.code, tiles.cents, tiles.title, tiles.reference) == (
        "082-001", "123456", "50", 50_000, "ACME TILES PTY LTD", "AT-101 AT-102")
    assert (glass.bsb, glass.account, glass.cents, glass.reference) == ("633-000", "987654321", 123_456, "BG-9")
    assert (balance.code, balance.cents, balance.reference) == ("13", 173_456, f"PAYRUN {100000 + run_id}")
    assert (f.totals.credit, f.totals.debit, f.totals.net, f.totals.count) == (173_456, 173_456, 0, 3)
    assert written["status"] == "written" and written["file"]["records"] == 3
    with unit_of_work(books.sessions) as session:
        assert {i.number: i.status for i in session.scalars(select(Invoice))}["AT-101"] == "posted"
        assert audit.verify(session).intact
    again = runs.write_run(books, run_id, REMITTER, actor="bob")      # a retry: the same file
    assert again["replayed"] and again["content"].encode() == out.read_bytes()


def _refused_with_nothing_written(books: Books, run_id: int, out: Path, code: str, names: str) -> None:
    with pytest.raises(LedgerError) as err:
        runs.write_run(books, run_id, REMITTER, actor="bob", out=out, process_on=date(2026, 4, 30))
    assert code in err.value.codes and names in str(err.value)
    assert not out.exists() and _count(books, AbaFileRow) == 0
    assert runs.show_run(books, run_id)["status"] == "approved"


def test_a_bank_detail_changed_since_approval_refuses_the_file(books: Books, tmp_path: Path) -> None:
    run_id = _approved(books)
    with unit_of_work(books.sessions) as session:
        ContactsStore(session, books.clock, "mallory").set_bank_details(
            books.ids["glass"], BankDetails("062000", "55555555", "BRIGHT GLASSWARE"))
    _refused_with_nothing_written(books, run_id, tmp_path / "x.aba", "payee_bank_details_changed",
                                  "Bright Glassware")


def test_a_bill_paid_since_approval_refuses_the_file(books: Books, tmp_path: Path) -> None:
    run_id = _approved(books)
    with unit_of_work(books.sessions) as session:
        trading = TradingStore(session, books.clock, "setup")
        trading.record_payment(session.get(Invoice, books.ids["BG-9"]), date(2026, 4, 26), D("1234.56"))
    _refused_with_nothing_written(books, run_id, tmp_path / "x.aba", "bill_already_paid",
                                  "BG-9 of Bright Glassware")


def test_a_closed_period_refuses_the_file(books: Books, tmp_path: Path) -> None:
    run_id = _approved(books)
    with unit_of_work(books.sessions) as session:
        LedgerStore(session, books.clock, "owner").set_lock_date(date(2026, 4, 30))
    _refused_with_nothing_written(books, run_id, tmp_path / "x.aba", "period_locked", "30/04/2026")


def test_an_unapproved_run_writes_no_file(books: Books) -> None:
    run = runs.propose_run(books, date(2026, 4, 30), actor="alice")
    with pytest.raises(LedgerError) as err:
        runs.write_run(books, run["id"], REMITTER, actor="bob")
    assert err.value.codes == ("run_not_approved",)


def test_a_written_run_and_its_file_cannot_be_changed(books: Books) -> None:
    run_id = _approved(books)
    runs.write_run(books, run_id, REMITTER, actor="bob", process_on=date(2026, 4, 30))
    for statement in (update(PaymentRunRow).values(status="approved"),
                      update(AbaFileRow).values(content="forged")):
        with pytest.raises(DBAPIError), unit_of_work(books.sessions) as session:
            session.execute(statement)


def test_remittance_advice_is_sent_once_through_the_relay(books: Books, tmp_path: Path) -> None:
    run_id = _approved(books)
    runs.write_run(books, run_id, REMITTER, actor="bob", process_on=date(2026, 4, 30))
    box = tmp_path / "relay"
    relay = smtp_controller(books.settings, maildir=box, host="127.0.0.1", port=0)
    relay.start()
    try:
        books.settings.notify_smtp_host, books.settings.notify_smtp_port = "127.0.0.1", relay.port
        first = runs.send_remittances(books, run_id, actor="bob")
        second = runs.send_remittances(books, run_id, actor="bob")
    finally:
        relay.stop()
    assert [r["status"] for r in first] == ["sent", "sent"]
    assert [r["status"] for r in second] == ["already_sent", "already_sent"]
    mails = {m["To"]: m for m in (email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                                  for p in (box / "new").iterdir())}
    assert set(mails) == {"accounts@acmetiles.example", "ar@bright.example"}
    body = mails["accounts@acmetiles.example"].get_body().get_content()
    assert "$500.00" in body and "AT-101" in body and "AT-102" in body and "BG-9" not in body


def test_the_bank_line_for_the_file_marks_its_bills_paid(books: Books) -> None:
    run_id = _approved(books)
    runs.write_run(books, run_id, REMITTER, actor="bob", process_on=date(2026, 4, 30))
    statement = (f'"30/04/2026","-1734.56","DIRECT DEBIT PAYRUN {100000 + run_id} HARBOUR AND VINE",'
                 '"+8265.44"\n').encode()
    import_statement_file(books, statement, "april.csv", actor="test", account_code="1100")
    run = reconcile_all(books, actor="test")
    assert run.auto_total == 1, run.as_dict()
    with unit_of_work(books.sessions) as session:
        statuses = {i.number: i.status for i in session.scalars(select(Invoice))}
    assert statuses == {"AT-101": "paid", "AT-102": "paid", "BG-9": "paid", "BG-10": "posted",
                        "NB-1": "posted"}


def test_one_bank_line_per_payee_marks_each_suppliers_bills_paid(books: Books) -> None:
    run_id = _approved(books)
    runs.write_run(books, run_id, REMITTER, actor="bob", process_on=date(2026, 4, 30),
                   self_balance=False)
    ref = f"PAYRUN {100000 + run_id}"
    statement = (f'"30/04/2026","-500.00","DIRECT ENTRY {ref} ACME TILES PTY LTD","+9500.00"\n'
                 f'"30/04/2026","-1234.56","DIRECT ENTRY {ref} BRIGHT GLASSWARE","+8265.44"\n'
                 ).encode()
    import_statement_file(books, statement, "april.csv", actor="test", account_code="1100")
    run = reconcile_all(books, actor="test")
    assert run.auto_total == 2, run.as_dict()
    with unit_of_work(books.sessions) as session:
        paid = {i.number for i in session.scalars(select(Invoice).where(Invoice.status == "paid"))}
    assert paid == {"AT-101", "AT-102", "BG-9"}


def test_a_bank_detail_changed_since_the_proposal_refuses_the_approval(books: Books) -> None:
    run = runs.propose_run(books, date(2026, 4, 30), actor="alice")
    with unit_of_work(books.sessions) as session:
        ContactsStore(session, books.clock, "mallory").set_bank_details(
            books.ids["tiles"], BankDetails("062000", "55555555", "ACME TILES"))
    with pytest.raises(LedgerError) as err:
        runs.approve_run(books, run["id"], actor="bob")
    assert err.value.codes == ("payee_bank_details_changed",)
    assert str(err.value).startswith("Acme Tiles Pty Ltd's bank details changed")
    assert runs.show_run(books, run["id"])["status"] == "proposed"
