"""Layouts met first in the second unseen generator (evals.generators.unseen_layouts_b, issue 12):
a unit-of-measure column, a quantity printed with its unit, a numeric column under a header word
we do not know, amounts with a trailing currency code, combined BSB/account labels, a customer
account number that is not the bank account, and more. Each test fails without its fix."""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from adapters.pdf_text import read_pdf
from tools.documents.layout import extract_fields

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


def _lines(ext) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(ln.description, ln.quantity, ln.unit_price, ln.amount) for ln in ext.lines]


_HEAD = [(40, 50, "Ironbark Electrical Pty Ltd"), (40, 66, "ABN 51 824 753 556"),
         (380, 50, "Invoice No: IE-2231"), (380, 66, "Date: 3 March 2026")]


def test_a_unit_column_beside_the_quantity_holds_the_unit_not_the_quantity() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Code"), (90, 150, "Description"), (300, 150, "Qty"), (340, 150, "Unit"), (400, 150, "Price"),
        (490, 150, "Total"),
        (40, 170, "P1000"), (90, 170, "Cable 2.5mm TPS 100m roll"), (300, 170, "2"), (340, 170, "ea"),
        (400, 170, "222.58"), (490, 170, "445.16"),
        (40, 186, "P1007"), (90, 186, "Labour - electrician"), (300, 186, "3.5"), (340, 186, "hrs"),
        (400, 186, "110.00"), (490, 186, "385.00"),
        (400, 230, "Subtotal"), (490, 230, "830.16"), (400, 246, "GST"), (490, 246, "83.02"),
        (400, 262, "Total"), (490, 262, "913.18"),
    ])
    assert _lines(ext) == [("Cable 2.5mm TPS 100m roll", D(2), D("222.58"), D("445.16")),
                           ("Labour - electrician", D("3.5"), D("110.00"), D("385.00"))]


def test_a_uom_column_and_a_quantity_printed_with_its_unit() -> None:
    uom = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (340, 150, "UOM"), (400, 150, "Unit $"), (490, 150, "Ext $"),
        (40, 170, "Timber 90x45 MGP10 6.0m"), (300, 170, "12"), (340, 170, "len"), (400, 170, "4.66"),
        (490, 170, "55.92"),
        (400, 230, "Subtotal"), (490, 230, "55.92"), (400, 246, "GST"), (490, 246, "5.59"),
        (400, 262, "Total"), (490, 262, "61.51"),
    ])
    assert _lines(uom) == [("Timber 90x45 MGP10 6.0m", D(12), D("4.66"), D("55.92"))]
    with_unit = _extract([
        *_HEAD,
        (40, 150, "Description"), (320, 150, "Quantity"), (400, 150, "Rate"), (490, 150, "Total"),
        (40, 170, "A4 paper 80gsm (5 reams)"), (320, 170, "3 ctn"), (400, 170, "42.00"), (490, 170, "126.00"),
        (400, 230, "Subtotal"), (490, 230, "126.00"), (400, 246, "GST"), (490, 246, "12.60"),
        (400, 262, "Total"), (490, 262, "138.60"),
    ])
    assert _lines(with_unit) == [("A4 paper 80gsm (5 reams)", D(3), D("42.00"), D("126.00"))]


def test_a_numeric_column_under_an_unknown_header_word_is_placed_by_arithmetic() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Seats"), (370, 150, "Price per seat"), (470, 150, "Amount AUD"),
        (40, 170, "Software subscription - Pro plan"), (300, 170, "5"), (370, 170, "68.49"), (470, 170, "342.45"),
        (40, 186, "Cloud hosting - 4 vCPU 16GB"), (300, 186, "1"), (370, 186, "970.30"), (470, 186, "970.30"),
        (370, 230, "Nett Total"), (470, 230, "1,312.75"), (370, 246, "GST"), (470, 246, "131.28"),
        (370, 262, "Invoice Total"), (470, 262, "1,444.03"),
    ])
    assert _lines(ext) == [("Software subscription - Pro plan", D(5), D("68.49"), D("342.45")),
                           ("Cloud hosting - 4 vCPU 16GB", D(1), D("970.30"), D("970.30"))]


def test_amounts_with_a_trailing_currency_code_are_read_in_the_table() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Hi-vis vest size L"), (300, 170, "4"), (370, 170, "$21.20"), (470, 170, "$84.80 AUD"),
        (370, 230, "Subtotal"), (470, 230, "$84.80 AUD"), (370, 246, "GST"), (470, 246, "$8.48 AUD"),
        (370, 262, "Total"), (470, 262, "$93.28 AUD"),
    ])
    assert _lines(ext) == [("Hi-vis vest size L", D(4), D("21.20"), D("84.80"))]


