"""Money found by what it must satisfy (issue 12): unknown table headers and totals labels,
column roles settled by qty x price = amount, per-line GST columns, broad reference labels, and the
bad inputs that must be held (two totals, a statement, sums that do not add up)."""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from adapters.pdf_text import read_pdf
from tools.documents.layout import extract_fields
from tools.documents.layout_columns import resolve_roles
from tools.documents.model import DocumentType

D = Decimal


def _pdf(lines: list[tuple[float, float, str]]) -> bytes:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for x, y, text in lines:
        pdf.text(x, y, text)
    return bytes(pdf.output())


def _extract(lines: list[tuple[float, float, str]]):  # type: ignore[no-untyped-def]
    return extract_fields(read_pdf(_pdf(lines), max_pages=5))


_HEAD = [(40, 50, "Clearwater Utilities Pty Ltd"), (40, 66, "ABN 51 824 753 556"),
         (380, 50, "Invoice No: CW-5512"), (380, 66, "Date: 3 March 2026")]


def _row(y: float, desc: str, *numbers: str, xs: tuple[float, ...] = (300, 380, 480)) -> list[tuple[float, float, str]]:
    return [(40, y, desc), *((x, y, n) for x, n in zip(xs, numbers, strict=True))]


def test_unknown_table_and_totals_wordings_are_read_by_arithmetic() -> None:
    ext = _extract([
        *_HEAD, (40, 82, "Customer Ref: PO-2134"),
        (40, 150, "Charges"), (300, 150, "Units"), (380, 150, "Rate"), (480, 150, "Cost"),
        *_row(170, "Water usage kL", "12", "3.50", "42.00"),
        *_row(186, "Service availability", "1", "58.00", "58.00"),
        (300, 240, "Total charges (ex GST)"), (480, 240, "100.00"),
        (300, 256, "GST"), (480, 256, "10.00"),
        (300, 272, "Total amount payable"), (480, 272, "110.00"),
    ])
    assert ext.purchase_order == "PO-2134"
    assert (ext.subtotal, ext.tax, ext.total) == (D("100.00"), D("10.00"), D("110.00"))
    assert [(ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in ext.lines] == [
        ("Water usage kL", D(12), D("3.50"), D("42.00")), ("Service availability", D(1), D("58.00"), D("58.00"))]
    assert not {i.code for i in ext.issues} & {"totals_unconfirmed", "totals_conflict"}


def test_totals_with_labels_never_seen_are_found_when_lines_and_gst_agree() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
        *_row(170, "Consulting hours", "4", "150.00", "600.00"),
        (300, 240, "Nett value of supply"), (480, 240, "600.00"),
        (300, 256, "Plus 10 per cent"), (480, 256, "60.00"),
        (300, 272, "Remit this sum"), (480, 272, "660.00"),
    ])
    assert (ext.subtotal, ext.tax, ext.total) == (D("600.00"), D("60.00"), D("660.00"))
    # found by the sum and the GST, not by labels: trusted, but less than labelled totals
    assert 0.85 <= ext.confidence["total"] < 0.96


def test_unlabelled_amounts_that_merely_add_up_are_not_taken_as_totals() -> None:
    """Three amounts where a + b = c but neither the lines nor 10% GST agree: no guess."""
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
        *_row(170, "Consulting hours", "4", "150.00", "600.00"),
        (300, 240, "Carried amount"), (480, 240, "500.00"),
        (300, 256, "Other figure"), (480, 256, "300.00"),
        (300, 272, "Some sum"), (480, 272, "800.00"),
    ])
    assert ext.total != D("800.00")
    assert ext.confidence.get("total", 0) < 0.7


def test_a_per_line_gst_column_and_an_inclusive_amount() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Item"), (260, 150, "Qty"), (320, 150, "Unit Price"), (400, 150, "GST"), (480, 150, "Total"),
        *_row(170, "Cartridge toner", "2", "50.00", "10.00", "110.00", xs=(260, 320, 400, 480)),
        *_row(186, "Milk 2L crate", "1", "30.00", "0.00", "30.00", xs=(260, 320, 400, 480)),
        (320, 240, "Subtotal"), (480, 240, "130.00"), (320, 256, "GST"), (480, 256, "10.00"),
        (320, 272, "Total"), (480, 272, "140.00"),
    ])
    assert [(ln.amount, ln.tax_code) for ln in ext.lines] == [(D("100.00"), "GST"), (D("30.00"), "FRE")]
    assert (ext.subtotal, ext.tax, ext.total) == (D("130.00"), D("10.00"), D("140.00"))


def test_column_roles_follow_the_rows_arithmetic_not_the_header_order() -> None:
    rows = [{"qty": D("42.00"), "price": D("12"), "amount": D("3.50")},
            {"qty": D("58.00"), "price": D("1"), "amount": D("58.00")}]
    roles = resolve_roles(rows, {"qty", "price", "amount"})
    assert roles["qty"] == "amount" and roles["amount"] in ("qty", "price")
    right = [{"qty": D(2), "price": D("5.00"), "amount": D("10.00")}]
    assert resolve_roles(right, {"qty", "price", "amount"}) == {"qty": "qty", "price": "price", "amount": "amount"}


