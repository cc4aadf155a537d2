"""Behaviour of the demo document renderers: PDFs an extractor can read, UBL that adds up,
emails that survive a round trip, and byte-identical output for identical input."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.documents import (
    LAYOUTS,
    DocInvoice,
    DocLine,
    DocParty,
    DocPayment,
    build_invoice_email,
    render_invoice_pdf,
    render_ubl_invoice,
)

CENT = Decimal("0.01")
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INV_NS = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}"
CN_NS = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}"

SUPPLIER = DocParty(
    name="Harbourside Plumbing & Gas Pty Ltd",
    abn="51824753556",
    email="accounts@harboursideplumbing.com.au",
    address=("Unit 4, 12 Wharf St", "Pyrmont NSW 2009"),
    phone="02 9555 0192",
)
CUSTOMER = DocParty(
    name="Brightwater Café Pty Ltd",
    abn="53004085616",
    email="ap@brightwater.com.au",
    address=("Shop 2, 88 Crown Street", "Surry Hills NSW 2010"),
)


def line(description: str, qty: str, price: str, code: str = "GST") -> DocLine:
    q, p = Decimal(qty), Decimal(price)
    return DocLine(description, q, p, (q * p).quantize(CENT, rounding=ROUND_HALF_UP), code)


def invoice(lines: list[DocLine], **overrides: object) -> DocInvoice:
    subtotal = sum((ln.amount for ln in lines), Decimal(0))
    gst_base = sum((ln.amount for ln in lines if ln.tax_code == "GST"), Decimal(0))
    tax = (gst_base * Decimal("0.1")).quantize(CENT, rounding=ROUND_HALF_UP)
    fields: dict[str, object] = dict(
        supplier=SUPPLIER,
        customer=CUSTOMER,
        invoice_number="INV-10482",
        issue_date=date(2026, 3, 3),
        due_date=date(2026, 4, 2),
        purchase_order="PO-7731",
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        payment=DocPayment("062000", "12345678", "Harbourside Plumbing & Gas", "INV-10482"),
        notes="Warranty on parts 12 months – labour 3 months.",  # en dash: not latin-1
    )
    fields.update(overrides)
    return DocInvoice(**fields)  # type: ignore[arg-type]


SMALL_LINES = [
    line("Call-out fee after hours", "1", "145.00"),
    line("Labour: replace hot water system tempering valve, test and certify compliance "
         "with AS/NZS 3500.4, remove and dispose of the old valve", "2.5", "110.00"),
    line("Rheem 22mm tempering valve", "1", "1189.95"),
    line("Copper fittings assorted", "12", "4.35"),
    line("Council inspection fee", "1", "250.00", "FRE"),
]
SMALL = invoice(SMALL_LINES)
BIG = invoice(
    [line(f"Part {i:02d} " + ("with a long description that needs more than one line in the "
                              "table so rows differ in height" if i % 6 == 0 else "standard"),
          str(i % 4 + 1), str(Decimal(i) * 17 + Decimal("0.45"))) for i in range(1, 41)],
    invoice_number="INV-20001",
)


def pdf_pages(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def flat(text: str) -> str:
    return " ".join(text.split())


def money(value: Decimal) -> str:
    return format(value, ",.2f")


# ---------------------------------------------------------------- PDF


def test_there_are_at_least_four_layouts() -> None:
    assert len(set(LAYOUTS)) >= 4


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pdf_shows_everything_an_extractor_needs(layout: str) -> None:
    data = render_invoice_pdf(SMALL, layout)
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(data)
    assert len(pages) == 1
    text = flat(pages[0])
    assert SMALL.supplier.name in text
    assert SMALL.invoice_number in text
    assert "PO-7731" in text
    assert SUPPLIER.abn in text.replace(" ", "")
    assert "51 824 753 556" in text or "ABN: 51824753556" in text
    for value in (SMALL.subtotal, SMALL.tax, SMALL.total):
        assert money(value) in text
    for ln in SMALL.lines:
        assert flat(ln.description) in text, ln.description
        assert money(ln.amount) in text
    assert "062" in text and "000" in text
    assert "12345678" in text.replace(" ", "")
    assert "Harbourside Plumbing & Gas" in text
    assert "labour 3 months" in text  # notes rendered, en dash replaced rather than crashing


@pytest.mark.parametrize(
    ("layout", "markers"),
    [
        ("classic", ["TAX INVOICE", "Invoice No.", "03/03/2026", "02/04/2026", "Subtotal",
                     "Total AUD", "BSB: 062-000", "Account: 1234 5678"]),
        ("modern", ["Tax Invoice", "Invoice #", "3 March 2026", "2 April 2026", "GST 10%",
                    "Amount Due AUD", "BSB 062000 Acc 12345678"]),
        ("compact", ["INVOICE", "ABN: 51824753556", "Inv Number", "03-Mar-2026", "02-Apr-2026",
                     "30 days", "Total ex GST", "Total inc GST", "BSB 062000 Acc 12345678"]),
        ("trade", ["TAX INVOICE", "Document No", "3/3/26", "2/4/26", "30 Days Nett",
                   "Amount Due", "062 000"]),
        ("letterhead", ["TAX INVOICE", "Invoice Number", "3 Mar 2026", "2 April 2026",
                        "Fees (excl. GST)", "Total Due (incl. GST)", "BSB 062 000"]),
    ],
)
def test_layouts_use_their_own_wording_and_date_formats(layout: str, markers: list[str]) -> None:
    text = flat(pdf_pages(render_invoice_pdf(SMALL, layout))[0])
    for marker in markers:
        assert marker in text, (layout, marker)


def test_layouts_arrange_text_differently() -> None:
    texts = {layout: pdf_pages(render_invoice_pdf(SMALL, layout))[0] for layout in LAYOUTS}
    assert len(set(texts.values())) == len(LAYOUTS)
    number_labels = set()
    for text in texts.values():
        match = re.search(r"([A-Za-z.# ]+?)\s*:?\s*INV-10482", text)
        assert match is not None
        number_labels.add(match.group(1).strip().rstrip(":").strip())
    assert len(number_labels) >= 4, number_labels
    # The supplier is not always the first thing on the page.
    first_lines = {text.splitlines()[0].strip() for text in texts.values()}
    assert len(first_lines) >= 2


@pytest.mark.parametrize("layout", LAYOUTS)
def test_forty_lines_flow_onto_more_pages_with_the_header_repeated(layout: str) -> None:
    pages = pdf_pages(render_invoice_pdf(BIG, layout))
    assert len(pages) >= 2
    everything = flat(" ".join(pages))
    for ln in BIG.lines:
        assert flat(ln.description) in everything
        assert money(ln.amount) in everything
    assert money(BIG.total) in everything
    first_header = [w for w in ("Description", "Qty", "Quantity") if w in pages[0]]
    assert first_header
    for page in pages[1:]:
        if "Part" in page:  # a page carrying table rows repeats the column headings
            assert all(w in page for w in first_header)
        assert BIG.invoice_number in page
    assert "Page 2 of" in everything or "Page 2/" in everything


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pdf_is_deterministic(layout: str) -> None:
    assert render_invoice_pdf(BIG, layout) == render_invoice_pdf(BIG, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_optional_parts_can_be_absent(layout: str) -> None:
    bare = invoice(SMALL_LINES[:2], purchase_order=None, payment=None, due_date=None, notes=None,
                   customer=dataclasses.replace(CUSTOMER, abn=None))
    text = flat(pdf_pages(render_invoice_pdf(bare, layout))[0])
    assert bare.invoice_number in text and money(bare.total) in text
    assert "PO-7731" not in text and "BSB" not in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_credit_note_pdf_says_credit_or_adjustment(layout: str) -> None:
    cn = invoice(SMALL_LINES[:2], document_type="credit_note", invoice_number="CN-0042",
                 due_date=None)
    text = flat(pdf_pages(render_invoice_pdf(cn, layout))[0]).lower()
    assert "credit" in text or "adjustment" in text
    assert "cn-0042" in text and money(cn.total) in text


def test_text_outside_latin1_is_replaced_not_fatal() -> None:
    odd = invoice([line("Kōwhai seedlings “premium” — 20cm pot 🌱", "3", "12.50")],
                  customer=dataclasses.replace(CUSTOMER, name="Zoë’s Bistro Pty Ltd"))
    text = flat(pdf_pages(render_invoice_pdf(odd, "classic"))[0])
    assert 'Kowhai seedlings "premium" - 20cm pot' in text
    assert "Zoë's Bistro" in text


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        render_invoice_pdf(SMALL, "baroque")


def test_inconsistent_invoice_is_refused() -> None:
    with pytest.raises(ValueError, match="total"):
        render_invoice_pdf(dataclasses.replace(SMALL, total=SMALL.total + CENT), "classic")
    with pytest.raises(ValueError, match="amount"):
        bad_line = dataclasses.replace(SMALL_LINES[0], amount=Decimal("146.00"))
        render_ubl_invoice(dataclasses.replace(SMALL, lines=(bad_line, *SMALL.lines[1:])))
    with pytest.raises(ValueError, match="tax"):
        render_ubl_invoice(dataclasses.replace(SMALL, tax=SMALL.tax + 1, total=SMALL.total + 1))


# ---------------------------------------------------------------- UBL


def amount(el: ET.Element | None) -> Decimal:
    assert el is not None and el.text is not None
    return Decimal(el.text)


def check_ubl_arithmetic(root: ET.Element, inv: DocInvoice, line_tag: str) -> None:
    lmt = root.find("cac:LegalMonetaryTotal", NS)
    assert lmt is not None
    assert amount(lmt.find("cbc:PayableAmount", NS)) == inv.total
    assert amount(lmt.find("cbc:TaxInclusiveAmount", NS)) == inv.total
    assert amount(lmt.find("cbc:TaxExclusiveAmount", NS)) == inv.subtotal
    lines = root.findall(line_tag, NS)
    assert len(lines) == len(inv.lines)
    assert sum(amount(ln.find("cbc:LineExtensionAmount", NS)) for ln in lines) == amount(
        lmt.find("cbc:LineExtensionAmount", NS))
    tax_total = root.find("cac:TaxTotal", NS)
    assert tax_total is not None
    subtotals = tax_total.findall("cac:TaxSubtotal", NS)
    assert sum(amount(s.find("cbc:TaxAmount", NS)) for s in subtotals) == amount(
        tax_total.find("cbc:TaxAmount", NS)) == inv.tax
    assert sum(amount(s.find("cbc:TaxableAmount", NS)) for s in subtotals) == inv.subtotal
    for el in root.iter():
        if el.tag.endswith("Amount"):
            assert el.get("currencyID") == inv.currency, el.tag


def test_ubl_invoice_is_peppol_shaped_and_adds_up() -> None:
    xml = render_ubl_invoice(SMALL)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml)
    assert root.tag == f"{INV_NS}Invoice"
    assert "aunz" in (root.findtext("cbc:CustomizationID", namespaces=NS) or "")
    assert root.findtext("cbc:ID", namespaces=NS) == "INV-10482"
    assert root.findtext("cbc:IssueDate", namespaces=NS) == "2026-03-03"
    assert root.findtext("cbc:DueDate", namespaces=NS) == "2026-04-02"
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "AUD"
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "PO-7731"
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert supplier is not None
    endpoint = supplier.find("cbc:EndpointID", NS)
    assert endpoint is not None and endpoint.text == SUPPLIER.abn
    assert endpoint.get("schemeID") == "0151"
    company = supplier.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert company is not None and company.text == SUPPLIER.abn
    assert root.findtext("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
                         namespaces=NS) == CUSTOMER.abn
    assert root.findtext("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name",
                         namespaces=NS) == "Brightwater Café Pty Ltd"
    pm = root.find("cac:PaymentMeans", NS)
    assert pm is not None
    assert pm.findtext("cbc:PaymentMeansCode", namespaces=NS) == "30"
    assert pm.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "12345678"
    assert pm.findtext("cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID",
                       namespaces=NS) == "062000"
    assert root.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS) == "Payment within 30 days"
    categories = {s.findtext("cac:TaxCategory/cbc:ID", namespaces=NS): amount(
        s.find("cbc:TaxableAmount", NS)) for s in root.iterfind("cac:TaxTotal/cac:TaxSubtotal", NS)}
    assert categories == {"S": Decimal("1662.15"), "Z": Decimal("250.00")}
    check_ubl_arithmetic(root, SMALL, "cac:InvoiceLine")
    first = root.find("cac:InvoiceLine", NS)
    assert first is not None
    qty = first.find("cbc:InvoicedQuantity", NS)
    assert qty is not None and qty.get("unitCode") == "EA" and qty.text == "1"
    assert first.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "145.00"
    assert render_ubl_invoice(SMALL) == xml


def test_ubl_credit_note_and_missing_po() -> None:
    cn = invoice(SMALL_LINES, document_type="credit_note", invoice_number="CN-0042",
                 purchase_order=None)
    root = ET.fromstring(render_ubl_invoice(cn))
    assert root.tag == f"{CN_NS}CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.find("cbc:DueDate", NS) is None
    assert root.findtext("cac:PaymentMeans/cbc:PaymentDueDate", namespaces=NS) == "2026-04-02"
    assert root.find("cac:OrderReference", NS) is None
    assert root.findtext("cbc:BuyerReference", namespaces=NS)  # PEPPOL-EN16931-R003
    assert root.findall("cac:CreditNoteLine/cbc:CreditedQuantity", NS)
    check_ubl_arithmetic(root, cn, "cac:CreditNoteLine")


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=400).map(lambda n: Decimal(n) / 4),
            st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c) / 10000),
            st.sampled_from(["GST", "GST", "FRE"]),
        ),
        min_size=1, max_size=12,
    ),
    layout=st.sampled_from(LAYOUTS),
)
def test_any_consistent_invoice_renders_and_adds_up(
        rows: list[tuple[Decimal, Decimal, str]], layout: str) -> None:
    inv = invoice([line(f"Line {i}", str(q), str(p), c) for i, (q, p, c) in enumerate(rows)])
    root = ET.fromstring(render_ubl_invoice(inv))
    check_ubl_arithmetic(root, inv, "cac:InvoiceLine")
    text = flat(" ".join(pdf_pages(render_invoice_pdf(inv, layout))))
    assert money(inv.total) in text and money(inv.tax) in text


# ---------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("payload_kind", "filename", "content_type"),
    [("pdf", "INV-10482.pdf", "application/pdf"), ("ubl", "INV-10482.xml", "application/xml")],
)
def test_email_round_trips_with_attachment_intact(payload_kind: str, filename: str,
                                                  content_type: str) -> None:
    payload = render_invoice_pdf(SMALL, "modern") if payload_kind == "pdf" else render_ubl_invoice(SMALL)
    sent = datetime(2026, 3, 3, 9, 15, tzinfo=timezone(timedelta(hours=11)))
    kwargs = dict(attachment=payload, filename=filename, content_type=content_type,
                  sender="Harbourside Plumbing <accounts@harboursideplumbing.com.au>",
                  to="ap@brightwater.com.au", message_id="<inv-10482@harboursideplumbing.com.au>",
                  sent_at=sent, body_text="Hi,\n\nPlease find attached invoice INV-10482.\n")
    msg = build_invoice_email(SMALL, **kwargs)  # type: ignore[arg-type]
    raw = msg.as_bytes()
    assert raw == build_invoice_email(SMALL, **kwargs).as_bytes()  # type: ignore[arg-type]
    back = email.message_from_bytes(raw, policy=email.policy.default)
    assert back["Subject"] == "Tax invoice INV-10482 from Harbourside Plumbing & Gas Pty Ltd"
    assert back["From"].addresses[0].addr_spec == "accounts@harboursideplumbing.com.au"
    assert back["To"] == "ap@brightwater.com.au"
    assert back["Message-ID"] == "<inv-10482@harboursideplumbing.com.au>"
    assert back["Date"].datetime == sent
    body = back.get_body(preferencelist=("plain",))
    assert body is not None and "INV-10482" in body.get_content()
    attachments = list(back.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == filename
    assert attachments[0].get_content_type() == content_type
    assert attachments[0].get_payload(decode=True) == payload
