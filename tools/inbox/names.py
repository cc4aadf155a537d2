"""Attachment labels and content types. A label is for display and logs; it is never a path."""

from __future__ import annotations

import re
import unicodedata

from tools.documents.identify import Kind, identify

MAX_LABEL = 120
_UNSAFE = re.compile(r'[<>:"|?*\\/]')

_EXTENSIONS = {"application/pdf": ".pdf", "application/xml": ".xml", "image/png": ".png",
               "image/jpeg": ".jpg", "image/tiff": ".tif", "image/gif": ".gif", "image/bmp": ".bmp",
               "image/webp": ".webp", "message/rfc822": ".eml", "text/plain": ".txt",
               "text/html": ".html"}


def safe_label(name: str | None, fallback: str) -> str:
    """A harmless display name: no directories, NUL, control or bidi characters, no '..',
    at most MAX_LABEL characters (the extension kept); `fallback` when nothing is left."""
    if not name:
        return fallback
    text = name.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # Cc, Cf, Cs, Co, Cn
    text = _UNSAFE.sub("_", text)
    while ".." in text:
        text = text.replace("..", ".")
    text = " ".join(text.split()).strip(". ")
    if not text:
        return fallback
    if len(text) > MAX_LABEL:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 10 else ""
        keep = MAX_LABEL - (len(ext) + 1 if ext else 0)
        text = (stem if ext else text)[:keep].rstrip(". ") + (f".{ext}" if ext else "")
    return text


def sniff_content_type(data: bytes) -> str | None:
    """The content type the bytes themselves show (magic numbers), or None when they do not say."""
    kind = identify(data)
    if kind is Kind.PDF:
        return "application/pdf"
    if kind in (Kind.UBL, Kind.CII, Kind.XML):
        return "application/xml"
    if kind is Kind.EMAIL:
        return "message/rfc822"
    if kind is Kind.IMAGE:
        head = data[:12]
        if head.startswith(b"\x89PNG"):
            return "image/png"
        if head.startswith(b"\xff\xd8\xff"):
            return "image/jpeg"
        if head.startswith((b"II*\x00", b"MM\x00*")):
            return "image/tiff"
        if head.startswith(b"GIF8"):
            return "image/gif"
        if head.startswith(b"BM"):
            return "image/bmp"
        return "image/webp"
    return None


def extension_for(content_type: str | None) -> str:
    return _EXTENSIONS.get(content_type or "", ".bin")
