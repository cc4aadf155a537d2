"""OCR with the real tesseract binary: rendered invoices, image-only PDFs, a third-party scan, and
the bad inputs (no text, decompression bomb, unreadable bytes, timeout, missing binary)."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image

from evals.generators.invoices import generate
from tools.documents.layout import extract_fields
from tools.documents.model import Method
from adapters.ocr import TesseractOcr
from core.ocr import OcrError
from adapters.pdf_text import read_pdf

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
CORPUS = Path("/work/shared/corpus/invoice2data/compare")


def _render_png(pdf: bytes, dpi: int = 200) -> bytes:
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def one_page_invoice():  # type: ignore[no-untyped-def]
    return next(g for g in generate("dev", 12, seed=5)
                if len(g.invoice.lines) <= 6 and g.layout in ("modern", "trade"))


def test_ocr_of_a_rendered_invoice_reads_total_and_number(one_page_invoice) -> None:  # type: ignore[no-untyped-def]
    g = one_page_invoice
    text = TesseractOcr().read_image(_render_png(g.pdf), max_pages=5)
    assert text.has_text and text.mean_confidence > 80
    ext = extract_fields(text, own_abn=g.invoice.customer.abn)
    assert ext.method is Method.OCR
    assert ext.invoice_number == g.invoice.invoice_number
    assert ext.total == g.invoice.total
    pdf_ext = extract_fields(read_pdf(g.pdf, max_pages=5), own_abn=g.invoice.customer.abn)
    assert ext.confidence["total"] < pdf_ext.confidence["total"]  # OCR is trusted less


def test_image_only_pdf_is_rendered_and_read(one_page_invoice, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    g = one_page_invoice
    png = tmp_path / "scan.png"
    png.write_bytes(_render_png(g.pdf, dpi=150))
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(png), x=0, y=0, w=210)
    scan = bytes(pdf.output())
    assert not read_pdf(scan, max_pages=5).has_text
    ext = extract_fields(TesseractOcr().read_pdf(scan, max_pages=5), own_abn=g.invoice.customer.abn)
    assert ext.total == g.invoice.total


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")
def test_third_party_scan() -> None:
    text = TesseractOcr().read_image((CORPUS / "AmazonWebServices.png").read_bytes(), max_pages=5)
    ext = extract_fields(text)
    assert ext.invoice_number == "42183017"
    assert str(ext.issue_date) == "2014-08-03"


def test_an_image_without_text_is_reported_not_a_crash() -> None:
    buf = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(buf, format="PNG")
    text = TesseractOcr().read_image(buf.getvalue(), max_pages=5)
    assert not text.has_text
    ext = extract_fields(text)
    assert [i.code for i in ext.issues] == ["no_text"] and ext.method is Method.OCR


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(100_000, 100_000), (9_000, 9_000)])
def test_decompression_bomb_image_is_refused_before_decoding(size: tuple[int, int]) -> None:
    with pytest.raises(OcrError) as err:
        TesseractOcr().read_image(_png_header_only(*size), max_pages=5)
    assert err.value.code == "image_too_large"


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50])
def test_unreadable_images(data: bytes) -> None:
    with pytest.raises(OcrError) as err:
        TesseractOcr().read_image(data, max_pages=5)
    assert err.value.code == "image_unreadable"


def test_timeout_and_missing_binary(tmp_path: Path) -> None:
    slow = tmp_path / "slow-tesseract"
    slow.write_text("#!/bin/sh\nexec sleep 5\n")
    slow.chmod(0o755)
    buf = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buf, format="PNG")
    with pytest.raises(OcrError) as err:
        TesseractOcr(binary=str(slow), timeout_s=0.3).read_image(buf.getvalue(), max_pages=1)
    assert err.value.code == "ocr_timeout"
    with pytest.raises(OcrError) as err:
        TesseractOcr(binary=str(tmp_path / "nope")).read_image(buf.getvalue(), max_pages=1)
    assert err.value.code == "ocr_unavailable"