def test_a_combined_bsb_account_label_gives_both() -> None:
    ext = _extract([*_HEAD, (40, 300, "Bank details: Ironbark Electrical  BSB/Account: 633157 / 147057")])
    assert ext.payment is not None
    assert (ext.payment.bsb, ext.payment.account_number) == ("633157", "147057")


def test_the_bank_account_is_the_one_beside_the_bsb_not_the_customer_account_number() -> None:
    ext = _extract([
        *_HEAD, (380, 82, "Account No 66090060"),
        (40, 300, "EFT: BSB 633 478  Account 533 109 697  Name Ironbark Electrical"),
    ])
    assert ext.payment is not None
    assert (ext.payment.bsb, ext.payment.account_number) == ("633478", "533109697")


def test_an_item_whose_description_starts_like_a_totals_label_is_still_an_item() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Tax return preparation FY2025"), (300, 170, "1"), (370, 170, "950.00"), (470, 170, "950.00"),
        (40, 186, "Bookkeeping - quarterly BAS"), (300, 186, "2"), (370, 186, "120.00"), (470, 186, "240.00"),
        (370, 230, "Subtotal"), (470, 230, "1,190.00"), (370, 246, "GST"), (470, 246, "119.00"),
        (370, 262, "Total"), (470, 262, "1,309.00"),
    ])
    assert [ln.description for ln in ext.lines] == ["Tax return preparation FY2025", "Bookkeeping - quarterly BAS"]
    assert ext.confidence["lines"] >= 0.9


def test_totals_printed_on_one_line_are_each_read_by_their_own_label() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Consulting - senior associate"), (300, 170, "4"), (370, 170, "180.00"), (470, 170, "720.00"),
        (40, 186, "Government fee - permit"), (300, 186, "1"), (370, 186, "55.00"), (470, 186, "55.00"),
        (200, 230, "Nett Total 775.00   GST 72.00   Invoice Total 847.00"),
    ])
    assert (ext.subtotal, ext.tax, ext.total) == (D("775.00"), D("72.00"), D("847.00"))
    assert len(ext.lines) == 2
    assert ext.confidence["total"] >= 0.95


def test_total_includes_gst_of_is_the_gst_not_a_second_total() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Pest treatment - termite inspection"), (300, 170, "1"), (370, 170, "400.00"), (470, 170, "400.00"),
        (370, 230, "Total"), (470, 230, "440.00"),
        (40, 250, "Total includes GST of 40.00"),
    ])
    assert (ext.subtotal, ext.tax, ext.total) == (D("400.00"), D("40.00"), D("440.00"))
    assert "totals_conflict" not in {i.code for i in ext.issues}


def test_a_footnote_symbol_explained_as_gst_free_marks_the_line_and_leaves_the_description() -> None:
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Eggs free range 700g (doz) #"), (300, 170, "4"), (370, 170, "8.00"), (470, 170, "32.00"),
        (40, 186, "Coffee beans 1kg house blend"), (300, 186, "2"), (370, 186, "40.00"), (470, 186, "80.00"),
        (370, 230, "Subtotal"), (470, 230, "112.00"), (370, 246, "GST"), (470, 246, "8.00"),
        (370, 262, "Total"), (470, 262, "120.00"),
        (40, 290, "# No GST applies to this item"),
    ])
    assert [(ln.description, ln.tax_code) for ln in ext.lines] == [
        ("Eggs free range 700g (doz)", "FRE"), ("Coffee beans 1kg house blend", "GST")]


def test_the_supplier_abn_beside_the_customer_address_and_a_street_number_beside_the_number_label() -> None:
    """A stacked header: the customer's block, the meta labels and the letterhead share lines."""
    ext = _extract([
        (40, 40, "Tax Invoice"), (400, 40, "Eastern Pest Control Pty Ltd"),
        (40, 60, "Bill to"), (200, 60, "Inv No"), (420, 60, "287 Elizabeth St"),
        (40, 72, "Brightwater Cafe Pty Ltd"), (200, 72, "INV993033"), (420, 72, "Geelong VIC 3220"),
        (40, 84, "202 Bourke St"), (200, 84, "Issue Date"), (420, 84, "A.B.N. 51824753556"),
        (40, 96, "Winnellie NT 0820"), (200, 96, "1/12/25"),
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Termite inspection"), (300, 170, "1"), (370, 170, "400.00"), (470, 170, "400.00"),
        (370, 230, "Subtotal"), (470, 230, "400.00"), (370, 246, "GST"), (470, 246, "40.00"),
        (370, 262, "Total"), (470, 262, "440.00"),
    ])
    assert ext.invoice_number == "INV993033"
    assert ext.supplier.abn == "51824753556"


