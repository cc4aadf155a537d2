"""Render the demo company's supplier invoices as realistic Australian documents.

The output is the ground-truth corpus for the invoice extractor, so every renderer first
checks that the invoice it is given adds up; a document that disagrees with its own data
would poison the evaluation. Three renderings are offered:

* ``render_invoice_pdf`` - a text PDF in one of several house styles (see ``LAYOUTS``);
* ``render_ubl_invoice`` - a PEPPOL A-NZ BIS Billing 3.0 UBL 2.1 Invoice / CreditNote;
* ``build_invoice_email`` - the email a supplier would send with either attached.

All three are deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage
from email.utils import format_datetime

from demo import pdf_layouts
from demo.invoice_model import DocInvoice, DocLine, DocParty, DocPayment

__all__ = [
    "LAYOUTS", "DocInvoice", "DocLine", "DocParty", "DocPayment", "build_invoice_email",
    "render_invoice_pdf", "render_ubl_invoice",
]

CENT = Decimal("0.01")
GST_RATE = Decimal("0.10")
LAYOUTS: tuple[str, ...] = pdf_layouts.LAYOUTS


# ---------------------------------------------------------------- consistency


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _check_invoice(inv: DocInvoice) -> None:
    """Refuse data that does not add up, with a message saying which figure is off."""
    problems: list[str] = []
    money = [("subtotal", inv.subtotal), ("tax", inv.tax), ("total", inv.total)]
    for i, ln in enumerate(inv.lines, 1):
        money += [(f"line {i} quantity", ln.quantity), (f"line {i} unit_price", ln.unit_price),
                  (f"line {i} amount", ln.amount)]
    for label, value in money:
        if not isinstance(value, Decimal) or not value.is_finite():
            problems.append(f"{label} must be a finite Decimal, got {value!r}")
    if problems:
        raise ValueError("; ".join(problems))
    if inv.document_type not in ("invoice", "credit_note"):
        problems.append(f"document_type {inv.document_type!r} is not 'invoice' or 'credit_note'")
    if not inv.lines:
        problems.append("an invoice needs at least one line")
    for i, ln in enumerate(inv.lines, 1):
        if ln.tax_code not in ("GST", "FRE"):
            problems.append(f"line {i} tax_code {ln.tax_code!r} is not GST or FRE")
        if ln.amount != _cents(ln.quantity * ln.unit_price):
            problems.append(f"line {i} amount {ln.amount} != {ln.quantity} x {ln.unit_price}")
    if inv.subtotal != sum((ln.amount for ln in inv.lines), Decimal(0)):
        problems.append(f"subtotal {inv.subtotal} is not the sum of the line amounts")
    if inv.total != inv.subtotal + inv.tax:
        problems.append(f"total {inv.total} != subtotal {inv.subtotal} + tax {inv.tax}")
    gst_lines = [ln for ln in inv.lines if ln.tax_code == "GST"]
    expected = _cents(sum((ln.amount for ln in gst_lines), Decimal(0)) * GST_RATE)
    # Suppliers that round GST per line may differ from the invoice-level figure by up to
    # half a cent per line (plus half a cent for the final rounding); EN 16931 (BR-CO-17)
    # tolerates that, so do we. With no GST lines the tolerance is zero.
    if abs(inv.tax - expected) > CENT * (len(gst_lines) + 1) / 2:
        problems.append(f"tax {inv.tax} is not 10% of the GST-able amount (expected {expected})")
    for party_name, party in (("supplier", inv.supplier), ("customer", inv.customer)):
        if party.abn is not None and not re.fullmatch(r"\d{11}", party.abn):
            problems.append(f"{party_name} ABN {party.abn!r} must be 11 digits without spaces")
    if inv.supplier.abn is None:
        problems.append("a tax invoice must show the supplier's ABN")
    if inv.payment is not None and not re.fullmatch(r"\d{6}", inv.payment.bsb):
        problems.append(f"BSB {inv.payment.bsb!r} must be 6 digits")
    if problems:
        raise ValueError(f"invoice {inv.invoice_number}: " + "; ".join(problems))


# ---------------------------------------------------------------- PDF


def render_invoice_pdf(invoice: DocInvoice, layout: str) -> bytes:
    """A4 text PDF of the invoice in the given house style (one of ``LAYOUTS``)."""
    _check_invoice(invoice)
    return pdf_layouts.render(invoice, layout)


# ---------------------------------------------------------------- UBL

_NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_NS_CREDIT = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CUSTOMIZATION = ("urn:cen.eu:en16931:2017#conformant#"
                  "urn:fdc:peppol.eu:2017:poacc:billing:international:aunz:3.0")
_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT")
_LOCALITY = re.compile(rf"^(?P<city>.+?)\s+(?P<state>{'|'.join(_STATES)})\s+(?P<pc>\d{{4}})$")


def _amount(value: Decimal) -> str:
    return str(_cents(value))


def _plain(value: Decimal) -> str:
    """Quantities and prices as written, without exponent, at least two places for prices."""
    return format(value.normalize(), "f")


def _price(value: Decimal) -> str:
    return str(_cents(value)) if value == _cents(value) else _plain(value)


class _Ubl:
    """Tiny builder: elements are named with literal 'cbc:'/'cac:' prefixes and the
    namespace declarations are put on the root by hand, so the output does not depend on
    ElementTree's global prefix registry and stays byte-stable."""

    def __init__(self, root: str, ns: str) -> None:
        self.root = ET.Element(root, {"xmlns": ns, "xmlns:cac": _NS_CAC, "xmlns:cbc": _NS_CBC})

    @staticmethod
    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, tag, attrs)
        if text is not None:
            el.text = text
        return el

    def money(self, parent: ET.Element, tag: str, value: Decimal, currency: str) -> ET.Element:
        return self.add(parent, tag, _amount(value), currencyID=currency)


