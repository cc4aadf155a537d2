"""Bytes to text for bank files, and the one test for "this is not a text file at all".

Banks export in whatever their platform uses: UTF-8 (often with a byte-order mark), Windows-1252
(Westpac and NAB CSVs with an accented payee, German MT940s), sometimes UTF-16 from a spreadsheet.
We try UTF-8 first because it is self-checking (cp1252 text almost never decodes as UTF-8), then
the fallbacks in order; latin-1 maps every byte, so it ends the chain once junk has been ruled out.
"""

from __future__ import annotations

import codecs

from tools.bank.model import BankFileError

# File signatures people upload by mistake instead of an export, named so the message can help.
_MAGIC = ((b"%PDF", "a PDF"), (b"PK\x03\x04", "a ZIP or Excel workbook"),
          (b"\xd0\xcf\x11\xe0", "an old Excel or Word file"), (b"\x89PNG", "an image"),
          (b"\xff\xd8\xff", "an image"), (b"GIF8", "an image"))
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1a")  # \x1a: DOS end-of-file


def refuse_if_not_text(data: bytes) -> None:
    """Raise BankFileError("not_text") for a file that is not text (a PDF, a workbook, junk)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise BankFileError("not_text", f"This file is {what}, not a bank export. Download the "
                                "statement from internet banking as CSV, OFX, QIF or MT940.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    head = data[:8192]
    # Text never holds NUL bytes; a few stray control characters can happen (one MT940 in the
    # corpus has one), so only a file where they are common is refused.
    if b"\x00" in head or sum(head.count(bytes([c])) for c in _CONTROL) > len(head) // 20:
        raise BankFileError("not_text", "This file is not text (it looks like binary data), so it "
                            "cannot be a bank statement export.")


def decode_text(data: bytes, fallbacks: tuple[str, ...] = ("cp1252", "latin-1")) -> str:
    """The file as text: a BOM decides, else UTF-8, else each fallback in turn."""
    refuse_if_not_text(data)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise BankFileError("not_text", "The file says it is UTF-16 text but is not readable "
                                "as such.") from None
    for encoding in ("utf-8", *fallbacks):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BankFileError("not_text", "The file's characters could not be read in any encoding "
                        "banks use (UTF-8, Windows-1252).")
