"""One entry point for structured e-invoices: UBL or CII bytes in, an exact `Extraction` out, plus
the free text they carry for the injection screen and the amount actually due.

Why dispatch on content (the parsed root element), never on a file name or MIME type: an
attachment called "invoice.xml" may be either syntax, or neither.
"""

from __future__ import annotations

from tools.documents.cii import CII_ROOT, cii_extraction
from tools.documents.einvoice_checks import amount_due
from tools.documents.identify import Kind, identify
from tools.documents.model import Extraction
from tools.documents.ubl import UBL_ROOTS, ubl_extraction
from tools.documents.xml_safety import XmlRefused, parse_xml

__all__ = ["amount_due", "read_einvoice", "xml_texts"]

_MAX_TEXTS = 2_000  # distinct strings handed to the injection screen from one document


def read_einvoice(data: bytes, *, max_bytes: int) -> Extraction:
    """Read a UBL Invoice/CreditNote or a CII CrossIndustryInvoice.

    Raises XmlRefused: xml_not_einvoice for anything else (other XML, PDF, images), or the parser's
    code (xml_too_large, xml_dtd_forbidden, xml_malformed, ...) for unsafe or broken XML.
    Anything identify() calls XML is parsed (safely) and dispatched on its real root element, so
    a root beyond identify()'s 64 kB look-ahead (a long comment, a hostile DTD) is still handled.
    """
    if identify(data) not in (Kind.UBL, Kind.CII, Kind.XML):
        raise XmlRefused("xml_not_einvoice", "This file is not a UBL or CII e-invoice.")
    root = parse_xml(data, max_bytes=max_bytes)
    if root.tag in UBL_ROOTS:
        return ubl_extraction(root)
    if root.tag == CII_ROOT:
        return cii_extraction(root)
    raise XmlRefused("xml_not_einvoice", "This XML file is not a UBL or CII e-invoice.")


def xml_texts(data: bytes, *, max_bytes: int) -> tuple[str, ...]:
    """Distinct human-readable strings in the XML (notes, names, descriptions, terms), in document
    order. Why: an e-invoice's free text reaches people and models like any PDF's, so it must be
    screened for injected instructions too. Codes, numbers, dates and embedded base64 files are
    left out; they carry no instructions and would drown the screen."""
    root = parse_xml(data, max_bytes=max_bytes)
    seen: dict[str, None] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.endswith("BinaryObject"):
            continue
        text = " ".join((el.text or "").split())
        if len(text) > 1 and any(ch.isalpha() for ch in text) and text not in seen:
            seen[text] = None
            if len(seen) >= _MAX_TEXTS:
                break
    return tuple(seen)
