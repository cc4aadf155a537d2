"""Handing the books back, end to end on SQLite and PostgreSQL: books with bills (GST and GST-free
lines, a price with more than cents, a supplier named with commas, quotes and accents), a payment,
a sale, a manual journal and a reversal; then the whole ledger through the real `hledger` (it must
pass `check --strict` and its balance per account must be the trial balance to the cent), and the
Xero and MYOB files re-read with the csv module, mapping back to the bills and journals."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from api.cli_export import export
from core.settings import Settings
from memory.contacts_store import ContactsStore
from memory.db import read_only, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import Invoice, Journal
from memory.trading_store import TradingStore
from services.books_export import ExportMismatch, export_csv, export_hledger
from services.runtime import Runtime
from tests.conftest import TickingClock
from tools.ledger.model import Journal as JournalData
from tools.ledger.model import cr, dr
from tools.ledger.postings import DocumentLine

D = Decimal
SUPPLIER = 'Café "Ōtautahi", Tiles & Co'
CODES = {"OT-2026/001": ["5000", "5100", "6020"], "OT-2026/002": ["5000"]}
HLEDGER = shutil.which("hledger")
needs_hledger = pytest.mark.skipif(HLEDGER is None, reason="hledger is not installed "
                                   "(Debian: apt-get install hledger)")


@dataclass
class Books:
    sessions: sessionmaker[Session]
    clock: TickingClock


@pytest.fixture
def books(engine: Engine, clock: TickingClock) -> Books:
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        ledger = LedgerStore(session, clock, "test")
        ledger.create_organisation("Harbour & Vine; Homewares", "51824753556", state="NSW")
        contacts = ContactsStore(session, clock, "test")
        tiles = contacts.create(SUPPLIER, supplier=True, email="accounts@otautahi.example",
                                address="Unit 4, 12 \"Kiln\" Lane\nMarrickville NSW 2204").id
        cafe = contacts.create("Harbourside Cafe", customer=True).id
        trading = TradingStore(session, clock, "test")
        bill = trading.create_invoice("bill", tiles, "OT-2026/001", date(2026, 4, 1), [
            DocumentLine('Tiles, "subway" white\n300 x 75', D(3), D("33.3333"), "5000", "GST"),
            DocumentLine("Freight", D(1), D("45.50"), "5100", "GST"),
            DocumentLine("Bank fee (GST-free)", D(2), D("1.25"), "6020", "FRE"),
        ], due_date=date(2026, 4, 30))
        trading.create_invoice("bill", tiles, "OT-2026/002", date(2026, 5, 3), [
            DocumentLine("Grout", D("2.5"), D("18.20"), "5000", "GST")])
        trading.create_invoice("sale", cafe, "INV-7001", date(2026, 4, 2), [
            DocumentLine("Homewares", D(1), D("1000.00"), "4100", "GST")])
        trading.record_payment(bill, date(2026, 4, 20), bill.total, reference="OT-2026/001")
        loan = ledger.post(JournalData(
            date(2026, 4, 15), "Loan repayment; April: 2026",
            (dr("2800", D("1000.00")), dr("6150", D("312.40"), tax_code="FRE"),
             cr("1100", D("1312.40"))), source_type="bank", idempotency_key="bank:abc,1"))
        ledger.reverse(loan, date(2026, 4, 16))
        ledger.post(JournalData(date(2026, 4, 17), "Loan repayment", (
            dr("2800", D("1000.00")), dr("6150", D("312.40")), cr("1100", D("1312.40")))))
    return Books(sessions, clock)


def _trial_balance(books: Books) -> dict[str, Decimal]:
    with read_only(books.sessions) as session:
        rows = LedgerStore(session, books.clock, "test").trial_balance().rows
    return {row.code: row.balance for row in rows if row.balance}


def _hledger(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert HLEDGER is not None
    return subprocess.run([HLEDGER, "-f", str(path), *args], capture_output=True, text=True,
                          check=False, timeout=60)


def _hledger_balances(path: Path) -> dict[str, Decimal]:
    done = _hledger(path, "balance", "--flat", "--no-total", "-O", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["account", "balance"]
    balances = {}
    for account, amount in rows[1:]:
        commodity, number = amount.split(" ")
        assert commodity == "AUD"
        balances[account.split(":")[1].split(" ")[0]] = D(number.replace(",", ""))
    return balances


@needs_hledger
def test_hledger_checks_the_journal_and_balances_it_to_the_trial_balance(books: Books,
                                                                        tmp_path: Path) -> None:
    with read_only(books.sessions) as session:
        done = export_hledger(session)
    path = tmp_path / "books.journal"
    path.write_bytes(done.file.data)
    strict = _hledger(path, "check", "--strict", "ordereddates")
    assert strict.returncode == 0, strict.stderr
    tb = _trial_balance(books)
    assert _hledger_balances(path) == tb
    assert tb["2100"] == D("-50.05") and tb["6150"] == D("312.40")  # the books hold what we think
    text = done.file.data.decode("utf-8")
    assert 'Café "Ōtautahi", Tiles & Co OT-2026/001' in text
    assert "Loan repayment, April - 2026" in text  # ';' and ':' would be a comment and a tag
    # every journal once, tagged with its id; tax codes as tags hledger lists
    with read_only(books.sessions) as session:
        ids = list(session.scalars(select(Journal.id)))
    assert done.file.records == len(ids) == 7
    reg = _hledger(path, "register", "tag:tax=FRE", "-O", "csv")
    assert reg.returncode == 0 and reg.stdout.count("6020 Bank Fees") == 1
    assert reg.stdout.count("6150 Interest Expense") == 2  # the repayment and its reversal


@needs_hledger
def test_hledger_refuses_a_journal_that_is_broken(books: Books, tmp_path: Path) -> None:
    """The check can fail: an undeclared account or an unbalanced transaction is refused."""
    with read_only(books.sessions) as session:
        text = export_hledger(session).file.data.decode("utf-8")
    undeclared = tmp_path / "undeclared.journal"
    undeclared.write_text(text.replace("account expenses:6150 Interest Expense  ; type:X\n", ""))
    assert _hledger(undeclared, "check", "--strict").returncode != 0
    unbalanced = tmp_path / "unbalanced.journal"
    unbalanced.write_text(text.replace("AUD -1,312.40", "AUD -1,312.41", 1))
    assert _hledger(unbalanced, "check").returncode != 0


def test_an_export_that_would_not_balance_is_refused(books: Books, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import services.books_export as module

    real = module.load_books

    def one_journal_short(*args, **kwargs):  # type: ignore[no-untyped-def]
        loaded = real(*args, **kwargs)
        return replace(loaded, journals=loaded.journals[:-1])

    monkeypatch.setattr(module, "load_books", one_journal_short)
    with read_only(books.sessions) as session, pytest.raises(ExportMismatch, match="5000 145.50 != 100.00"):
        export_hledger(session)


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _bills(books: Books) -> list[Invoice]:
    with read_only(books.sessions) as session:
        bills = list(session.scalars(select(Invoice).where(Invoice.kind == "bill")
                                     .order_by(Invoice.id)))
        for bill in bills:
            _ = bill.lines
    return bills


def test_xero_bills_map_back_to_the_bills(books: Books) -> None:
    with read_only(books.sessions) as session:
        done = export_csv(session, "xero", "bills")
    rows = _rows(done.file.data)
    assert list(rows[0])[:3] == ["*ContactName", "EmailAddress", "POAddressLine1"]
    assert done.file.records == 2 and len(rows) == 4
    for bill in _bills(books):
        mine = [r for r in rows if r["*InvoiceNumber"] == bill.number]
        assert {r["*ContactName"] for r in mine} == {SUPPLIER}
        assert {r["*InvoiceDate"] for r in mine} == {bill.issue_date.strftime("%d/%m/%Y")}
        assert {r["*DueDate"] for r in mine} == {bill.due_date.strftime("%d/%m/%Y")}
        assert {r["Total"] for r in mine} == {str(bill.total)}
        subtotal = sum(D(r["*Quantity"]) * D(r["*UnitAmount"]) for r in mine)
        gst = sum(D(r["TaxAmount"]) for r in mine)
        assert (subtotal, gst, subtotal + gst) == (bill.subtotal, bill.tax, bill.total)
        assert [r["*AccountCode"] for r in mine] == CODES[bill.number]
        assert all(r["Currency"] == "AUD" for r in mine)
    first = [r for r in rows if r["*InvoiceNumber"] == "OT-2026/001"]
    assert first[0]["Description"] == 'Tiles, "subway" white\n300 x 75'
    assert (first[0]["*Quantity"], first[0]["*UnitAmount"]) == ("1", "100.00")  # 3 x 33.3333
    assert (first[1]["*Quantity"], first[1]["*UnitAmount"]) == ("1", "45.50")
    assert [r["*TaxType"] for r in first] == ["GST on Expenses", "GST on Expenses",
                                              "GST Free Expenses"]
    assert (first[0]["POAddressLine1"], first[0]["POAddressLine2"]) == (
        'Unit 4, 12 "Kiln" Lane', "Marrickville NSW 2204")


def test_xero_journals_balance_and_leave_the_bills_to_the_bills_file(books: Books) -> None:
    with read_only(books.sessions) as session:
        done = export_csv(session, "xero", "journals")
        everything = export_csv(session, "xero", "journals", with_bill_journals=True)
    rows = _rows(done.file.data)
    assert done.left_out == {"bill_journals": 2} and done.file.records == 5
    assert everything.file.records == 7
    journals: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        assert r["*TaxRate"] == "BAS Excluded"
        day, month, year = r["*Date"].split("/")
        assert len(day) == len(month) == 2 and len(year) == 4
        journals[(r["*Narration"], r["*Date"])] = journals.get(
            (r["*Narration"], r["*Date"]), D(0)) + D(r["*Amount"])
    assert len(journals) == 5 and set(journals.values()) == {D("0.00")}
    by_account: dict[str, Decimal] = {}
    for r in _rows(everything.file.data):
        by_account[r["*AccountCode"]] = by_account.get(r["*AccountCode"], D(0)) + D(r["*Amount"])
    assert {k: v for k, v in by_account.items() if v} == _trial_balance(books)
    assert any(n.startswith("Loan repayment; April: 2026 (#") for n, _ in journals)


def _myob_records(data: bytes) -> list[list[dict[str, str]]]:
    """Transactions as MYOB reads them: consecutive lines, a blank line ending each."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader)
    records, current = [], []
    for row in reader:
        if not row:
            records.append(current)
            current = []
        else:
            current.append(dict(zip(header, row, strict=True)))
    assert current == []
    return records


