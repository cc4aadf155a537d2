"""Header fields from positioned text: label → value by position, then validated by type.

A label's value is the rest of its own cell ("Invoice No: 123"), else the next cell to its right on
the same line, else the cell just below it ("Invoice #" over "INV-1"). Each candidate records how it
was found; confidence starts from that and rises when the value cross-checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text_layer import Line, Page, Word


@dataclass(frozen=True)
class Cell:
    """Words of a line that sit together (split at gaps wider than ~0.8 em)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    page: int
    line: int  # index into Doc.lines


@dataclass(frozen=True)
class TextRow:
    page: int
    index: int
    line: Line
    cells: tuple[Cell, ...]

    @property
    def text(self) -> str:
        return self.line.text


@dataclass(frozen=True)
class Found:
    value: object
    how: str       # "same_cell" | "right" | "below" | "pattern" | "derived"
    line: int      # Doc.lines index where the value was found
    label: str = ""


HOW_CONFIDENCE = {"same_cell": 0.92, "right": 0.9, "below": 0.85, "inline": 0.6, "pattern": 0.6,
                  "derived": 0.7}


def split_cells(words: tuple[Word, ...], page: int, line_index: int) -> tuple[Cell, ...]:
    cells: list[Cell] = []
    group: list[Word] = []

    def flush() -> None:
        if group:
            cells.append(Cell(" ".join(w.text for w in group), group[0].x0, min(w.y0 for w in group),
                              max(w.x1 for w in group), max(w.y1 for w in group),
                              max(w.size for w in group), page, line_index))
    for w in words:
        if group and w.x0 - group[-1].x1 > 0.8 * max(w.size, group[-1].size):
            flush()
            group = []
        group.append(w)
    flush()
    return tuple(cells)


class Doc:
    """All lines of all pages in reading order, with their cells."""

    def __init__(self, pages: tuple[Page, ...]) -> None:
        self.pages = pages
        self.lines: list[TextRow] = []
        for page in pages:
            for line in page.lines:
                i = len(self.lines)
                self.lines.append(TextRow(page.number, i, line, split_cells(line.words, page.number, i)))
        self.text = "\n".join(dl.text for dl in self.lines)

    def below(self, cell: Cell, max_lines: int = 2) -> Cell | None:
        """The cell under `cell` (overlapping horizontally) within the next lines of the page."""
        for dl in self.lines[cell.line + 1: cell.line + 1 + max_lines]:
            if dl.page != cell.page or dl.line.y0 - cell.y1 > 2.2 * cell.size:
                return None
            for c in dl.cells:
                if c.x0 < cell.x1 + 2 and c.x1 > cell.x0 - 2:
                    return c
        return None

    def right_of(self, cell: Cell) -> Cell | None:
        cells = self.lines[cell.line].cells
        for i, c in enumerate(cells):
            if c == cell and i + 1 < len(cells):
                return cells[i + 1]
        return None


def label_values(doc: Doc, label: re.Pattern[str], *, lines: range | None = None,
                 below: bool = True) -> list[tuple[str, str, Cell]]:
    """(how, value text, label cell) for every place `label` matches a cell, in reading order.

    `label` is matched at a word boundary anywhere in the cell; the value candidates are the text
    after it, the next cell right, and the cell below, in that order."""
    out: list[tuple[str, str, Cell]] = []
    for dl in doc.lines if lines is None else (doc.lines[i] for i in lines):
        for cell in dl.cells:
            m = label.search(cell.text)
            if not m or re.match(r"[-/]?\d", cell.text[m.end():m.end() + 2]):
                continue  # "PO-123" is a value that starts like a label, not a label
            if re.search(r"\b(?:from|after|of|within|before)\s+(?:the\s+)?$", cell.text[:m.start()], re.IGNORECASE):
                continue  # "14 days from invoice date": a date referred to, not labelled
            rest = cell.text[m.end():].strip(" :#.\t-")
            rest = re.sub(r"^\.{2,}\s*", "", rest)
            if rest:
                # A label inside running text ("...days of the invoice date, by 2 May") is weak.
                inline = m.start() > 0 and len(cell.text) > 40
                out.append(("inline" if inline else "same_cell", rest[:60], cell))
            right = doc.right_of(cell)
            while right is not None and not right.text.strip(" :.\t"):
                right = doc.right_of(right)  # skip a lone ':' cell (padded labels)
            if right is not None:
                text = right.text.strip(" :\t")
                if text:
                    out.append(("right", text, cell))
            if below and not rest and (m.start() < 2 or len(cell.text.split()) <= 4):
                under = doc.below(cell)
                if under is not None:
                    out.append(("below", under.text, cell))
    return out


def stacked_pairs(doc: Doc, index: int) -> list[tuple[Cell, Cell]]:
    """(label, value) for a row of labels with a row of values right under it ("Subtotal  GST
    Total" over "100.00  10.00  110.00", "BSB  Account Number" over "062-000  12345678"): each
    label cell paired with the value cell under it; empty unless every value has its label."""
    if index + 1 >= len(doc.lines):
        return []
    labels, values = doc.lines[index], doc.lines[index + 1]
    if len(labels.cells) < 2 or len(values.cells) < 2 or labels.page != values.page or \
            values.line.y0 - labels.line.y1 > 2.2 * labels.line.size:
        return []
    pairs: list[tuple[Cell, Cell]] = []
    used: set[int] = set()
    for value in values.cells:
        best = min(range(len(labels.cells)), key=lambda i: _distance(labels.cells[i], value))
        if best in used or _distance(labels.cells[best], value) > 30:
            return []
        used.add(best)
        pairs.append((labels.cells[best], value))
    return pairs


def _distance(a: Cell, b: Cell) -> float:
    """0 when the cells overlap horizontally, else the gap between them."""
    return max(0.0, max(a.x0, b.x0) - min(a.x1, b.x1))
