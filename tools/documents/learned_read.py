"""Anchors: where one header field sits on a supplier's documents, how it is read back, and how it
is found from a value a person accepted (pure; tools.documents.learned uses them).

An anchor names a label and where the value sits relative to it: after it in its own cell
("Docket: INV-1"), in the next cell right ("Docket" | "INV-1"), or in the cell below. The value is
parsed by the field's type (dates by layout_values.find_dates, money by find_amounts/parse_amount,
identifiers as their first words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from core.text_layer import PdfText
from tools.documents.layout_fields import Cell, Doc
from tools.documents.layout_table import header_columns
from tools.documents.layout_values import (
    decimal_comma_hint,
    find_amounts,
    find_dates,
    is_number_token,
    parse_amount,
)

if TYPE_CHECKING:
    from core.ocr import OcrText

__all__ = ["DATE_FIELDS", "HEADER_FIELDS", "ID_FIELDS", "MONEY_FIELDS", "Anchor", "locate", "read"]

ID_FIELDS = ("invoice_number", "purchase_order")
DATE_FIELDS = ("issue_date", "due_date")
MONEY_FIELDS = ("subtotal", "tax", "total")
HEADER_FIELDS = ID_FIELDS + DATE_FIELDS + MONEY_FIELDS
POSITIONS = ("same_cell", "right", "below")
MAX_LABEL_WORDS = 5

Value = str | date | Decimal


@dataclass(frozen=True)
class Anchor:
    """Where `field` sits: after `label` in the same cell, right of it, or below it. `nth` picks
    the label's occurrence (0, 1... from the start; -1, -2... from the end)."""

    field: str
    label: str                  # normalised (see _norm)
    position: str               # same_cell | right | below
    nth: int = 0
    tokens: int = 1             # identifiers: how many words the value has
    month_first: bool = False   # dates
    decimal_comma: bool = False  # money


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold().strip(" :#.\t-")


def _is_label(text: str) -> bool:
    """Text that can name a value: a few words, not itself a number, an amount or a date."""
    letters, digits = sum(ch.isalpha() for ch in text), sum(ch.isdigit() for ch in text)
    codes = any(re.search(r"[^\W\d_]", w) and re.search(r"\d", w) for w in text.split())  # "INV562"
    return 2 <= letters and digits <= letters and not codes and len(text) <= 40 \
        and len(text.split()) <= MAX_LABEL_WORDS and not is_number_token(text) \
        and not find_amounts(text) and not find_dates(text)


def _label_pattern(label: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in label.split())
    return re.compile(rf"(?<![\w]){words}[\s:#.\-]*", re.IGNORECASE)


def _matches(doc: Doc, anchor: Anchor) -> list[Cell]:
    """Every cell the anchor's label names, in reading order."""
    if anchor.position == "same_cell":
        pattern = _label_pattern(anchor.label)
        return [c for r in doc.lines for c in r.cells
                if (m := pattern.search(c.text)) and c.text[m.end():].strip()]
    return [c for r in doc.lines for c in r.cells if _norm(c.text) == anchor.label]


def _left_of(doc: Doc, cell: Cell) -> Cell | None:
    cells = doc.lines[cell.line].cells
    i = cells.index(cell) - 1
    while i >= 0 and not cells[i].text.strip(" :.\t"):
        i -= 1
    return cells[i] if i >= 0 else None


def _right_of(doc: Doc, cell: Cell) -> Cell | None:
    right = doc.right_of(cell)
    while right is not None and not right.text.strip(" :.\t"):
        right = doc.right_of(right)  # a lone ':' between a padded label and its value
    return right


def _above(doc: Doc, cell: Cell) -> Cell | None:
    """The cell whose `Doc.below` is `cell`."""
    for row in doc.lines[max(0, cell.line - 2): cell.line][::-1]:
        for c in row.cells:
            if c.page == cell.page and doc.below(c) == cell:
                return c
    return None


def _value_text(doc: Doc, anchor: Anchor) -> str | None:
    found = _matches(doc, anchor)
    if not found or anchor.nth >= len(found) or -anchor.nth > len(found):
        return None
    cell = found[anchor.nth]
    if anchor.position == "same_cell":
        m = _label_pattern(anchor.label).search(cell.text)
        assert m is not None
        return re.sub(r"^[\s.:#\-]*", "", cell.text[m.end():]) or None
    value = _right_of(doc, cell) if anchor.position == "right" else doc.below(cell)
    return value.text if value is not None else None


def _parse(anchor: Anchor, text: str) -> Value | None:
    if anchor.field in ID_FIELDS:
        words = text.split()
        if len(words) < anchor.tokens:
            return None
        value = " ".join(words[:anchor.tokens]).strip(".,;:")
        return value if value and len(value) <= 60 and any(ch.isalnum() for ch in value) else None
    if anchor.field in DATE_FIELDS:
        dates = find_dates(text, month_first=anchor.month_first)
        return dates[0][0] if dates else None
    amounts = find_amounts(text, decimal_comma=anchor.decimal_comma)
    if amounts:
        return amounts[0][0]
    return parse_amount(text, decimal_comma=anchor.decimal_comma) if is_number_token(text) else None