def _tax_category(b: _Ubl, parent: ET.Element, tag: str, code: str) -> None:
    cat = b.add(parent, tag)
    b.add(cat, "cbc:ID", "S" if code == "GST" else "Z")
    b.add(cat, "cbc:Percent", "10" if code == "GST" else "0")
    b.add(b.add(cat, "cac:TaxScheme"), "cbc:ID", "GST")


def _postal_address(b: _Ubl, parent: ET.Element, lines: tuple[str, ...]) -> None:
    addr = b.add(parent, "cac:PostalAddress")
    street = list(lines)
    match = _LOCALITY.match(street[-1].strip()) if street else None
    if match:
        street.pop()
    if street:
        b.add(addr, "cbc:StreetName", street[0])
    if len(street) > 1:
        b.add(addr, "cbc:AdditionalStreetName", street[1])
    if match:
        b.add(addr, "cbc:CityName", match["city"])
        b.add(addr, "cbc:PostalZone", match["pc"])
        b.add(addr, "cbc:CountrySubentity", match["state"])
    for extra in street[2:]:
        b.add(b.add(addr, "cac:AddressLine"), "cbc:Line", extra)
    b.add(b.add(addr, "cac:Country"), "cbc:IdentificationCode", "AU")


def _party(b: _Ubl, parent: ET.Element, tag: str, party: DocParty, seller: bool) -> None:
    p = b.add(b.add(parent, tag), "cac:Party")
    if party.abn:
        b.add(p, "cbc:EndpointID", party.abn, schemeID="0151")
    b.add(b.add(p, "cac:PartyName"), "cbc:Name", party.name)
    _postal_address(b, p, party.address)
    if seller and party.abn:  # the seller's GST registration is its ABN in Australia
        ts = b.add(p, "cac:PartyTaxScheme")
        b.add(ts, "cbc:CompanyID", party.abn)
        b.add(b.add(ts, "cac:TaxScheme"), "cbc:ID", "GST")
    le = b.add(p, "cac:PartyLegalEntity")
    b.add(le, "cbc:RegistrationName", party.name)
    if party.abn:
        b.add(le, "cbc:CompanyID", party.abn, schemeID="0151")
    if party.phone or party.email:
        contact = b.add(p, "cac:Contact")
        if party.phone:
            b.add(contact, "cbc:Telephone", party.phone)
        if party.email:
            b.add(contact, "cbc:ElectronicMail", party.email)


