"""The Xero and MYOB files on their own: the templates' columns, the dates the tools expect, exact
money (a price with more than cents, GST rounding against the bill's stated GST), odd characters,
MYOB's blank line between transactions and its account numbers, and the warnings for what a
target would cut short."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

from tools.exports.model import ExportBill, ExportBillLine, ExportContact, PostedJournal, line_taxes
from tools.exports.myob import (
    JOURNAL_COLUMNS as MYOB_JOURNAL_COLUMNS,
)
from tools.exports.myob import (
    myob_account,
    myob_journals_csv,
    myob_purchases_csv,
)
from tools.exports.xero import (
    BILL_COLUMNS,
    JOURNAL_COLUMNS,
    journal_parts,
    quantity_and_price,
    xero_bills_csv,
    xero_journals_csv,
)
from tools.ledger.model import Account, Journal, cr, dr

D = Decimal
NAME = 'Ōtautahi "Tiles", Pty Ltd'
ACCOUNTS = (Account("1100", "Cheque", "asset"), Account("2100", "Creditors", "liability"),
            Account("2210", "GST Paid", "liability"), Account("3100", "Capital", "equity"),
            Account("4000", "Sales", "revenue"), Account("5000", "COGS", "expense"),
            Account("6100", "Rent", "expense"))


def _line(desc: str, qty: str, unit: str, amount: str, tax: str, code: str = "GST",
          account: str = "5000") -> ExportBillLine:
    return ExportBillLine(desc, D(qty), D(unit), D(amount), account, code, D(tax))


BILL = ExportBill(
    7, "OT-1", ExportContact(NAME, "a@b.example", "1 Kiln Lane\nLevel 2\nSuite 3\nMarrickville\nNSW"),
    date(2026, 3, 5), date(2026, 4, 4),
    (_line("Tiles,\n\"subway\"", "3", "33.3333", "100.00", "10.00"),
     _line("Freight", "2", "0.125", "0.25", "0.03"),
     _line("Fee", "1", "5.00", "5.00", "0.00", "FRE", "6100")),
    subtotal=D("105.25"), tax=D("10.02"), total=D("115.27"))  # the invoice printed 10.02 GST


def _dict_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_gst_rounding_goes_to_the_last_taxed_line_so_lines_add_to_the_stated_gst() -> None:
    assert line_taxes(BILL) == [D("10.00"), D("0.02"), D("0.00")]
    assert line_taxes(replace(BILL, tax=D("10.03"))) == [D("10.00"), D("0.03"), D("0.00")]


def test_a_price_with_more_than_cents_is_one_of_the_line_amount() -> None:
    assert quantity_and_price(BILL.lines[0]) == ("1", "100.00")
    assert quantity_and_price(BILL.lines[1]) == ("1", "0.25")
    assert quantity_and_price(_line("x", "2.5000", "18.20", "45.50", "4.55")) == ("2.5", "18.20")


def test_xero_bills_have_the_template_columns_and_map_back() -> None:
    done = xero_bills_csv([BILL])
    text = done.data.decode("utf-8")
    assert text.splitlines()[0] == ",".join(BILL_COLUMNS)
    rows = _dict_rows(done.data)
    assert [r["*ContactName"] for r in rows] == [NAME] * 3
    assert rows[0]["Description"] == 'Tiles,\n"subway"'
    assert {(r["*InvoiceDate"], r["*DueDate"]) for r in rows} == {("05/03/2026", "04/04/2026")}
    assert [r["*TaxType"] for r in rows] == ["GST on Expenses", "GST on Expenses",
                                             "GST Free Expenses"]
    assert sum(D(r["*Quantity"]) * D(r["*UnitAmount"]) for r in rows) == BILL.subtotal
    assert sum(D(r["TaxAmount"]) for r in rows) == BILL.tax
    assert [rows[0][f"POAddressLine{i}"] for i in range(1, 5)] == [
        "1 Kiln Lane", "Level 2", "Suite 3", "Marrickville, NSW"]
    assert done.warnings == ()


def test_xero_warns_past_its_file_limits() -> None:
    many = [replace(BILL, id=i, number=f"OT-{i}") for i in range(501)]
    assert "at most 500" in xero_bills_csv(many).warnings[0]
    odd = replace(BILL, lines=(replace(BILL.lines[0], tax_code="XYZ"),))
    assert "XYZ" in xero_bills_csv([odd]).warnings[0]


JOURNALS = (
    PostedJournal(11, Journal(date(2026, 3, 1), "Accrual", (dr("6100", D("10.00"), "rent, \"due\""),
                                                             cr("2100", D("10.00"))))),
    PostedJournal(12, Journal(date(2026, 3, 1), "Accrual", (dr("6100", D("1234.56")),
                                                             cr("1100", D("1234.56"))))),
)


def test_xero_journals_keep_two_alike_journals_apart() -> None:
    done = xero_journals_csv(JOURNALS)
    assert done.data.decode("utf-8").splitlines()[0] == ",".join(JOURNAL_COLUMNS)
    rows = _dict_rows(done.data)
    groups = {(r["*Narration"], r["*Date"]) for r in rows}
    assert groups == {("Accrual (#11)", "01/03/2026"), ("Accrual (#12)", "01/03/2026")}
    assert [r["*Amount"] for r in rows] == ["10.00", "-10.00", "1234.56", "-1234.56"]
    assert rows[0]["Description"] == 'rent, "due"'
    assert "at most 300" in xero_journals_csv(JOURNALS * 76).warnings[0]


def test_myob_account_numbers_carry_the_class_digit() -> None:
    assert [myob_account(a) for a in ACCOUNTS] == [
        "1-1100", "2-2100", "2-2210", "3-3100", "4-4000", "5-5000", "6-6100"]


def _myob(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header, records, current = next(reader), [], []
    for row in reader:
        if row:
            assert len(row) == len(header)
            current.append(row)
        else:
            records.append(current)
            current = []
    assert not current
    return header, records


def test_myob_purchases_are_one_record_per_bill_single_line_fields() -> None:
    second = replace(BILL, id=8, number="OT-2", lines=BILL.lines[2:], subtotal=D("5.00"),
                     tax=D("0.00"), total=D("5.00"))
    done = myob_purchases_csv([BILL, second], ACCOUNTS)
    assert done.data.endswith(b"\r\n\r\n") and b"\n\n" not in done.data.replace(b"\r\n", b"|")
    header, records = _myob(done.data)
    assert [len(r) for r in records] == [3, 1] and done.rows == 4 and done.records == 2
    first = [dict(zip(header, row)) for row in records[0]]
    assert first[0]["Description"] == 'Tiles, "subway"'
    assert first[0]["Co./Last Name"] == NAME and first[0]["Date"] == "05/03/2026"
    assert [ln["Account No."] for ln in first] == ["5-5000", "5-5000", "6-6100"]
    assert sum(D(ln["GST Amount"]) for ln in first) == D("10.02")
    assert sum(D(ln["Inc-Tax Amount"]) for ln in first) == D("115.27")
    assert first[0]["           - Balance Due Days"] == "30"
    assert {ln["Purchase No."] for ln in first} == {"B0000007"}
    assert first[0]["Addr 1 - Line 1"] == "1 Kiln Lane"


def test_myob_warns_of_what_it_would_cut_short() -> None:
    long = replace(BILL, number="X" * 21, contact=replace(BILL.contact, name="N" * 51))
    warnings = myob_purchases_csv([long], ACCOUNTS).warnings
    assert len(warnings) == 2 and "50 characters" in warnings[0] and "20 characters" in warnings[1]


def test_myob_journals_split_debits_and_credits_per_entry() -> None:
    done = myob_journals_csv(JOURNALS, ACCOUNTS)
    header, records = _myob(done.data)
    assert tuple(header) == MYOB_JOURNAL_COLUMNS
    lines = [dict(zip(header, row)) for row in records[1]]
    assert [ln["Journal Number"] for ln in lines] == ["GJ000012"] * 2
    assert [(ln["Debit Ex-Tax Amount"], ln["Credit Ex-Tax Amount"]) for ln in lines] == [
        ("1234.56", ""), ("", "1234.56")]
    assert [ln["Account Number"] for ln in lines] == ["6-6100", "1-1100"]
    assert {ln["Tax Code"] for ln in lines} == {"N-T"}


def test_xero_journal_parts_keep_each_journal_whole_within_the_limit() -> None:
    sizes = [2, 3, 2, 5, 1, 7]
    journals = [PostedJournal(i, Journal(date(2026, 3, 1), f"J{i}", tuple(
        dr("6100", D("1.00")) for _ in range(n - 1)) + (cr("1100", D(n - 1)),)))
        for i, n in enumerate(sizes, start=1)]
    parts = journal_parts(journals, max_lines=6)
    assert [[p.id for p in part] for part in parts] == [[1, 2], [3], [4, 5], [6]]
    assert [p for part in parts for p in part] == journals  # nothing lost, nothing twice
