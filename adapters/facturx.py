"""The invoice XML embedded in a PDF (Factur-X, ZUGFeRD 2.x, XRechnung, or any UBL/CII attachment).

Why read it: a Factur-X PDF is two documents in one file, a rendering for people and the EN 16931
XML for machines. The XML is exact, so it wins over reading the rendering (ARCHITECTURE.md §4.2).

Which attachment: first those under the standard names (factur-x.xml, zugferd-invoice.xml,
ZUGFeRD-invoice.xml, xrechnung.xml), then any other XML-looking attachment; in both cases the
content must identify() as UBL or CII, so a ZUGFeRD 1.0 file (CrossIndustryDocument, which we do
not read) returns None and the PDF goes to the text path instead of failing.

Limits: attachments over `max_bytes` are skipped, as are attachments beyond the first 100. PDFium
reports an attachment's size only after decoding it (it stops at 1 GiB), so only XML-looking
candidates are ever decoded (images and PDFs attached beside the invoice are not); a process
memory limit on the worker remains the backstop against a compression bomb, as for page content
in pdf_text.
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tools.documents.identify import Kind, identify
from adapters.pdf_text import open_pdf

__all__ = ["KNOWN_NAMES", "MAX_ATTACHMENT_BYTES", "embedded_invoice_xml"]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 100
KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")


def _name(att: pdfium.PdfAttachment) -> str:
    try:
        return att.get_name()
    except pdfium.PdfiumError:
        return ""


def _subtype(att: pdfium.PdfAttachment) -> str:
    try:
        return att.get_subtype()
    except pdfium.PdfiumError:
        return ""


def _data(att: pdfium.PdfAttachment, max_bytes: int) -> bytes | None:
    """The attachment's bytes, or None when it is empty, unreadable or larger than `max_bytes`."""
    size = ctypes.c_ulong()
    if not pdfium_c.FPDFAttachment_GetFile(att.raw, None, 0, ctypes.byref(size)):
        return None
    if size.value == 0 or size.value > max_bytes:
        return None
    try:
        return bytes(att.get_data())
    except pdfium.PdfiumError:
        return None


def embedded_invoice_xml(pdf: bytes, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> bytes | None:
    """The embedded UBL/CII invoice XML, byte for byte, or None when the PDF carries none.

    Raises PdfError (from pdf_text.open_pdf) only when the PDF itself cannot be opened.
    """
    doc = open_pdf(pdf)
    try:
        known: list[tuple[int, pdfium.PdfAttachment]] = []
        others: list[pdfium.PdfAttachment] = []
        for index in range(min(doc.count_attachments(), MAX_ATTACHMENTS)):
            try:
                att = doc.get_attachment(index)
            except pdfium.PdfiumError:
                continue
            name = _name(att).strip().lower()
            if name in KNOWN_NAMES:
                known.append((KNOWN_NAMES.index(name), att))
            elif name.endswith(".xml") or "xml" in _subtype(att).lower():
                others.append(att)
        for att in [a for _, a in sorted(known, key=lambda k: k[0])] + others:
            data = _data(att, max_bytes)
            if data is not None and identify(data) in (Kind.UBL, Kind.CII):
                return data
        return None
    finally:
        doc.close()
