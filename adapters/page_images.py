"""A document's pages as PNG images, for a person to look at beside what was read from it.

PDFs are rendered with pypdfium2 (the same library the readers use); a PNG/JPEG/TIFF attachment is
re-encoded as PNG (first frame, pixel count checked first, as adapters.ocr does), so what reaches
the browser is always an image this code wrote, never the sender's bytes."""

from __future__ import annotations

import io

MAX_PIXELS = 40_000_000
PAGE_WIDTH_PX = 1000


class PageImageError(Exception):
    pass


def page_count(data: bytes, content_type: str | None) -> int:
    if _is_pdf(data, content_type):
        from adapters.pdf_text import open_pdf

        doc = open_pdf(data)
        try:
            return len(doc)
        finally:
            doc.close()
    return 1 if _is_image(content_type) else 0


def render_page(data: bytes, content_type: str | None, index: int,
                width: int = PAGE_WIDTH_PX) -> bytes:
    """Page `index` (from 0) as PNG bytes `width` pixels wide."""
    from PIL import Image

    if _is_pdf(data, content_type):
        import pypdfium2 as pdfium

        from adapters.pdf_text import open_pdf

        doc = open_pdf(data)
        try:
            if not 0 <= index < len(doc):
                raise PageImageError(f"the document has no page {index + 1}")
            page = doc[index]
            try:
                w_pt, h_pt = page.get_size()
                scale = width / max(w_pt, 1.0)
                if w_pt * h_pt * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (w_pt * h_pt)) ** 0.5
                try:
                    image = page.render(scale=scale).to_pil()
                except pdfium.PdfiumError as exc:
                    raise PageImageError(f"page {index + 1} cannot be rendered") from exc
            finally:
                page.close()
        finally:
            doc.close()
    elif _is_image(content_type):
        if index != 0:
            raise PageImageError(f"the image has no page {index + 1}")
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise PageImageError("the image is too large to show")
                image = img.convert("RGB")
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise PageImageError("the image cannot be read") from exc
        if image.width > width:
            image = image.resize((width, max(1, round(image.height * width / image.width))))
    else:
        raise PageImageError("this document has no pages to show")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _is_pdf(data: bytes, content_type: str | None) -> bool:
    return (content_type or "").lower() == "application/pdf" or data[:5] == b"%PDF-"


def _is_image(content_type: str | None) -> bool:
    return (content_type or "").lower() in {"image/png", "image/jpeg", "image/tiff"}
