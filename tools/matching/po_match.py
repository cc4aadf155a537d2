"""Match a supplier invoice to a purchase order and its goods receipts (ARCHITECTURE.md §4.4; pure).

Two-way matching compares the invoice with the order (what was agreed: items, quantities, prices);
three-way matching also compares it with the goods receipts (what actually arrived). Every
disagreement is an exception (an `Issue`), never a guess: an invoice that quotes a PO we do not have
is `po_not_found`, not "probably that other PO". The decide step treats every exception as a hard
hold (tools.policies.decide).

Algorithm
1. The PO reference is normalised (case, punctuation, a leading "PO"/"P.O."/"Order No." and leading
   zeros of digit groups go: "PO-002606-CER", "po 2606 cer" and "2606/CER" are the same order) and
   looked up among the purchase orders given (the supplier's open orders plus, so that a closed or
   foreign order is recognised, the one the invoice names, whatever its status).
   - No reference: status "no_po". If the supplier has exactly one open order whose unbilled value
     equals the invoice's value ex GST within `total_abs`, it is offered as `suggestion`; it is
     never matched automatically.
   - Not found (or ambiguous after normalising): "po_not_found". The order of another supplier (or
     an invoice from a supplier not in the master): "po_other_supplier".
2. Lines are paired one-to-one. For every (invoice line, PO line) pair the description similarity
   (Jaccard over normalised tokens, tools.matching.similarity) is computed; a pair is eligible when
   the similarity is at least PAIR_BY_DESCRIPTION (0.6), or at least PAIR_WITH_PRICE (0.3) and the
   unit price agrees within tolerance. Eligible pairs are taken greedily by score (similarity, +0.3
   when the price agrees, +0.1 when the quantity equals the quantity still open), ties by invoice
   line then PO line number, each line used once. Invoice lines with neither amount nor quantity
   (notes) are skipped; the other unpaired invoice lines are `po_line_unmatched`.
3. Each pair is checked:
   - price: the invoice's unit price (stated, and amount ÷ quantity when both are shown) within
     max(price_pct × PO price, price_abs) of the PO's unit price, else `po_price_mismatch`;
   - quantity: quantity billed before + this quantity ≤ ordered × (1 + quantity_pct), else
     `po_quantity_mismatch` (or `po_over_billed` when the line was already billed in full);
   - received (three-way, when the PO has any goods receipt or `receipts_required`): billed before
     + this quantity ≤ received × (1 + quantity_pct), else `po_not_received`. A PO with no receipt
     at all is matched two-way (services, or a business that does not receipt goods).
   When the lines pass, the whole order is checked too: value billed before + this invoice's value
   ex GST may not exceed the order's value × (1 + price_pct) + total_abs (`po_over_billed`), which
   catches charges in the subtotal that are not on any line.
   An invoice without lines is matched on its value ex GST against the order's unbilled value (and,
   three-way, the received but unbilled value).
4. Status: "mismatch" when there is any exception, else "matched_3way" or "matched_2way".

Default tolerances (MatchTolerances): quantities exact (quantity_pct 0: goods are counted; raise it
for goods sold by weight or volume), unit prices within 1% or 1 cent whichever is more (suppliers
round unit prices; more than 1% is a price change someone should see), and $1.00 on whole-order
values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from tools.documents.model import Extraction, Issue, Line
from tools.ledger.money import round_cents
from tools.matching.similarity import description_tokens, similarity

__all__ = [
    "EXCEPTION_CODES", "LineMatch", "MatchResult", "MatchStatus", "MatchTolerances",
    "OpenPurchaseOrder", "POLine", "match_purchase_order", "match_tolerances_from",
    "normalise_po_number",
]

MatchStatus = Literal["matched_3way", "matched_2way", "no_po", "po_not_found",
                      "po_other_supplier", "mismatch"]
EXCEPTION_CODES = frozenset({
    "po_not_found", "po_closed", "po_other_supplier", "po_price_mismatch", "po_quantity_mismatch",
    "po_not_received", "po_line_unmatched", "po_over_billed",
})
PAIR_BY_DESCRIPTION = 0.6
PAIR_WITH_PRICE = 0.3
ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class MatchTolerances:
    quantity_pct: Decimal = Decimal(0)      # 0.05 = 5% over the ordered/received quantity
    price_pct: Decimal = Decimal("0.01")      # unit price may differ by 1% of the PO price...
    price_abs: Decimal = Decimal("0.01")      # ...or by this much a unit, whichever is more
    total_abs: Decimal = Decimal("1.00")      # slack on whole-order values and PO suggestions
    receipts_required: bool = False           # True: a PO with no goods receipt fails three-way

    def price_tolerance(self, po_price: Decimal) -> Decimal:
        return max(abs(po_price) * self.price_pct, self.price_abs)

    def quantity_limit(self, quantity: Decimal) -> Decimal:
        return quantity * (1 + self.quantity_pct)


@dataclass(frozen=True)
class POLine:
    """One purchase order line with what has been received and billed against it so far."""

    line_no: int
    description: str
    quantity: Decimal         # ordered
    unit_price: Decimal       # GST-exclusive
    account_code: str
    tax_code: str
    received: Decimal = ZERO
    billed: Decimal = ZERO
    id: int | None = None     # the database row, for linking bill lines

    @property
    def amount(self) -> Decimal:
        return round_cents(self.quantity * self.unit_price)

    @property
    def open_quantity(self) -> Decimal:
        return max(ZERO, self.quantity - self.billed)


@dataclass(frozen=True)
class OpenPurchaseOrder:
    number: str
    contact_id: int
    lines: tuple[POLine, ...]
    status: str = "open"      # open | partially_received | received | closed
    issue_date: date | None = None
    id: int | None = None

    @property
    def total(self) -> Decimal:
        """The order's value ex GST."""
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))

    @property
    def billed_value(self) -> Decimal:
        return sum((round_cents(ln.billed * ln.unit_price) for ln in self.lines), Decimal("0.00"))

    @property
    def open_value(self) -> Decimal:
        return sum((round_cents(ln.open_quantity * ln.unit_price) for ln in self.lines),
                   Decimal("0.00"))

    @property
    def received_unbilled_value(self) -> Decimal:
        return sum((round_cents(max(ZERO, ln.received - ln.billed) * ln.unit_price)
                    for ln in self.lines), Decimal("0.00"))

    @property
    def has_receipts(self) -> bool:
        return any(ln.received > 0 for ln in self.lines)

    def line(self, line_no: int | None) -> POLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)


