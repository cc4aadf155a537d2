"""Totals found by what they must satisfy, when their labels are not ones we know.

An invoice's money is over-determined: the subtotal is the sum of the lines, the GST is 10% of the
taxable lines, and subtotal + GST = total. So among the amounts printed after the line items, the
three that satisfy those constraints are the subtotal, GST and total whatever they are called
("Total charges (ex GST)", "Nett", "Amount payable"). Labels we do know still count as evidence,
and the confidence says how much of the arithmetic held.

Also here: a second, different total printed on the same document ("Total 1,234.00" but "Amount
Due 1,334.00") with no payment explaining the difference. That is a conflict for a person, never a
guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tools.documents.layout_fields import Doc
from tools.documents.layout_values import find_amounts, find_dates

CENT = Decimal("0.01")
GST_RATE = Decimal("0.1")
_MAX_LABEL_WORDS = 7
_NOT_A_TOTAL = re.compile(r"\b(?:abn|bsb|acc(?:oun)?t|phone|tel|fax|page|qty|quantity|invoice\s+(?:no|number)|"
                          r"po\b|order|ref(?:erence)?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class AmountRow:
    """An amount closing a line after the table, with what its label says it is (None: unknown)."""

    kind: str | None
    value: Decimal
    line: int


def candidate_rows(doc: Doc, labelled: list[tuple[str, Decimal, int]], *, start: int,
                   skip: set[int], decimal_comma: bool) -> list[AmountRow]:
    """Labelled rows as they are, plus every other short 'words ... amount' line from `start` on
    that is not a line item (`skip`): the unlabelled candidates the arithmetic may use."""
    rows = [AmountRow(kind, value, line) for kind, value, line in labelled]
    taken = {line for _, _, line in labelled}
    for row in doc.lines[start:]:
        if row.index in taken or row.index in skip:
            continue
        amounts = find_amounts(row.text, decimal_comma=decimal_comma)
        if not amounts:
            continue
        value, begin, end = amounts[-1]
        label = row.text[:begin].strip(" :$")
        if (not re.search(r"[A-Za-z]", label) or len(label.split()) > _MAX_LABEL_WORDS
                or _NOT_A_TOTAL.search(label) or find_dates(label) or value <= 0
                or row.text[end:].strip(" )")):
            continue
        rows.append(AmountRow(None, value, row.index))
    return rows


def boxed_amounts(doc: Doc, *, skip: set[int], decimal_comma: bool) -> list[tuple[str, Decimal, int]]:
    """(kind, amount, line) for a totals label with its amount alone in the cell under it (an
    "AMOUNT DUE" box beside the address block). Lines in `skip` (the table's header and rows:
    an "Amount" column over its first figure) are neither label nor value."""
    from tools.documents.layout_money import classify_label

    out = []
    for row in doc.lines:
        if row.index in skip:
            continue
        for cell in row.cells:
            kind = classify_label(cell.text) if not find_amounts(cell.text, decimal_comma=decimal_comma) else None
            under = doc.below(cell) if kind in ("total", "subtotal", "tax") else None
            if under is None or under.line in skip:
                continue
            amounts = find_amounts(under.text, decimal_comma=decimal_comma)
            if len(amounts) == 1 and amounts[0][2] - amounts[0][1] >= len(under.text.strip(" $")) - 1:
                out.append((kind, amounts[0][0], under.line))
    return out


def expected_gst(taxable: Decimal) -> Decimal:
    return (taxable * GST_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ArithmeticTotals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    confidence: float
    how: str  # what held: e.g. "sum+gst+labels"


def by_arithmetic(rows: list[AmountRow], line_sum: Decimal | None,
                  taxable_sum: Decimal | None) -> ArithmeticTotals | None:
    """The (subtotal, tax, total) among `rows` that satisfies the most constraints, in page order
    (subtotal above tax above total). Without the lines' sum or a GST that checks, unlabelled
    amounts are never enough on their own."""
    best: tuple[float, ArithmeticTotals] | None = None
    ordered = sorted(rows, key=lambda r: r.line)
    for i, s in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            t = ordered[j]
            if t.value >= s.value:
                continue
            for g in ordered[j + 1:]:
                if s.value + t.value != g.value:
                    continue
                found = _score(s, t, g, line_sum, taxable_sum)
                if found is not None and (best is None or found[0] > best[0]):
                    best = found
    return best[1] if best else None


def _score(s: AmountRow, t: AmountRow, g: AmountRow, line_sum: Decimal | None,
           taxable_sum: Decimal | None) -> tuple[float, ArithmeticTotals] | None:
    sums = line_sum is not None and s.value == line_sum
    gst_bases = {s.value} | ({taxable_sum} if taxable_sum is not None else set())
    gst = any(abs(t.value - expected_gst(b)) <= CENT for b in gst_bases)
    labels = sum((s.kind == "subtotal", t.kind == "tax", g.kind == "total"))
    wrong_label = any(r.kind not in (None, want) for r, want in ((s, "subtotal"), (t, "tax"), (g, "total")))
    if wrong_label or not (sums or gst) or not sums and labels == 0:
        return None
    held = [name for name, ok in (("sum", sums), ("gst", gst)) if ok] + (["labels"] if labels else [])
    confidence = {3: 0.97, 2: 0.93, 1: 0.75}[len(held)] if labels < 3 else 0.97
    score = 2.0 * sums + 1.5 * gst + 0.5 * labels + g.line * 1e-6
    return score, ArithmeticTotals(s.value, t.value, g.value, confidence, "+".join(held))


def derived_tax(rows: list[AmountRow], line_sum: Decimal | None,
                taxable_sum: Decimal | None) -> ArithmeticTotals | None:
    """A labelled subtotal and total whose difference is exactly the GST on it (10% of the
    subtotal or of the taxable lines), when no tax amount could be placed: the tax is that
    difference. Only when no tax figure is printed at all: a printed one that does not fit is a
    mismatch for a person."""
    if any(r.kind == "tax" for r in rows):
        return None  # a printed tax that does not fit is a mismatch to hold, never replaced
    subs = [r.value for r in rows if r.kind == "subtotal"] + ([line_sum] if line_sum is not None else [])
    totals = [r.value for r in rows if r.kind == "total"]
    for g in reversed(totals):
        for s in subs:
            t = g - s
            bases = {s} | ({taxable_sum} if taxable_sum is not None else set())
            if t > 0 and any(abs(t - expected_gst(b)) <= CENT for b in bases):
                return ArithmeticTotals(s, t, g, 0.85, "difference+gst")
    return None


def conflicting_totals(rows: list[AmountRow], total: Decimal | None) -> list[Decimal]:
    """Other amounts labelled as a total that differ from `total` with no payment or credit on
    the document to explain the difference."""
    if total is None:
        return []
    paid = [r.value for r in rows if r.kind == "paid"]
    others = {r.value for r in rows if r.kind == "total" and r.value != total and r.value != 0}
    return sorted(v for v in others if not any(total - p == v for p in paid))
