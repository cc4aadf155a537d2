from pathlib import Path

import pytest

from tools.documents.identify import Kind, identify

CORPUS = Path("/work/shared/corpus")


@pytest.mark.parametrize("data, kind", [
    (b"%PDF-1.7\n...", Kind.PDF),
    (b"\x89PNG\r\n\x1a\n....", Kind.IMAGE),
    (b"\xff\xd8\xff\xe0JFIF", Kind.IMAGE),
    (b"II*\x00tiff", Kind.IMAGE),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- note --><Invoice xmlns="urn:x">', Kind.UBL),
    (b"<ubl:CreditNote xmlns:ubl='urn:x'>", Kind.UBL),
    (b"<?xml version='1.0'?><rsm:CrossIndustryInvoice xmlns:rsm='urn:x'>", Kind.CII),
    (b"<?xml version='1.0'?><Order>", Kind.XML),
    (b"From: a@b.com\r\nSubject: Invoice\r\nMessage-ID: <1@b>\r\n\r\nbody", Kind.EMAIL),
    (b"just some text", Kind.UNKNOWN),
    (b"", Kind.UNKNOWN),
])
def test_identify_by_content(data: bytes, kind: Kind) -> None:
    assert identify(data) == kind


def test_identify_real_corpus_files() -> None:
    assert identify((CORPUS / "a-nz-peppol-bis3/Message examples/AU Invoice.xml").read_bytes()) == Kind.UBL
    assert identify((CORPUS / "a-nz-peppol-bis3/Message examples/AU Credit_note.xml").read_bytes()) == Kind.UBL
    assert identify((CORPUS / "a-nz-peppol-bis3/Message examples/AU Order Transaction.xml").read_bytes()) == Kind.XML
    pdfs = sorted((CORPUS / "invoice2data/compare").glob("*.pdf"))
    assert pdfs and all(identify(p.read_bytes()) == Kind.PDF for p in pdfs)
    ciis = sorted((CORPUS / "zugferd-xml-rechnung/CII").glob("*.cii.xml"))
    assert ciis and all(identify(p.read_bytes()) == Kind.CII for p in ciis)