@dataclass(frozen=True)
class LineMatch:
    invoice_line: int               # index into the extraction's lines
    po_line_no: int | None          # None: matched no PO line
    similarity: float
    quantity: Decimal | None        # billed on this invoice (stated or worked out)
    unit_price: Decimal | None      # on the invoice, ex GST
    quantity_ok: bool
    price_ok: bool
    received_ok: bool | None        # None: not checked (two-way)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    status: MatchStatus
    po_number: str | None           # the order's own number (not the text on the invoice)
    line_matches: tuple[LineMatch, ...] = ()
    exceptions: tuple[Issue, ...] = ()
    suggestion: str | None = None   # "no_po" only: the one open order of equal value
    purchase_order: OpenPurchaseOrder | None = None
    three_way: bool = False
    reference: str | None = None    # what the invoice quoted

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.exceptions)

    @property
    def matched(self) -> bool:
        return self.status in ("matched_3way", "matched_2way")

    def po_line_for(self, invoice_line: int) -> POLine | None:
        if self.purchase_order is None:
            return None
        for m in self.line_matches:
            if m.invoice_line == invoice_line and m.po_line_no is not None:
                return self.purchase_order.line(m.po_line_no)
        return None


def match_tolerances_from(settings: object, **overrides: object) -> MatchTolerances:
    """MatchTolerances from any settings object with match_quantity_pct, match_price_pct,
    match_price_abs, match_total_abs, match_receipts_required (missing ones keep the defaults)."""
    values: dict[str, object] = {}
    for name in ("quantity_pct", "price_pct", "price_abs", "total_abs"):
        value = getattr(settings, f"match_{name}", None)
        if value is not None:
            values[name] = Decimal(str(value))
    required = getattr(settings, "match_receipts_required", None)
    if required is not None:
        values["receipts_required"] = bool(required)
    values.update(overrides)
    return MatchTolerances(**values)  # type: ignore[arg-type]


# -- helpers --------------------------------------------------------------------------------------

_PO_PREFIX = frozenset({"po", "p", "o", "purchase", "order", "ord", "no", "nr", "num", "number",
                        "ref", "reference", "our", "your"})
_PO_TOKENS = re.compile(r"[^\W\d_]+|\d+")


def normalise_po_number(reference: str | None) -> str:
    """Case, punctuation, a leading "PO"/"P.O."/"Order No." and leading zeros of digit groups go."""
    text = unicodedata.normalize("NFKC", reference or "").casefold()
    tokens = _PO_TOKENS.findall(text)
    while len(tokens) > 1 and tokens[0] in _PO_PREFIX:
        tokens = tokens[1:]
    return "".join(t.lstrip("0") or "0" if t.isdigit() else t for t in tokens)


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def _price(value: Decimal) -> str:
    return f"${value:,.2f}" if value == value.quantize(CENT) else f"${_num(value)}"


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _finite(value: Decimal | None) -> Decimal | None:
    return value if isinstance(value, Decimal) and value.is_finite() else None