def read(doc: Doc, anchor: Anchor) -> Value | None:
    """The anchored field's value in this document, or None (label not found, value unparsed)."""
    text = _value_text(doc, anchor)
    return _parse(anchor, text) if text else None


# -- learning -------------------------------------------------------------------------------------

def _occurrences(field_name: str, value: Value, text: str, dec_comma: bool, month_first: bool) -> list[int]:
    """Where `value` of `field_name` is printed in `text` (start offsets)."""
    if field_name in ID_FIELDS:
        assert isinstance(value, str)
        return [m.start() for m in re.finditer(rf"(?<![\w/\-]){re.escape(value)}(?![\w/\-])", text)]
    if field_name in DATE_FIELDS:
        return [s for d, s, _ in find_dates(text, month_first=month_first) if d == value]
    return [s for v, s, _ in find_amounts(text, decimal_comma=dec_comma) if v == value]


def _candidates(doc: Doc, field_name: str, value: Value, month_first: bool) -> Iterable[Anchor]:
    dec_comma = decimal_comma_hint(doc.text)
    tokens = len(value.split()) if isinstance(value, str) else 1
    rows = doc.lines[::-1] if field_name in MONEY_FIELDS else doc.lines  # totals sit at the end
    found: list[tuple[Anchor, Cell]] = []  # in reading order (from the end for money)
    # A line-item table's column headers name a column of values, not one value.
    headers = {r.index for r in doc.lines if header_columns(r.line) is not None}
    for row in rows:
        for cell in row.cells:
            for start in _occurrences(field_name, value, cell.text, dec_comma, month_first):
                base = Anchor(field_name, "", "right", 0, tokens, month_first, dec_comma)
                before = cell.text[:start]
                if before.strip():
                    if _is_label(_norm(before)):
                        found.append((replace(base, label=_norm(before), position="same_cell"), cell))
                    continue
                for position, label_cell in (("right", _left_of(doc, cell)), ("below", _above(doc, cell))):
                    if label_cell is not None and label_cell.line not in headers \
                            and _is_label(_norm(label_cell.text)):
                        found.append((replace(base, label=_norm(label_cell.text), position=position),
                                      label_cell))
    for anchor, label_cell in found:
        cells = _matches(doc, anchor)
        for i, c in enumerate(cells):
            if c == label_cell:
                yield replace(anchor, nth=i if i <= len(cells) - 1 - i else i - len(cells))
                break


# Words that make a label likelier to be the field's, to choose between equally good places.
# (Identifiers need none: an invoice number and an order number are never the same value.)
_HINTS = {"issue_date": ("date", "issued", "dated"), "due_date": ("due", "pay", "payable"),
          "subtotal": ("sub", "net", "ex", "excl", "before"), "tax": ("gst", "tax", "vat"),
          "total": ("total", "due", "payable", "balance", "gross")}
_NOT = {"issue_date": ("due",), "total": ("sub", "net", "ex", "excl", "paid"),
        "subtotal": ("inc", "incl", "paid", "balance")}


def _hinted(field_name: str, label: str) -> bool:
    if field_name not in _HINTS:
        return False
    words = re.findall(r"[a-z.]+", label)
    if any(w.startswith(n) for w in words for n in _NOT.get(field_name, ())):
        return False
    return any(w.startswith(h) for w in words for h in _HINTS[field_name])


def locate(text: PdfText | OcrText, field_name: str, value: Value, *, corrected: bool = True,
           taken: Iterable[Anchor] = ()) -> Anchor | None:
    """The anchor under which `value` of `field_name` is printed, checked by reading it back.
    Where several labels lead to the value (a GST-free invoice's subtotal is also its total), a
    label free of digits and with the field's words is chosen, never one of the places `taken` by
    other fields (a GST-free total and subtotal sit under different labels); when none has the
    field's words and the value was accepted as the extractor read it (`corrected` False), it is
    left to the extractor."""
    if field_name not in HEADER_FIELDS or not text.has_text:
        return None
    doc = Doc(text.pages)
    found: list[Anchor] = []
    for month_first in (False, True) if field_name in DATE_FIELDS else (False,):
        used = {(a.label, a.position, a.nth) for a in taken}
        found = [a for a in _candidates(doc, field_name, value, month_first)
                 if (a.label, a.position, a.nth) not in used and read(doc, a) == value]
        if found:
            break
    if not found:
        return None
    best = min(found, key=lambda a: (any(ch.isdigit() for ch in a.label), not _hinted(field_name, a.label)))
    ambiguous = len({(a.label, a.position) for a in found if not any(ch.isdigit() for ch in a.label)}) > 1
    return None if ambiguous and not corrected and not _hinted(field_name, best.label) else best


