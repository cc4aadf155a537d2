"""What the UBL and CII readers share: exact value readers, the EN 16931 arithmetic, and how an
e-invoice's codes map onto the extraction contract (tax codes, ABN, bank account, confidence).

Why one module: both syntaxes carry the same EN 16931 semantic model, so a credit note, a GST
code, a BSB or a failed sum must mean the same thing whichever syntax the supplier's software
chose. Money is Decimal from the text as written ("1487.40" stays 1487.40), never a float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from tools.documents.model import DocumentType, Extraction, Issue, Line, Method, Payment, Supplier
from tools.ledger.abn import abn_is_valid

# UNTDID 1001 codes EN 16931 treats as credit notes (BT-3); 380, 384, 389 and the rest are invoices.
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458",
                               "532"})
_FREE = frozenset({"Z", "E", "O", "G"})  # zero-rated, exempt, out of scope, export: no GST to claim
# At most 18 digits before the point and 12 after: every sum stays exact at 60-digit precision.
_AMOUNT = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")
_ISO_DAY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
_NON_BANK = re.compile(r"(?i)URI|BPAY|NPP\b.*|NPP-.*|PAYID.*")  # A-NZ "branch" codes, not a BSB
_DUE = re.compile(r"Amount due is (-?[0-9]+(?:\.[0-9]+)?)\b")
_KEY_FIELDS = ("invoice_number", "issue_date", "total")
_KEY_VALUES = ("invoice_number", "issue_date", "subtotal", "tax", "total", "lines")


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:40] + "…")


class Values:
    """Typed values from element text. A malformed value becomes None plus an Issue naming the
    field, never an exception: one bad amount must not lose the rest of the invoice."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def bad(self, field: str, text: str, what: str, label: str | None = None) -> None:
        label = label or field.replace("_", " ").replace(".", " ")
        self.issues.append(Issue(code="einvoice_malformed_value", field=field,
                                 message=f"The e-invoice's {label} {_shown(text)} is not {what}."))

    def amount(self, text: str | None, field: str, label: str | None = None) -> Decimal | None:
        if text is None or not text.strip():
            return None
        s = text.strip()
        if len(s) > 32 or not _AMOUNT.fullmatch(s):
            self.bad(field, s, "a number (digits with a '.' decimal point)", label)
            return None
        return Decimal(s)

    def iso_day(self, text: str | None, field: str) -> date | None:
        """UBL dates: xs:date, YYYY-MM-DD with an optional time zone."""
        if text is None or not text.strip():
            return None
        m = _ISO_DAY.fullmatch(text.strip())
        try:
            if m:
                return date.fromisoformat(m[1])
        except ValueError:
            pass
        self.bad(field, text, "a valid date")
        return None

    def day_102(self, text: str | None, fmt: str | None, field: str) -> date | None:
        """CII dates: format 102 is YYYYMMDD (the only one EN 16931 allows for these fields)."""
        if text is None or not text.strip():
            return None
        s = text.strip()
        try:
            if fmt in (None, "102") and re.fullmatch(r"[0-9]{8}", s):
                return date(int(s[:4]), int(s[4:6]), int(s[6:]))
        except ValueError:
            pass
        self.bad(field, s, "a valid date (format 102, YYYYMMDD)")
        return None


def divide(price: Decimal | None, base: Decimal | None) -> Decimal | None:
    """Unit price from a price per base quantity (400 per 2 days → 200), without exponents."""
    if price is None or base is None or base == 0 or base == 1:
        return price
    with localcontext(prec=60):
        # At most 6 decimal places (10 per 15 units is 0.666667), trailing zeros dropped.
        q = (price / base).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
        return q.quantize(Decimal(1)) if q.as_tuple().exponent > 0 else q  # type: ignore[operator]


def tax_code(category: str | None, rate: Decimal | None, *, australian: bool) -> str | None:
    """S at 10% on an Australian invoice → "GST"; Z/E/O/G → "FRE"; anything else keeps the
    document's own category with its rate ("S 15%" for NZ GST, "S 19%" for German VAT)."""
    if not category:
        return None
    cat = category.strip().upper()
    if cat == "S" and australian and rate == 10:
        return "GST"
    if cat in _FREE:
        return "FRE"
    return cat if rate is None else f"{cat} {rate.normalize():f}%"