def _div(a: Decimal, b: Decimal) -> Decimal | None:
    try:
        return a / b if b != 0 else None
    except (InvalidOperation, ArithmeticError):
        return None


def _label(i: int, line: Line) -> str:
    desc = (line.description or "").strip()
    return f"Line {i + 1}" + (f" ({desc[:60]})" if desc else "")


def _is_note(line: Line) -> bool:
    amount = _finite(line.amount)
    return ((amount is None or amount == 0) and _finite(line.quantity) is None
            and _finite(line.unit_price) is None)


def _quantity_and_price(line: Line, po_price: Decimal | None) -> tuple[Decimal | None, Decimal | None, list[str]]:
    qty, unit, amount = _finite(line.quantity), _finite(line.unit_price), _finite(line.amount)
    notes: list[str] = []
    if unit is None and amount is not None and qty:
        unit = _div(amount, qty)
    if qty is None and amount is not None:
        base = unit if unit else po_price
        derived = _div(amount, base) if base else None
        if derived is not None:
            qty = derived.quantize(Decimal("0.0001"))
            notes.append("quantity worked out from the amount")
            if unit is None and round_cents(qty * base) == amount:  # type: ignore[operator]
                unit = base  # the amount is exactly a quantity at the PO price
    return qty, unit, notes


def _invoice_value(ex: Extraction) -> Decimal | None:
    subtotal, total, tax = _finite(ex.subtotal), _finite(ex.total), _finite(ex.tax)
    if subtotal is not None:
        return subtotal
    if total is not None:
        return total - (tax or ZERO)
    amounts = [_finite(ln.amount) for ln in ex.lines]
    if amounts and all(a is not None for a in amounts):
        return sum((a for a in amounts if a is not None), ZERO)
    return None


# -- the match ------------------------------------------------------------------------------------

def quoted_open_order(document_text: str, contact_id: int | None,
                      purchase_orders: Sequence[OpenPurchaseOrder]) -> str | None:
    """The one open order of this supplier whose number the document's text carries as a whole
    token, whatever label it sits under ("Job 4471 / PO-2134", "Your order: 2134"), else None."""
    if contact_id is None or not document_text:
        return None
    found = {po.number for po in purchase_orders
             if po.contact_id == contact_id and po.status != "closed" and len(po.number) >= 4
             and re.search(rf"(?<![\w-]){re.escape(po.number)}(?![\w-])", document_text, re.IGNORECASE)}
    return found.pop() if len(found) == 1 else None


def match_purchase_order(ex: Extraction, *, contact_id: int | None,
                         purchase_orders: Sequence[OpenPurchaseOrder],
                         tolerances: MatchTolerances = MatchTolerances(),
                         document_text: str = "") -> MatchResult:
    """Match the invoice to the purchase order it quotes (see the module docstring). When no
    reference was read, an open order of the supplier's named anywhere in `document_text` is
    taken as the reference."""
    reference = (ex.purchase_order or "").strip() or None
    if reference is None:
        reference = quoted_open_order(document_text, contact_id, purchase_orders)
    key = normalise_po_number(reference)
    if not key:
        return _suggest(ex, contact_id, purchase_orders, tolerances)
    po = _find(reference or "", key, contact_id, purchase_orders)
    if po is None:
        return MatchResult("po_not_found", None, exceptions=(Issue(
            code="po_not_found", field="purchase_order",
            message=f"The invoice quotes purchase order {reference!r}, but there is no purchase "
                    "order with that number. Check the number with the supplier or whoever "
                    "ordered; the bill is not matched to any other order."),), reference=reference)
    if contact_id is None or po.contact_id != contact_id:
        why = ("the supplier is not in the supplier master, so the order cannot be confirmed as "
               "theirs" if contact_id is None else "it was raised with a different supplier")
        return MatchResult("po_other_supplier", po.number, purchase_order=po, reference=reference,
                           exceptions=(Issue(code="po_other_supplier", field="purchase_order",
                                             message=f"The invoice quotes purchase order "
                                                     f"{po.number}, but {why}."),))
    exceptions: list[Issue] = []
    if po.status == "closed":
        exceptions.append(Issue(code="po_closed", field="purchase_order",
                                message=f"Purchase order {po.number} is closed: it has already "
                                        "been billed in full. This may be a duplicate bill."))
    three_way = po.has_receipts or tolerances.receipts_required
    usable = [i for i, ln in enumerate(ex.lines) if not _is_note(ln)]
    if usable:
        matches, line_issues = _match_lines(ex, po, usable, tolerances, three_way)
    else:
        matches, line_issues = [], _match_header(ex, po, tolerances, three_way)
    exceptions += line_issues
    exceptions += _order_value_issues(ex, po, tolerances, already=exceptions)
    status: MatchStatus = ("mismatch" if exceptions
                           else "matched_3way" if three_way else "matched_2way")
    return MatchResult(status, po.number, tuple(matches), tuple(dict.fromkeys(exceptions)),
                       purchase_order=po, three_way=three_way, reference=reference)


