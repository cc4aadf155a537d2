"""What kind of document some bytes are, from their content (never from a file name alone)."""

from __future__ import annotations

import re
from enum import StrEnum

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")


class Kind(StrEnum):
    UBL = "ubl"
    CII = "cii"
    XML = "xml"          # XML, but not an invoice format we read
    PDF = "pdf"
    IMAGE = "image"
    EMAIL = "email"
    UNKNOWN = "unknown"


def _xml_root(head: bytes) -> bytes | None:
    """The first element name after the prolog, comments and doctype."""
    text = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
    match = _XML_ROOT.search(text)
    return match.group(1) if match else None


def identify(data: bytes) -> Kind:
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return Kind.PDF
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")) or (
            head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return Kind.IMAGE
    if stripped.startswith(b"<"):
        root = _xml_root(data[:65536])  # long licence comments can precede the root element
        if root in (b"Invoice", b"CreditNote"):
            return Kind.UBL
        if root == b"CrossIndustryInvoice":
            return Kind.CII
        return Kind.XML
    if re.match(rb"(?:[!-9;-~]+:[^\r\n]*\r?\n)+", stripped) and re.search(
            rb"^(?:From|Message-ID|Subject|MIME-Version|Received|Return-Path):", stripped,
            re.I | re.M):
        return Kind.EMAIL
    return Kind.UNKNOWN