def test_two_different_totals_are_a_conflict_not_a_choice() -> None:
    ext = _extract([
        *_HEAD, (380, 82, "Amount Due: 1,334.00"),
        (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
        *_row(170, "Fit-out works", "1", "1121.82", "1121.82"),
        (300, 240, "Subtotal"), (480, 240, "1,121.82"), (300, 256, "GST"), (480, 256, "112.18"),
        (300, 272, "Total"), (480, 272, "1,234.00"),
    ])
    codes = {i.code for i in ext.issues}
    assert "totals_conflict" in codes and ext.confidence["total"] <= 0.4


def test_a_payment_explains_a_smaller_balance() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
        *_row(170, "Deposit-backed job", "1", "1000.00", "1000.00"),
        (300, 240, "Subtotal"), (480, 240, "1,000.00"), (300, 256, "GST"), (480, 256, "100.00"),
        (300, 272, "Total"), (480, 272, "1,100.00"), (300, 288, "Less paid"), (480, 288, "100.00"),
        (300, 304, "Balance due"), (480, 304, "1,000.00"),
    ])
    assert ext.total == D("1100.00") and "totals_conflict" not in {i.code for i in ext.issues}


def test_a_statement_is_not_an_invoice() -> None:
    ext = _extract([
        (40, 50, "Clearwater Utilities Pty Ltd"), (40, 66, "ABN 51 824 753 556"),
        (380, 50, "STATEMENT OF ACCOUNT"), (380, 66, "Date: 31 March 2026"),
        (40, 150, "Opening balance"), (480, 150, "220.00"),
        (40, 166, "Invoice CW-5512 3 March 2026"), (480, 166, "110.00"),
        (300, 240, "Balance due"), (480, 240, "330.00"),
    ])
    assert ext.document_type is DocumentType.OTHER
    assert "not_an_invoice" in {i.code for i in ext.issues}


def test_an_invoice_quoting_a_quote_is_still_an_invoice() -> None:
    ext = _extract([*_HEAD, (380, 30, "TAX INVOICE"), (40, 100, "Quote"),
                    (300, 240, "Total"), (480, 240, "110.00")])
    assert ext.document_type is DocumentType.INVOICE


def test_totals_and_bank_details_as_labels_over_values() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
        *_row(170, "Garden maintenance", "2", "150.00", "300.00"),
        (200, 230, "Nett"), (300, 230, "Levy"), (400, 230, "Gross"),
        (200, 246, "300.00"), (300, 246, "30.00"), (400, 246, "330.00"),
        (40, 300, "Account Name"), (200, 300, "BSB"), (300, 300, "Account Number"),
        (40, 316, "Clearwater Utilities"), (200, 316, "062-000"), (300, 316, "12345678"),
    ])
    assert (ext.subtotal, ext.tax, ext.total) == (D("300.00"), D("30.00"), D("330.00"))
    assert len(ext.lines) == 1  # the figures row under the totals labels is not a line item
    assert ext.payment is not None and (ext.payment.bsb, ext.payment.account_number) == ("062000", "12345678")


def test_tax_is_the_difference_only_when_no_tax_figure_is_printed() -> None:
    base = [*_HEAD,
            (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
            *_row(170, "Consulting hours", "4", "150.00", "600.00"),
            (300, 240, "Subtotal"), (480, 240, "600.00")]
    derived = _extract([*base, (300, 272, "Total"), (480, 272, "660.00")])
    assert (derived.tax, derived.total) == (D("60.00"), D("660.00")) and derived.confidence["tax"] < 0.9
    wrong = _extract([*base, (300, 256, "GST"), (480, 256, "66.00"), (300, 272, "Total"), (480, 272, "660.00")])
    assert wrong.tax != D("60.00")  # a printed GST that does not fit is never replaced
    assert "totals_unconfirmed" in {i.code for i in wrong.issues}


def test_a_header_of_unknown_words_is_a_table_when_its_rows_multiply() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Narrative"), (300, 150, "Hours"), (380, 150, "Charge-out"), (480, 150, "Extension"),
        *_row(170, "Site supervision", "6", "95.00", "570.00"),
        *_row(186, "Travel", "2", "40.00", "80.00"),
        (300, 240, "Subtotal"), (480, 240, "650.00"), (300, 256, "GST"), (480, 256, "65.00"),
        (300, 272, "Total"), (480, 272, "715.00"),
    ])
    assert [(ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in ext.lines] == [
        ("Site supervision", D(6), D("95.00"), D("570.00")), ("Travel", D(2), D("40.00"), D("80.00"))]


def test_an_invoice_number_under_an_unknown_label_quoted_as_the_payment_reference() -> None:
    ext = _extract([
        (40, 50, "Clearwater Utilities Pty Ltd"), (40, 66, "ABN 51-824-753-556"),
        (380, 50, "Bill Ref: CW/7781"), (380, 66, "Date: 3 March 2026"), (380, 82, "Account No: 4410"),
        (300, 240, "Subtotal"), (480, 240, "100.00"), (300, 256, "GST"), (480, 256, "10.00"),
        (300, 272, "Total"), (480, 272, "110.00"),
        (40, 320, "Pay to Westpac  Branch 032-000  Account 12345678  Reference CW/7781"),
    ])
    assert ext.invoice_number == "CW/7781" and 0.7 <= ext.confidence["invoice_number"] < 0.8  # never enough to post unseen
    assert ext.supplier.abn == "51824753556"
    assert ext.payment is not None and (ext.payment.bsb, ext.payment.account_number) == ("032000", "12345678")


def test_a_subtotal_row_inside_the_table_is_not_a_line_item() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (380, 150, "Price"), (480, 150, "Amount"),
        *_row(170, "Consulting hours", "4", "150.00", "600.00"),
        (40, 186, "Amount before tax"), (480, 186, "600.00"),
        (40, 202, "Goods and services tax"), (480, 202, "60.00"),
        (40, 218, "Amount payable"), (480, 218, "660.00"),
    ])
    assert len(ext.lines) == 1
    assert (ext.subtotal, ext.tax, ext.total) == (D("600.00"), D("60.00"), D("660.00"))
