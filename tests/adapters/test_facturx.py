"""The invoice XML inside a PDF: every Factur-X/XRechnung PDF in the corpus gives back the XML that
sits next to it and reads to the manifest's values; PDFs without one give None; a broken PDF is a
PdfError; oversized or non-invoice attachments are skipped."""

from __future__ import annotations

import io
import os
import time
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from evals.benchmarks import einvoice_bench as bench
from tools.documents.cii import read_cii
from tools.documents.einvoice import read_einvoice
from adapters.facturx import embedded_invoice_xml
from core.text_layer import PdfError

FIXTURE = Path(__file__).parents[1] / "tools" / "documents" / "fixtures" / "einvoice" / "au-invoice.xml"
CII_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice '
    b'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>'
)


def need_corpus() -> Path:
    if (bench.CORPUS / bench.CII_MANIFEST).exists():
        return bench.CORPUS
    reason = f"e-invoice corpus not found at {bench.CORPUS} (set BACKOFFICE_CORPUS)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI=true requires it")
    pytest.skip(reason)


def _rows() -> list[object]:
    if not (bench.CORPUS / bench.CII_MANIFEST).exists():
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(r, id=Path(r["pdf"]).name) for r in bench.rows(bench.CII_MANIFEST)]


def _pdf(*attachments: tuple[str, bytes]) -> bytes:
    """A one-page PDF with the given embedded files, made with pypdfium2."""
    doc = pdfium.PdfDocument.new()
    doc.new_page(595, 842)
    for name, data in attachments:
        doc.new_attachment(name).set_data(data)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    return buf.getvalue()


def _flate_pdf(name: bytes, payload_size: int) -> bytes:
    """A hand-built PDF whose one embedded file is `payload_size` zero bytes, Flate-compressed."""
    stream = zlib.compress(b"\0" * payload_size, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [("
        + name
        + b") 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /Filespec /F (" + name + b") /UF (" + name + b") /EF << /F 5 0 R >> >>",
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(stream)
        + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize("row", _rows())
def test_corpus_pdf_embeds_the_cii_next_to_it(row: dict[str, str] | None) -> None:
    corpus = need_corpus()
    assert row is not None
    xml = embedded_invoice_xml((corpus / row["pdf"]).read_bytes())
    assert xml is not None
    beside = (corpus / row["file"]).read_bytes()
    expected = {**bench.expected_cii(row), **bench.FACTURX_CORRECTIONS.get(row["pdf"], {})}
    assert bench.mismatches(expected, read_cii(xml)) == {}
    if row["pdf"] in bench.FACTURX_CORRECTIONS:
        # The XRechnung PDF carries the 2.2.0 edition of its XML; CII/ holds the 2.3.0 one.
        assert b"Version 2.2.0" in xml and b"Version 2.3.0" in beside
    else:
        # Byte for byte, apart from the line endings the extraction upstream normalised.
        assert xml.replace(b"\r\n", b"\n") == beside.replace(b"\r\n", b"\n")
        assert read_cii(xml) == read_cii(beside)


def test_plain_pdf_has_none_and_bad_pdfs_raise() -> None:
    assert embedded_invoice_xml(_pdf()) is None
    assert embedded_invoice_xml(_pdf(("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64))) is None
    for data, code in (
        (b"", "pdf_empty"),
        (b"<Invoice/>", "pdf_not_pdf"),
        (b"%PDF-1.7\n garbage garbage", "pdf_truncated"),
    ):
        with pytest.raises(PdfError) as err:
            embedded_invoice_xml(data)
        assert err.value.code == code


def test_any_attachment_that_is_an_invoice_and_known_names_first() -> None:
    ubl = FIXTURE.read_bytes()
    assert embedded_invoice_xml(_pdf(("rechnung-anhang.xml", ubl))) == ubl
    cii = CII_HEAD
    found = embedded_invoice_xml(_pdf(("other.xml", ubl), ("factur-x.xml", cii)))
    assert found == cii  # the Factur-X name wins over an earlier attachment
    # XML that is not an invoice (a ZUGFeRD 1.0 CrossIndustryDocument, an order) is not returned.
    assert embedded_invoice_xml(_pdf(("ZUGFeRD-invoice.xml", b"<CrossIndustryDocument/>"))) is None
    ex = read_einvoice(embedded_invoice_xml(_pdf(("invoice.xml", ubl))) or b"", max_bytes=1 << 20)
    assert ex.invoice_number == "INV-2041"


def test_oversized_attachments_are_skipped_quietly() -> None:
    ubl = FIXTURE.read_bytes()
    assert embedded_invoice_xml(_pdf(("factur-x.xml", ubl)), max_bytes=len(ubl) - 1) is None
    # 40 MB of zeros in 40 kB: decoded size is over the 10 MiB cap, so nothing comes back.
    bomb = _flate_pdf(b"factur-x.xml", 40 * 1024 * 1024)
    assert len(bomb) < 100_000
    started = time.monotonic()
    assert embedded_invoice_xml(bomb) is None
    assert time.monotonic() - started < 5
