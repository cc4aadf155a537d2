"""Propose the posting of a supplier bill (ARCHITECTURE.md §4.5; pure).

`propose_bill` turns a validated extraction into a `BillProposal`: the bill's lines with an account
and a tax code each (and the rule that chose them), its dates and totals, the balanced journal and
the evidence behind it; or, when no honest proposal can be made, a `ProposalRefused` listing why.
It never invents an account, a supplier or an amount.

Money
- The bill posts what the supplier charged: the invoice's total to trade creditors and its stated
  GST (the claimable credit) to GST paid. Line amounts come from the invoice. Lines that add up to
  the total rather than the subtotal are GST-inclusive; their GST is taken out of them.
- GST is also worked out line by line (amount × the tax code's rate, rounded per line as invoices
  show it). When the stated GST differs from that by more than validation's tolerance (1 cent per
  taxable line, at least 2 cents) the stated GST is still proposed, with a `gst_differs` issue.
- When the lines do not add up to total − GST (an e-invoice's document-level charge or discount, or
  a rounding cent) the difference becomes one more line, "document_adjustment", on the account of
  the largest line, with a `document_adjustment` issue. So every journal balances: Σ expense lines
  + GST = total.
- When the invoice has no usable lines, one line for total − GST goes to the account the rules
  below choose.
- Each bill line also carries its share of the stated GST (largest-remainder apportionment over the
  taxable lines), so the stored lines' tax adds up to the bill's tax.

Accounts, in order (the rule is recorded on each line):
1. "po_line": the account of the purchase order line it was matched to;
2. "supplier_rule:v<n>:<key>": the account an approver re-coded lines like it to on this
   supplier's bills (version n of the supplier's learned layout, tools.documents.learned, passed
   as `layout`; lines are alike when their `line_key` is the same);
3. "learned:<past description>": the account of the most similar line on this supplier's earlier
   bills (Jaccard similarity ≥ LEARN_THRESHOLD over normalised tokens; ties go to the most recent);
4. "supplier_default": the supplier's default account;
5. "unclassified": the chart's designated unclassified-expense account, with an
   `account_unclassified` issue;
6. "unresolved": no account at all; the proposal then has no journal (`account_unresolved`) and a
   person must choose the account.
Only accounts in `ProposalChart.line_accounts` are ever used.

Tax codes: the invoice's own code when it is clearly taxable (→ GST) or GST-free (→ FRE); when no
line is coded, all lines are GST when the invoice charges GST and FRE when it does not; a line left
uncoded among coded ones takes its PO line's code, else GST or FRE by whether GST remains
unexplained, with a `tax_code_assumed` issue.

Credit notes are not supported yet: they are refused (`credit_note_unsupported`) so a person enters
them; so are receipts and other documents, foreign-currency invoices, and invoices without a
number, issue date or total.

The `proposal_hash` covers everything that moves money or decides where it goes (supplier, number,
dates, lines with accounts and tax, totals, the journal, the PO); the approval API compares it so
an approval is for exactly the proposal that was shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from tools.documents.learned import SupplierLayout
from tools.documents.model import DocumentType, Extraction, Issue, Line
from tools.documents.validation import tax_class
from tools.ledger.model import Journal, JournalLine
from tools.ledger.money import round_cents
from tools.matching.po_match import MatchResult, POLine
from tools.matching.similarity import description_tokens, similarity

__all__ = [
    "BLOCKING_CODES",
    "INFORMATIONAL_CODES",
    "LEARN_THRESHOLD",
    "BillLine",
    "BillProposal",
    "Evidence",
    "POLineEvidence",
    "PastBillLine",
    "ProposalChart",
    "ProposalRefused",
    "SupplierPosting",
    "propose_bill",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
QUANTUM4 = Decimal("0.0001")    # quantities and unit prices are stored to 4 places
LEARN_THRESHOLD = 0.5
DEFAULT_TERMS_DAYS = 30
GST, FREE = "GST", "FRE"
# A proposal is linked to the PO it was matched with, also when the match found exceptions (the
# approver decides those); never to a PO that was not found or belongs to someone else.
LINKED = frozenset({"matched_3way", "matched_2way", "mismatch"})
# Proposal issues that explain rather than warn: they do not stop an auto-post.
INFORMATIONAL_CODES = frozenset({"gst_inclusive_lines"})
# Without these resolved there is no journal to post.
BLOCKING_CODES = frozenset({"supplier_missing", "account_unresolved"})


# -- inputs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SupplierPosting:
    """What posting needs to know about the supplier (memory.ap_queries.supplier_posting)."""

    contact_id: int
    name: str
    default_account_code: str | None = None
    payment_terms_days: int = DEFAULT_TERMS_DAYS
    origin: str = "manual"      # how the contact was created (its audit "source")
    bills_posted: int = 0       # bills already in the ledger for this supplier
    established: bool = False   # trading with the business before it moved in (suppliers import)


@dataclass(frozen=True)
class PastBillLine:
    description: str
    account_code: str
    issue_date: date
    tax_code: str | None = None


@dataclass(frozen=True)
class ProposalChart:
    accounts_payable: str
    gst_paid: str
    line_accounts: frozenset[str]            # accounts a bill line may be posted to
    tax_rates: Mapping[str, Decimal]         # tax code → rate
    unclassified_account: str | None = None  # the designated "unclassified expense" account
    base_currency: str = "AUD"

    def __post_init__(self) -> None:
        object.__setattr__(self, "line_accounts", frozenset(self.line_accounts))
        object.__setattr__(self, "tax_rates", MappingProxyType(dict(self.tax_rates)))


# -- outputs --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BillLine:
    description: str
    quantity: Decimal
    unit_price: Decimal          # GST-exclusive, 4 places
    amount: Decimal              # GST-exclusive, cents
    tax_code: str
    tax_amount: Decimal          # this line's share of the stated GST
    account_code: str | None
    account_rule: str            # po_line | learned:<description> | supplier_default | ...
    source_line: int | None = None   # index into the extraction's lines; None when synthesised
    po_line_no: int | None = None


@dataclass(frozen=True)
class POLineEvidence:
    invoice_line: int
    po_number: str
    po_line_no: int
    description: str
    ordered: Decimal
    received: Decimal
    billed_before: Decimal
    unit_price: Decimal
    similarity: float
    quantity_ok: bool
    price_ok: bool
    received_ok: bool | None


@dataclass(frozen=True)
class Evidence:
    document_sha256: str | None
    method: str
    field_confidence: tuple[tuple[str, float], ...]
    field_methods: tuple[tuple[str, str], ...]
    provenance: tuple[tuple[str, str], ...]
    match_status: str | None
    po_lines: tuple[POLineEvidence, ...]
    account_rules: tuple[tuple[int, str], ...]   # bill line index → rule
    tax_rule: str
    due_date_rule: str
    proposed_on: date


@dataclass(frozen=True)
class ProposalRefused:
    """No proposal can be made until the data is fixed; `issues` say what is missing."""

    issues: tuple[Issue, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.issues)


@dataclass(frozen=True)
class BillProposal:
    supplier: SupplierPosting | None     # None: not in the supplier master
    supplier_name: str
    number: str
    issue_date: date
    due_date: date
    due_date_rule: str                   # "invoice" | "supplier_terms:<n> days" | "default_terms:..."
    currency: str
    lines: tuple[BillLine, ...]
    subtotal: Decimal                    # Σ line amounts = total − tax
    tax: Decimal                         # the invoice's stated GST
    total: Decimal
    computed_tax: Decimal                # GST worked out line by line, for comparison
    purchase_order_number: str | None
    journal: Journal | None              # None when the supplier or an account is unresolved
    issues: tuple[Issue, ...]
    evidence: Evidence = field(compare=False)

    @property
    def complete(self) -> bool:
        """A journal exists: supplier known, every line has an account."""
        return self.journal is not None

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.issues)

    def canonical(self) -> dict[str, Any]:
        """Everything that affects money, as JSON-ready values (the hash's input)."""
        return {
            "supplier": None if self.supplier is None else {
                "contact_id": self.supplier.contact_id, "name": self.supplier.name},
            "supplier_name": self.supplier_name,
            "number": self.number, "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(), "currency": self.currency,
            "purchase_order": self.purchase_order_number,
            "lines": [{"description": ln.description, "quantity": _num(ln.quantity),
                       "unit_price": _num(ln.unit_price), "amount": str(ln.amount),
                       "tax_code": ln.tax_code, "tax_amount": str(ln.tax_amount),
                       "account": ln.account_code, "po_line": ln.po_line_no} for ln in self.lines],
            "subtotal": str(self.subtotal), "tax": str(self.tax), "total": str(self.total),
            "journal": None if self.journal is None else {
                "date": self.journal.date.isoformat(), "narration": self.journal.narration,
                "lines": [[ln.account_code, str(ln.amount), ln.tax_code, ln.contact_id,
                           ln.description] for ln in self.journal.lines]},
        }

    def proposal_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        """The proposal with its rules, issues and evidence, for the approval API and the audit."""
        data = self.canonical()
        for out, ln in zip(data["lines"], self.lines):
            out["account_rule"] = ln.account_rule
            out["source_line"] = ln.source_line
        ev = self.evidence
        data.update({
            "proposal_hash": self.proposal_hash(), "due_date_rule": self.due_date_rule,
            "computed_tax": str(self.computed_tax), "complete": self.complete,
            "issues": [i.model_dump() for i in self.issues],
            "evidence": {
                "document_sha256": ev.document_sha256, "method": ev.method,
                "field_confidence": dict(ev.field_confidence),
                "field_methods": dict(ev.field_methods), "provenance": dict(ev.provenance),
                "match_status": ev.match_status, "tax_rule": ev.tax_rule,
                "due_date_rule": ev.due_date_rule, "proposed_on": ev.proposed_on.isoformat(),
                "po_lines": [{"invoice_line": p.invoice_line, "po_number": p.po_number,
                              "po_line_no": p.po_line_no, "description": p.description,
                              "ordered": _num(p.ordered), "received": _num(p.received),
                              "billed_before": _num(p.billed_before),
                              "unit_price": _num(p.unit_price), "similarity": p.similarity,
                              "quantity_ok": p.quantity_ok, "price_ok": p.price_ok,
                              "received_ok": p.received_ok} for p in ev.po_lines],
            }})
        return data


# -- helpers --------------------------------------------------------------------------------------

def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _money(value: Decimal) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _finite(value: Decimal | None) -> Decimal | None:
    return value if isinstance(value, Decimal) and value.is_finite() else None


def _q4(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM4, rounding=ROUND_HALF_UP)


def _is_note(line: Line) -> bool:
    amount = _finite(line.amount)
    return (amount is None or amount == 0) and _finite(line.quantity) is None and \
        _finite(line.unit_price) is None


def _refuse(code: str, message: str, fld: str | None = None) -> ProposalRefused:
    return ProposalRefused((Issue(code=code, message=message, field=fld),))


def apportion(amount: Decimal, weights: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Split `amount` (whole cents) in proportion to `weights`, largest remainder, so the parts add
    up exactly. All to the first weight when the weights add up to nothing."""
    if not weights:
        return ()
    total = sum(weights, ZERO)
    if total == 0:
        return (amount, *([ZERO] * (len(weights) - 1)))
    exact = [amount * w / total for w in weights]
    floors = [e.quantize(CENT, rounding=ROUND_FLOOR) for e in exact]
    left = int(((amount - sum(floors, ZERO)) / CENT).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    parts = list(floors)
    for i in order[:left]:
        parts[i] += CENT
    return tuple(parts)


# -- the proposal ---------------------------------------------------------------------------------

@dataclass
class _Draft:
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal                 # as on the invoice (may include GST)
    source_line: int | None
    raw_tax_code: str | None
    net: Decimal = ZERO
    tax_code: str = GST
    account_code: str | None = None
    account_rule: str = "unresolved"
    po_line: POLine | None = None


def propose_bill(extraction: Extraction, *, supplier: SupplierPosting | None,
                 history: Iterable[PastBillLine], match: MatchResult | None, chart: ProposalChart,
                 today: date, document_sha256: str | None = None,
                 layout: SupplierLayout | None = None) -> BillProposal | ProposalRefused:
    """The bill this invoice should become, or why none can be proposed (module docstring)."""
    ex = extraction
    refused = _refusal(ex, chart)
    if refused is not None:
        return refused
    assert ex.issue_date is not None and ex.total is not None
    number = (ex.invoice_number or "").strip()
    total = ex.total
    issues: list[Issue] = []
    tax, tax_rule = _tax(ex, issues)
    if tax != tax.quantize(CENT):
        return _refuse("tax_not_cents", f"The GST {tax} is not a whole number of cents.", "tax")
    drafts, lines_rule = _drafts(ex, total - tax, issues)
    linked = match is not None and match.purchase_order is not None and match.status in LINKED
    for d in drafts:
        if linked and d.source_line is not None:
            d.po_line = match.po_line_for(d.source_line)  # type: ignore[union-attr]
    _net_amounts(drafts, tax, total, issues)
    rates = chart.tax_rates
    _tax_codes(drafts, ex, tax, match, rates, issues)
    missing = sorted({d.tax_code for d in drafts} - set(rates))
    if missing:
        return _refuse("tax_code_unknown", f"The chart has no tax code {missing[0]!r}.")
    name = (supplier.name if supplier else (ex.supplier.name or "").strip()) or "Unknown supplier"
    _accounts(drafts, supplier, tuple(history), chart, issues, layout)
    _adjust(drafts, total - tax, tax, rates, chart, supplier, issues)
    computed = sum((round_cents(d.net * rates[d.tax_code]) for d in drafts), ZERO)
    taxable = sum(1 for d in drafts if rates[d.tax_code] > 0)
    tolerance = max(2 * CENT, CENT * taxable)
    if abs(computed - tax) > tolerance:
        issues.append(Issue(code="gst_differs", field="tax",
                            message=f"The invoice charges {_money(tax)} GST, but its lines work out "
                                    f"at {_money(computed)}. The invoice's GST is proposed (it is "
                                    "what the supplier charged); check it before claiming it."))
    weights = [d.net * rates[d.tax_code] for d in drafts]
    if not any(weights) and tax != 0:
        weights = [abs(d.net) for d in drafts]
    shares = apportion(tax, weights)
    lines = tuple(_bill_line(d, share) for d, share in zip(drafts, shares))
    if supplier is None:
        issues.append(Issue(code="supplier_missing", field="supplier",
                            message=f"{name} is not in the supplier master, so the bill cannot be "
                                    "posted yet. Check the supplier is real, add them, and the "
                                    "bill will be proposed again."))
    due, due_rule = _due_date(ex, supplier, issues)
    journal = None
    if supplier is not None and all(ln.account_code for ln in lines):
        journal = _journal(lines, tax, total, number, name, supplier.contact_id, ex.issue_date,
                           chart)
    po_number = match.po_number if linked and match is not None else None
    return BillProposal(
        supplier=supplier, supplier_name=name, number=number, issue_date=ex.issue_date,
        due_date=due, due_date_rule=due_rule, currency=chart.base_currency, lines=lines,
        subtotal=total - tax, tax=tax, total=total, computed_tax=computed,
        purchase_order_number=po_number, journal=journal,
        issues=tuple(dict.fromkeys(issues)),
        evidence=_evidence(ex, match, lines, tax_rule + lines_rule, due_rule, today,
                           document_sha256))


def _refusal(ex: Extraction, chart: ProposalChart) -> ProposalRefused | None:
    if ex.document_type == DocumentType.CREDIT_NOTE:
        return _refuse("credit_note_unsupported",
                       "This is a credit note. Credit notes are not proposed automatically yet: "
                       "enter it against the bill it credits.", "document_type")
    if ex.document_type != DocumentType.INVOICE:
        return _refuse("not_an_invoice",
                       f"This document is a {ex.document_type.value}, not an invoice; only "
                       "invoices become bills.", "document_type")
    currency = (ex.currency or "").strip().upper()
    if currency and currency != chart.base_currency.upper():
        return _refuse("currency_foreign",
                       f"The invoice is in {currency}. Enter the {chart.base_currency} amount "
                       "and exchange rate by hand; it is not proposed automatically.", "currency")
    if not (ex.invoice_number or "").strip():
        return _refuse("number_missing", "The invoice number could not be read; add it from the "
                                         "document.", "invoice_number")
    if ex.issue_date is None:
        return _refuse("date_missing", "The issue date could not be read; add it from the "
                                       "document.", "issue_date")
    total = _finite(ex.total)
    if total is None:
        return _refuse("total_missing", "The invoice total could not be read; add it from the "
                                        "document.", "total")
    if total != total.quantize(CENT):
        return _refuse("total_not_cents", f"The total {total} is not a whole number of cents.",
                       "total")
    if total <= 0:
        return _refuse("amount_not_positive",
                       f"The invoice total is {_money(total)}; a bill must be for more than "
                       "$0.00 (a negative invoice is a credit note).", "total")
    return None


def _tax(ex: Extraction, issues: list[Issue]) -> tuple[Decimal, str]:
    stated = _finite(ex.tax)
    if stated is not None:
        return stated, "tax:stated"
    subtotal = _finite(ex.subtotal)
    total = ex.total or ZERO
    if subtotal is not None:
        issues.append(Issue(code="tax_not_stated", field="tax",
                            message=f"No GST amount is shown; total less subtotal "
                                    f"({_money(total - subtotal)}) is proposed as the GST."))
        return total - subtotal, "tax:total_less_subtotal"
    issues.append(Issue(code="tax_not_stated", field="tax",
                        message="Neither GST nor a subtotal is shown; the bill is proposed with "
                                "no GST credit. Check whether the supplier charged GST."))
    return ZERO, "tax:none_shown"


def _drafts(ex: Extraction, ex_gst: Decimal, issues: list[Issue]) -> tuple[list[_Draft], str]:
    usable = [(i, ln) for i, ln in enumerate(ex.lines) if not _is_note(ln)]
    drafts: list[_Draft] = []
    for i, ln in usable:
        amount = _finite(ln.amount)
        qty, unit = _finite(ln.quantity), _finite(ln.unit_price)
        if amount is None and qty is not None and unit is not None:
            amount = qty * unit
        if amount is None:
            break
        if amount != round_cents(amount):
            issues.append(Issue(code="amount_rounded", field=f"lines[{i}].amount",
                                message=f"Line {i + 1}'s amount {amount} was rounded to the cent."))
            amount = round_cents(amount)
        drafts.append(_Draft((ln.description or "").strip() or f"Line {i + 1}", qty, unit, amount,
                             i, ln.tax_code))
    else:
        if drafts:
            return drafts, ""
    if usable:
        issues.append(Issue(code="lines_unusable", field="lines",
                            message="Some lines have no amount, so the bill is proposed as one "
                                    "line for the invoice's value before GST."))
    number = (ex.invoice_number or "").strip()
    desc = f"{(ex.supplier.name or 'Supplier').strip()} invoice {number}".strip()
    return [_Draft(desc, None, None, ex_gst, None, None)], ";lines:one_line_for_subtotal"


def _net_amounts(drafts: list[_Draft], tax: Decimal, total: Decimal, issues: list[Issue]) -> None:
    """GST-exclusive line amounts: GST-inclusive lines (adding up to the total) give up the GST."""
    line_sum = sum((d.amount for d in drafts), ZERO)
    inclusive = (len(drafts) > 0 and drafts[0].source_line is not None and tax != 0
                 and abs(line_sum - total) <= CENT and abs(line_sum - (total - tax)) > CENT)
    if not inclusive:
        for d in drafts:
            d.net = d.amount
        return
    taxable = [tax_class(d.raw_tax_code) not in ("free",) for d in drafts]
    shares = apportion(tax, [d.amount if t else ZERO for d, t in zip(drafts, taxable)])
    for d, share in zip(drafts, shares):
        d.net = d.amount - share
    issues.append(Issue(code="gst_inclusive_lines", field="lines",
                        message="The line amounts include GST; the GST was taken out of them."))


def _tax_codes(drafts: list[_Draft], ex: Extraction, tax: Decimal, match: MatchResult | None,
               rates: Mapping[str, Decimal], issues: list[Issue]) -> None:
    classes = [tax_class(d.raw_tax_code) for d in drafts]
    known = any(c in ("taxable", "free") for c in classes)
    if not known:
        code = GST if tax != 0 else FREE
        for d in drafts:
            d.tax_code = code
        return
    gst_rate = rates.get(GST, Decimal("0.10"))
    explained = sum((round_cents(d.net * gst_rate) for d, c in zip(drafts, classes)
                     if c == "taxable"), ZERO)
    for d, c in zip(drafts, classes):
        if c == "taxable":
            d.tax_code = GST
        elif c == "free":
            d.tax_code = FREE
        else:
            po_line = match.po_line_for(d.source_line) if match and d.source_line is not None \
                else None
            if po_line is not None:
                d.tax_code, why = po_line.tax_code, "its purchase order line's"
            else:
                d.tax_code = GST if tax - explained > CENT else FREE
                why = "GST" if d.tax_code == GST else "GST-free"
            shown = f" ({d.raw_tax_code!r} is not a known code)" if c == "unknown" else ""
            issues.append(Issue(code="tax_code_assumed", field=f"lines[{d.source_line}].tax_code",
                                message=f"{d.description}: no clear tax code{shown}; "
                                        f"proposed as {why} ({d.tax_code})."))


def _learned(description: str, history: tuple[PastBillLine, ...],
             allowed: frozenset[str]) -> PastBillLine | None:
    tokens = description_tokens(description)
    best: tuple[float, date] | None = None
    found: PastBillLine | None = None
    for past in history:
        if past.account_code not in allowed:
            continue
        sim = similarity(tokens, description_tokens(past.description))
        if sim < LEARN_THRESHOLD:
            continue
        key = (sim, past.issue_date)
        if best is None or key > best:
            best, found = key, past
    return found


def _accounts(drafts: list[_Draft], supplier: SupplierPosting | None,
              history: tuple[PastBillLine, ...], chart: ProposalChart,
              issues: list[Issue], layout: SupplierLayout | None = None) -> None:
    allowed = chart.line_accounts
    default = supplier.default_account_code if supplier else None
    unclassified_noted = unresolved_noted = False
    for d in drafts:
        po_line = d.po_line
        if po_line is not None and po_line.account_code in allowed:
            d.account_code, d.account_rule = po_line.account_code, "po_line"
            continue
        rule = layout.account_for(d.description) if layout and d.source_line is not None else None
        if rule is not None and rule[1] in allowed:
            d.account_code, d.account_rule = rule[1], f"supplier_rule:v{layout.version}:{rule[0]}"  # type: ignore[union-attr]
            continue
        past = _learned(d.description, history, allowed) if d.source_line is not None else None
        if past is not None:
            d.account_code, d.account_rule = past.account_code, f"learned:{past.description}"
        elif default and default in allowed:
            d.account_code, d.account_rule = default, "supplier_default"
        elif chart.unclassified_account and chart.unclassified_account in allowed:
            d.account_code, d.account_rule = chart.unclassified_account, "unclassified"
            if not unclassified_noted:
                unclassified_noted = True
                issues.append(Issue(code="account_unclassified", field="lines",
                                    message="No account could be chosen for some lines (no PO, "
                                            "no similar earlier bill, no default account for "
                                            "the supplier); they go to the unclassified "
                                            f"expense account {chart.unclassified_account}. "
                                            "Choose the right account."))
        else:
            d.account_code, d.account_rule = None, "unresolved"
            if not unresolved_noted:
                unresolved_noted = True
                issues.append(Issue(code="account_unresolved", field="lines",
                                    message="No account could be chosen for some lines (no PO, "
                                            "no similar earlier bill, no default account for "
                                            "the supplier, no unclassified expense account). "
                                            "Choose the account when approving."))


def _adjust(drafts: list[_Draft], ex_gst: Decimal, tax: Decimal, rates: Mapping[str, Decimal],
            chart: ProposalChart, supplier: SupplierPosting | None, issues: list[Issue]) -> None:
    """One more line for whatever separates the lines from total − GST, so the journal balances."""
    diff = ex_gst - sum((d.net for d in drafts), ZERO)
    if diff == 0:
        return
    computed = sum((round_cents(d.net * rates[d.tax_code]) for d in drafts), ZERO)
    gst_rate = rates.get(GST, Decimal("0.10"))
    tolerance = max(2 * CENT, CENT * len(drafts))
    code = GST if (abs(tax - computed - round_cents(diff * gst_rate)) <= tolerance
                   and round_cents(diff * gst_rate) != 0) else FREE
    largest = max(drafts, key=lambda d: abs(d.net))
    account, rule = largest.account_code, "document_adjustment"
    if account is None:
        default = supplier.default_account_code if supplier else None
        account = default if default in chart.line_accounts else None
    drafts.append(_Draft("Difference between the invoice's lines and its total (charges, "
                         "discounts or rounding)", None, None, diff, None, code, net=diff,
                         tax_code=code, account_code=account,
                         account_rule=rule if account else "unresolved"))
    issues.append(Issue(code="document_adjustment", field="lines",
                        message=f"The lines add up to {_money(ex_gst - diff)}, but the invoice's "
                                f"value before GST is {_money(ex_gst)}; the difference of "
                                f"{_money(diff)} is proposed as a separate line."))


def _bill_line(d: _Draft, tax_share: Decimal) -> BillLine:
    qty = d.quantity if d.quantity is not None and d.quantity != 0 else Decimal(1)
    if d.unit_price is not None and d.net == d.amount and d.quantity is not None:
        unit = d.unit_price
    else:
        unit = d.net / qty
    return BillLine(d.description, _q4(qty), _q4(unit), d.net, d.tax_code, tax_share,
                    d.account_code, d.account_rule, d.source_line,
                    d.po_line.line_no if d.po_line is not None else None)


def _due_date(ex: Extraction, supplier: SupplierPosting | None,
              issues: list[Issue]) -> tuple[date, str]:
    assert ex.issue_date is not None
    if ex.due_date is not None and ex.due_date >= ex.issue_date:
        return ex.due_date, "invoice"
    if ex.due_date is not None:
        issues.append(Issue(code="due_date_ignored", field="due_date",
                            message="The due date on the invoice is before its issue date; the "
                                    "supplier's terms are used instead."))
    if supplier is not None:
        days = supplier.payment_terms_days
        return ex.issue_date + timedelta(days=days), f"supplier_terms:{days} days"
    return ex.issue_date + timedelta(days=DEFAULT_TERMS_DAYS), \
        f"default_terms:{DEFAULT_TERMS_DAYS} days"


def _journal(lines: tuple[BillLine, ...], tax: Decimal, total: Decimal, number: str, name: str,
             contact_id: int, issue_date: date, chart: ProposalChart) -> Journal:
    """Dr each (account, tax code) its lines' amounts, Dr GST paid the stated GST, Cr trade
    creditors the total. Balanced by construction: Σ lines = total − GST."""
    groups: dict[tuple[str, str], Decimal] = {}
    for ln in lines:
        assert ln.account_code is not None
        key = (ln.account_code, ln.tax_code)
        groups[key] = groups.get(key, ZERO) + ln.amount
    out = [JournalLine(code, amount, f"{name} {number}", tax_code, contact_id)
           for (code, tax_code), amount in groups.items() if amount != 0]
    if tax != 0:
        out.append(JournalLine(chart.gst_paid, tax, f"GST on {number}"))
    out.append(JournalLine(chart.accounts_payable, -total, f"{name} {number}", None, contact_id))
    return Journal(issue_date, f"Bill {number} {name}", tuple(out), source_type="bill",
                   source_ref=number)


def _evidence(ex: Extraction, match: MatchResult | None, lines: tuple[BillLine, ...],
              tax_rule: str, due_rule: str, today: date, sha: str | None) -> Evidence:
    po_lines: list[POLineEvidence] = []
    if match is not None and match.purchase_order is not None:
        po = match.purchase_order
        for m in match.line_matches:
            pl = po.line(m.po_line_no)
            if pl is None:
                continue
            po_lines.append(POLineEvidence(m.invoice_line, po.number, pl.line_no, pl.description,
                                           pl.quantity, pl.received, pl.billed, pl.unit_price,
                                           m.similarity, m.quantity_ok, m.price_ok,
                                           m.received_ok))
    return Evidence(
        document_sha256=sha, method=ex.method.value,
        field_confidence=tuple(sorted((k, float(v)) for k, v in ex.confidence.items())),
        field_methods=tuple(sorted((k, v.value) for k, v in ex.field_methods.items())),
        provenance=tuple(sorted(ex.provenance.items())),
        match_status=match.status if match is not None else None, po_lines=tuple(po_lines),
        account_rules=tuple((n, ln.account_rule) for n, ln in enumerate(lines)),
        tax_rule=tax_rule, due_date_rule=due_rule, proposed_on=today)
