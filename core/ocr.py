"""The OCR seam: scans, photos and image-only PDFs to the same text layer the PDF reader produces.
`Ocr` is the Protocol; the real engine (Tesseract) is adapters.ocr.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.text_layer import Page

__all__ = ["Ocr", "OcrError", "OcrText"]


class OcrError(Exception):
    """OCR could not run. `code`: image_unreadable, image_too_large, ocr_timeout, ocr_unavailable, ocr_failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OcrText:
    """What OCR read: the same page/line/word shape as `PdfText`, plus the mean word confidence (0-100)."""

    pages: tuple[Page, ...]
    mean_confidence: float = 0.0
    notes: tuple[str, ...] = ()
    hidden_spans: tuple[str, ...] = ()
    method: str = "ocr"

    @property
    def has_text(self) -> bool:
        return sum(len(p.words) for p in self.pages) >= 3

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(ln.text for ln in p.lines) for p in self.pages)


class Ocr(Protocol):
    def read_image(self, data: bytes, *, max_pages: int) -> OcrText:
        """OCR a PNG/JPEG/TIFF (all frames up to max_pages)."""
        ...

    def read_pdf(self, data: bytes, *, max_pages: int) -> OcrText:
        """OCR the rendered pages of an (image-only) PDF."""
        ...
