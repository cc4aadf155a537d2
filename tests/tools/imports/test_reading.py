"""tools.imports reading Xero and MYOB exports: what each file is told by its header, the values
read exactly (Decimal), and every kind of bad input refused naming the file and the row."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tools.imports.exports import read_export
from tools.imports.model import ImportRefused

FIXTURES = Path(__file__).parent / "fixtures"
D = Decimal


def _xero(name: str) -> bytes:
    return (FIXTURES / "xero" / name).read_bytes()


def _refused(data: bytes, file: str = "Bills.csv", system: str = "xero") -> ImportRefused:
    with pytest.raises(ImportRefused) as exc:
        read_export(data, file, system)
    return exc.value


@pytest.mark.parametrize(("name", "kind"), [
    ("ChartOfAccounts.csv", "accounts"), ("Contacts.csv", "contacts"), ("Bills.csv", "invoices"),
    ("SalesInvoices.csv", "invoices"), ("TrialBalance.csv", "opening_balances")])
def test_each_xero_export_is_told_by_its_header_not_its_name(name: str, kind: str) -> None:
    assert read_export(_xero(name), "export.csv", "xero").kind == kind


def test_xero_bills_group_into_invoices_with_exact_decimal_lines() -> None:
    bills = read_export(_xero("Bills.csv"), "Bills.csv", "xero").invoices
    assert len(bills) == 16
    first = bills[0]
    assert (first.kind, first.contact_name, first.number) == ("bill", "Harbourside Print & Signage", "HPS-2401")
    assert (first.issue_date, first.due_date, first.total, first.amount_paid) == (
        date(2025, 7, 8), date(2025, 7, 22), D("231.00"), D("231.00"))
    assert [(ln.description, ln.quantity, ln.unit_price, ln.account_code, ln.tax_code) for ln in first.lines] == [
        ("A1 corflute signs", D(2), D(45), "461", "GST"), ("Window decal - sale banner", D(1), D(120), "400", "GST")]
    assert all(isinstance(ln.unit_price, Decimal) for b in bills for ln in b.lines)
    last = next(b for b in bills if b.number == "HPS-2412")
    assert last.amount_paid == 0     # "Awaiting Payment" in Xero


def test_xero_contacts_split_the_bank_account_into_bsb_and_number() -> None:
    contacts = {c.name: c for c in read_export(_xero("Contacts.csv"), "Contacts.csv", "xero").contacts}
    signs = contacts["Harbourside Print & Signage"]
    assert (signs.abn, signs.bsb, signs.account_number, signs.payment_terms_days) == (
        "31112233445", "062000", "11223344", 14)
    assert contacts["Coastal Cleaning Services Pty Ltd"].default_account == "408"
    assert contacts["Bondi Home Stores"].account_number is None


def test_tax_inclusive_xero_lines_are_made_exclusive() -> None:
    header = "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,Description,Quantity,UnitAmount,LineAmount,AccountCode,TaxType,TaxAmount,Type,Status\r\n"
    row = "Sydney Florist Co,SF-88,03/03/2026,17/03/2026,110.00,Shop flowers,1,110.00,110.00,429,GST on Expenses,10.00,Bill,Paid\r\n"
    (bill,) = read_export((header + row).encode(), "Bills.csv", "xero").invoices
    assert (bill.lines[0].unit_price, bill.total, bill.amount_paid) == (D(100), D("110.00"), D("110.00"))


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"), lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), lambda t: t.encode("cp1252"),
    lambda t: t.encode("utf-16"), lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")])
def test_the_encodings_exports_come_in_read_the_same(encode) -> None:
    text = _xero("Contacts.csv").decode("utf-8").replace("Bondi Home Stores", "Café Bondi Home Stores")
    names = [c.name for c in read_export(encode(text), "Contacts.csv", "xero").contacts]
    assert "Café Bondi Home Stores" in names


def test_a_file_that_is_not_text_is_refused_typed() -> None:
    problem = _refused(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), "Bills.xlsx").problems[0]
    assert (problem.code, problem.file) == ("not_text", "Bills.xlsx")


def test_an_unknown_column_is_refused_naming_it() -> None:
    data = _xero("Bills.csv").replace(b"TrackingOption2,", b"TrackingOption2,MysteryColumn,", 1)
    problem = _refused(data).problems[0]
    assert problem.code == "unknown_columns" and "'MysteryColumn'" in problem.message and problem.row == 1


def test_a_duplicated_row_is_refused_naming_both_rows() -> None:
    lines = _xero("Bills.csv").split(b"\r\n")
    data = b"\r\n".join(lines[:3] + [lines[2]] + lines[3:])
    problem = _refused(data).problems[0]
    assert (problem.code, problem.row) == ("duplicated_row", 4) and "repeats row 3" in problem.message


def test_lines_that_do_not_come_to_the_printed_total_are_refused_naming_the_invoice() -> None:
    data = _xero("Bills.csv").replace(b"HPS-2401,,08/07/2025,22/07/2025,231.00", b"HPS-2401,,08/07/2025,22/07/2025,232.00")
    problem = _refused(data).problems[0]
    assert (problem.code, problem.row) == ("invoice_does_not_add_up", 2) and "$232.00" in problem.message


@pytest.mark.parametrize(("needle", "replacement", "code"), [
    (b"08/07/2025,22/07/2025", b"08/13/2025,22/07/2025", "bad_date"),
    (b",45.00,,90.00,461", b",forty-five,,90.00,461", "bad_amount"),
    (b"461,GST on Expenses", b"461,VAT 20%", "unknown_tax_type"),
    (b"AUD,Bill", b"NZD,Bill", "currency_foreign"),
])
def test_a_bad_value_is_refused_naming_its_row(needle: bytes, replacement: bytes, code: str) -> None:
    problem = _refused(_xero("Bills.csv").replace(needle, replacement, 1)).problems[0]
    assert (problem.code, problem.file, problem.row) == (code, "Bills.csv", 2)


def test_a_bad_abn_or_bank_account_is_refused_naming_the_contact_row() -> None:
    problem = _refused(_xero("Contacts.csv").replace(b"31 112 233 445", b"31 112 233 446"), "Contacts.csv").problems[0]
    assert (problem.code, problem.row) == ("abn_invalid", 2)
    problem = _refused(_xero("Contacts.csv").replace(b"062-000 1122 3344", b"062-000"), "Contacts.csv").problems[0]
    assert (problem.code, problem.row) == ("bank_account_malformed", 2)


def test_an_export_of_the_other_system_or_of_nothing_known_is_refused() -> None:
    myob = (FIXTURES / "myob" / "SERVPURCH.TXT").read_bytes()
    assert _refused(myob, "SERVPURCH.TXT").problems[0].code == "wrong_system"
    assert _refused(b"Date,Amount,Description\r\n01/07/2025,10.00,x\r\n", "bank.csv").problems[0].code == "unknown_export"


def test_myob_accounts_list_skips_headers_and_reads_balances_on_their_natural_side() -> None:
    f = read_export((FIXTURES / "myob" / "ACCOUNTS.TXT").read_bytes(), "ACCOUNTS.TXT", "myob")
    assert [a.code for a in f.accounts] == ["1-1110", "2-1310", "2-2000", "3-8000", "6-1200", "6-1500", "6-1600"]
    assert "Café & Staff Amenities" in [a.name for a in f.accounts]     # cp1252, as MYOB writes it
    assert {b.account_code: b.amount for b in f.opening} == {
        "1-1110": D("18500.00"), "2-1310": D("-300.00"), "2-2000": D("-2200.00"), "3-8000": D("-16000.00")}
    assert {a.code: a.role for a in f.accounts if a.role} == {
        "2-1310": "gst_collected", "2-2000": "accounts_payable", "3-8000": "retained_earnings"}


def test_myob_service_purchases_group_multi_line_records_and_skip_quotes() -> None:
    f = read_export((FIXTURES / "myob" / "SERVPURCH.TXT").read_bytes(), "SERVPURCH.TXT", "myob")
    by_number = {i.number: i for i in f.invoices}
    assert set(by_number) == {"CCS2900", "CCS2901", "CCS2902", "NB-77"}
    nb = by_number["NB-77"]
    assert (nb.contact_name, nb.total, nb.due_date, len(nb.lines)) == ("Linh Nguyen", D("709.50"), date(2025, 10, 14), 2)
    assert f.skipped == ("row 11: 0000051 is a quote, not imported",)


def test_myob_item_layouts_are_refused_with_the_reason() -> None:
    data = b"Co./Last Name\tDate\tItem Number\tQuantity\tPrice\r\nAcme\t01/08/2025\tW-1\t1\t$5.00\r\n"
    assert _refused(data, "ITEMPURCH.TXT", "myob").problems[0].code == "item_lines_unsupported"