def test_myob_purchases_map_back_to_the_bills(books: Books) -> None:
    with read_only(books.sessions) as session:
        done = export_csv(session, "myob", "bills")
    records = _myob_records(done.file.data)
    bills = _bills(books)
    assert len(records) == len(bills) == done.file.records == 2
    for bill, lines in zip(bills, records, strict=True):
        assert {ln["Co./Last Name"] for ln in lines} == {SUPPLIER}
        assert {ln["Supplier Invoice No."] for ln in lines} == {bill.number}
        assert {ln["Date"] for ln in lines} == {bill.issue_date.strftime("%d/%m/%Y")}
        assert {ln["           - Balance Due Days"] for ln in lines} == {
            str((bill.due_date - bill.issue_date).days)}
        assert {ln["Purchase Status"] for ln in lines} == {"B"}
        assert sum(D(ln["Amount"]) for ln in lines) == bill.subtotal
        assert sum(D(ln["GST Amount"]) for ln in lines) == bill.tax
        assert sum(D(ln["Inc-Tax Amount"]) for ln in lines) == bill.total
        assert [ln["Tax Code"] for ln in lines] == [ln.tax_code for ln in bill.lines]
    first = records[0]
    assert [ln["Account No."] for ln in first] == ["5-5000", "5-5100", "6-6020"]
    assert first[0]["Description"] == 'Tiles, "subway" white 300 x 75'  # one line in MYOB
    assert first[0]["Addr 1 - Line 1"] == 'Unit 4, 12 "Kiln" Lane'


