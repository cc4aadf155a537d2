"""UBL 2.x Invoice and CreditNote (PEPPOL BIS Billing 3, A-NZ PEPPOL BIS 3, PINT A-NZ, plain OASIS
UBL 2.0/2.1) read exactly into the extraction contract.

Why exact and not "best effort": a PEPPOL invoice is the supplier's own ledger data. Every value
is taken as written (Decimal from the text), nothing is guessed, and what the XML lacks stays
None. The sums the document states are checked against each other (EN 16931), never silently
repaired. Mapping decisions (GST codes, ABN, bank accounts, total vs amount due) live in
einvoice_checks so the CII reader makes the same ones.
"""

from __future__ import annotations

from decimal import Decimal
from xml.etree.ElementTree import Element

from tools.documents.einvoice_checks import (
    CREDIT_NOTE_CODES,
    Totals,
    Values,
    bank_account,
    divide,
    document_total,
    finish,
    pick_abn,
    tax_code,
)
from tools.documents.model import DocumentType, Extraction, Line, Method, Payment, Supplier
from tools.documents.xml_safety import DEFAULT_MAX_BYTES, Paths, XmlRefused, parse_xml

__all__ = ["UBL_ROOTS", "read_ubl", "ubl_extraction"]

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
_NS = {"cac": _UBL + "CommonAggregateComponents-2", "cbc": _UBL + "CommonBasicComponents-2"}
_P = Paths(_NS)
# root tag → (document type, line element, quantity element, type-code element)
UBL_ROOTS = {
    f"{{{_UBL}Invoice-2}}Invoice": (DocumentType.INVOICE, "InvoiceLine", "InvoicedQuantity",
                                    "InvoiceTypeCode"),
    f"{{{_UBL}CreditNote-2}}CreditNote": (DocumentType.CREDIT_NOTE, "CreditNoteLine",
                                          "CreditedQuantity", "CreditNoteTypeCode"),
}


def _text(el: Element | None, path: str) -> str | None:
    return _P.text(el, path)


def _clean(text: str | None) -> str | None:
    """Whitespace-normalised text, None when empty (names and references wrap across lines)."""
    return " ".join(text.split()) or None if text else None


