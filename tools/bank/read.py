"""The one entry point: bytes of a bank file in, Statements out, whatever the format.

Content decides the format, the file name only breaks a tie (a bank's "statement.txt" may be an
MT940 or a CSV). Refusals are BankFileError with a code per reason: empty_file, file_too_large,
not_text (a PDF, a workbook, binary junk), unknown_format, unknown_format_name, and each reader's
own codes for a file of its format that is damaged.
"""

from __future__ import annotations

import re

from tools.bank.csv_mapping import ColumnMapping
from tools.bank.model import BankFileError, Statement
from tools.bank.read_camt import read_camt
from tools.bank.read_csv import read_csv
from tools.bank.read_mt940 import read_mt940
from tools.bank.read_ofx import read_ofx
from tools.bank.read_qif import read_qif
from tools.bank.text import refuse_if_not_text

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MIB
FORMATS = ("ofx", "qif", "camt053", "mt940", "csv")

_OFX = re.compile(rb"OFXHEADER|<OFX>", re.IGNORECASE)
_CAMT = re.compile(rb"camt\.05[234]|<(\w+:)?BkToCstmr(Stmt|AcctRpt|DbtCdtNtfctn)")
_QIF = re.compile(rb"\s*!(Type|Account|Option|Clear)\b", re.IGNORECASE)
_MT940 = re.compile(rb"(?m)^:(20|25|28C?|60[FM]|61):")
_MT940_START = re.compile(rb"(\{[0-9]:[^}]*\}\s*)*:\d{2}[A-Z]?:")
_ALIASES = {"qfx": "ofx", "camt": "camt053", "camt052": "camt053", "camt054": "camt053",
            "mt942": "mt940"}
_EXTENSIONS = {"ofx": "ofx", "qfx": "ofx", "qbo": "ofx", "qif": "qif", "sta": "mt940",
               "940": "mt940", "mt940": "mt940", "942": "mt940", "csv": "csv", "xml": "camt053"}


def detect_format(data: bytes, filename: str = "") -> str:
    """One of FORMATS, or BankFileError (empty_file, not_text, unknown_format)."""
    if not data.strip():
        raise BankFileError("empty_file", "The file is empty.")
    refuse_if_not_text(data)
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _OFX.search(head):
        return "ofx"
    if head.startswith(b"<"):
        if _CAMT.search(head):
            return "camt053"
        raise BankFileError("unknown_format", "This XML file is not a bank statement we read "
                            "(camt.052, camt.053, camt.054 or OFX).")
    if _QIF.match(head):
        return "qif"
    # A file opening with a tag (after any SWIFT {1:...} envelope), or two tag lines, is MT940;
    # a single tag-like line further down could be a CSV memo.
    if _MT940_START.match(head) or len(_MT940.findall(head)) >= 2:
        return "mt940"
    by_name = _EXTENSIONS.get(filename.rsplit(".", 1)[-1].lower()) if "." in filename else None
    if by_name in ("mt940", "qif", "ofx"):
        return by_name
    if by_name == "csv" or _looks_like_csv(head):
        return "csv"
    raise BankFileError("unknown_format", "The file is not a bank statement format we read: "
                        "CSV, OFX/QFX, QIF, MT940 or camt.053.")


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MB" if n >= MIB else f"{n:,} bytes"


def _looks_like_csv(head: bytes) -> bool:
    lines = [line for line in head.splitlines()[:5] if line.strip()]
    return bool(lines) and all(any(sep in line for sep in (b",", b";", b"\t")) for line in lines)


def read_statements(data: bytes, filename: str = "", *, format: str | None = None,
                    mapping: ColumnMapping | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Statement, ...]:
    """Every statement in the file: one per account (and per statement period in MT940).

    `format` skips detection; `mapping` reads a CSV with those columns instead of recognising
    the bank (and implies format "csv")."""
    if len(data) > max_bytes:
        raise BankFileError("file_too_large", f"The file is {_size(len(data))}; the most we "
                            f"import at once is {_size(max_bytes)}. Export a shorter period.")
    if not data.strip():
        raise BankFileError("empty_file", "The file is empty.")
    if format is None:
        format = "csv" if mapping is not None else detect_format(data, filename)
    family = _ALIASES.get(format, format)
    if mapping is not None and family != "csv":
        raise BankFileError("mapping_invalid", "A column mapping applies to CSV files only.")
    if family == "ofx":
        return read_ofx(data)
    if family == "qif":
        return read_qif(data)
    if family == "camt053":
        return read_camt(data, max_bytes=max_bytes)
    if family == "mt940":
        return read_mt940(data)
    if family == "csv":
        return read_csv(data, mapping)
    raise BankFileError("unknown_format_name", f"{format!r} is not a format we read; use one of "
                        f"{', '.join(FORMATS)}.")