def test_myob_journals_balance_per_entry_and_to_the_trial_balance(books: Books) -> None:
    with read_only(books.sessions) as session:
        done = export_csv(session, "myob", "journals", with_bill_journals=True)
        dated = export_csv(session, "myob", "journals", date(2026, 4, 16), date(2026, 4, 30))
    records = _myob_records(done.file.data)
    assert len(records) == 7
    by_account: dict[str, Decimal] = {}
    for lines in records:
        assert len({ln["Journal Number"] for ln in lines}) == 1
        assert len(lines[0]["Journal Number"]) <= 8
        debit = sum(D(ln["Debit Ex-Tax Amount"] or 0) for ln in lines)
        credit = sum(D(ln["Credit Ex-Tax Amount"] or 0) for ln in lines)
        assert debit == credit > 0
        for ln in lines:
            code = ln["Account Number"].split("-")[1]
            by_account[code] = (by_account.get(code, D(0)) + D(ln["Debit Ex-Tax Amount"] or 0)
                                - D(ln["Credit Ex-Tax Amount"] or 0))
    assert {k: v for k, v in by_account.items() if v} == _trial_balance(books)
    memos = [lines[0]["Memo"] for lines in _myob_records(dated.file.data)]
    assert len(memos) == 3 and memos[0].startswith("Reversal of journal ")
    assert memos[1:] == ["Loan repayment", f"Payment of OT-2026/001 to {SUPPLIER}"]


