"""Validate an extracted invoice (ARCHITECTURE.md §4, step 3): pure checks over immutable data.

`validate_invoice` takes an `Extraction`, what the business already knows (`ValidationContext`:
supplier master, stored bills, today, own ABN) and the texts the invoice arrived with, and returns
Issues a bookkeeper can act on, the supplier match and the bills it may duplicate. No database, no
network, no clock: everything comes in as arguments so the decide step can be replayed. It never
raises: a check that fails on odd data becomes a `validation_error` Issue (which holds the bill).

Rules and tolerances (why, where not obvious):
- GST (Australian documents only: currency AUD or unstated) is 10% of the taxable lines. The ATO
  lets a supplier round GST per line or on the invoice total, so the tolerance is 1 cent per taxable
  line, at least 2 cents. Lines coded GST/S/CAP/10% are taxable, FRE/Z/E/O/G/K/AE/INP/N-T/0% are
  not.
  Uncoded lines count as taxable when no line has a code and GST was charged. When some lines carry
  a marker the others lack (a raw "*", "#", "^", or codes mixed with blanks) the marker's meaning is
  not known, so those lines only bound the GST: it must lie between 10% of the surely taxable lines
  and 10% of those plus the undecided ones. Lines that add up to the total rather than the subtotal
  are GST-inclusive, and GST is then 1/11 of the taxable lines.
- Without usable lines a GST below 10% of the subtotal can be a legitimate mixed supply, and nothing
  on the extraction says "all taxable", so only the ceiling is checked: GST can never exceed 10% of
  the subtotal (1/11 of the total when there is no subtotal), 1 cent tolerance.
- Lines must add up to the subtotal (or, GST-inclusive, the total) within 1 cent; subtotal + GST
  must equal the total within 1 cent (2 cents on receipts: cash rounding to 5 cents).
- E-invoices (UBL, CII) may carry document-level allowances and charges (freight, a discount) that
  the contract has no field for; the extractor checks the e-invoice's own sums (BR-CO-10/13). So
  there a gap between lines and subtotal is not flagged, and it only widens the GST bounds (its
  GST status is not known).
- Dates: issue date after today + 1 day is `date_future`; before today - 18 months `date_stale`.
- No-ABN withholding: an Australian invoice without an ABN that charges GST, or is over $75 before
  GST, gets `abn_missing` (the payer must withhold 47% unless an exception applies).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from tools.documents.duplicates import PriorInvoice, duplicate_issues, find_duplicates
from tools.documents.injection import LabelledText, find_injections, injection_issues
from tools.documents.model import DocumentType, Extraction, Issue, Line, Method
from tools.documents.suppliers_match import (
    NO_MATCH, KnownSupplier, SupplierMatch, bank_issues, digits, match_supplier)
from tools.ledger.abn import abn_is_valid, format_abn

__all__ = [
    "HARD_HOLD_CODES", "KnownSupplier", "LabelledText", "PriorInvoice", "SupplierMatch",
    "ValidationContext", "ValidationResult", "decision_confidence", "validate_invoice",
]

CENT = Decimal("0.01")
GST_RATE = Decimal("0.1")
GST_INCLUSIVE_RATE = Decimal(1) / Decimal(11)
MAX_AMOUNT = Decimal("1e12")         # beyond this an amount is a misread, not money
NO_ABN_THRESHOLD = Decimal(75)     # no-ABN withholding applies above $75 excluding GST
STALE_MONTHS = 18
FUTURE_GRACE = timedelta(days=1)     # time zones and suppliers a day ahead
# The decide step never auto-posts these, whatever the confidence (ARCHITECTURE.md §4.6).
HARD_HOLD_CODES = frozenset({
    "bank_details_changed", "bank_details_new", "supplier_unknown", "supplier_abn_differs",
    "duplicate_suspected", "suspected_injection", "validation_error", "totals_conflict", "not_an_invoice",
})

_TAXABLE = frozenset({"GST", "S", "CAP", "TAXABLE", "Y", "YES", "GSTONINCOME", "GSTONEXPENSES"})
_FREE = frozenset({"FRE", "GSTFREE", "FREE", "Z", "E", "O", "G", "K", "AE", "INP", "NT", "EXEMPT",
                   "NIL", "N", "NO", "ZERO", "EXPORT", "INPUTTAXED"})
_Class = Literal["taxable", "free", "unknown", "none"]
_E_INVOICE = frozenset({Method.UBL, Method.CII})


@dataclass(frozen=True)
class ValidationContext:
    suppliers: tuple[KnownSupplier, ...]
    prior_invoices: tuple[PriorInvoice, ...]
    today: date
    own_abn: str | None
    base_currency: str = "AUD"
    gst_registered_supplier_required: bool = False  # suppliers are expected to charge GST
    sender_email: str | None = None   # the email's From, for matching by domain
    content_hash: str | None = None   # sha256 of the document bytes
    # False when there are no books to check against (e.g. `backoffice extract` on a bare machine):
    # then an unmatched supplier is not reported as unknown.
    supplier_master: bool = True


@dataclass(frozen=True)
class ValidationResult:
    issues: tuple[Issue, ...]
    supplier_match: SupplierMatch
    duplicate_of: tuple[str, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.issues)

    @property
    def hard_holds(self) -> frozenset[str]:
        return self.codes & HARD_HOLD_CODES


# -- helpers ------------------------------------------------------------------------------------

def _amt(value: Decimal | None) -> Decimal | None:
    """The amount, or None when absent, not finite or implausibly large (a misread)."""
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) > MAX_AMOUNT:
        return None
    return value


def _money(value: Decimal, currency: str | None = None) -> str:
    cur = (currency or "AUD").upper()
    sign = "-" if value < 0 else ""
    return f"{sign}{'$' if cur == 'AUD' else cur + ' '}{abs(value):,.2f}"


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _currency(ex: Extraction) -> str:
    return (ex.currency or "").strip().upper()


def _is_australian(ex: Extraction) -> bool:
    return _currency(ex) in ("", "AUD")


def _months_before(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 - months
    year, month = divmod(index, 12)
    if year < 1:
        return date.min
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    return date(year, month + 1, 28)


def tax_class(code: str | None) -> _Class:
    """Taxable, GST-free, an unknown marker ("*", "#", a foreign category) or no code at all.

    Rates count whatever category they come with ("10%", "S 10%" from an e-invoice: taxable;
    "Z 0%": free; "S 15%", "S 19%": unknown, not Australian GST)."""
    if code is None or not code.strip():
        return "none"
    key = re.sub(r"[\s_\-]", "", code).upper()
    rate = re.fullmatch(r"[A-Z]*(\d+(?:\.\d+)?)%", key)
    if rate:
        value = Decimal(rate.group(1))
        return "taxable" if value == 10 else "free" if value == 0 else "unknown"
    return "taxable" if key in _TAXABLE else "free" if key in _FREE else "unknown"


# -- arithmetic ---------------------------------------------------------------------------------

def _line_amounts(lines: tuple[Line, ...]) -> list[Decimal] | None:
    amounts = [_amt(ln.amount) for ln in lines]
    if not amounts or any(a is None for a in amounts):
        return None
    return [a for a in amounts if a is not None]


def _gst_issues(ex: Extraction) -> list[Issue]:
    tax = _amt(ex.tax)
    if tax is None or not _is_australian(ex):
        return []
    amounts = _line_amounts(ex.lines)
    if amounts is None:
        return _gst_ceiling(ex, tax)
    classes = [tax_class(ln.tax_code) for ln in ex.lines]
    coded = any(c != "none" for c in classes)
    blank_as: _Class = "unknown" if coded else ("taxable" if tax != 0 else "free")
    classes = [blank_as if c == "none" else c for c in classes]
    taxable = sum((a for a, c in zip(amounts, classes) if c == "taxable"), Decimal(0))
    undecided = [a for a, c in zip(amounts, classes) if c == "unknown"]
    n_counted = sum(1 for c in classes if c in ("taxable", "unknown"))
    line_sum = sum(amounts, Decimal(0))
    total, subtotal = _amt(ex.total), _amt(ex.subtotal)
    exclusive_base = subtotal
    if exclusive_base is None and total is not None:
        exclusive_base = total - tax
    inclusive = (tax != 0 and total is not None and abs(line_sum - total) <= CENT
                 and exclusive_base is not None and abs(line_sum - exclusive_base) > CENT)
    rate = GST_INCLUSIVE_RATE if inclusive else GST_RATE
    if ex.method in _E_INVOICE and not inclusive and exclusive_base is not None:
        if abs(exclusive_base - line_sum) > CENT:  # document-level allowances and charges
            undecided.append(exclusive_base - line_sum)
            n_counted += 1
    low = (taxable + sum((a for a in undecided if a < 0), Decimal(0))) * rate
    high = (taxable + sum((a for a in undecided if a > 0), Decimal(0))) * rate
    tolerance = max(2 * CENT, CENT * n_counted)
    if low - tolerance <= tax <= high + tolerance:
        return []
    cur = ex.currency
    share = "1/11 of the GST-inclusive" if inclusive else "10% of the"
    if not undecided and taxable == 0:
        expected = f"every line is GST-free, so GST should be {_money(Decimal(0), cur)}"
    elif not undecided:
        expected = (f"{share} taxable lines ({_money(taxable, cur)}) is "
                    f"{_money(round(low, 2), cur)}")
    else:
        expected = (f"{share} taxable lines puts it between {_money(round(low, 2), cur)} and "
                    f"{_money(round(high, 2), cur)} (some lines' GST status is unclear)")
    return [Issue(code="gst_mismatch", field="tax",
                  message=f"GST on the invoice is {_money(tax, cur)} but {expected}. Check the GST "
                          "before claiming the credit.")]


def _gst_ceiling(ex: Extraction, tax: Decimal) -> list[Issue]:
    subtotal, total, cur = _amt(ex.subtotal), _amt(ex.total), ex.currency
    if subtotal is not None:
        base, rate = subtotal, GST_RATE
        what = f"10% of the subtotal {_money(subtotal, cur)}"
    elif total is not None:
        base, rate = total, GST_INCLUSIVE_RATE
        what = f"1/11 of the total {_money(total, cur)}"
    else:
        return []
    if tax != 0 and base != 0 and (tax > 0) != (base > 0):
        return [Issue(code="gst_mismatch", field="tax",
                      message=f"GST {_money(tax, cur)} and the amount it is charged on have "
                              "opposite signs.")]
    if abs(tax) > abs(base) * rate + CENT:
        return [Issue(code="gst_mismatch", field="tax",
                      message=f"GST on the invoice is {_money(tax, cur)}, more than {what}; GST "
                              "is 10%, so it can never be more than that.")]
    return []


def _lines_issues(ex: Extraction) -> list[Issue]:
    amounts = _line_amounts(ex.lines)
    if amounts is None:
        return []
    subtotal, tax, total = _amt(ex.subtotal), _amt(ex.tax), _amt(ex.total)
    target = subtotal
    if target is None and total is not None and tax is not None:
        target = total - tax
    line_sum = sum(amounts, Decimal(0))
    if target is None or abs(line_sum - target) <= CENT or ex.method in _E_INVOICE:
        return []
    if total is not None and abs(line_sum - total) <= CENT:
        return []  # GST-inclusive line amounts
    cur = ex.currency
    return [Issue(code="lines_subtotal_mismatch", field="lines",
                  message=f"The {len(amounts)} line(s) add up to {_money(line_sum, cur)} but the "
                          f"subtotal is {_money(target, cur)} (a difference of "
                          f"{_money(line_sum - target, cur)}): a line may be missing or misread.")]


def _totals_issues(ex: Extraction) -> list[Issue]:
    subtotal, tax, total = _amt(ex.subtotal), _amt(ex.tax), _amt(ex.total)
    if subtotal is None or tax is None or total is None:
        return []
    tolerance = 2 * CENT if ex.document_type == DocumentType.RECEIPT else CENT
    if abs(subtotal + tax - total) <= tolerance:
        return []
    cur = ex.currency
    gst = "GST" if _is_australian(ex) else "tax"
    return [Issue(code="totals_mismatch", field="total",
                  message=f"Subtotal {_money(subtotal, cur)} plus {gst} {_money(tax, cur)} is "
                          f"{_money(subtotal + tax, cur)}, but the total is {_money(total, cur)}.")]


# -- ABN, dates, currency -----------------------------------------------------------------------

def _abn_issues(ex: Extraction, ctx: ValidationContext) -> list[Issue]:
    raw = (ex.supplier.abn or "").strip()
    if raw:
        abn = digits(raw)
        if ctx.own_abn and abn == digits(ctx.own_abn):
            return [Issue(code="abn_is_own", field="supplier.abn",
                          message=f"The supplier ABN {format_abn(abn)} is your own ABN: the "
                                  "supplier's ABN was probably misread or is missing. Check the "
                                  "invoice.")]
        if len(abn) != 11 or not abn_is_valid(abn):
            return [Issue(code="abn_invalid", field="supplier.abn",
                          message=f"The supplier ABN {raw!r} is not a valid ABN (it fails the "
                                  "ATO checksum or is not 11 digits). Check it for a typo, or look "
                                  "it up on abr.business.gov.au.")]
        return []
    if not _is_australian(ex):
        return []
    tax, subtotal, total = _amt(ex.tax), _amt(ex.subtotal), _amt(ex.total)
    ex_gst = subtotal
    if ex_gst is None and total is not None:
        ex_gst = total - (tax or 0)
    charges_gst = tax is not None and tax > 0
    if ex.document_type == DocumentType.INVOICE and (
            charges_gst or ctx.gst_registered_supplier_required
            or (ex_gst is not None and ex_gst > NO_ABN_THRESHOLD)):
        return [Issue(code="abn_missing", field="supplier.abn",
                      message="The invoice shows no ABN. Without the supplier's ABN you cannot "
                              "claim GST credits, and unless an exception applies you must "
                              "withhold 47% (the top tax rate) from the payment and pay it to the "
                              "ATO (no-ABN withholding). Ask the supplier for their ABN.")]
    if charges_gst:
        return [Issue(code="abn_missing", field="supplier.abn",
                      message="The document charges GST but shows no ABN, so it is not a valid "
                              "tax invoice and the GST credit cannot be claimed. Ask the supplier "
                              "for a tax invoice.")]
    return []


def _gst_registration_issues(ex: Extraction, ctx: ValidationContext) -> list[Issue]:
    if not ctx.gst_registered_supplier_required or not _is_australian(ex):
        return []
    tax, total = _amt(ex.tax), _amt(ex.total)
    no_gst = tax is None or tax == 0
    if ex.document_type == DocumentType.INVOICE and no_gst and total is not None and total > 0:
        return [Issue(code="gst_not_charged", field="tax",
                      message="No GST is charged, but your suppliers are expected to be "
                              "registered for GST. Unless everything on the invoice is GST-free, "
                              "ask for a tax invoice.")]
    return []


def _date_issues(ex: Extraction, ctx: ValidationContext) -> list[Issue]:
    issue, due, today = ex.issue_date, ex.due_date, ctx.today
    out: list[Issue] = []
    if issue is None:
        if ex.document_type != DocumentType.OTHER:
            out.append(Issue(code="date_missing", field="issue_date",
                             message="The invoice has no issue date; add it from the document "
                                     "before approving."))
    elif issue > today + FUTURE_GRACE:
        out.append(Issue(code="date_future", field="issue_date",
                         message=f"The invoice is dated {_day(issue)}, in the future (today is "
                                 f"{_day(today)}). Check the date was read correctly."))
    elif issue < _months_before(today, STALE_MONTHS):
        out.append(Issue(code="date_stale", field="issue_date",
                         message=f"The invoice is dated {_day(issue)}, more than {STALE_MONTHS} "
                                 "months ago. Check it has not already been paid and belongs to an "
                                 "open period."))
    if issue is not None and due is not None and due < issue:
        out.append(Issue(code="due_before_issue", field="due_date",
                         message=f"The due date {_day(due)} is before the issue date "
                                 f"{_day(issue)}."))
    return out


def _currency_issues(ex: Extraction, ctx: ValidationContext) -> list[Issue]:
    cur = _currency(ex)
    if not cur or cur == (ctx.base_currency or "AUD").strip().upper():
        return []
    base = ctx.base_currency
    return [Issue(code="currency_foreign", field="currency",
                  message=f"The invoice is in {cur}, not {base}: confirm the amount in {base} and "
                          "the exchange rate before approving. GST checks were skipped.")]


# -- supplier, bank, duplicates, injection --------------------------------------------------------

def _supplier_issues(ex: Extraction, ctx: ValidationContext, match: SupplierMatch) -> list[Issue]:
    name = (ex.supplier.name or "").strip()
    abn = digits(ex.supplier.abn)
    if match.supplier is None and not ctx.supplier_master:
        return []
    if match.supplier is None:
        who = f"{name!r}" if name else "The supplier"
        with_abn = f" (ABN {format_abn(abn)})" if len(abn) == 11 else ""
        return [Issue(code="supplier_unknown", field="supplier",
                      message=f"{who}{with_abn} is not in the supplier master: this would be the "
                              "first bill from a new supplier. Check they are real (ABN lookup on "
                              "abr.business.gov.au), confirm their bank details by phone and add "
                              "them before approving.")]
    known = match.supplier
    out: list[Issue] = []
    known_abn = digits(known.abn)
    differs = len(abn) == 11 and known_abn and abn not in (known_abn, digits(ctx.own_abn))
    if match.by != "abn" and differs:
        how = "email domain" if match.by == "email_domain" else "name"
        out.append(Issue(code="supplier_abn_differs", field="supplier.abn",
                         message=f"Matched to {known.name} by {how}, but the invoice's ABN "
                                 f"{format_abn(abn)} differs from the ABN on file "
                                 f"({format_abn(known_abn)}). It may be a different business or an "
                                 "impersonation."))
    out += bank_issues(ex.payment, known)
    return out


def _hidden_spans(ex: Extraction) -> list[LabelledText]:
    """Text the PDF extractor found but a reader cannot see, quoted in its `hidden_text` issues."""
    out = []
    for issue in ex.issues:
        if issue.code != "hidden_text":
            continue
        spans = re.findall(r'"(.*?)"(?=;\s|$)', issue.message, re.DOTALL)
        if not spans:
            spans = [issue.message.split(":", 1)[-1]]
        out += [LabelledText("pdf.hidden", s) for s in spans]
    return out


def _field_text(ex: Extraction) -> LabelledText:
    parts = [ex.supplier.name, ex.supplier.email, ex.invoice_number, ex.purchase_order,
             *(ln.description for ln in ex.lines)]
    if ex.payment is not None:
        parts += [ex.payment.account_name, ex.payment.reference]
    return LabelledText("invoice.fields", "\n".join(p for p in parts if p))


def _injection_issues(ex: Extraction, texts: Iterable[LabelledText]) -> list[Issue]:
    given = [t for t in texts if t is not None]
    hits = find_injections([*given, *_hidden_spans(ex)])
    found = {h.kind for h in hits}
    extra = [h for h in find_injections([_field_text(ex)]) if h.kind not in found]
    return list(injection_issues([*hits, *extra]))


def _guard(name: str, check: Callable[[], list[Issue]]) -> list[Issue]:
    try:
        return check()
    except Exception:  # never let odd data stop validation; holding the bill is the safe outcome
        return [Issue(code="validation_error",
                      message=f"The {name} check could not be completed on this document; "
                              "review it by hand.")]


def validate_invoice(ex: Extraction, ctx: ValidationContext,
                     texts: Iterable[LabelledText] = ()) -> ValidationResult:
    """All checks; the Issues come in a stable order (ABN, arithmetic, dates, currency, supplier and
    bank, duplicates, injection). The extraction's own issues are not repeated here."""
    issues: list[Issue] = []
    issues += _guard("ABN", lambda: _abn_issues(ex, ctx))
    issues += _guard("GST", lambda: _gst_issues(ex))
    issues += _guard("GST registration", lambda: _gst_registration_issues(ex, ctx))
    issues += _guard("line total", lambda: _lines_issues(ex))
    issues += _guard("total", lambda: _totals_issues(ex))
    issues += _guard("date", lambda: _date_issues(ex, ctx))
    issues += _guard("currency", lambda: _currency_issues(ex, ctx))
    match = NO_MATCH
    try:
        match = match_supplier(ex.supplier, ctx.suppliers, sender_email=ctx.sender_email,
                               own_abn=ctx.own_abn)
    except Exception:  # as _guard
        issues.append(Issue(code="validation_error",
                            message="The supplier could not be matched; review it by hand."))
    issues += _guard("supplier", lambda: _supplier_issues(ex, ctx, match))
    duplicates: tuple[str, ...] = ()
    try:
        abn = digits(ex.supplier.abn)
        hits = find_duplicates(
            number=ex.invoice_number, total=_amt(ex.total), issue_date=ex.issue_date,
            document_type=ex.document_type,
            contact_id=match.supplier.contact_id if match.supplier else None,
            supplier_abn=abn if abn != digits(ctx.own_abn) else None,
            content_hash=ctx.content_hash, prior=ctx.prior_invoices)
        duplicates = tuple(dict.fromkeys(h.ref for h in hits))
        issues += duplicate_issues(hits)
    except Exception:  # as _guard
        issues.append(Issue(code="validation_error",
                            message="The duplicate check could not be completed; check by hand "
                                    "that this bill is not already paid."))
    issues += _guard("injection", lambda: _injection_issues(ex, texts))
    return ValidationResult(tuple(dict.fromkeys(issues)), match, duplicates)