def read_ubl(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Extraction:
    """Read a UBL Invoice or CreditNote. Raises XmlRefused for unsafe, malformed or non-UBL XML;
    malformed values inside a well-formed invoice become Issues, never exceptions."""
    return ubl_extraction(parse_xml(data, max_bytes=max_bytes))


def ubl_extraction(root: Element) -> Extraction:
    """The Extraction of an already safely parsed UBL root (see xml_safety.parse_xml)."""
    kind = UBL_ROOTS.get(root.tag)
    if kind is None:
        raise XmlRefused("xml_not_einvoice", "This XML is not a UBL invoice or credit note.")
    document_type, line_tag, qty_tag, type_tag = kind
    v = Values()
    if (_text(root, f"cbc:{type_tag}") or "").strip() in CREDIT_NOTE_CODES:
        document_type = DocumentType.CREDIT_NOTE
    monetary = _P.first(root, "cac:LegalMonetaryTotal")
    currency = _clean(_text(root, "cbc:DocumentCurrencyCode")) or _currency_of(monetary)
    party = _P.first(root, "cac:AccountingSupplierParty/cac:Party")
    supplier, australian = _supplier(party, currency, v)
    tax_total = _tax_total(root, currency)
    rates = _category_rates(tax_total, v)
    lines = tuple(_line(el, n, qty_tag, australian, rates, v)
                  for n, el in enumerate(_P.all(root, f"cac:{line_tag}"), 1))
    totals = _totals(monetary, tax_total, lines, v)
    total, derived = document_total(totals)
    due = (_text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
           or _text(root, "cac:PaymentTerms/cbc:PaymentDueDate"))
    fields = {
        "invoice_number": _clean(_text(root, "cbc:ID")),
        "issue_date": v.iso_day(_text(root, "cbc:IssueDate"), "issue_date"),
        "due_date": v.iso_day(due, "due_date"),
        "currency": currency,
        "purchase_order": _clean(_text(root, "cac:OrderReference/cbc:ID")),
        "subtotal": totals.tax_exclusive,
        "tax": totals.tax,
        "total": total,
    }
    return finish(method=Method.UBL, document_type=document_type, supplier=supplier,
                  fields=fields, lines=lines, payment=_payment(root, australian, v),
                  totals=totals, values=v, derived=frozenset({"total"} if derived else ()))


def _currency_of(monetary: Element | None) -> str | None:
    """UBL 2.0 examples omit DocumentCurrencyCode; every amount still carries currencyID."""
    for child in monetary if monetary is not None else ():
        if child.get("currencyID"):
            return child.get("currencyID")
    return None


def _supplier(party: Element | None, currency: str | None, v: Values) -> tuple[Supplier, bool]:
    """(supplier, is the supplier Australian?). Australian: an AU address, or no address but an
    ABN identifier (scheme 0151) or AUD."""
    if party is None:
        return Supplier(), currency == "AUD"
    name = (_clean(_text(party, "cac:PartyName/cbc:Name"))
            or _clean(_text(party, "cac:PartyLegalEntity/cbc:RegistrationName"))
            or _clean(_text(party, "cac:PartyTaxScheme/cbc:RegistrationName")))
    country = (_clean(_text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"))
               or "").upper()
    ids = [*_P.all(party, "cac:PartyLegalEntity/cbc:CompanyID"),
           *_P.all(party, "cbc:EndpointID"),
           *_P.all(party, "cac:PartyIdentification/cbc:ID")]
    schemed = [(el.get("schemeID"), el.text) for el in ids]
    australian = country == "AU" or (not country and (
        currency == "AUD" or any(scheme == "0151" for scheme, _ in schemed)))
    tax_ids = [el.text for el in _P.all(party, "cac:PartyTaxScheme/cbc:CompanyID")]
    tax_ids += [el.text for el in _P.all(party, "cac:PartyLegalEntity/cbc:CompanyID")
                if not el.get("schemeID")]
    email = _clean(_text(party, "cac:Contact/cbc:ElectronicMail"))
    endpoint = _P.first(party, "cbc:EndpointID")
    if email is None and endpoint is not None and endpoint.get("schemeID") == "EM":
        email = _clean(endpoint.text)
    abn = pick_abn(schemed, tax_ids, australian=australian, values=v)
    return Supplier(name=name, abn=abn, email=email), australian


def _tax_total(root: Element, currency: str | None) -> Element | None:
    """The TaxTotal in the document currency (PINT A-NZ adds one in the tax currency)."""
    found = _P.all(root, "cac:TaxTotal")
    for tax_total in found:
        amount = _P.first(tax_total, "cbc:TaxAmount")
        if amount is not None and amount.get("currencyID") in (None, currency):
            return tax_total
    return found[0] if found else None


def _category_rates(tax_total: Element | None, v: Values) -> dict[str, Decimal]:
    """Rate per tax category from the breakdown, for lines that state the category only."""
    rates: dict[str, Decimal] = {}
    for cat in _P.all(tax_total, "cac:TaxSubtotal/cac:TaxCategory"):
        code = (_text(cat, "cbc:ID") or "").strip()
        rate = v.amount(_text(cat, "cbc:Percent"), "tax", "tax rate")
        if code and rate is not None:
            rates.setdefault(code, rate)
    return rates


def _line(el: Element, n: int, qty_tag: str, australian: bool, rates: dict[str, Decimal],
          v: Values) -> Line:
    item = _P.first(el, "cac:Item")
    name, desc = _clean(_text(item, "cbc:Name")), _clean(_text(item, "cbc:Description"))
    description = f"{name} - {desc}" if name and desc and desc != name else (name or desc)
    category = _P.first(item, "cac:ClassifiedTaxCategory")
    if category is None:  # UBL 2.0 puts the category under the line's own TaxTotal
        category = _P.first(el, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
    code = (_text(category, "cbc:ID") or "").strip() or None
    rate = v.amount(_text(category, "cbc:Percent"), "lines", f"line {n} tax rate")
    price = v.amount(_text(el, "cac:Price/cbc:PriceAmount"), "lines", f"line {n} price")
    base = v.amount(_text(el, "cac:Price/cbc:BaseQuantity"), "lines", f"line {n} base quantity")
    return Line(
        description=description,
        quantity=v.amount(_text(el, f"cbc:{qty_tag}"), "lines", f"line {n} quantity"),
        unit_price=divide(price, base),
        amount=v.amount(_text(el, "cbc:LineExtensionAmount"), "lines", f"line {n} amount"),
        tax_code=tax_code(code, rate if rate is not None else rates.get(code or ""),
                          australian=australian))


def _totals(monetary: Element | None, tax_total: Element | None, lines: tuple[Line, ...],
            v: Values) -> Totals:
    def money(tag: str, field: str, label: str) -> Decimal | None:
        return v.amount(_text(monetary, f"cbc:{tag}"), field, label)

    parts = _P.all(tax_total, "cac:TaxSubtotal/cbc:TaxAmount")
    breakdown = [v.amount(t.text, "tax", "tax breakdown amount") for t in parts]
    return Totals(
        line_amounts=tuple(ln.amount for ln in lines if ln.amount is not None),
        line_total=money("LineExtensionAmount", "lines", "line total"),
        allowances=money("AllowanceTotalAmount", "subtotal", "allowance total"),
        charges=money("ChargeTotalAmount", "subtotal", "charge total"),
        tax_exclusive=money("TaxExclusiveAmount", "subtotal", "amount before tax"),
        tax=v.amount(_text(tax_total, "cbc:TaxAmount"), "tax", "tax total"),
        tax_breakdown=tuple(b for b in breakdown if b is not None),
        tax_inclusive=money("TaxInclusiveAmount", "total", "total including tax"),
        prepaid=money("PrepaidAmount", "payable", "prepaid amount"),
        rounding=money("PayableRoundingAmount", "payable", "rounding amount"),
        payable=money("PayableAmount", "payable", "amount due"),
    )


def _payment(root: Element, australian: bool, v: Values) -> Payment | None:
    """The first payment means with a real bank account (PayID, BPAY and payment URLs are skipped:
    they are no account to check against the vendor master); else just the payment reference."""
    reference = None
    for means in _P.all(root, "cac:PaymentMeans"):
        ref = _clean(_text(means, "cbc:PaymentID"))
        reference = reference or ref
        acct = _P.first(means, "cac:PayeeFinancialAccount")
        if acct is None:
            continue
        account = bank_account(_text(acct, "cbc:ID"),
                               _text(acct, "cac:FinancialInstitutionBranch/cbc:ID"),
                               australian=australian, values=v)
        if account is not None:
            return account.model_copy(update={"account_name": _clean(_text(acct, "cbc:Name")),
                                              "reference": ref})
    return Payment(reference=reference) if reference else None