def test_lines_are_not_trusted_when_the_totals_do_not_add_up() -> None:
    """The lines' sum equals a subtotal only because the subtotal was taken from them."""
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (300, 150, "Qty"), (370, 150, "Price"), (470, 150, "Amount"),
        (40, 170, "Consulting"), (300, 170, "1"), (370, 170, "100.00"), (470, 170, "100.00"),
        (370, 230, "Total"), (470, 230, "150.00"),
    ])
    assert ext.confidence["lines"] < 0.8


def test_quantity_and_price_that_multiply_either_way_keep_the_header_s_price_column() -> None:
    """Seats x price = price x seats on every row: the arithmetic cannot tell, the header can."""
    ext = _extract([
        *_HEAD,
        (40, 150, "Description"), (330, 150, "Seats"), (380, 150, "Price per seat"), (480, 150, "Amount AUD"),
        (40, 170, "Plasterboard 10mm 2400x1200"), (345, 170, "1"), (410, 170, "52.79"), (485, 170, "52.79"),
        (40, 186, "Consulting - senior associate"), (340, 186, "1.5"), (405, 186, "180.00"), (480, 186, "270.00"),
        (380, 230, "Subtotal"), (480, 230, "322.79"), (380, 246, "GST"), (480, 246, "32.28"),
        (380, 262, "Total"), (480, 262, "355.07"),
    ])
    assert _lines(ext) == [("Plasterboard 10mm 2400x1200", D(1), D("52.79"), D("52.79")),
                           ("Consulting - senior associate", D("1.5"), D("180.00"), D("270.00"))]


def test_payment_terms_under_their_label_give_the_due_date_and_are_not_an_issue_date_label() -> None:
    from datetime import date

    ext = _extract([
        (40, 50, "Ironbark Electrical Pty Ltd"), (40, 66, "ABN 51 824 753 556"),
        (40, 100, "Inv No"), (110, 100, "Payment Terms"), (250, 100, "Period"), (450, 100, "Tax Date"),
        (40, 114, "IE-2231"), (110, 114, "14 days from invoice date"), (250, 114, "18 February 2026 to 19 March 2026"),
        (450, 114, "20 March 2026"),
    ])
    assert (ext.issue_date, ext.due_date) == (date(2026, 3, 20), date(2026, 4, 3))
    stated = _extract([
        (40, 50, "Ironbark Electrical Pty Ltd"), (40, 66, "ABN 51 824 753 556"),
        (40, 100, "Invoice No."), (140, 100, "Date"), (260, 100, "Terms"),
        (40, 114, "140102"), (140, 114, "12 September 2025"), (260, 114, "30 Days EOM - due 31 October 2025"),
    ])
    assert stated.due_date == date(2025, 10, 31)  # the stated date, not 12 September + 30 days


def test_an_account_number_printed_in_groups_that_wraps_onto_the_next_line_is_read_whole() -> None:
    ext = _extract([
        *_HEAD,
        (40, 300, "Pay by EFT to Suncorp account Ironbark Electrical, BSB 063-979 Account Number 596 113"),
        (40, 313, "255"),
    ])
    assert ext.payment is not None
    assert (ext.payment.bsb, ext.payment.account_number) == ("063979", "596113255")


def test_a_supplier_name_wrapping_onto_a_line_of_the_customer_s_block_is_joined() -> None:
    ext = _extract([
        (40, 40, "TAX INVOICE"), (380, 40, "Silver Fern Wholesale"),
        (380, 54, "Produce Holdings Pty"),
        (40, 68, "Bill to:"), (230, 68, "Tax Invoice No"), (380, 68, "Ltd"),
        (40, 82, "Brightwater Cafe Pty Ltd"), (230, 82, "420074"), (380, 82, "ABN 51 824 753 556"),
        (40, 96, "202 Bourke St"),
    ])
    assert ext.supplier.name == "Silver Fern Wholesale Produce Holdings Pty Ltd"


def test_an_account_number_with_no_bsb_and_no_bank_words_around_it_is_not_bank_details() -> None:
    ext = _extract([*_HEAD, (380, 82, "Ph 07 9557 8728  Account No: 74790841")])
    assert ext.payment is None or ext.payment.account_number is None
    banked = _extract([*_HEAD, (40, 300, "Bank details"), (40, 314, "Account No: 74790841")])
    assert banked.payment is not None and banked.payment.account_number == "74790841"