# -- confidence for the decide step ---------------------------------------------------------------

# Each distinct issue code multiplies the confidence once by its factor; unknown codes by DEFAULT.
CONFIDENCE_FACTORS: dict[str, float] = {
    "validation_error": 0.0, "suspected_injection": 0.3, "abn_is_own": 0.3,
    "totals_mismatch": 0.4, "gst_mismatch": 0.5, "lines_subtotal_mismatch": 0.5, "abn_invalid": 0.5,
    "supplier_abn_differs": 0.5, "bank_details_changed": 0.5, "duplicate_suspected": 0.5,
    "date_missing": 0.7, "date_future": 0.7, "abn_missing": 0.8, "date_stale": 0.8,
    "due_before_issue": 0.8, "supplier_unknown": 0.8, "bank_details_new": 0.8,
    "gst_not_charged": 0.9, "currency_foreign": 1.0,
}
DEFAULT_CONFIDENCE_FACTOR = 0.9
MATCH_FACTORS: dict[str | None, float] = {"abn": 1.0, "email_domain": 0.95, "name": 0.9, None: 1.0}
_KEY_FIELDS = ("invoice_number", "issue_date", "total", "supplier.name")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not math.isnan(value)


def decision_confidence(ex: Extraction, result: ValidationResult) -> float:
    """How far the decide step can trust this bill, in [0, 1].

    The extraction's "overall" confidence (or, without one, the lowest confidence of the key
    fields; 0 when nothing is known), multiplied once per distinct issue code by its factor in
    CONFIDENCE_FACTORS (arithmetic that does not add up suggests a misread and halves it;
    informational codes cost nothing), and by how the supplier was matched (ABN 1.0, domain 0.95,
    name 0.9). Hard holds are enforced separately by policy; this number only ranks the rest."""
    conf = ex.confidence or {}
    overall = conf.get("overall")
    if _is_number(overall):
        base = float(overall)  # type: ignore[arg-type]
    else:
        known = [float(v) for k, v in conf.items() if k in _KEY_FIELDS and _is_number(v)]
        base = min(known) if known else 0.0
    value = min(1.0, max(0.0, base))
    for code in result.codes:
        value *= CONFIDENCE_FACTORS.get(code, DEFAULT_CONFIDENCE_FACTOR)
    value *= MATCH_FACTORS.get(result.supplier_match.by, 1.0)
    return round(min(1.0, max(0.0, value)), 4)