def pick_abn(schemed: list[tuple[str | None, str | None]], tax_ids: list[str | None], *,
             australian: bool, values: Values) -> str | None:
    """An identifier with scheme 0151 is an ABN by definition; a tax registration is taken only for
    an Australian supplier and only when it passes the ATO checksum. A foreign VAT or GST number
    is never put in `abn` (the contract has no field for it)."""
    for scheme, value in schemed:
        if scheme == "0151" and value and value.strip():
            digits = re.sub(r"\s", "", value)
            if re.fullmatch(r"[0-9]{11}", digits):
                return digits
            values.bad("supplier.abn", value, "an 11-digit ABN", "ABN")
    if australian:
        for value in tax_ids:
            digits = re.sub(r"^(?:ABN|AU)|\s", "", (value or "").upper())
            if abn_is_valid(digits):
                return digits
    return None


def iban_is_valid(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def bank_account(ident: str | None, branch: str | None, *, australian: bool,
                 values: Values) -> Payment | None:
    """A payee account as Payment(bsb, account_number, iban). None for a payment URL, a PayID
    (email, phone) or a BPAY biller code: ways to pay, not an account for the vendor master."""
    ident, branch = (ident or "").strip(), (branch or "").strip()
    if not ident or "@" in ident or "://" in ident or _NON_BANK.fullmatch(branch):
        return None
    compact = re.sub(r"\s", "", ident).upper()
    if _IBAN.fullmatch(compact):
        if not iban_is_valid(compact):
            values.bad("payment.iban", ident, "a valid IBAN (its check digits fail)", "IBAN")
        return Payment(iban=compact)
    number = re.sub(r"[\s-]", "", ident) if re.fullmatch(r"[0-9\s-]+", ident) else ident
    bsb = None
    if australian and branch:
        if re.fullmatch(r"[0-9]{3}[-\s]?[0-9]{3}", branch):
            bsb = re.sub(r"[^0-9]", "", branch)
        else:
            values.bad("payment.bsb", branch, "a 6-digit BSB", "BSB")
    return Payment(bsb=bsb, account_number=number)


@dataclass(frozen=True)
class Totals:
    """The EN 16931 document totals (BT numbers in comments), as the document states them."""

    line_amounts: tuple[Decimal, ...] = ()   # BT-131 of each line
    line_total: Decimal | None = None        # BT-106
    allowances: Decimal | None = None        # BT-107
    charges: Decimal | None = None           # BT-108
    tax_exclusive: Decimal | None = None     # BT-109
    tax: Decimal | None = None               # BT-110 (document currency)
    tax_breakdown: tuple[Decimal, ...] = ()  # BT-117 of each VAT breakdown
    tax_inclusive: Decimal | None = None     # BT-112
    prepaid: Decimal | None = None           # BT-113
    rounding: Decimal | None = None          # BT-114
    payable: Decimal | None = None           # BT-115


def arithmetic_issues(t: Totals) -> tuple[Issue, ...]:
    """EN 16931 BR-CO-10, -13, -14, -15, -16, exactly (no tolerance: the rules have none). Each
    failure names the field it disputes: lines, subtotal, tax, total or payable."""
    with localcontext(prec=60):  # amounts are capped at 30 digits: sums never round
        return _arithmetic_issues(t)


def _arithmetic_issues(t: Totals) -> tuple[Issue, ...]:
    zero = Decimal(0)
    allowances, charges, tax = t.allowances or zero, t.charges or zero, t.tax or zero
    prepaid, rounding = t.prepaid or zero, t.rounding or zero
    out: list[Issue] = []

    def fail(field: str, rule: str, message: str) -> None:
        out.append(Issue(code="einvoice_arithmetic", field=field, message=f"{message} ({rule})"))

    if t.line_total is not None and t.line_amounts:
        s = sum(t.line_amounts, zero)
        if s != t.line_total:
            fail("lines", "BR-CO-10", f"The line amounts add up to {s}, but the invoice's line "
                 f"total is {t.line_total}.")
    if t.tax_exclusive is not None and t.line_total is not None:
        want = t.line_total - allowances + charges
        if want != t.tax_exclusive:
            fail("subtotal", "BR-CO-13", f"The amount before tax is {t.tax_exclusive}, but the "
                 f"line total {t.line_total} less allowances {allowances} plus charges {charges} "
                 f"is {want}.")
    if t.tax is not None and t.tax_breakdown:
        s = sum(t.tax_breakdown, zero)
        if s != t.tax:
            fail("tax", "BR-CO-14", f"The tax total is {t.tax}, but the tax breakdown adds up "
                 f"to {s}.")
    if t.tax_inclusive is not None and t.tax_exclusive is not None:
        want = t.tax_exclusive + tax
        if want != t.tax_inclusive:
            fail("total", "BR-CO-15", f"The total is {t.tax_inclusive}, but the amount before tax "
                 f"{t.tax_exclusive} plus tax {tax} is {want}.")
    inclusive = t.tax_inclusive
    if inclusive is None and t.tax_exclusive is not None:
        inclusive = t.tax_exclusive + tax
    if t.payable is not None and inclusive is not None:
        want = inclusive - prepaid + rounding
        if want != t.payable:
            fail("payable", "BR-CO-16", f"The amount due is {t.payable}, but the total {inclusive} "
                 f"less prepaid {prepaid} plus rounding {rounding} is {want}.")
    return tuple(out)


def document_total(t: Totals) -> tuple[Decimal | None, bool]:
    """The contract's `total` is the invoice total including tax (BT-112). (total, derived?): when
    the document omits BT-112 (UBL 2.0 examples do), it is rebuilt from what the document states."""
    if t.tax_inclusive is not None:
        return t.tax_inclusive, False
    with localcontext(prec=60):
        if t.tax_exclusive is not None and t.tax is not None:
            return t.tax_exclusive + t.tax, True
        if t.payable is not None:
            return t.payable + (t.prepaid or 0) - (t.rounding or 0), True
    return None, False


def amount_due_issue(t: Totals, total: Decimal | None, currency: str | None) -> Issue | None:
    """The amount to pay differs from the invoice total (prepaid amount, rounding): post the bill
    at the total, pay the amount due. An Issue because the contract has no field for it; its
    message starts "Amount due is <amount>" so `amount_due` can read it back."""
    if t.payable is None or total is None or t.payable == total:
        return None
    why = [f"{t.prepaid} was paid in advance" if t.prepaid else "",
           f"the amount is rounded by {t.rounding}" if t.rounding else ""]
    reason = " and ".join(w for w in why if w) or "the document says so"
    due = f"Amount due is {t.payable} {currency or ''}".rstrip()
    return Issue(code="einvoice_amount_due", field="total",
                 message=f"{due}, not the invoice total {total}: {reason}.")


def amount_due(ex: Extraction) -> Decimal | None:
    """What to pay: the amount in an einvoice_amount_due issue, else the extraction's total."""
    for issue in ex.issues:
        m = _DUE.match(issue.message) if issue.code == "einvoice_amount_due" else None
        if m:
            return Decimal(m[1])
    return ex.total


def finish(*, method: Method, document_type: DocumentType, supplier: Supplier,
           fields: dict[str, Any], lines: tuple[Line, ...], payment: Payment | None,
           totals: Totals, values: Values, derived: frozenset[str] = frozenset()) -> Extraction:
    """Assemble the Extraction: 1.0 confidence for what the XML states, 0.95 for a derived total,
    0.6 for a field an arithmetic rule disputes; overall 0.6 on a failed sum, 0.5 when a key field
    is missing or malformed."""
    arithmetic = arithmetic_issues(totals)
    issues = [*values.issues, *arithmetic]
    due = amount_due_issue(totals, fields.get("total"), fields.get("currency"))
    issues += [due] if due else []
    issues += [Issue(code="missing_field", field=key,
                     message=f"The e-invoice has no {key.replace('_', ' ')}.")
               for key in _KEY_FIELDS if fields.get(key) is None]
    conf: dict[str, float] = {"document_type": 1.0}
    conf.update({k: 0.95 if k in derived else 1.0 for k, v in fields.items() if v is not None})
    conf.update({f"supplier.{k}": 1.0 for k, v in supplier.model_dump().items() if v is not None})
    if payment is not None:
        conf.update({f"payment.{k}": 1.0 for k, v in payment.model_dump().items() if v is not None})
    if lines:
        conf["lines"] = 1.0
    conf.update({i.field: 0.6 for i in arithmetic if i.field in conf})
    overall = 0.6 if arithmetic else 1.0
    if any(i.code == "missing_field" or (i.code == "einvoice_malformed_value"
                                         and i.field in _KEY_VALUES) for i in issues):
        overall = 0.5
    conf["overall"] = overall
    return Extraction(document_type=document_type, supplier=supplier, lines=lines, payment=payment,
                      confidence=conf, issues=tuple(issues), method=method, **fields)
