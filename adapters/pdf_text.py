"""The text-and-position layer for text PDFs: words with boxes, grouped into lines, per page.

Why this shape: the layout extractor needs where each word is (columns, label/value pairs, font
size), not just the reading order. Reading every character's box through ctypes costs more than
pdfium's own text extraction, so we take the page text in one call (`FPDFText_GetText`, one UTF-16
unit per character index), split it into words, and ask pdfium for the loose boxes of only the
first and last character of each word.

Coordinates are PDF points with the origin at the page's top-left and y growing downwards, the
same convention as `adapters.ocr` uses for OCR words (see core.text_layer), so one extractor serves both.

Hidden text (white or near-white fill on no dark background, smaller than 2 pt, outside the page,
or an invisible render mode) is never part of the words; it is reported in `hidden_spans` so the
validator can flag a suspected injection.
"""

from __future__ import annotations

import ctypes
import re
import time
from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.text_layer import Line, Page, PdfError, PdfText, Word, group_lines

__all__ = ["Line", "Page", "PdfError", "PdfText", "Word", "group_lines", "open_pdf", "read_pdf"]

MAX_CHARS_PER_PAGE = 100_000     # a real invoice page has ~1-5k; beyond this it is a bomb or junk
MAX_CHARS_TOTAL = 400_000
DEFAULT_TIME_BUDGET_S = 10.0
_WORD = re.compile(r"\S+")
_INVISIBLE_MODES = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)