def _find(reference: str, key: str, contact_id: int | None,
          purchase_orders: Sequence[OpenPurchaseOrder]) -> OpenPurchaseOrder | None:
    exact = [po for po in purchase_orders if po.number.strip().casefold() == reference.casefold()]
    if len(exact) == 1:
        return exact[0]
    found = list({po.number: po for po in purchase_orders
                  if normalise_po_number(po.number) == key}.values())
    if len(found) > 1:
        found = [po for po in found if po.contact_id == contact_id]
    return found[0] if len(found) == 1 else None


def _suggest(ex: Extraction, contact_id: int | None, purchase_orders: Sequence[OpenPurchaseOrder],
             tol: MatchTolerances) -> MatchResult:
    value = _invoice_value(ex)
    if contact_id is None or value is None:
        return MatchResult("no_po", None)
    candidates = [po for po in purchase_orders
                  if po.contact_id == contact_id and po.status != "closed"
                  and po.open_value > 0 and abs(po.open_value - value) <= tol.total_abs]
    unique = {po.number: po for po in candidates}
    if len(unique) == 1:
        (po,) = unique.values()
        return MatchResult("no_po", None, suggestion=po.number)
    return MatchResult("no_po", None)


def _match_lines(ex: Extraction, po: OpenPurchaseOrder, usable: list[int], tol: MatchTolerances,
                 three_way: bool) -> tuple[list[LineMatch], list[Issue]]:
    po_tokens = {ln.line_no: description_tokens(ln.description) for ln in po.lines}
    candidates: list[tuple[float, int, int, float]] = []
    for i in usable:
        line = ex.lines[i]
        tokens = description_tokens(line.description)
        for pl in po.lines:
            sim = similarity(tokens, po_tokens[pl.line_no])
            qty, unit, _ = _quantity_and_price(line, pl.unit_price)
            price_ok = unit is not None and abs(unit - pl.unit_price) <= tol.price_tolerance(pl.unit_price)
            if not (sim >= PAIR_BY_DESCRIPTION or (sim >= PAIR_WITH_PRICE and price_ok)
                    or (not tokens and price_ok)):
                continue
            score = sim + (0.3 if price_ok else 0.0) + (0.1 if qty == pl.open_quantity else 0.0)
            candidates.append((-score, i, pl.line_no, sim))
    candidates.sort()
    paired: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for _, i, line_no, sim in candidates:
        if i in paired or line_no in used:
            continue
        paired[i] = (line_no, sim)
        used.add(line_no)
    matches: list[LineMatch] = []
    issues: list[Issue] = []
    for i in usable:
        line = ex.lines[i]
        if i not in paired:
            _, unit, _ = _quantity_and_price(line, None)
            matches.append(LineMatch(i, None, 0.0, _finite(line.quantity), unit, False, False,
                                     False if three_way else None, ("matches no line of the order",)))
            issues.append(Issue(code="po_line_unmatched", field=f"lines[{i}]",
                                message=f"{_label(i, line)} matches no line of purchase order "
                                        f"{po.number}: it was not ordered."))
            continue
        line_no, sim = paired[i]
        paired_line = po.line(line_no)
        assert paired_line is not None
        match, line_issues = _check_pair(i, line, paired_line, po, sim, tol, three_way)
        matches.append(match)
        issues += line_issues
    return matches, issues