def test_the_cli_writes_each_export_and_says_what_it_wrote(books: Books, engine: Engine,
                                                           tmp_path: Path) -> None:
    runtime = Runtime(Settings(home=tmp_path, database_url=engine.url.render_as_string(
        hide_password=False)))
    runner = CliRunner()
    out = tmp_path / "out" / "books.journal"
    result = runner.invoke(export, ["hledger", "--out", str(out), "--json"], obj=runtime)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["records"] == 7 and summary["out"] == str(out)
    assert out.read_text(encoding="utf-8").startswith("; Harbour & Vine, Homewares")
    result = runner.invoke(export, ["xero", "bills", "--from", "2026-05-01"], obj=runtime)
    assert result.exit_code == 0
    assert result.stdout.count("OT-2026/002") == 1 and "OT-2026/001" not in result.stdout
    result = runner.invoke(export, ["myob", "journals", "--from", "2026-05-01", "--to", "2026-04-01"],
                           obj=runtime)
    assert result.exit_code == 2 and "--from is after --to" in result.output


def test_the_cli_splits_xero_journals_into_files_xero_takes(books: Books, engine: Engine,
                                                             tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tools.exports import xero

    monkeypatch.setattr(xero.journal_parts, "__defaults__", (4,))  # 4 lines a file, not 300
    runtime = Runtime(Settings(home=tmp_path, database_url=engine.url.render_as_string(
        hide_password=False)))
    out = tmp_path / "xero" / "journals.csv"
    result = CliRunner().invoke(export, ["xero", "journals", "--split", "--out", str(out),
                                         "--with-bill-journals", "--json"], obj=runtime)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    files = [Path(f) for f in summary["files"]]
    assert len(files) >= 4 and files[0].name == "journals-01.csv" and not out.exists()
    rows = [row for f in files for row in _rows(f.read_bytes())]
    with read_only(books.sessions) as session:
        whole = _rows(export_csv(session, "xero", "journals", with_bill_journals=True).file.data)
    assert rows == whole
    for f in files:
        mine = _rows(f.read_bytes())
        assert len(mine) <= 4 or len({r["*Narration"] for r in mine}) == 1
        assert {r["*Narration"] for r in mine}.isdisjoint(
            {r["*Narration"] for g in files if g != f for r in _rows(g.read_bytes())})
    refused = CliRunner().invoke(export, ["xero", "journals", "--split"], obj=runtime)
    assert refused.exit_code == 2 and "give --out" in refused.output
