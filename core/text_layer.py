"""The text layer every reader of a document produces, whatever read it: words with boxes
(PDF points, origin top-left, y growing downwards), grouped into lines, per page. The PDF text
reader (adapters.pdf_text) and the OCR engines (adapters.ocr) both return it, so one layout
extractor serves both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Line", "Page", "PdfError", "PdfText", "Word", "group_lines"]


class PdfError(Exception):
    """A PDF we cannot read. `code` is stable for programs; `message` is for a bookkeeper."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    y0: float  # top
    x1: float
    y1: float  # bottom
    size: float  # font size in points (OCR: the box height)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True, slots=True)
class Line:
    """Words that share a baseline, left to right."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    words: tuple[Word, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class PdfText:
    """What `read_pdf` read: pages (up to the cap), the document's real page count, hidden text
    and notes for the reader (e.g. 'only the first 50 of 500 pages were read')."""

    pages: tuple[Page, ...]
    page_count: int
    hidden_spans: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    method: str = field(default="pdf_text")

    @property
    def has_text(self) -> bool:
        """False for an image-only (scanned) PDF: the caller should OCR it."""
        return sum(len(p.words) for p in self.pages) >= 3

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(ln.text for ln in p.lines) for p in self.pages)


def group_lines(words: list[Word]) -> tuple[Line, ...]:
    """Cluster words into lines by vertical overlap, then order each line left to right.

    Shared with OCR. A word joins the current line when its vertical centre lies within the
    line's band (tolerance: 40% of the smaller height), so superscripts stay put but a
    neighbouring column's slightly offset row does not merge into this one.
    """
    if not words:
        return ()
    ordered = sorted(words, key=lambda w: (w.cy, w.x0))
    lines: list[list[Word]] = []
    band_y0 = band_y1 = 0.0
    for w in ordered:
        if lines:
            cur_cy = (band_y0 + band_y1) / 2
            tol = 0.4 * min(band_y1 - band_y0, w.height) + 0.5
            if abs(w.cy - cur_cy) <= tol:
                lines[-1].append(w)
                band_y0, band_y1 = min(band_y0, w.y0), max(band_y1, w.y1)
                continue
        lines.append([w])
        band_y0, band_y1 = w.y0, w.y1
    return tuple(Line(tuple(sorted(ws, key=lambda w: w.x0))) for ws in lines)