# ---------------------------------------------------------------- opening


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open a PDF or raise `PdfError` (empty, not a PDF, encrypted, truncated, corrupt)."""
    if not data:
        raise PdfError("pdf_empty", "The file is empty (0 bytes).")
    if b"%PDF-" not in data[:1024]:
        raise PdfError("pdf_not_pdf", "This file is not a PDF (no %PDF header).")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise PdfError("pdf_encrypted",
                           "The PDF is password-protected; ask the supplier for an unlocked copy.") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise PdfError("pdf_encrypted", "The PDF uses an unsupported security handler.") from None
        if b"%%EOF" not in data[-1024:]:
            raise PdfError("pdf_truncated",
                           "The PDF is incomplete (cut off); ask the supplier to send it again.") from None
        raise PdfError("pdf_corrupt", "The PDF is damaged and cannot be read.") from None


# ---------------------------------------------------------------- hidden text


def _ptr(handle: object) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _bounds(obj: object) -> tuple[float, float, float, float] | None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    return left.value, bottom.value, right.value, top.value


def _fill(obj: object) -> tuple[int, int, int, int]:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return 0, 0, 0, 255
    return r.value, g.value, b.value, a.value


def _font_size(obj: object) -> float:
    """The text's size on the page: the Tf size scaled by the object's matrix."""
    size = ctypes.c_float()
    if not pdfium_c.FPDFTextObj_GetFontSize(obj, size):
        return 12.0
    m = pdfium_c.FS_MATRIX()
    scale = 1.0
    if pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        scale = abs(m.a * m.d - m.b * m.c) ** 0.5
    return size.value * scale


def _inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    return (inner[0] >= outer[0] - 1 and inner[1] >= outer[1] - 1 and inner[2] <= outer[2] + 1
            and inner[3] <= outer[3] + 1)


def _hidden_objects(page: pdfium.PdfPage, width: float, height: float) -> dict[int, str]:
    """Text objects a reader cannot see, by handle address → why. Why the background check:
    white text on a dark banner (a common letterhead) is visible, white text on white is not."""
    raw = page.raw
    backgrounds: list[tuple[float, float, float, float]] = []  # dark fills and images so far
    hidden: dict[int, str] = {}
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE or kind == pdfium_c.FPDF_PAGEOBJ_SHADING:
            box = _bounds(obj)
            if box:
                backgrounds.append(box)
            continue
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            fillmode, stroke = ctypes.c_int(), ctypes.c_int()
            if pdfium_c.FPDFPath_GetDrawMode(obj, fillmode, stroke) and fillmode.value:
                r, g, b, a = _fill(obj)
                box = _bounds(obj)
                if box and a > 0 and (r + g + b) / 3 < 200:
                    backgrounds.append(box)
            continue
        if kind != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        box = _bounds(obj)
        reason = None
        if pdfium_c.FPDFTextObj_GetTextRenderMode(obj) in _INVISIBLE_MODES:
            reason = "invisible"
        elif box and (box[2] < 0 or box[0] > width or box[3] < 0 or box[1] > height):
            reason = "off-page"
        elif _font_size(obj) < 2.0:
            reason = "tiny"
        else:
            r, g, b, a = _fill(obj)
            if a == 0 or (min(r, g, b) >= 235 and box and not any(_inside(box, bg) for bg in backgrounds)):
                reason = "white"
        if reason:
            hidden[_ptr(obj)] = reason
    return hidden


def _object_text(textpage: pdfium.PdfTextPage, obj_addr: int) -> str:
    obj = ctypes.cast(obj_addr, pdfium_c.FPDF_PAGEOBJECT)
    n = pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, None, 0)
    if n <= 2:
        return ""
    buf = ctypes.create_string_buffer(n)
    pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n)
    return buf.raw[: n - 2].decode("utf-16-le", errors="replace")


# ---------------------------------------------------------------- words


def _spans(raw: object, text: str) -> Iterator[tuple[int, int]]:
    """(first, last) character indexes of each word. pdfium inserts no space between two text
    objects that touch ("Each" + "Tax Code" -> "EachTax"), so a word whose ends lie in different
    text objects is split where the object changes (two cells abutting in a tight table)."""
    get_obj = pdfium_c.FPDFText_GetTextObject
    for m in _WORD.finditer(text):
        first, last = m.start(), m.end() - 1
        if last == first:
            yield first, last
            continue
        obj = _ptr(get_obj(raw, first))
        if obj == _ptr(get_obj(raw, last)):
            yield first, last
            continue
        objs = [obj] + [_ptr(get_obj(raw, i)) for i in range(first + 1, last + 1)]
        cuts = [k for k in range(1, len(objs)) if objs[k] != objs[k - 1]]
        if len(cuts) * 2 >= len(objs) - 1:
            # A producer that puts every glyph in its own object: split only where the ink has a
            # gap (a space) or cells overlap.
            rect = pdfium_c.FS_RECTF()
            kept = []
            for k in cuts:
                pdfium_c.FPDFText_GetLooseCharBox(raw, first + k - 1, rect)
                prev_right = rect.right
                pdfium_c.FPDFText_GetLooseCharBox(raw, first + k, rect)
                gap = rect.left - prev_right
                if gap > 0.12 * max(1.0, rect.top - rect.bottom) or gap < -0.5:
                    kept.append(k)
            cuts = kept
        start = first
        for k in cuts:
            yield start, first + k - 1
            start = first + k
        yield start, last


def _page_words(textpage: pdfium.PdfTextPage, text: str, height: float,
                hidden: dict[int, str]) -> Iterator[Word]:
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    for span in _spans(raw, text):
        first, last = span
        if hidden and _ptr(pdfium_c.FPDFText_GetTextObject(raw, first)) in hidden:
            continue
        pdfium_c.FPDFText_GetLooseCharBox(raw, first, rect)
        x0, top, bottom = rect.left, rect.top, rect.bottom
        if last != first:
            pdfium_c.FPDFText_GetLooseCharBox(raw, last, rect)
        x1 = rect.right
        top, bottom = max(top, rect.top), min(bottom, rect.bottom)
        size = pdfium_c.FPDFText_GetFontSize(raw, first) or (top - bottom)
        if x1 < x0:  # right-to-left or rotated run: keep a sane box
            x0, x1 = x1, x0
        yield Word(text[first:last + 1], x0, height - top, x1, height - bottom, size)


def read_pdf(data: bytes, *, max_pages: int, time_budget_s: float = DEFAULT_TIME_BUDGET_S) -> PdfText:
    """Read words with positions from the first `max_pages` pages of a PDF.

    Raises `PdfError` with code pdf_empty, pdf_not_pdf, pdf_encrypted, pdf_truncated, pdf_corrupt
    or pdf_bomb (text beyond the caps, or reading took longer than `time_budget_s`). An image-only
    PDF is not an error: `has_text` is False and the caller should OCR it.
    """
    started = time.monotonic()
    doc = open_pdf(data)
    try:
        page_count = len(doc)
        if page_count == 0:
            raise PdfError("pdf_corrupt", "The PDF has no pages.")
        notes: list[str] = []
        if page_count > max_pages:
            notes.append(f"Only the first {max_pages} of {page_count} pages were read.")
        pages: list[Page] = []
        hidden_spans: list[str] = []
        total_chars = 0
        for index in range(min(page_count, max_pages)):
            try:
                page = doc[index]
            except pdfium.PdfiumError:  # a page object that is not really a page
                raise PdfError("pdf_corrupt", f"Page {index + 1} of the PDF is damaged and cannot be "
                               "read.") from None
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    n = textpage.count_chars()
                    total_chars += n
                    if n > MAX_CHARS_PER_PAGE or total_chars > MAX_CHARS_TOTAL:
                        raise PdfError("pdf_bomb", f"Page {index + 1} holds an implausible amount of "
                                       "text; the file was not read further.")
                    text = textpage.get_text_range() if n else ""
                    if len(text) != n:  # characters outside the BMP: read one code unit per index
                        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32)
                                       for i in range(n))
                    hidden = _hidden_objects(page, width, height) if n else {}
                    for addr in hidden:
                        span = " ".join(_object_text(textpage, addr).split())
                        if span:
                            hidden_spans.append(span)
                    words = list(_page_words(textpage, text, height, hidden))
                finally:
                    textpage.close()
            finally:
                page.close()
            pages.append(Page(index + 1, width, height, tuple(words), group_lines(words)))
            if time.monotonic() - started > time_budget_s:
                raise PdfError("pdf_bomb", f"Reading the PDF took longer than {time_budget_s:g} s; "
                               "it was stopped.")
        return PdfText(tuple(pages), page_count, tuple(hidden_spans), tuple(notes))
    finally:
        doc.close()
