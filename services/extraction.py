"""The "extract document" capability: bytes (a document or a whole email) → a validated `Extraction`.

Reading, in this order: a structured e-invoice (PEPPOL UBL, CII) is read exactly and wins over any
rendering of the same invoice; a PDF carrying Factur-X/ZUGFeRD XML is read from its XML; text PDFs
go to the layout extractor; scans, photos and image-only PDFs go through OCR first. When a message
carries both an e-invoice and its PDF, the PDF is still read cheaply and its totals compared, so a
doctored rendering (or XML) cannot slip through unnoticed. Then the reading is checked
(tools.documents.extract.check_invoice: validation against the books, the LLM when configured).

No database here: the caller builds the validation context (services.validation_context).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from itertools import pairwise

import pypdfium2 as pdfium

from core.llm import ChatModel
from core.ocr import Ocr, OcrError, OcrText
from core.text_layer import Line, Page, PdfError, PdfText
from tools.documents.extract import InvoiceReading, NoInvoice, RawReading, check_invoice
from tools.documents.identify import Kind, identify
from tools.documents.model import Issue, SourceDocument
from tools.documents.pipeline import (
    DocumentReading, DocumentUnreadable, MessageReading, ReadingOptions, SkippedDocument,
)
from tools.documents.texts import LabelledText
from tools.documents.validation import ValidationContext

# Running headers and footers: the top and bottom bands of a page, and what marks furniture there.
FURNITURE_BAND = 0.12
SEAM_LINES = 4               # lines each side of a page break screened together
_FURNITURE = re.compile(r"\bpage\s*\d+|\bcontinued\b|\bcont'?d\b|\bp\.\s*\d+\s*(?:/|of)\b|^\W*\d+\W*$",
                        re.IGNORECASE)
# An image this small is a logo or a signature icon, not an invoice worth OCR's time.
MIN_IMAGE_BYTES = 8 * 1024


def _unreadable(exc: Exception) -> DocumentUnreadable:
    code = getattr(exc, "code", "document_unreadable")
    message = getattr(exc, "message", str(exc))
    return DocumentUnreadable(code, message)


def _layout_reading(doc: SourceDocument, kind: Kind, sha: str, text: PdfText | OcrText,
                    options: ReadingOptions) -> DocumentReading:
    from tools.documents.layout import extract_fields

    extraction = extract_fields(text, own_abn=options.own_abn)
    if options.learned is not None and extraction.supplier.abn:
        layout = options.learned.latest(extraction.supplier.abn)
        if layout is not None:
            from tools.documents.learned import apply

            extraction = apply(layout, text, extraction)
    label = "ocr" if extraction.method.value == "ocr" else "pdf"
    texts = [LabelledText(f"{label}.text", text.text)]
    texts += [LabelledText(f"{label}.text", seam) for seam in _page_seams(text)]
    texts += [LabelledText(f"{label}.hidden", span) for span in text.hidden_spans]
    return DocumentReading(doc.name, kind, sha, extraction, tuple(texts))


def _page_seams(text: PdfText | OcrText) -> list[str]:
    """Each page break of a multi-page document with the running header and footer taken out:
    the last SEAM_LINES lines of a page and the first of the next, so a sentence carried over a
    page break reads as one for the injection screen ("Ignore all previous" ending page 1,
    "instructions" under page 2's header). A line is furniture when it sits in the top or bottom
    band of its page and either names a page ("Page 1 of 2", "continued") or recurs on another
    page (digits aside). Only the seams, not the whole text again: the pages are screened as
    they are already."""
    pages = text.pages
    if len(pages) < 2:
        return []

    def band(page: Page, line: Line) -> bool:
        h = page.height
        return h > 0 and (line.y1 <= h * FURNITURE_BAND or line.y0 >= h * (1 - FURNITURE_BAND))

    def key(line_text: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line_text.split()).casefold())

    seen: dict[str, set[int]] = {}
    for page in pages:
        for line in page.lines:
            if band(page, line):
                seen.setdefault(key(line.text), set()).add(page.number)
    bodies = [[line.text for line in page.lines
               if not (band(page, line)
                       and (_FURNITURE.search(line.text) or len(seen[key(line.text)]) > 1))]
              for page in pages]
    return ["\n".join([*before[-SEAM_LINES:], *after[:SEAM_LINES]])
            for before, after in pairwise(bodies) if before and after]


def _xml_reading(doc: SourceDocument, xml: bytes, kind: Kind, sha: str,
                 options: ReadingOptions) -> DocumentReading:
    from tools.documents.einvoice import read_einvoice, xml_texts

    extraction = read_einvoice(xml, max_bytes=options.max_xml_bytes)
    source = "ubl" if extraction.method.value == "ubl" else "cii"
    texts = tuple(LabelledText(f"{source}.text", t) for t in xml_texts(xml, max_bytes=options.max_xml_bytes))
    return DocumentReading(doc.name, kind, sha, extraction, texts)


def read_document(doc: SourceDocument, *, ocr: Ocr | None,
                  options: ReadingOptions = ReadingOptions()) -> DocumentReading:
    """Read one document (UBL/CII XML, PDF, image). Raises DocumentUnreadable with the reason:
    unsupported_document, a PdfError/OcrError/XmlRefused code, or ocr_unavailable."""
    from tools.documents.xml_safety import XmlRefused

    data = doc.data
    if not data:
        raise DocumentUnreadable("document_empty", f"{doc.name} is empty (0 bytes).")
    kind = identify(data)
    sha = hashlib.sha256(data).hexdigest()
    try:
        if kind in (Kind.UBL, Kind.CII):
            return _xml_reading(doc, data, kind, sha, options)
        if kind is Kind.PDF:
            return _read_pdf(doc, sha, ocr, options)
        if kind is Kind.IMAGE:
            if ocr is None:
                raise DocumentUnreadable("ocr_unavailable", "This is an image and OCR is not available.")
            text = ocr.read_image(data, max_pages=options.max_pdf_pages)
            return _layout_reading(doc, kind, sha, text, options)
    except (PdfError, OcrError, XmlRefused) as exc:
        raise _unreadable(exc) from None
    except pdfium.PdfiumError:  # a page pdfium cannot load, past the readers' own checks
        raise DocumentUnreadable("pdf_corrupt", "The PDF is damaged and cannot be read.") from None
    what = "an XML document that is not an e-invoice" if kind is Kind.XML else "not a document we read"
    raise DocumentUnreadable("unsupported_document", f"{doc.name} is {what} (PDF, UBL/CII XML or image).")


def _read_pdf(doc: SourceDocument, sha: str, ocr: Ocr | None, options: ReadingOptions) -> DocumentReading:
    from adapters.facturx import embedded_invoice_xml
    from adapters.pdf_text import read_pdf

    embedded = embedded_invoice_xml(doc.data)
    if embedded is not None:
        reading = _xml_reading(doc, embedded, Kind.PDF, sha, options)
        text = read_pdf(doc.data, max_pages=options.max_pdf_pages)
        texts = (*reading.texts, LabelledText("pdf.text", text.text),
                 *(LabelledText("pdf.hidden", s) for s in text.hidden_spans))
        return replace(reading, texts=texts)
    text = read_pdf(doc.data, max_pages=options.max_pdf_pages)
    if text.has_text:
        return _layout_reading(doc, Kind.PDF, sha, text, options)
    if ocr is None:
        raise DocumentUnreadable("ocr_unavailable",
                                 "This PDF is a scan (no text layer) and OCR is not available.")
    return _layout_reading(doc, Kind.PDF, sha, ocr.read_pdf(doc.data, max_pages=options.max_pdf_pages),
                           options)


def text_layer(data: bytes, *, ocr: Ocr | None,
               options: ReadingOptions = ReadingOptions()) -> PdfText | OcrText | None:
    """The positioned text the layout extractor read from this document (a PDF's text, else OCR of
    the scan or image); None for an e-invoice (XML, or XML embedded in the PDF: read exactly, no
    layout) or when it cannot be read (no OCR for a scan). Raises as `read_document`."""
    from adapters.facturx import embedded_invoice_xml
    from adapters.pdf_text import read_pdf

    kind = identify(data)
    try:
        if kind is Kind.IMAGE:
            return ocr.read_image(data, max_pages=options.max_pdf_pages) if ocr else None
        if kind is not Kind.PDF or embedded_invoice_xml(data) is not None:
            return None
        text = read_pdf(data, max_pages=options.max_pdf_pages)
        if text.has_text:
            return text
        return ocr.read_pdf(data, max_pages=options.max_pdf_pages) if ocr else None
    except (PdfError, OcrError) as exc:
        raise _unreadable(exc) from None
    except pdfium.PdfiumError:
        raise DocumentUnreadable("pdf_corrupt", "The PDF is damaged and cannot be read.") from None


# -- messages -----------------------------------------------------------------------------------

def _rank(reading: DocumentReading) -> tuple[int, int, float]:
    """Structured first, then the most complete, then the most confident."""
    ex = reading.extraction
    structured = 1 if ex.method.value in ("ubl", "cii") else 0
    complete = sum(v is not None for v in (ex.invoice_number, ex.issue_date, ex.total, ex.supplier.name))
    return (structured, complete, ex.confidence.get("overall", 0.0))


def _looks_like_invoice(reading: DocumentReading) -> bool:
    ex = reading.extraction
    return ex.total is not None and (ex.invoice_number is not None or ex.issue_date is not None)


def _cross_check(chosen: DocumentReading, others: list[DocumentReading]) -> list[Issue]:
    """A rendering of the same invoice whose total disagrees with the structured one."""
    issues = []
    ex = chosen.extraction
    for other in others:
        o = other.extraction
        same = o.invoice_number is not None and o.invoice_number == ex.invoice_number
        if same and o.total is not None and ex.total is not None and o.total != ex.total:
            issues.append(Issue(code="attachments_disagree", field="total", message=(
                f"{other.source} shows a total of {o.total} but {chosen.source} says {ex.total} "
                f"for invoice {ex.invoice_number}.")))
    return issues


def _order(doc: SourceDocument) -> int:
    """Read structured XML first, then PDFs, then images (OCR is the slowest and least sure)."""
    kind = identify(doc.data)
    return {Kind.UBL: 0, Kind.CII: 0, Kind.PDF: 1, Kind.IMAGE: 2}.get(kind, 3)


def read_message(raw: bytes, *, ocr: Ocr | None, options: ReadingOptions = ReadingOptions(),
                 limits: object | None = None) -> MessageReading:
    """Read an email: every attachment (forwarded ones too), the invoice it carries, and the
    texts to screen (subject, body, hidden HTML, attachment names). Raises MessageRejected when
    the message breaks a limit; never raises on a bad attachment (it is listed in `skipped`)."""
    from tools.inbox.parsing import MessageLimits, parse_message

    parsed = parse_message(raw, limits if isinstance(limits, MessageLimits) else MessageLimits())
    texts = [LabelledText("email.subject", parsed.subject), LabelledText("email.body", parsed.text)]
    texts += [LabelledText("email.hidden_html", h) for h in parsed.hidden_text]
    texts += [LabelledText("attachment.name", d.name) for d in parsed.documents]
    labels = {d.name for d in parsed.documents}
    # The labels are shortened and path-free; the names as the sender wrote them are screened too.
    texts += [LabelledText("attachment.name", n) for n in parsed.filenames if n not in labels]
    readings: list[DocumentReading] = []
    skipped: list[SkippedDocument] = []
    issues = [Issue(code=w.code, message=w.message) for w in parsed.warnings]
    for doc in sorted(parsed.documents, key=_order):
        kind = identify(doc.data)
        if kind is Kind.IMAGE and (len(doc.data) < MIN_IMAGE_BYTES or any(map(_looks_like_invoice, readings))):
            skipped.append(SkippedDocument(doc.name, "image_not_read",
                                           "An image beside an invoice (or too small to be one) was not OCR'd."))
            continue
        try:
            readings.append(read_document(doc, ocr=ocr, options=options))
        except DocumentUnreadable as exc:
            skipped.append(SkippedDocument(doc.name, exc.code, exc.message))
    invoices = sorted((r for r in readings if _looks_like_invoice(r)), key=_rank, reverse=True)
    chosen = invoices[0] if invoices else (max(readings, key=_rank) if readings else None)
    others = tuple(r for r in readings if r is not chosen)
    if chosen is None:
        issues.append(Issue(code="no_invoice", message="The message carries no invoice we could read."))
    else:
        issues += _cross_check(chosen, list(others))
        distinct = {r.extraction.invoice_number for r in invoices if r.extraction.invoice_number}
        if len(distinct) > 1:
            issues.append(Issue(code="several_invoices", message=(
                f"The message carries {len(distinct)} different invoices: {', '.join(sorted(distinct))}.")))
    for s in skipped:
        if s.code == "image_not_read":  # a logo or a photo beside the invoice: normal, not a problem
            continue
        issues.append(Issue(code="attachment_unreadable", message=f"{s.source}: {s.message} [{s.code}]"))
    sender = parsed.sender.address if parsed.sender else None
    return MessageReading(chosen, others, tuple(skipped), tuple(texts), tuple(issues), sender)


def read_invoice(data: bytes, *, name: str, ocr: Ocr | None, options: ReadingOptions = ReadingOptions(),
                 limits: object | None = None) -> RawReading:
    """Read one document or email offline. Raises DocumentUnreadable for a document no extractor can
    read, NoInvoice for an email without an invoice, MessageRejected for an email over the limits."""
    if identify(data) is Kind.EMAIL:
        message = read_message(data, ocr=ocr, options=options, limits=limits)
        if message.invoice is None:
            raise NoInvoice(message.issues)
        return RawReading(message.invoice, message)
    return RawReading(read_document(SourceDocument(name=name, data=data), ocr=ocr, options=options))


def extract_invoice(data: bytes, *, name: str, context: ValidationContext, ocr: Ocr | None,
                    model: ChatModel | None = None, options: ReadingOptions = ReadingOptions(),
                    limits: object | None = None) -> InvoiceReading:
    """Read, validate and (when it helps and a model is configured) re-read one document or email.
    Raises as `read_invoice`."""
    raw = read_invoice(data, name=name, ocr=ocr, options=options, limits=limits)
    return check_invoice(raw, context=context, model=model)