def _check_pair(i: int, line: Line, pl: POLine, po: OpenPurchaseOrder, sim: float,
                tol: MatchTolerances, three_way: bool) -> tuple[LineMatch, list[Issue]]:
    label, where = _label(i, line), f"{po.number} line {pl.line_no}"
    qty, unit, reasons = _quantity_and_price(line, pl.unit_price)
    issues: list[Issue] = []
    allowed = tol.price_tolerance(pl.unit_price)
    amount, stated_qty = _finite(line.amount), _finite(line.quantity)
    per_unit = _div(amount, stated_qty) if amount is not None and stated_qty else None
    prices = [p for p in (_finite(line.unit_price), per_unit, unit) if p is not None]
    price_ok = bool(prices) and all(abs(p - pl.unit_price) <= allowed for p in prices)
    if not price_ok:
        bad = next((p for p in prices if abs(p - pl.unit_price) > allowed), None)
        shown = _price(round_cents(bad) if bad == round_cents(bad) or abs(bad) >= 1 else bad) \
            if bad is not None else "not shown"
        reasons.append(f"unit price {shown}, ordered at {_price(pl.unit_price)}")
        issues.append(Issue(code="po_price_mismatch", field=f"lines[{i}].unit_price",
                            message=f"{label}: the unit price is {shown}, but {where} was ordered "
                                    f"at {_price(pl.unit_price)} (tolerance {_price(allowed)})."))
    quantity_ok = qty is not None and pl.billed + qty <= tol.quantity_limit(pl.quantity)
    if qty is None:
        reasons.append("quantity not shown")
        issues.append(Issue(code="po_quantity_mismatch", field=f"lines[{i}].quantity",
                            message=f"{label}: no quantity is shown, so it cannot be checked "
                                    f"against {where}."))
    elif not quantity_ok and pl.billed >= pl.quantity:
        reasons.append(f"{where} already billed in full")
        issues.append(Issue(code="po_over_billed", field=f"lines[{i}].quantity",
                            message=f"{label}: {where} was already billed in full "
                                    f"({_num(pl.billed)} of {_num(pl.quantity)}); this bills "
                                    f"{_num(qty)} more."))
    elif not quantity_ok:
        reasons.append(f"bills {_num(qty)}, {_num(pl.open_quantity)} left on the order")
        issues.append(Issue(code="po_quantity_mismatch", field=f"lines[{i}].quantity",
                            message=f"{label}: bills {_num(qty)}, but {where} ordered "
                                    f"{_num(pl.quantity)} and {_num(pl.billed)} were billed "
                                    f"before: only {_num(pl.open_quantity)} are left to bill."))
    received_ok: bool | None = None
    if three_way:
        received_ok = qty is not None and pl.billed + qty <= tol.quantity_limit(pl.received)
        if qty is not None and not received_ok:
            unbilled = max(ZERO, pl.received - pl.billed)
            reasons.append(f"bills {_num(qty)}, {_num(unbilled)} received and not yet billed")
            issues.append(Issue(code="po_not_received", field=f"lines[{i}].quantity",
                                message=f"{label}: bills {_num(qty)}, but only "
                                        f"{_num(pl.received)} have been received against {where}"
                                        f" ({_num(pl.billed)} billed before). The three-way "
                                        "match fails: check the delivery before approving."))
    return LineMatch(i, pl.line_no, round(sim, 4), qty, unit, quantity_ok, price_ok, received_ok,
                     tuple(reasons)), issues


def _match_header(ex: Extraction, po: OpenPurchaseOrder, tol: MatchTolerances,
                  three_way: bool) -> list[Issue]:
    value = _invoice_value(ex)
    if value is None:
        return [Issue(code="po_price_mismatch", field="subtotal",
                      message=f"The invoice shows no lines and no amount to compare with "
                              f"purchase order {po.number}.")]
    issues: list[Issue] = []
    slack = max(tol.total_abs, po.open_value * tol.price_pct)
    if value > po.open_value + slack:
        issues.append(Issue(code="po_over_billed", field="subtotal",
                            message=f"The invoice is for {_money(value)} ex GST, but only "
                                    f"{_money(po.open_value)} of purchase order {po.number} is "
                                    "left to bill."))
    if three_way and value > po.received_unbilled_value + slack:
        issues.append(Issue(code="po_not_received", field="subtotal",
                            message=f"The invoice is for {_money(value)} ex GST, but goods worth "
                                    f"only {_money(po.received_unbilled_value)} have been "
                                    f"received against {po.number} and not yet billed. The "
                                    "three-way match fails: check the delivery."))
    return issues


def _order_value_issues(ex: Extraction, po: OpenPurchaseOrder, tol: MatchTolerances,
                        already: list[Issue]) -> list[Issue]:
    if already:
        return []  # the lines already say what is wrong; the order total would only repeat it
    value = _invoice_value(ex)
    if value is None:
        return []
    ceiling = po.total * (1 + tol.price_pct) + tol.total_abs
    if po.billed_value + value <= ceiling:
        return []
    return [Issue(code="po_over_billed", field="subtotal",
                  message=f"Purchase order {po.number} is for {_money(po.total)} ex GST; "
                          f"{_money(po.billed_value)} was billed before and this invoice adds "
                          f"{_money(value)}, more than the order allows.")]