def render_ubl_invoice(invoice: DocInvoice) -> bytes:
    """PEPPOL A-NZ BIS Billing 3.0 UBL 2.1 document (Invoice, or CreditNote for credit notes)."""
    _check_invoice(invoice)
    inv, cur = invoice, invoice.currency
    credit = inv.document_type == "credit_note"
    b = _Ubl("CreditNote" if credit else "Invoice", _NS_CREDIT if credit else _NS_INVOICE)
    root = b.root
    b.add(root, "cbc:CustomizationID", _CUSTOMIZATION)
    b.add(root, "cbc:ProfileID", _PROFILE)
    b.add(root, "cbc:ID", inv.invoice_number)
    b.add(root, "cbc:IssueDate", inv.issue_date.isoformat())
    if not credit and inv.due_date is not None:
        b.add(root, "cbc:DueDate", inv.due_date.isoformat())
    b.add(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode",
          "381" if credit else "380")
    if inv.notes:
        b.add(root, "cbc:Note", inv.notes)
    b.add(root, "cbc:DocumentCurrencyCode", cur)
    if inv.purchase_order:
        b.add(b.add(root, "cac:OrderReference"), "cbc:ID", inv.purchase_order)
    else:
        # PEPPOL-EN16931-R003 wants a buyer reference or an order reference; without a PO
        # suppliers quote the payment reference (or the invoice number) back.
        ref = inv.payment.reference if inv.payment and inv.payment.reference else inv.invoice_number
        b.add(root, "cbc:BuyerReference", ref)
    _party(b, root, "cac:AccountingSupplierParty", inv.supplier, seller=True)
    _party(b, root, "cac:AccountingCustomerParty", inv.customer, seller=False)

    if inv.payment is not None or (credit and inv.due_date is not None):
        pm = b.add(root, "cac:PaymentMeans")
        if inv.payment is not None:
            b.add(pm, "cbc:PaymentMeansCode", "30", name="Credit transfer")
        else:
            b.add(pm, "cbc:PaymentMeansCode", "1")  # instrument not defined
        if credit and inv.due_date is not None:  # CreditNote has no header DueDate in UBL 2.1
            b.add(pm, "cbc:PaymentDueDate", inv.due_date.isoformat())
        if inv.payment is not None:
            if inv.payment.reference:
                b.add(pm, "cbc:PaymentID", inv.payment.reference)
            acct = b.add(pm, "cac:PayeeFinancialAccount")
            b.add(acct, "cbc:ID", inv.payment.account_number)
            b.add(acct, "cbc:Name", inv.payment.account_name)
            b.add(b.add(acct, "cac:FinancialInstitutionBranch"), "cbc:ID", inv.payment.bsb)
    if inv.due_date is not None:
        days = (inv.due_date - inv.issue_date).days
        note = "Payment due on receipt" if days <= 0 else f"Payment within {days} days"
        b.add(b.add(root, "cac:PaymentTerms"), "cbc:Note", note)

    tax_total = b.add(root, "cac:TaxTotal")
    b.money(tax_total, "cbc:TaxAmount", inv.tax, cur)
    for code in ("GST", "FRE"):
        lines = [ln for ln in inv.lines if ln.tax_code == code]
        if not lines:
            continue
        sub = b.add(tax_total, "cac:TaxSubtotal")
        b.money(sub, "cbc:TaxableAmount", sum((ln.amount for ln in lines), Decimal(0)), cur)
        # All GST on the invoice belongs to the standard-rated category.
        b.money(sub, "cbc:TaxAmount", inv.tax if code == "GST" else Decimal(0), cur)
        _tax_category(b, sub, "cac:TaxCategory", code)

    totals = b.add(root, "cac:LegalMonetaryTotal")
    b.money(totals, "cbc:LineExtensionAmount", inv.subtotal, cur)
    b.money(totals, "cbc:TaxExclusiveAmount", inv.subtotal, cur)
    b.money(totals, "cbc:TaxInclusiveAmount", inv.total, cur)
    b.money(totals, "cbc:PayableAmount", inv.total, cur)

    for i, ln in enumerate(inv.lines, 1):
        el = b.add(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        b.add(el, "cbc:ID", str(i))
        b.add(el, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
              _plain(ln.quantity), unitCode="EA")
        b.money(el, "cbc:LineExtensionAmount", ln.amount, cur)
        item = b.add(el, "cac:Item")
        b.add(item, "cbc:Name", ln.description)
        _tax_category(b, item, "cac:ClassifiedTaxCategory", ln.tax_code)
        b.add(b.add(el, "cac:Price"), "cbc:PriceAmount", _price(ln.unit_price), currencyID=cur)

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# ---------------------------------------------------------------- email


def build_invoice_email(invoice: DocInvoice, *, attachment: bytes, filename: str,
                        content_type: str, sender: str, to: str, message_id: str,
                        sent_at: datetime, body_text: str) -> EmailMessage:
    """The supplier's email carrying the invoice as an attachment."""
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware so the Date header is exact")
    maintype, _, subtype = content_type.partition("/")
    if not maintype or not subtype:
        raise ValueError(f"content_type {content_type!r} is not type/subtype")
    kind = "Credit note" if invoice.document_type == "credit_note" else "Tax invoice"
    msg = EmailMessage(policy=email.policy.default)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"{kind} {invoice.invoice_number} from {invoice.supplier.name}"
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    msg.set_content(body_text)
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    # The MIME boundary is random by default; derive it from the Message-ID so the same
    # input serialises to the same bytes.
    digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    msg.set_boundary(f"==============={digest}==")
    return msg
