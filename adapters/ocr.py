"""OCR seam: scans, photos and image-only PDFs to the same positioned text the layout extractor reads.

`core.ocr.Ocr` is the Protocol; `TesseractOcr` runs Debian's tesseract binary in a subprocess (TSV output:
one row per word with its box and confidence) with a timeout. Pages of image-only PDFs are rendered
with pypdfium2; images are opened with Pillow after checking their pixel count, so a decompression
bomb is refused before it is decoded. Coordinates are converted to PDF points (top-left origin) as
in adapters.pdf_text, assuming an A4-wide page when the image carries no usable DPI.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import warnings

from core.ocr import Ocr, OcrError, OcrText
from core.text_layer import Page, PdfError, Word, group_lines

__all__ = ["Ocr", "OcrError", "OcrText", "TesseractOcr", "ocr_document"]

A4_WIDTH_PT = 595.0
DEFAULT_MAX_PIXELS = 40_000_000  # ~ A4 at 600 dpi; more is a bomb, not an invoice


class TesseractOcr:
    """The real OCR: `tesseract` on PATH (Debian's tesseract-ocr + tesseract-ocr-eng)."""

    def __init__(self, *, binary: str = "tesseract", lang: str = "eng", dpi: int = 300,
                 timeout_s: float = 60.0, max_pixels: int = DEFAULT_MAX_PIXELS, min_confidence: float = 20.0) -> None:
        self.binary = binary
        self.lang = lang
        self.dpi = dpi
        self.timeout_s = timeout_s
        self.max_pixels = max_pixels
        self.min_confidence = min_confidence

    # -- public ------------------------------------------------------------
    def read_image(self, data: bytes, *, max_pages: int) -> OcrText:
        from PIL import Image, UnidentifiedImageError

        if not data:
            raise OcrError("image_unreadable", "The image file is empty.")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                img = Image.open(io.BytesIO(data))  # reads the header only
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise OcrError("image_too_large", "The image has far too many pixels to be a document "
                               "(a decompression bomb?).") from None
            except (UnidentifiedImageError, OSError) as exc:
                raise OcrError("image_unreadable", f"The image cannot be read ({type(exc).__name__}).") from None
            pages = []
            frames = getattr(img, "n_frames", 1)
            for i in range(min(frames, max_pages)):
                img.seek(i)
                w, h = img.size
                if w * h > self.max_pixels:
                    raise OcrError("image_too_large",
                                   f"The image is {w}x{h} pixels, more than the {self.max_pixels:,} allowed.")
                dpi = img.info.get("dpi", (0, 0))[0] or 0
                scale = 72.0 / dpi if dpi and 100 <= dpi <= 1200 else A4_WIDTH_PT / w
                try:
                    frame = img.convert("L")
                except (OSError, ValueError, Image.DecompressionBombError) as exc:
                    raise OcrError("image_unreadable", f"The image is damaged ({type(exc).__name__}).") from None
                pages.append(self._page(frame, i + 1, scale))
        notes = (f"Only the first {max_pages} of {frames} frames were read.",) if frames > max_pages else ()
        return _ocr_text(pages, notes)

    def read_pdf(self, data: bytes, *, max_pages: int) -> OcrText:
        import pypdfium2 as pdfium

        from adapters.pdf_text import open_pdf

        doc = open_pdf(data)
        try:
            count = len(doc)
            pages = []
            for i in range(min(count, max_pages)):
                page = doc[i]
                try:
                    w_pt, h_pt = page.get_size()
                    scale = self.dpi / 72.0
                    if w_pt * h_pt * scale * scale > self.max_pixels:
                        scale = (self.max_pixels / (w_pt * h_pt)) ** 0.5
                    try:
                        image = page.render(scale=scale, grayscale=True).to_pil()
                    except pdfium.PdfiumError as exc:
                        raise PdfError("pdf_corrupt", f"Page {i + 1} cannot be rendered.") from exc
                finally:
                    page.close()
                pages.append(self._page(image.convert("L"), i + 1, 1.0 / scale))
        finally:
            doc.close()
        notes = (f"Only the first {max_pages} of {count} pages were read.",) if count > max_pages else ()
        return _ocr_text(pages, notes)

    # -- internals -----------------------------------------------------------
    def _page(self, image: object, number: int, scale: float) -> tuple[Page, list[float]]:
        """OCR one grayscale PIL image; `scale` converts pixels to points."""
        buf = io.BytesIO()
        image.save(buf, format="PNG")  # type: ignore[attr-defined]
        tsv = self._run(buf.getvalue())
        width, height = image.size  # type: ignore[attr-defined]
        return _parse_tsv(tsv, number, width * scale, height * scale, scale, self.min_confidence)

    def _run(self, png: bytes) -> str:
        if shutil.which(self.binary) is None:
            raise OcrError("ocr_unavailable", f"The OCR program '{self.binary}' is not installed.")
        cmd = [self.binary, "stdin", "stdout", "-l", self.lang, "--psm", "3", "tsv"]
        try:
            proc = subprocess.run(cmd, input=png, capture_output=True, timeout=self.timeout_s, check=False,
                                  env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"})
        except subprocess.TimeoutExpired:
            raise OcrError("ocr_timeout", f"OCR took longer than {self.timeout_s:g} s and was stopped.") from None
        if proc.returncode != 0:
            raise OcrError("ocr_failed", "OCR failed: " + proc.stderr.decode("utf-8", "replace")[-200:].strip())
        return proc.stdout.decode("utf-8", "replace")


def _parse_tsv(tsv: str, number: int, width: float, height: float, scale: float,
               min_conf: float) -> tuple[Page, list[float]]:
    """Tesseract TSV → Page. Words take their line's vertical extent, so a line groups cleanly and
    'size' is the line height (a proxy for the font size) rather than the word's own ink."""
    lines: dict[tuple[str, str, str, str], tuple[float, float]] = {}
    rows = list(csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    words: list[Word] = []
    confs: list[float] = []
    for row in rows[1:]:
        if len(row) < 12:
            continue
        level, key = row[0], tuple(row[1:5])
        left, top, w, h = (int(v) for v in row[6:10])
        if level == "4":
            lines[key] = (top, top + h)  # type: ignore[index]
        elif level == "5":
            text = row[11].strip()
            conf = float(row[10])
            if not text or conf < min_conf or text.strip("|[]{}!") == "":
                continue  # table rules come out as '|' and '[': they are not words
            y0, y1 = lines.get(key, (top, top + h))  # type: ignore[arg-type]
            line_h = (y1 - y0) * scale
            # A line box spans cap height to descender, ~0.8 em: scale it up to the font size.
            words.append(Word(text, left * scale, y0 * scale, (left + w) * scale, y1 * scale, line_h * 1.2))
            confs.append(conf)
    return Page(number, width, height, tuple(words), group_lines(words)), confs


def _ocr_text(pages: list[tuple[Page, list[float]]], notes: tuple[str, ...]) -> OcrText:
    confs = [c for _, cs in pages for c in cs]
    mean = sum(confs) / len(confs) if confs else 0.0
    return OcrText(tuple(p for p, _ in pages), round(mean, 1), notes)


def ocr_document(ocr: Ocr, data: bytes, *, kind: str, max_pages: int) -> OcrText:
    """OCR `data` of kind "pdf" or "image" with the given engine."""
    if kind == "pdf":
        return ocr.read_pdf(data, max_pages=max_pages)
    return ocr.read_image(data, max_pages=max_pages)
