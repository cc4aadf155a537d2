"""UN/CEFACT Cross Industry Invoice (Factur-X / ZUGFeRD 2.x / XRechnung CII) read exactly into
the extraction contract.

Same semantic model as UBL (EN 16931), different syntax: the seller is SellerTradeParty, totals
sit in SpecifiedTradeSettlementHeaderMonetarySummation, dates are format 102 (YYYYMMDD). The
mapping choices (GST codes, ABN, accounts, total vs amount due, arithmetic) are shared with UBL in
einvoice_checks.
"""

from __future__ import annotations

from datetime import date
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

__all__ = ["CII_ROOT", "cii_extraction", "read_cii"]

_STD = "urn:un:unece:uncefact:data:standard:"
_NS = {"rsm": _STD + "CrossIndustryInvoice:100",
       "ram": _STD + "ReusableAggregateBusinessInformationEntity:100",
       "udt": _STD + "UnqualifiedDataType:100"}
CII_ROOT = f"{{{_NS['rsm']}}}CrossIndustryInvoice"
_P = Paths(_NS)
_SUM = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_LINE_SUM = "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
_LINE_STATUS = "ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode"


def _text(el: Element | None, path: str) -> str | None:
    return _P.text(el, path)


def _clean(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None


def _day(el: Element | None, path: str, field: str, v: Values) -> date | None:
    found = _P.first(el, path + "/udt:DateTimeString")
    return v.day_102(found.text, found.get("format"), field) if found is not None else None


def read_cii(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Extraction:
    """Read a CII CrossIndustryInvoice. Raises XmlRefused for unsafe, malformed or non-CII XML;
    malformed values inside a well-formed invoice become Issues, never exceptions."""
    return cii_extraction(parse_xml(data, max_bytes=max_bytes))


def cii_extraction(root: Element) -> Extraction:
    """The Extraction of an already safely parsed CII root (see xml_safety.parse_xml)."""
    if root.tag != CII_ROOT:
        raise XmlRefused("xml_not_einvoice", "This XML is not a CII (Factur-X/ZUGFeRD) invoice.")
    v = Values()
    doc = _P.first(root, "rsm:ExchangedDocument")
    tx = _P.first(root, "rsm:SupplyChainTradeTransaction")
    agreement = _P.first(tx, "ram:ApplicableHeaderTradeAgreement")
    settlement = _P.first(tx, "ram:ApplicableHeaderTradeSettlement")
    currency = _clean(_text(settlement, "ram:InvoiceCurrencyCode"))
    supplier, australian = _supplier(_P.first(agreement, "ram:SellerTradeParty"), currency, v)
    items = _P.all(tx, "ram:IncludedSupplyChainTradeLineItem")
    lines = tuple(_line(el, n, australian, v) for n, el in enumerate(items, 1))
    # Information-only lines (ZUGFeRD 2.3 "INFORMATION") do not count towards the sums.
    counted = tuple(ln for ln, el in zip(lines, items, strict=True)
                    if (_text(el, _LINE_STATUS) or "").strip() != "INFORMATION")
    totals = _totals(settlement, currency, counted, v)
    total, derived = document_total(totals)
    credit = (_text(doc, "ram:TypeCode") or "").strip() in CREDIT_NOTE_CODES
    fields = {
        "invoice_number": _clean(_text(doc, "ram:ID")),
        "issue_date": _day(doc, "ram:IssueDateTime", "issue_date", v),
        "due_date": _day(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime",
                         "due_date", v),
        "currency": currency,
        "purchase_order": _clean(_text(agreement,
                                       "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")),
        "subtotal": totals.tax_exclusive,
        "tax": totals.tax,
        "total": total,
    }
    return finish(method=Method.CII, supplier=supplier, fields=fields, lines=lines,
                  document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
                  payment=_payment(settlement, australian, v), totals=totals, values=v,
                  derived=frozenset({"total"} if derived else ()))


def _supplier(party: Element | None, currency: str | None, v: Values) -> tuple[Supplier, bool]:
    """(seller, is the seller Australian?). ABN: an identifier with scheme 0151, or for an AU
    seller a tax registration that passes the ATO checksum; German Steuernummer and VAT IDs
    never go in `abn`."""
    if party is None:
        return Supplier(), currency == "AUD"
    country = (_clean(_text(party, "ram:PostalTradeAddress/ram:CountryID")) or "").upper()
    ids = [*_P.all(party, "ram:SpecifiedLegalOrganization/ram:ID"),
           *_P.all(party, "ram:GlobalID"), *_P.all(party, "ram:ID"),
           *_P.all(party, "ram:URIUniversalCommunication/ram:URIID")]
    schemed = [(el.get("schemeID"), el.text) for el in ids]
    australian = country == "AU" or (not country and (
        currency == "AUD" or any(scheme == "0151" for scheme, _ in schemed)))
    tax_ids = [el.text for el in _P.all(party, "ram:SpecifiedTaxRegistration/ram:ID")]
    email = _clean(_text(party, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/"
                                "ram:URIID"))
    uri = _P.first(party, "ram:URIUniversalCommunication/ram:URIID")
    if email is None and uri is not None and uri.get("schemeID") == "EM":
        email = _clean(uri.text)
    name = (_clean(_text(party, "ram:Name"))
            or _clean(_text(party, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName")))
    abn = pick_abn(schemed, tax_ids, australian=australian, values=v)
    return Supplier(name=name, abn=abn, email=email), australian


def _line(el: Element, n: int, australian: bool, v: Values) -> Line:
    product = _P.first(el, "ram:SpecifiedTradeProduct")
    name, desc = _clean(_text(product, "ram:Name")), _clean(_text(product, "ram:Description"))
    description = f"{name} - {desc}" if name and desc and desc != name else (name or desc)
    net = _P.first(el, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice")
    price = v.amount(_text(net, "ram:ChargeAmount"), "lines", f"line {n} price")
    base = v.amount(_text(net, "ram:BasisQuantity"), "lines", f"line {n} base quantity")
    settle = _P.first(el, "ram:SpecifiedLineTradeSettlement")
    category = (_text(settle, "ram:ApplicableTradeTax/ram:CategoryCode") or "").strip() or None
    rate = v.amount(_text(settle, "ram:ApplicableTradeTax/ram:RateApplicablePercent"), "lines",
                    f"line {n} tax rate")
    quantity = _text(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    return Line(description=description,
                quantity=v.amount(quantity, "lines", f"line {n} quantity"),
                unit_price=divide(price, base),
                amount=v.amount(_text(settle, _LINE_SUM), "lines", f"line {n} amount"),
                tax_code=tax_code(category, rate, australian=australian))


def _tax_total(summation: Element | None, currency: str | None, v: Values) -> Decimal | None:
    """TaxTotalAmount in the invoice currency (a second one may be stated in the tax currency)."""
    found = _P.all(summation, "ram:TaxTotalAmount")
    for el in found:
        if el.get("currencyID") in (None, currency):
            return v.amount(el.text, "tax", "tax total")
    return v.amount(found[0].text, "tax", "tax total") if found else None


def _totals(settlement: Element | None, currency: str | None, lines: tuple[Line, ...],
            v: Values) -> Totals:
    summation = _P.first(settlement, _SUM)

    def money(tag: str, field: str, label: str) -> Decimal | None:
        return v.amount(_text(summation, f"ram:{tag}"), field, label)

    parts = _P.all(settlement, "ram:ApplicableTradeTax/ram:CalculatedAmount")
    breakdown = [v.amount(el.text, "tax", "tax breakdown amount") for el in parts]
    return Totals(
        line_amounts=tuple(ln.amount for ln in lines if ln.amount is not None),
        line_total=money("LineTotalAmount", "lines", "line total"),
        allowances=money("AllowanceTotalAmount", "subtotal", "allowance total"),
        charges=money("ChargeTotalAmount", "subtotal", "charge total"),
        tax_exclusive=money("TaxBasisTotalAmount", "subtotal", "amount before tax"),
        tax=_tax_total(summation, currency, v),
        tax_breakdown=tuple(b for b in breakdown if b is not None),
        tax_inclusive=money("GrandTotalAmount", "total", "total including tax"),
        prepaid=money("TotalPrepaidAmount", "payable", "prepaid amount"),
        rounding=money("RoundingAmount", "payable", "rounding amount"),
        payable=money("DuePayableAmount", "payable", "amount due"),
    )


def _payment(settlement: Element | None, australian: bool, v: Values) -> Payment | None:
    """The first credit-transfer account (IBAN, or a proprietary account number). A direct-debit
    means names the buyer's account, never the payee's, so it contributes only the reference."""
    if settlement is None:
        return None
    reference = _clean(_text(settlement, "ram:PaymentReference"))
    for means in _P.all(settlement, "ram:SpecifiedTradeSettlementPaymentMeans"):
        acct = _P.first(means, "ram:PayeePartyCreditorFinancialAccount")
        if acct is None:
            continue
        ident = _text(acct, "ram:IBANID") or _text(acct, "ram:ProprietaryID")
        account = bank_account(ident, None, australian=australian, values=v)
        if account is not None:
            return account.model_copy(update={
                "account_name": _clean(_text(acct, "ram:AccountName")), "reference": reference})
    return Payment(reference=reference) if reference else None
